"""Letters to families and advisers, filled from a template and the case record.

`preview` renders without keeping anything. `issue` is the caseworker's "print this letter":
it keeps the letter exactly as sent on the case file (a document of kind "letter sent", in
the database, linked to the letter's entry in the communication log), logs the letter
(channel "letter") and audits the print with the kept file's sha256, all or nothing.
`reprint` hands back the kept file byte for byte, and audits that print too.

A letter is issued as a PDF, a Word document (.docx), or both: "both" is one letter in the
log with two documents on the case file, the PDF first. A text template becomes a PDF with
reportlab (reports/letter.py) and a Word file with python-docx (reports/letter_docx.py); a
Word template (services/word_templates.py) is filled as it is, and becomes a PDF through
LibreOffice, which is refused, before anything is kept, on a computer without it.

Letters issued before migration 0021 were kept as files in a "letters" folder beside the
database file; the upgrade brought those into the database. One it could not (a team
database's, kept on the computer that printed it) is still read from this computer's letters
folder, and from nowhere else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from caseload_app import paths
from caseload_app.db.engine import Database
from caseload_app.db.models import (
    AuditEntry,
    Caseworker,
    Communication,
    Document,
    EhcpCase,
)
from caseload_app.domain import deadlines
from caseload_app.domain.access import Can
from caseload_app.domain.templates import (
    FREE_TEXT,
    Template,
    TemplateInfo,
    fill,
    fill_title,
    issued_file_name,
    letters_for_stage,
    long_date,
    salutation,
)
from caseload_app.domain.validators import ValidationError
from caseload_app.reports.content import Imprint, LetterData
from caseload_app.services import libreoffice, records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import AdviceInfo, CaseDetail
from caseload_app.services.casework import CaseworkService
from caseload_app.services.document_files import extract_text, sniff
from caseload_app.services.documents import checked_bytes, store_document
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary, default_library
from caseload_app.services.word_templates import render_word_template

_DIGEST = re.compile(r"sha256 ([0-9a-f]{64})")
PDF = "application/pdf"
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# What a letter may be issued as: a PDF, a Word document, or both (one letter, two files).
FORMATS = ("pdf", "docx", "both")
EXTENSIONS = {PDF: "pdf", WORD: "docx"}

# Stage actions -> the placeholder for the date they were recorded. A decision letter uses its
# date, so it cannot be printed for a case where that decision was never made.
DECISION_DATES = {
    "assess_agreed": "date_agreed_to_assess",
    "assess_refused": "date_refused_to_assess",
    "not_issue": "date_decided_not_to_issue",
    "ceased": "date_ceased",
}
# A decision recorded on the case -> the letter that tells the family, offered at once.
DECISION_LETTERS = {
    "assess_agreed": "decision_to_assess",
    "assess_refused": "decision_not_to_assess",
    "not_issue": "decision_not_to_issue",
    "ceased": "decision_to_cease",
}
# A review's outcome (Reg 20(10)) -> the letter that tells the family, offered when it is
# recorded: keep the plan as it is, or cease it, with the appeal and mediation rights of
# Reg 20(11); amend, with the Reg 22(2) notice of the proposed amendments (due with the
# decision: Devon, docs/statutory-rules.md, "Annual reviews").
REVIEW_LETTERS = {
    "maintain": "decision_to_maintain",
    "amend": "amendment_notice",
    "cease": "decision_to_cease",
}
# Advice types (resources/codes/advice_types.csv) -> who the letter is addressed to; the rest
# go to the school ("education") or to "The adviser" at the council. The family's own advice
# (Reg 6(1)(a)) goes to the family; a qualified teacher of the vision, hearing or
# multi-sensory impaired (Reg 6(3)) is reached through the council's sensory support service
# (docs/statutory-rules.md, "Advice").
ADVISER_RECIPIENT = {
    "ep": "ep",
    "health": "health",
    "social_care": "social_care",
    "education": "school",
    "parent": "family",
    "young_person": "family",
    "sensory": "sensory",
}


def review_letter(
    outcome_before: str | None, decided_before: date | None, saved: Mapping[str, object]
) -> str | None:
    """The letter to offer after a review was saved: its outcome's, when the save recorded
    an outcome (or changed it), or gave a recorded outcome its decision date; else None."""
    outcome = saved.get("outcome", outcome_before) or None
    if not isinstance(outcome, str) or outcome not in REVIEW_LETTERS:
        return None
    newly_decided = bool(saved.get("decision_date")) and decided_before is None
    return REVIEW_LETTERS[outcome] if outcome != outcome_before or newly_decided else None


def default_letters_dir(db: Database) -> Path:
    """Where letters issued before migration 0021 were kept: beside the database file; the
    data folder for a database that is not a file."""
    return db.path.parent / "letters" if db.path else paths.data_dir() / "letters"


@dataclass(frozen=True)
class IssuedLetter:
    communication_id: int
    document_id: int  # the first kept: the PDF, when there is one
    pdf: bytes  # exactly as kept on the case file; b"" when issued in Word only
    docx: bytes = b""  # the Word file as kept; b"" when issued as a PDF only
    docx_document_id: int | None = None


@dataclass(frozen=True)
class KeptLetter:
    """One file of an issued letter, exactly as kept."""

    media_type: str  # PDF or WORD
    data: bytes

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.media_type, "pdf")


@dataclass(frozen=True)
class RenderedLetter:
    """A letter made and not yet kept (LetterService.render, then keep)."""

    template: str
    letter: PreparedLetter
    pdf: bytes
    docx: bytes
    files: tuple[tuple[bytes, str, str, str], ...]  # (data, file name, media type, its text)
    at: datetime


@dataclass(frozen=True)
class PreparedLetter:
    template: Template
    data: LetterData
    with_whom: str
    family_id: int
    values: Mapping[str, str]  # every value the case has, for a Word template
    source: Path  # the template's file
    to_family: bool  # an update for the family (domain/updates.py), not a letter about them


class LetterService(UserService):
    def __init__(
        self,
        db: Database,
        user: str,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
        *,
        templates: TemplateLibrary | None = None,
        letters_dir: Path | None = None,
        logo: Path | None = None,
    ) -> None:
        super().__init__(db, user, today, now)
        self.templates = templates or default_library()
        self.letters_dir = Path(letters_dir) if letters_dir else default_letters_dir(db)
        # An administrator's logo.png beside their templates is used unless one is given.
        self.logo = logo or self._admin_logo()

    def _admin_logo(self) -> Path | None:
        candidate = self.templates.admin_dir / "logo.png"
        return candidate if candidate.is_file() else None

    # ------------------------------------------------------------------ reading
    def list_templates(self) -> list[TemplateInfo]:
        return self.templates.list_templates()

    def letters_for(self, case_id: int) -> tuple[list[TemplateInfo], list[TemplateInfo]]:
        """The letters that fit the case's stage first, then the others (plain names)."""
        with self._db.read() as s:
            stage = records.load(s, EhcpCase, case_id, "case").stage
        return letters_for_stage(self.list_templates(), stage)

    def save_template(self, name: str, text: str):
        """An administrator's edit of a letter template (checked, written atomically)."""
        self._allowed(Can.TEMPLATES)
        saved = self.templates.save_template(name, text)
        self.audit_export("template", f"saved letter template {name}", action="update")
        return saved

    def preview(
        self,
        case_id: int,
        template: str,
        *,
        advice_id: int | None = None,
        advice_type: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> bytes:
        """The letter as it would print, as a PDF; nothing is kept, logged or audited."""
        letter = self._prepare(case_id, template, advice_id, advice_type, extra, None)
        pdf, _ = self._render(letter, "pdf")
        return pdf

    def check_letter(
        self, case_id: int, template: str, *, extra: Mapping[str, str] | None = None
    ) -> None:
        """Raise what `issue_letter` would (MissingValues naming every value the case lacks)
        without rendering, keeping, logging or auditing anything: a mail merge's dry run."""
        self._prepare(case_id, template, None, None, extra, None)

    # ------------------------------------------------------------------ printing
    def issue(
        self,
        case_id: int,
        template: str,
        *,
        advice_id: int | None = None,
        advice_type: str | None = None,
        extra: Mapping[str, str] | None = None,
        format: str = "pdf",
    ) -> int:
        """`issue_letter`, for a caller that needs only the communication's id."""
        issued = self.issue_letter(
            case_id, template, advice_id=advice_id, advice_type=advice_type, extra=extra,
            format=format,
        )  # fmt: skip
        return issued.communication_id

    def issue_letter(
        self,
        case_id: int,
        template: str,
        *,
        advice_id: int | None = None,
        advice_type: str | None = None,
        extra: Mapping[str, str] | None = None,
        format: str = "pdf",
    ) -> IssuedLetter:
        """Render, keep the letter on the case file (as a PDF, a Word document, or both:
        `format` is one of FORMATS), log it and audit the print, in one transaction; returns
        what was kept, to print. Anything missing is reported before anything is kept. The
        letter goes on the case file, so only whoever may change the case (its caseworker,
        a team lead) issues one."""
        if format not in FORMATS:
            raise UserError(
                f"A letter is issued as pdf, docx (a Word document) or both, not {format!r}."
            )
        with self._db.read() as s:  # refused before anything is rendered
            self._require(s, Can.LOG_CONTACT)
            self._case_to_edit(s, case_id)
        rendered = self.render(case_id, template, advice_id=advice_id, advice_type=advice_type,
                               extra=extra, format=format)  # fmt: skip
        with self._db.uow() as s:
            return self.keep(s, self._case_to_edit(s, case_id), rendered)

    def render(
        self,
        case_id: int,
        template: str,
        *,
        advice_id: int | None = None,
        advice_type: str | None = None,
        extra: Mapping[str, str] | None = None,
        format: str = "pdf",
        planned: Mapping[str, str] | None = None,
    ) -> RenderedLetter:
        """The letter made, not yet kept: `keep` keeps it in a transaction of the caller's.
        `planned`: values from the record as they will be once the caller's transaction is
        saved (the review meeting a catch-up plan books with the letter)."""
        letter = self._prepare(case_id, template, advice_id, advice_type, extra, planned)
        pdf, docx = self._render(letter, format)
        now = self._now()
        files = []
        for data, media in ((pdf, PDF), (docx, WORD)):  # read before the transaction opens
            if data:
                name = issued_file_name(now, template, EXTENSIONS[media])
                files.append((data, name, media, extract_text(data, sniff(data, name)).text))
        return RenderedLetter(template, letter, pdf, docx, tuple(files), now)

    def keep(self, s, case: EhcpCase, rendered: RenderedLetter) -> IssuedLetter:
        """Keep a rendered letter on the case file, log it and audit its print, in the
        caller's transaction (the case loaded by `_case_to_edit`)."""
        letter, now = rendered.letter, rendered.at
        comm = Communication(
            family_id=letter.family_id,
            case_id=case.id,
            occurred_at=now,
            channel="letter",
            direction="out",
            with_whom=letter.with_whom[:200],
            with_family=letter.to_family,
            summary=f"Letter: {letter.data.title}",
            logged_by=self.user,
            updated_by=self.user,
            updated_at=now,
        )
        s.add(comm)
        detail = _print_detail(rendered.template, letter.with_whom, rendered.pdf, rendered.docx)
        records.audit(s, self.user, now, "print", comm, case.id, detail)
        ids = []
        for data, name, media, words in rendered.files:
            stored = store_document(
                s, self.user, now, case.id, data, name, media, kind="letter_sent",
                title=letter.data.title, dated=self._today(), came_from="the council",
                body_text=words, communication_id=comm.id,
            )  # fmt: skip
            ids.append(stored.id)
        s.flush()
        word_id = ids[-1] if rendered.docx else None
        return IssuedLetter(comm.id, ids[0], rendered.pdf, rendered.docx, word_id)

    def reprint(self, communication_id: int) -> bytes:
        """The kept letter exactly as it was issued (checked against its sha256), audited as
        a print of the letter: its PDF, or its Word file when it was issued in Word only."""
        return self.reprint_files(communication_id)[0].data

    def reprint_files(self, communication_id: int, *, to_email: bool = False) -> list[KeptLetter]:
        """Every file kept of the letter (the PDF first), exactly as issued, audited as one
        print of the letter (or, `to_email`, as read to be attached to an e-mail: the
        sending is audited by the mail service)."""
        with self._db.uow() as s:
            comm = records.load(s, Communication, communication_id, "communication")
            kept = list(
                s.scalars(
                    select(Document)
                    .where(Document.communication_id == comm.id)
                    .order_by(Document.id)
                )
            )
            if kept:
                files = [KeptLetter(d.media_type, checked_bytes(s, d)) for d in kept]
            elif comm.letter_path:
                files = [KeptLetter(PDF, self._kept_before_0021(s, comm))]
            else:
                raise NotFound("That communication has no letter kept with it.")
            digests = ", ".join(f"sha256 {hashlib.sha256(f.data).hexdigest()}" for f in files)
            how, action = ("read to e-mail", "view") if to_email else ("reprinted", "print")
            detail = f"{how} {comm.summary} ({digests})"
            records.audit(s, self.user, self._now(), action, comm, comm.case_id, detail)
            return files

    def _kept_before_0021(self, s, comm: Communication) -> bytes:
        """A letter the upgrade could not bring into the database (a team database's, kept on
        the computer that printed it): read from this computer's letters folder only."""
        path = self._in_letters_folder(Path(comm.letter_path or ""))  # never a row's own path
        try:
            pdf = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"The kept copy of this letter is missing ({path}). "
                "Ask an administrator to restore it from a backup."
            ) from None
        expected = _issued_digest(s, comm.id)
        if expected and hashlib.sha256(pdf).hexdigest() != expected:
            raise UserError(
                f"The kept copy of this letter ({path}) has changed since it was issued, "
                "so it is not reprinted. Ask an administrator to restore it from a backup."
            )
        return pdf

    def set_mediation_adviser(self, text: str) -> None:
        """The mediation adviser's name and contact details, for decision letters."""
        team = TeamSettingsService(self._db, self.user, now=self._now)
        team.set_council(replace(team.council(), mediation_adviser=text))

    # ------------------------------------------------------------------ assembling
    def _prepare(
        self,
        case_id: int,
        name: str,
        advice_id: int | None,
        advice_type: str | None,
        extra: Mapping[str, str] | None,
        planned: Mapping[str, str] | None,
    ) -> PreparedLetter:
        source = self.templates.path_for(name)
        template = self.templates.load(name)
        typed = _check_extra(extra or {})
        detail = CaseworkService(self._db, self.user, self._today, self._now).get_case(
            case_id, opened=False
        )
        council = TeamSettingsService(self._db).council()
        mediation, email = self._team_details(detail.caseworker_id)
        advice = _choose_advice(detail, advice_id, advice_type)
        values = letter_values(
            detail,
            council,
            today=self._today(),
            caseworker=detail.caseworker or self.user,
            caseworker_email=email if detail.caseworker else "",
            mediation_adviser=mediation,
            advice=advice,
        )
        values.update(planned or {})
        values.update(typed)
        title, body = fill_title(template, values), fill(template, values)
        recipient = recipient_lines(template.to, detail, council, advice)
        data = LetterData(
            council_name=values["council_name"],
            council_address=tuple(_lines(council.address)),
            letter_date=self._today(),
            recipient=recipient,
            child_name=values["child_name"],
            date_of_birth=detail.child.date_of_birth,
            reference=values["case_reference"],
            title=title,
            body=body,
            caseworker=values["caseworker"],
            caseworker_email=values.get("caseworker_email", ""),
            logo=self.logo,
        )
        to_family = template.to == "family" or (
            template.to == "adviser" and adviser_recipient(advice) == "family"
        )
        who = recipient[0] if to_family else ", ".join(recipient[:2])
        return PreparedLetter(template, data, who, detail.family.id, values, source, to_family)

    def _render(self, letter: PreparedLetter, format: str) -> tuple[bytes, bytes]:
        """The letter as (PDF, Word file), each b"" when `format` does not ask for it."""
        want_pdf, want_word = format in ("pdf", "both"), format in ("docx", "both")
        if letter.template.word:
            if want_pdf and libreoffice.soffice() is None:
                raise UserError(
                    f"'{letter.template.name}' is a Word template: making it a PDF needs "
                    "LibreOffice, which this computer does not have. Issue it as a Word "
                    "document instead (print it from Word)."
                )
            filled = render_word_template(letter.source, letter.values, letter.data.title)
            pdf = self._word_to_pdf(filled, letter.template.name) if want_pdf else b""
            return pdf, filled if want_word else b""
        # Imported here, not at the top: reportlab and python-docx load only when used.
        from caseload_app.reports.letter import build_letter
        from caseload_app.reports.letter_docx import build_letter_docx

        imprint = self._imprint(letter.data)
        pdf = build_letter(letter.data, imprint) if want_pdf else b""
        return pdf, build_letter_docx(letter.data, imprint) if want_word else b""

    def _word_to_pdf(self, docx: bytes, name: str) -> bytes:
        made = libreoffice.words_to_pdf({name: docx})
        pdf = made.get(name) if made is not None else None
        if not pdf:
            raise UserError(
                f"LibreOffice could not make the letter '{name}' into a PDF, so nothing was "
                "kept. Issue it as a Word document instead, or ask your administrator to "
                "check the template opens in Word."
            )
        return pdf

    def _team_details(self, caseworker_id: int | None) -> tuple[str, str]:
        mediation = TeamSettingsService(self._db).council().mediation_adviser
        with self._db.read() as s:
            email = (
                s.scalar(select(Caseworker.email).where(Caseworker.id == caseworker_id))
                if caseworker_id is not None
                else None
            )
        return mediation or "", email or ""

    def _imprint(self, data: LetterData) -> Imprint:
        return Imprint(printed_by=self.user, printed_at=self._now(), council=data.council_name)

    def _in_letters_folder(self, path: Path) -> Path:
        """A letter kept before 0021 is only ever handed out from this database's letters
        folder: nothing read from a row can name a file anywhere else."""
        resolved = path.resolve()  # used as checked: not a link that may change meanwhile
        if not resolved.is_relative_to(self.letters_dir.resolve()):
            raise UserError(
                f"The kept copy of this letter would be outside the letters folder "
                f"({self.letters_dir}), so it is not used."
            )
        return resolved


