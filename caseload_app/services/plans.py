"""The EHC plan on a case: its working copy, saved as the caseworker writes, issued as a
frozen version (draft, final, proposed amendments, amended), compared, checked, imported
from Word or JSON and exported as Word, PDF or JSON. Each public method is one user action,
one transaction; every view, save, issue, import and export is audited.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AdviceRequest,
    Caseworker,
    Child,
    Document,
    EhcpCase,
    PlanVersion,
    StoredFile,
)
from caseload_app.domain import codes, phases
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.plan import Advice, Plan, PlanError, plan_from_dict, plan_to_dict
from caseload_app.domain.plan_checks import Finding, run_checks
from caseload_app.domain.plan_diff import Change, plan_diff
from caseload_app.domain.plan_import import Identity, identity_of, place_blocks
from caseload_app.domain.text import fold
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.documents import plan_words, store_document
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.plan_files import read_docx_blocks
from caseload_app.services.settings import TeamSettingsService, plan_rules_off

__all__ = ["KINDS", "FolderLine", "PlanService", "PlanState", "VersionInfo"]

# What each kind of version is called, and what the next working copy becomes once issued.
KINDS = {
    "draft": "Draft plan",
    "final": "Final plan",
    "proposed": "Proposed amendments (Reg 22)",
    "amended": "Amended final plan",
}
STALE = "This plan was changed meanwhile (issued, or saved elsewhere): reload the plan."
NEXT_KIND = {"draft": "final", "final": "proposed", "proposed": "amended", "amended": "proposed"}
EXPORTS = ("docx", "pdf", "json")
# The files kept on the case file when a version is issued, by export format.
ISSUED_FILES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    kind: str
    kind_label: str
    issued_on: date | None  # None: the working copy
    issued_by: str | None
    sha256: str | None


@dataclass(frozen=True)
class FolderLine:
    """One file of a folder import: the case it went to (None: not imported) and what
    happened, in words."""

    file: str
    case_id: int | None
    outcome: str


@dataclass(frozen=True)
class PlanState:
    """The working copy as the editor shows it: its row's id and version (None and 0 before the
    first save), the plan, and what the checks found (all but those the council switched
    off)."""

    case_id: int
    version_id: int | None
    version: int
    number: int
    kind: str
    plan: Plan
    findings: tuple[Finding, ...]
    adulthood_due: bool = False  # the child is in Year 9 or above (the checks' context)
    rules_off: frozenset[str] = frozenset()  # the checks the council switched off

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def check(self, plan: Plan) -> tuple[Finding, ...]:
        """The checks on an edited plan, in this version's context (draft or not, Year 9, the
        checks switched off)."""
        return tuple(
            run_checks(
                plan,
                draft=self.kind == "draft",
                adulthood_due=self.adulthood_due,
                off=self.rules_off,
            )
        )


class PlanService(UserService):
    # ------------------------------------------------------------------ reading
    def working(self, case_id: int) -> PlanState:
        """The case's working copy; before the first save, an empty plan with Section K filled
        from the advice received on the case (Reg 12(1)(k))."""
        with self._db.read() as s:
            case = records.load(s, EhcpCase, case_id, "case")
            row = _working_row(s, case_id)
            if row is None:  # the next version starts from the last one issued
                last = _last_issued(s, case_id)
                kind = _next_kind(last)
                plan = Plan(advice=_case_advice(s, case_id)) if last is None else _plan_of(last)
                return self._state(s, case, None, 0, _next_number(s, case_id), kind, plan)
            plan = plan_from_dict(json.loads(row.content))
            return self._state(s, case, row.id, row.version, row.number, row.kind, plan)

    def versions(self, case_id: int) -> list[VersionInfo]:
        with self._db.read() as s:
            rows = s.scalars(
                select(PlanVersion)
                .where(PlanVersion.case_id == case_id)
                .order_by(PlanVersion.number)
            )
            return [_info(r) for r in rows]

    def open_version(self, version_id: int) -> Plan:
        """An issued (or the working) version's content; audited as a view of the case."""
        with self._db.uow() as s:
            row = records.load(s, PlanVersion, version_id, "plan version")
            records.audit(
                s,
                self.user,
                self._now(),
                "view",
                row,
                row.case_id,
                f"Plan version {row.number} ({KINDS[row.kind]}) opened",
            )
            return plan_from_dict(json.loads(row.content))

    def compare(self, old_id: int, new_id: int) -> list[Change]:
        with self._db.read() as s:
            old = records.load(s, PlanVersion, old_id, "plan version")
            new = records.load(s, PlanVersion, new_id, "plan version")
            if old.case_id != new.case_id:
                raise UserError("Those versions belong to different cases.")
            return plan_diff(_plan_of(old), _plan_of(new))

    # ------------------------------------------------------------------ writing
    def save(self, case_id: int, plan: Plan, version_id: int | None, version: int) -> PlanState:
        """Save the working copy (creating it on the first save); a stale save is refused."""
        with self._db.uow() as s:
            return self._save(s, case_id, plan, version_id, version, "saved")

    def _save(
        self, s: Session, case_id: int, plan: Plan, version_id: int | None, version: int, how: str
    ) -> PlanState:
        case = self._case_to_edit(s, case_id)
        row = _working_row(s, case_id)
        now = self._now()
        if row is None:
            if version_id is not None:
                raise UserError(STALE)
            kind = _next_kind(_last_issued(s, case_id))
            row = PlanVersion(
                case_id=case_id,
                number=_next_number(s, case_id),
                kind=kind,
                content=_content(plan),
                created_by=self.user,
                created_at=now,
                updated_by=self.user,
                updated_at=now,
            )
            detail = f"Plan version {row.number} ({KINDS[kind]}) started and {how}"
            records.create(s, row, user=self.user, now=now, case_id=case_id, detail=detail)
        else:
            if row.id != version_id:
                raise UserError(STALE)
            records.check_version(s, row, version, "plan")
            changed = _sections_changed(_plan_of(row), plan)
            if changed or how != "saved":
                row.content, row.updated_by, row.updated_at = _content(plan), self.user, now
                sections = ", ".join(changed) or "none"
                detail = f"Plan version {row.number} {how}: sections changed {sections}"
                records.audit(s, self.user, now, "update", row, case_id, detail)
        s.flush()
        return self._state(s, case, row.id, row.version, row.number, row.kind, plan)

    def issue(self, case_id: int, version_id: int, version: int, on: date) -> VersionInfo:
        """Freeze the working copy as issued on ``on``, with its content's sha256."""
        if on > self._today():
            raise FieldErrors({"on": "The day it was issued cannot be in the future."})
        with self._db.uow() as s:
            self._case_to_edit(s, case_id)
            row = records.load(s, PlanVersion, version_id, "plan version")
            if row.case_id != case_id or row.issued_on is not None:
                raise UserError("Only the working copy of this case's plan can be issued.")
            records.check_version(s, row, version, "plan")
            plan = _plan_of(row)
            if row.kind == "draft" and (plan.placement.name.strip() or plan.placement.kind.strip()):
                raise UserError(
                    "A draft plan must not name a school or college (s38(5) Children and "
                    "Families Act 2014): empty Section I before issuing the draft."
                )
            now = self._now()
            row.issued_on, row.issued_by = on, self.user
            row.content_sha256 = hashlib.sha256(row.content.encode("utf-8")).hexdigest()
            row.updated_by, row.updated_at = self.user, now
            records.audit(
                s,
                self.user,
                now,
                "issue",
                row,
                case_id,
                f"Plan version {row.number} issued as {KINDS[row.kind]} on "
                f"{on.isoformat()} (sha256 {row.content_sha256})",
            )
            s.flush()
            self._keep_issued_files(s, row, on)
            return _info(row)

    def _keep_issued_files(self, s: Session, row: PlanVersion, on: date) -> None:
        """The exact Word and PDF files issued go on the case file: what the family got is
        what a later export of this version gives back, byte for byte."""
        case = records.load(s, EhcpCase, row.case_id, "case")
        child = case.child
        stem = f"EHC plan {child.first_name} {child.last_name} v{row.number}"
        title = f"{KINDS[row.kind]}, version {row.number}, issued {on:%d %b %Y}"
        words = plan_words(row.content)  # found by the case file's search
        for fmt, media_type in ISSUED_FILES.items():
            store_document(
                s, self.user, self._now(), row.case_id, self._render(s, case, row, fmt),
                f"{stem}.{fmt}", media_type, kind="plan_version", title=f"{title} ({fmt.upper()})",
                dated=on, came_from="the council", body_text=words, plan_version_id=row.id,
            )  # fmt: skip

    def import_docx(self, case_id: int, source: Path | bytes, name: str = "") -> str:
        """Replace the working copy's content with a plan read from a Word file, all or
        nothing; returns the report of what went where."""
        placed = place_blocks(read_docx_blocks(source, name))
        self._replace_working(case_id, placed.plan, f"imported from {name or 'a Word file'}")
        return placed.report()

    def import_json(self, case_id: int, text: str, name: str = "") -> str:
        label = name or "The file"
        try:
            plan = plan_from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise UserError(f"{label} is not JSON (line {exc.lineno}: {exc.msg}).") from None
        except PlanError as exc:
            raise UserError(f"{label}: {exc}") from None
        self._replace_working(case_id, plan, f"imported from {name or 'JSON'}")
        return (
            f"{len(plan.needs)} needs, {len(plan.outcomes)} outcomes and "
            f"{len(plan.provision)} pieces of provision imported."
        )

    def import_folder(self, folder: Path) -> list[FolderLine]:
        """Every .docx plan in a folder, each matched to its child by the UPN in it, or by the
        name and date of birth in it, and imported into that child's case (its open one, else
        its latest); each plan all or nothing, with a line of report per file."""
        if not folder.is_dir():
            raise UserError(f"{folder} is not a folder.")
        return [self._import_one(path) for path in sorted(folder.glob("*.docx"))]

    def _import_one(self, path: Path) -> FolderLine:
        try:
            blocks = read_docx_blocks(path, path.name)
            who = identity_of(blocks)
            case_id = self._case_of(who)
            placed = place_blocks(blocks)
            self._replace_working(case_id, placed.plan, f"imported from {path.name}")
        except (UserError, ValidationError) as exc:
            return FolderLine(path.name, None, f"not imported: {exc}")
        return FolderLine(path.name, case_id, placed.report())

    def _case_of(self, who: Identity) -> int:
        """The case of the one child the plan names; UserError saying why there is none."""
        with self._db.read() as s:
            if who.upn:
                children = list(s.scalars(select(Child).where(Child.upn == who.upn)))
                what = f"UPN {who.upn}"
            elif who.name and who.date_of_birth:
                children = [
                    c
                    for c in s.scalars(
                        select(Child).where(Child.date_of_birth == who.date_of_birth)
                    )
                    if fold(f"{c.first_name} {c.last_name}") == fold(who.name)
                ]
                what = f"{who.name}, born {who.date_of_birth.isoformat()}"
            else:
                raise UserError(
                    "it gives no UPN, nor a name with a date of birth, to match a child by."
                )
            if len(children) != 1:
                many = "no child matches" if not children else f"{len(children)} children match"
                raise UserError(f"{many} {what} in caseload.")
            cases = sorted(children[0].cases, key=lambda c: (c.is_open, c.request_received, c.id))
            if not cases:
                raise UserError(f"{what} has no case in caseload.")
            return cases[-1].id

    def _replace_working(self, case_id: int, plan: Plan, how: str) -> None:
        with self._db.uow() as s:
            row = _working_row(s, case_id)
            version_id, version = (row.id, row.version) if row is not None else (None, 0)
            self._save(s, case_id, plan, version_id, version, how)

    def export(self, case_id: int, version_id: int | None, fmt: str) -> bytes:
        """The plan (a version, or the working copy) as Word, PDF or JSON; audited with the
        file's sha256."""
        if fmt not in EXPORTS:
            raise UserError(f"Export as one of {', '.join(EXPORTS)}, not {fmt!r}.")
        with self._db.uow() as s:
            case = records.load(s, EhcpCase, case_id, "case")
            row = (
                records.load(s, PlanVersion, version_id, "plan version")
                if version_id
                else _working_row(s, case_id)
            )
            if row is None or row.case_id != case_id:
                raise UserError("This case has no plan written yet.")
            data = _kept_file(s, row, fmt) or self._render(s, case, row, fmt)
            digest = hashlib.sha256(data).hexdigest()
            records.audit(
                s,
                self.user,
                self._now(),
                "export",
                row,
                case_id,
                f"Plan version {row.number} exported as {fmt} (sha256 {digest})",
            )
            return data

    # ------------------------------------------------------------------ helpers
    def _render(self, s: Session, case: EhcpCase, row: PlanVersion, fmt: str) -> bytes:
        plan = _plan_of(row)
        if fmt == "json":
            return json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2).encode("utf-8")
        from caseload_app.reports.content import Imprint
        from caseload_app.reports.plan_content import PlanHeader, plan_blocks

        council = TeamSettingsService(self._db).council().name
        child = case.child
        worker = s.get(Caseworker, case.caseworker_id) if case.caseworker_id else None
        header = PlanHeader(
            council,
            f"{child.first_name} {child.last_name}",
            child.date_of_birth,
            row.kind,
            child.upn or "",
            f"Version {row.number}",
            row.issued_on,
            worker.name if worker else "",
        )
        blocks = plan_blocks(plan, header)
        if fmt == "docx":
            from caseload_app.reports.plan_docx import plan_docx

            return plan_docx(blocks, header)
        from caseload_app.reports.plan_pdf import plan_pdf

        return plan_pdf(blocks, header, Imprint(self.user, self._now(), council))

    def _state(
        self, s: Session, case: EhcpCase, row_id, version, number, kind, plan: Plan
    ) -> PlanState:
        child = case.child
        adult = phases.year_group_for(child.date_of_birth, self._today()) >= 9
        off = frozenset(plan_rules_off(s))  # read in the action's own transaction
        findings = run_checks(plan, draft=kind == "draft", adulthood_due=adult, off=off)
        return PlanState(case.id, row_id, version, number, kind, plan, tuple(findings), adult, off)


