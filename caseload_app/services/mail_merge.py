"""Mail merge: one letter to many families at once (issue 25), e.g. the invitation to the
annual review for every family whose review is due next month.

The cases are chosen with the case list's own filter (services/caselist.CaseFilter): annual
reviews due between two dates, a stage, a caseworker, or exact cases. Each letter is issued
by LetterService.issue_letter, in its own transaction, exactly as a single letter is: kept on
the case file, logged, audited. A case the letter cannot go to (the case closed meanwhile,
the letter not for its stage, not this person's case, already sent, a value missing such as
the family's address) is skipped with the reason, and the rest go on.

A merge that stops part-way (Stop, a database that fails) leaves the letters issued so far
issued and the rest not; its report says which. Running it again does not send a family the
same letter twice: a case that already has this template's letter issued since `sent_since`
(by default today) is skipped as "already sent". The merge itself is audited once (which
letter, to how many), besides each letter's own audit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.engine import RefusedValue
from caseload_app.db.models import Document, EhcpCase
from caseload_app.domain import codes
from caseload_app.domain.access import Access, Can
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.templates import (
    FREE_TEXT,
    PLACEHOLDERS,
    MissingValues,
    Template,
    template_of,
)
from caseload_app.domain.text import how_many
from caseload_app.domain.validators import ValidationError
from caseload_app.files import write_atomically
from caseload_app.services import libreoffice, records
from caseload_app.services.base import UserService
from caseload_app.services.caselist import CaseFilter, CaseListService, CaseRow
from caseload_app.services.errors import DatabaseError, StorageError, UserError
from caseload_app.services.letters import LetterService

__all__ = ["MergeLine", "MergeReport", "MergeSelection", "MailMergeService", "template_of"]

RECORD = "mail_merge"  # what the merge's own audit entries name
# Text that comes from the record when not typed (reasons recorded with a decision); the
# rest of FREE_TEXT must be typed once for the whole merge.
FROM_RECORD = frozenset({"decision_reason", "cease_reason"})
# How far a merge has got: (cases done, out of).
Progress = Callable[[int, int], None]

ISSUED, WOULD_ISSUE, SKIPPED, NOT_DONE = "issued", "would issue", "skipped", "not done"
OUTCOME_LABELS = {
    ISSUED: "Issued",
    WOULD_ISSUE: "Would be issued",
    SKIPPED: "Skipped",
    NOT_DONE: "Not done",
}
REPORT_HEADER = ("Case reference", "Child", "Parent or carer", "Result", "Reason")


@dataclass(frozen=True)
class MergeSelection:
    """Whom a merge goes to; what is given narrows it (all must hold)."""

    reviews_due: tuple[date, date] | None = None  # annual reviews due between, inclusive
    stage: str | None = None
    caseworker_id: int | None = None
    case_ids: tuple[int, ...] = ()  # exactly these cases (closed ones are reported)

    def is_empty(self) -> bool:
        return self == MergeSelection()

    def case_filter(self, today: date) -> CaseFilter:
        """The case list's filter for this selection, on `today`. Chosen by a filter, only
        open cases; chosen by number, every one named (a closed one says so)."""
        due: dict = {}
        if self.reviews_due is not None:
            start, end = self.reviews_due
            due = dict(
                next_step="annual_review",
                due_from_days=(start - today).days,
                due_to_days=(end - today).days,
            )
        return CaseFilter(
            caseworker_id=self.caseworker_id,
            stage=self.stage,
            case_ids=self.case_ids,
            open_only=not self.case_ids,
            **due,
        )

    def describe(self) -> str:
        """The selection in words, for the audit trail and the report (no names)."""
        parts = []
        if self.reviews_due is not None:
            start, end = self.reviews_due
            parts.append(f"annual reviews due {start.isoformat()} to {end.isoformat()}")
        if self.stage:
            parts.append(f"stage {self.stage}")
        if self.caseworker_id is not None:
            parts.append(f"caseworker {self.caseworker_id}")
        if self.case_ids:
            parts.append("cases " + ", ".join(str(i) for i in self.case_ids))
        return "; ".join(parts) or "no selection"


class Chosen(NamedTuple):
    """A case a merge goes to (one asked for by number that is not there has no names)."""

    case_id: int
    child_name: str
    family_name: str


@dataclass(frozen=True)
class MergeLine:
    case_id: int
    child_name: str
    family_name: str
    outcome: str  # ISSUED, WOULD_ISSUE, SKIPPED or NOT_DONE
    reason: str = ""
    communication_id: int | None = None

    @property
    def reference(self) -> str:
        return f"EHCP/{self.case_id:06d}"  # as on the letters (letter_values)

    def cells(self) -> tuple[str, str, str, str, str]:
        return (
            self.reference,
            self.child_name,
            self.family_name,
            OUTCOME_LABELS[self.outcome],
            self.reason,
        )


@dataclass(frozen=True)
class MergeReport:
    template: str
    title: str  # the letter's plain name
    selection: str  # MergeSelection.describe()
    lines: tuple[MergeLine, ...]
    dry_run: bool = False
    stopped: str = ""  # why the merge stopped part-way; "" when it went through
    # The issued letters' PDFs, in the order issued: for printing them in one go.
    pdfs: tuple[bytes, ...] = field(default=(), repr=False, compare=False)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def summary(self) -> str:
        """One sentence: what was issued, skipped and left undone."""
        if self.dry_run:
            text = (
                f"{self.title}: {how_many(self.count(WOULD_ISSUE), 'letter', 'letters')} "
                f"would be issued, {self.count(SKIPPED)} skipped (nothing was issued)."
            )
        else:
            text = (
                f"{self.title}: {how_many(self.count(ISSUED), 'letter', 'letters')} issued, "
                f"{self.count(SKIPPED)} skipped."
            )
        if self.stopped:
            text += (
                f" The merge stopped part-way ({self.stopped}): the letters issued stay "
                f"issued; {self.count(NOT_DONE)} were not done. Run it again to send the "
                "rest: a family already sent it since the day given is skipped."
            )
        return text


class MailMergeService(UserService):
    def __init__(self, *args, letters: LetterService | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.letters = letters or LetterService(self._db, self.user, self._today, self._now)

    # ------------------------------------------------------------------ choosing
    def choose(self, selection: MergeSelection) -> list[CaseRow]:
        """The cases a merge would go to: in the order given when chosen by number, else in
        the case list's order (next step due first)."""
        if selection.is_empty():
            raise UserError(
                "Choose whom the letter goes to: annual reviews due between two dates, a "
                "stage, a caseworker, or the cases by number."
            )
        if (
            selection.reviews_due is not None
            and selection.reviews_due[0] > selection.reviews_due[1]
        ):
            raise UserError("The first date of the reviews due is after the last.")
        cases = CaseListService(self._db, self._today)
        found = cases.rows_for(selection.case_ids) if selection.case_ids else cases.list_cases()
        wanted = selection.case_filter(found.today)
        rows = [row for row in found.rows if wanted.matches(row)]
        if selection.case_ids:
            rows.sort(key=lambda row: selection.case_ids.index(row.case_id))
        return rows

    # ------------------------------------------------------------------ merging
    def dry_run(
        self,
        template: str,
        selection: MergeSelection,
        *,
        extra: Mapping[str, str] | None = None,
        sent_since: date | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        format: str = "pdf",
    ) -> MergeReport:
        """Who would get the letter and who would be skipped, and why; nothing is issued.
        Audited as a look at the chosen cases."""
        return self._merge(
            template, selection, extra, sent_since, progress, cancel, dry=True, format=format
        )

    def run(
        self,
        template: str,
        selection: MergeSelection,
        *,
        extra: Mapping[str, str] | None = None,
        sent_since: date | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        format: str = "pdf",
    ) -> MergeReport:
        """Issue the letter to each chosen case's family, each letter its own transaction, as
        `format` (pdf, docx or both: letters.FORMATS). `progress` hears how
        many cases are done; setting `cancel` stops between letters."""
        self._allowed(Can.LOG_CONTACT)
        return self._merge(
            template, selection, extra, sent_since, progress, cancel, dry=False, format=format
        )

    def _merge(
        self,
        name: str,
        selection: MergeSelection,
        extra: Mapping[str, str] | None,
        sent_since: date | None,
        progress: Progress | None,
        cancel: threading.Event | None,
        *,
        dry: bool,
        format: str = "pdf",
    ) -> MergeReport:
        template = self._template_for_merge(name, extra or {})
        if template.word and format != "docx" and libreoffice.soffice() is None:
            raise UserError(  # before any case: each would be skipped for the same reason
                f"'{template.plain_name}' is a Word template: making it a PDF needs LibreOffice, "
                "which this computer does not have. Issue the letters as Word documents."
            )
        job = _Job(template, extra, sent_since or self._today(), dry, format)
        rows = self._rows(selection)
        lines: list[MergeLine] = []
        pdfs: list[bytes] = []
        stopped = "it failed"  # until the loop ends by itself, by Stop or by the database
        try:
            stopped = self._each(rows, job, lines, pdfs, progress, cancel)
        except DatabaseError as exc:  # the database failed: what was issued stays issued
            said = exc.advice if isinstance(exc, StorageError) else str(exc)
            stopped = f"the database failed: {' '.join(said.split())}"
        finally:
            left = [_line(row, NOT_DONE, "the merge stopped before this letter") for row in rows]
            report = MergeReport(
                template=name,
                title=template.plain_name,
                selection=selection.describe(),
                lines=tuple(lines + left[len(lines) :]),
                dry_run=dry,
                stopped=stopped,
                pdfs=tuple(pdfs),
            )
            report = self._audit(report)
        return report

    def _each(
        self,
        rows: list[Chosen],
        job: _Job,
        lines: list[MergeLine],
        pdfs: list[bytes],
        progress: Progress | None,
        cancel: threading.Event | None,
    ) -> str:
        """Each case in turn, its line added to `lines` as it is done; why it stopped, or
        "" when every case was done."""
        access = self.access()
        for row in rows:
            if cancel is not None and cancel.is_set():
                return "stopped by you"
            lines.append(self._one(row, job, access, pdfs))
            if progress is not None:
                progress(len(lines), len(rows))
        return ""

    def _one(
        self,
        row: Chosen,
        job: _Job,
        access: Access,
        pdfs: list[bytes],
    ) -> MergeLine:
        """One case: skipped with why, or issued (or, in a dry run, checked)."""
        name, extra = job.template.name, job.extra
        reason = self._why_not(row.case_id, job.template, job.since, access)
        if reason:
            return _line(row, SKIPPED, reason)
        try:
            if job.dry:
                self.letters.check_letter(row.case_id, name, extra=extra)
                return _line(row, WOULD_ISSUE)
            issued = self.letters.issue_letter(row.case_id, name, extra=extra, format=job.format)
        except MissingValues as exc:
            return _line(row, SKIPPED, missing_reason(exc))
        except (UserError, ValidationError, RefusedValue) as exc:  # this case's alone
            return _line(row, SKIPPED, " ".join(str(exc).split()))
        if issued.pdf:  # a letter issued in Word alone has no pages to print together
            pdfs.append(issued.pdf)
        return _line(row, ISSUED, communication_id=issued.communication_id)

    def _why_not(self, case_id: int, template: Template, since: date, access: Access) -> str:
        """Why the letter cannot go to this case now, read just before it would; "" if it can
        (values the case lacks are found when the letter is made)."""
        with self._db.read() as s:
            case = s.get(EhcpCase, case_id)
            if case is None:
                return "the case is no longer there (it may be in the trash)"
            if not case.is_open:
                return f"the case is closed ({_stage_label(case.stage)})"
            if not fits_stage(template, case.stage):
                fits = " or ".join(_stage_label(x) for x in template.stages)
                return f"this letter is for cases at {fits}; this one is at " + _stage_label(
                    case.stage
                )
            if not access.can_edit_case(case.caseworker_id):
                owner = case.caseworker.name if case.caseworker is not None else "nobody yet"
                return f"not your case: only its caseworker ({owner}) or a team lead can send it"
            sent = sent_on(s, case_id, template.name, since)
        return f"already sent on {format_date(sent)}" if sent else ""

    def _template_for_merge(self, name: str, extra: Mapping[str, str]) -> Template:
        """The template, if it can go to many families at once: addressed to the family,
        with anything typed for it given once for all."""
        template = self.letters.templates.load(name)
        if template.to != "family":
            raise UserError(
                f"'{template.plain_name}' goes to the {template.to.replace('_', ' ')}, not "
                "the family: a mail merge sends letters to families."
            )
        wrong = sorted(set(extra) - FREE_TEXT)
        if wrong:
            raise UserError(
                f"{', '.join(wrong)} cannot be typed in: it comes from the case record. "
                f"Text you can type: {', '.join(sorted(FREE_TEXT))}."
            )
        typed = set(template.placeholders()) & (FREE_TEXT - FROM_RECORD)
        untyped = sorted(n for n in typed if not (extra.get(n) or "").strip())
        if untyped:
            raise UserError(
                f"'{template.plain_name}' needs text typed for it ({', '.join(untyped)}), the "
                "same for every family: give it, or choose another letter."
            )
        return template

    def _rows(self, selection: MergeSelection) -> list[Chosen]:
        """The chosen cases; a case asked for by number that is not there is reported too."""
        rows = [Chosen(r.case_id, r.child_name, r.family_name) for r in self.choose(selection)]
        found = {row.case_id for row in rows}
        missing = [i for i in dict.fromkeys(selection.case_ids) if i not in found]
        return rows + [Chosen(i, "", "") for i in missing]

    def _audit(self, report: MergeReport) -> MergeReport:
        """The merge, once: which letter, to which selection, how it went (no names). When
        the database failed under the merge, it may fail this too: the report says so (each
        letter issued was audited with it)."""
        if report.dry_run:
            action, what = "view", "checked a mail merge (dry run, nothing issued)"
        else:
            action, what = "print", "mail merge"
        detail = (
            f"{what} of letter '{report.template}' ({report.selection}): "
            f"{len(report.lines)} chosen, {report.count(ISSUED)} issued, "
            f"{report.count(SKIPPED)} skipped, {report.count(NOT_DONE)} not done"
            + (f"; stopped part-way ({report.stopped})" if report.stopped else "")
        )
        try:
            with self._db.uow() as s:
                records.write_audit(
                    s, at=self._now(), who=self.user, action=action, record_type=RECORD,
                    detail=detail,
                )  # fmt: skip
        except DatabaseError:
            if not report.stopped.startswith("the database failed"):
                raise
            return replace(
                report, stopped=report.stopped + "; the merge itself is not in the audit trail"
            )
        return report

    # ------------------------------------------------------------------ saving
    def save_report(self, report: MergeReport, path: Path) -> int:
        """The report as CSV (one line per case), written only once its export is audited."""
        lines = report.lines
        return self._write_audited_csv(
            path,
            REPORT_HEADER,
            (line.cells() for line in lines),
            RECORD,
            lambda n: (
                f"saved the report of a mail merge of letter '{report.template}' "
                f"({n} cases) as {Path(path).name}"
            ),
        )

    def save_letters(self, report: MergeReport, path: Path) -> int:
        """Every letter the merge issued, in one PDF for printing in one go; audited."""
        if not report.pdfs:
            raise UserError("No letters were issued, so there is nothing to print.")
        pdf = combined(report.pdfs)
        self.audit_export(
            RECORD,
            f"saved the {len(report.pdfs)} letters of a mail merge of letter "
            f"'{report.template}' as one PDF, {Path(path).name}",
        )
        write_atomically(Path(path), pdf)
        return len(report.pdfs)