# --------------------------------------------------------------------------- values
def letter_values(
    detail: CaseDetail,
    council: CouncilDetails,
    *,
    today: date,
    caseworker: str,
    caseworker_email: str = "",
    mediation_adviser: str = "",
    advice: AdviceInfo | None = None,
) -> dict[str, str]:
    """Every placeholder value this case has; a value the record lacks is left out, so
    filling names it instead of printing a blank."""
    fmt = deadlines.format_date
    child, family = detail.child, detail.family
    received = detail.request_received
    values = {
        "council_name": council.name,
        "council_address": ", ".join(_lines(council.address)),
        "mediation_adviser": ", ".join(_lines(mediation_adviser)),
        "today": fmt(today),
        "case_reference": f"EHCP/{detail.case_id:06d}",
        "caseworker": caseworker,
        "caseworker_email": caseworker_email,
        "child_name": f"{child.first_name} {child.last_name}",
        "child_first_name": child.first_name,
        "date_of_birth": long_date(child.date_of_birth),
        "upn": child.upn or "",
        "setting": child.setting or "",
        "parent_carer_name": family.parent_carer_name,
        "salutation": salutation(family.parent_carer_name),
        "family_address": ", ".join(_lines(family.address)),
        "postcode": family.postcode or "",
        "request_received": fmt(received),
        "decision_to_assess_due": fmt(deadlines.decision_to_assess_due(received)),
        "decision_not_to_issue_due": fmt(deadlines.decision_not_to_issue_due(received)),
        "final_plan_due": fmt(deadlines.final_plan_due(received)),
        # This letter is the decision letter: the 2 months run from its date.
        "appeal_deadline": fmt(deadlines.appeal_deadline(today)),
    }
    values.update(_stage_values(detail, today))
    if advice is not None:
        values["advice_type"] = advice.type_label.lower()
        values["advice_requested"] = fmt(advice.requested)
        values["advice_due"] = fmt(advice.due)
    return {k: v for k, v in values.items() if v and v.strip()}