def _kept_file(s: Session, row: PlanVersion, fmt: str) -> bytes | None:
    """The file kept when this version was issued, in that format (None: none kept)."""
    media_type = ISSUED_FILES.get(fmt)
    if media_type is None or row.issued_on is None:
        return None
    kept = s.execute(
        select(StoredFile.data, Document.sha256)
        .join(Document, Document.sha256 == StoredFile.sha256)
        .where(Document.plan_version_id == row.id, Document.media_type == media_type)
        .order_by(Document.id)
        .limit(1)
    ).first()
    if kept is None:
        return None
    data, digest = kept
    if hashlib.sha256(data).hexdigest() != digest:
        raise UserError(
            f"The {fmt.upper()} file kept when version {row.number} was issued has been changed "
            "in the database: restore it from a backup."
        )
    return bytes(data)


def _content(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), ensure_ascii=False, sort_keys=True)


def _plan_of(row: PlanVersion) -> Plan:
    return plan_from_dict(json.loads(row.content))


def _working_row(s: Session, case_id: int) -> PlanVersion | None:
    return s.scalars(
        select(PlanVersion).where(PlanVersion.case_id == case_id, PlanVersion.issued_on.is_(None))
    ).first()


def _last_issued(s: Session, case_id: int) -> PlanVersion | None:
    return s.scalars(
        select(PlanVersion)
        .where(PlanVersion.case_id == case_id, PlanVersion.issued_on.is_not(None))
        .order_by(PlanVersion.number.desc())
    ).first()


def _next_kind(last: PlanVersion | None) -> str:
    """The kind of the working copy that follows the last version issued (None: none yet)."""
    return NEXT_KIND[last.kind] if last is not None else "draft"


def _next_number(s: Session, case_id: int) -> int:
    top = s.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.case_id == case_id))
    return (top or 0) + 1


def _case_advice(s: Session, case_id: int) -> tuple[Advice, ...]:
    labels = {c.code: c.label for c in codes.advice_types()}
    rows = s.scalars(
        select(AdviceRequest)
        .where(AdviceRequest.case_id == case_id, AdviceRequest.received.is_not(None))
        .order_by(AdviceRequest.received, AdviceRequest.id)
    )
    return tuple(
        Advice(f"K{n}", f"{labels.get(r.advice_type, r.advice_type)} advice", "", r.received)
        for n, r in enumerate(rows, start=1)
    )


def _sections_changed(old: Plan, new: Plan) -> list[str]:
    return sorted({c.section or "notes" for c in plan_diff(old, new)})


def _info(row: PlanVersion) -> VersionInfo:
    return VersionInfo(
        row.id,
        row.number,
        row.kind,
        KINDS[row.kind],
        row.issued_on,
        row.issued_by,
        row.content_sha256,
    )