# --------------------------------------------------------------------------- helpers
def _line(
    row: Chosen, outcome: str, reason: str = "", communication_id: int | None = None
) -> MergeLine:
    return MergeLine(
        row.case_id, row.child_name, row.family_name, outcome, reason, communication_id
    )


def fits_stage(template: Template, stage: str) -> bool:
    """Whether the letter is for a case at `stage`: one that says nothing fits every stage."""
    return not template.stages or "any" in template.stages or stage in template.stages


def _stage_label(code: str) -> str:
    labels = {c.code: c.label for c in codes.stages()}
    return labels.get(code, code).lower()


def missing_reason(exc: MissingValues) -> str:
    """What the case lacks, on one line: "no address for the family (edit the family's
    details)" rather than the placeholders' names."""
    if {"family_address", "postcode"} & set(exc.missing):
        rest = [n for n in exc.missing if n not in ("family_address", "postcode")]
        parts = ["no address for the family (edit the family's details)"]
    else:
        rest, parts = list(exc.missing), []
    by_fix: dict[str, list[str]] = {}  # values put right the same way, said together
    for name in rest:
        what, fix = PLACEHOLDERS.get(name, (name, ""))
        by_fix.setdefault(fix, []).append(what.removeprefix("the "))
    for fix, whats in by_fix.items():
        parts.append("no " + " or ".join(whats) + (f" ({fix})" if fix else ""))
    parts += [f"{{{{{n}}}}} is not a placeholder" for n in exc.unknown]
    return "; ".join(parts)


@dataclass(frozen=True)
class _Job:
    """One merge: the letter, the typed text for every family, since when a letter already
    issued counts as sent, and whether it only checks (dry) or issues, in which format."""

    template: Template
    extra: Mapping[str, str] | None
    since: date
    dry: bool
    format: str


def sent_on(s: Session, case_id: int, template: str, since: date) -> date | None:
    """The latest day on or after `since` the case was issued `template`'s letter, if any."""
    kept = s.execute(
        select(Document.file_name, Document.dated).where(
            Document.case_id == case_id,
            Document.kind == "letter_sent",
            Document.communication_id.is_not(None),
            Document.dated >= since,
        )
    ).all()
    days = [dated for name, dated in kept if template_of(name) == template]
    return max(days) if days else None


def combined(pdfs: Sequence[bytes]) -> bytes:
    """The letters one after another in one PDF."""
    from pypdf import PdfReader, PdfWriter  # loaded only when letters are printed together

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(BytesIO(pdf)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