def _draft_comments(detail: CaseDetail) -> str:
    """What the final plan's letter says of the family's comments on the draft: thanks
    only if some were recorded as received."""
    if any(e.action == "comments_received" for e in detail.events):
        return "Thank you for your comments on the draft, which we have taken into account."
    return "We did not receive comments from you on the draft within the 15 days allowed."


def _stage_values(detail: CaseDetail, today: date) -> dict[str, str]:
    fmt = deadlines.format_date
    done = {d.key: d.done_on for d in detail.deadlines if d.done_on is not None}
    values: dict[str, str] = {}
    if "draft_plan" in done:
        values["draft_served"] = fmt(done["draft_plan"])
        values["comments_end"] = fmt(deadlines.comments_end(done["draft_plan"]))
    if "final_plan" in done:
        values["final_issued"] = fmt(done["final_plan"])
        values["draft_comments"] = _draft_comments(detail)
    for action, key in DECISION_DATES.items():
        decided = [e.on_date for e in detail.events if e.action == action]
        if decided:
            values[key] = fmt(decided[-1])
    reasons = [
        e for e in detail.events if e.action in ("assess_refused", "not_issue", "ceased") and e.note
    ]
    if reasons:
        values["decision_reason"] = reasons[-1].note or ""
    if detail.cease_reason:
        values["cease_reason"] = detail.cease_reason
    upcoming = sorted(
        r.meeting_date
        for r in detail.reviews
        if r.meeting_date and r.meeting_date >= today and r.decision_date is None
    )
    if upcoming:
        values["review_meeting"] = fmt(upcoming[0])
        values["review_decision_due"] = fmt(deadlines.review_decision_due(upcoming[0]))
    values.update(_review_outcome_values(detail, today))
    return values


def _review_outcome_values(detail: CaseDetail, today: date) -> dict[str, str]:
    """The latest review with an outcome, for the letter that tells the family of it; and,
    for the amendment notice, the periods that run from this letter's date: the letter is
    the notice, so the family's 15 days begin with it (Reg 22(2)(c)) and the 8 weeks for the
    final amended plan run from it (Reg 22(3))."""
    fmt = deadlines.format_date
    values = {
        "amendment_comments_end": fmt(deadlines.amendment_comments_end(today)),
        "amended_plan_due": fmt(deadlines.weeks_of(today, 8)),
    }
    decided = [r for r in detail.reviews if r.outcome]
    if not decided:
        return values
    review = max(decided, key=lambda r: (r.meeting_date or r.due, r.id))
    if review.meeting_date:
        values["review_held"] = fmt(review.meeting_date)
    if review.decision_date:
        values["review_decided"] = fmt(review.decision_date)
        if review.outcome == "cease" and not any(e.action == "ceased" for e in detail.events):
            # Ceasing decided at a review: the letter gives that decision's date.
            values["date_ceased"] = fmt(review.decision_date)
    return values


def _choose_advice(
    detail: CaseDetail, advice_id: int | None, advice_type: str | None
) -> AdviceInfo | None:
    """The advice request a letter is about: the one named, else the latest of the type asked
    for, else the latest one."""
    if advice_id is not None:
        for advice in detail.advice:
            if advice.id == advice_id:
                return advice
        raise NotFound("That advice request does not belong to this case.")
    wanted = [
        a
        for a in detail.advice
        if advice_type is None
        or advice_type.strip().lower() in (a.advice_type, a.type_label.lower())
    ]
    return wanted[-1] if wanted else None  # detail.advice is in request order


def _check_extra(extra: Mapping[str, str]) -> dict[str, str]:
    wrong = sorted(set(extra) - FREE_TEXT)
    if wrong:
        raise ValidationError(
            f"{', '.join(wrong)} cannot be typed in: it comes from the case record. "
            f"Text you can type: {', '.join(sorted(FREE_TEXT))}."
        )
    return {k: v.strip() for k, v in extra.items() if v and v.strip()}


def adviser_recipient(advice: AdviceInfo | None) -> str:
    """Who a letter "to the adviser" goes to, by the advice asked for (ADVISER_RECIPIENT)."""
    return ADVISER_RECIPIENT.get(advice.advice_type if advice else "", "other")


def recipient_lines(
    to: str,
    detail: CaseDetail,
    council: CouncilDetails,
    advice: AdviceInfo | None = None,
) -> tuple[str, ...]:
    """Name and address for the window of the envelope."""
    at_council = (council.name, *_lines(council.address))
    if to == "adviser":
        to = adviser_recipient(advice)
    if to == "family":
        family = detail.family
        address = [line for line in _lines(family.address) if line != family.postcode]
        return (family.parent_carer_name, *address, family.postcode or "")
    if to == "school":
        return ("The Headteacher", detail.child.setting or "")
    if to == "ep":
        return ("Principal Educational Psychologist", "Educational Psychology Service", *at_council)
    if to == "social_care":
        return ("Team Manager", "Children's Social Care", *at_council)
    if to == "health":
        return ("Designated Clinical Officer for SEND", "NHS Integrated Care Board")
    if to == "sensory":
        return ("Head of Sensory Support", "Sensory Support Service", *at_council)
    return ("The adviser", "c/o the SEND Team", *at_council)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _print_detail(template: str, to: str, pdf: bytes, docx: bytes) -> str:
    """The audit entry of an issued letter, with each kept file's sha256 (the PDF's first:
    the one a pre-0021 reprint is checked against)."""
    pdf_sum = f"sha256 {hashlib.sha256(pdf).hexdigest()}"
    word_sum = f"sha256 {hashlib.sha256(docx).hexdigest()}"
    if pdf and docx:
        both = f"{pdf_sum} (PDF), {word_sum} (Word)"
        return f"printed letter '{template}' to {to} as PDF and Word; {both}"
    if docx:
        return f"printed letter '{template}' to {to} as a Word document; {word_sum}"
    return f"printed letter '{template}' to {to}; {pdf_sum}"


def _issued_digest(s, communication_id: int) -> str | None:
    detail = s.scalar(
        select(AuditEntry.detail)
        .where(
            AuditEntry.record_type == Communication.__tablename__,
            AuditEntry.record_id == communication_id,
            AuditEntry.action == "print",
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    match = _DIGEST.search(detail or "")
    return match.group(1) if match else None
