"""Reading the audit trail: administrators filter it and export it; nobody edits it (the
database refuses, see migration 0004). Exporting it is itself audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Select, func, or_, select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.access import Can
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import UserError

AUDIT_COLUMNS = ("id", "at", "who", "action", "record_type", "record_id", "case_id", "detail")
SHOWN_AT_MOST = 5000  # the window shows the newest this many; an export has every match


@dataclass(frozen=True)
class AuditFilter:
    who: str = ""
    action: str = ""
    record_type: str = ""
    case_id: int | None = None
    since: date | None = None  # inclusive
    until: date | None = None  # inclusive
    text: str = ""  # a word or phrase in the detail


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    who: str
    action: str
    record_type: str
    record_id: int | None
    case_id: int | None
    detail: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]  # newest first
    total: int  # how many entries match (may be more than shown)


@dataclass(frozen=True)
class AuditChoices:
    who: list[str]
    actions: list[str]
    record_types: list[str]


class AuditService(UserService):
    def _require_admin(self) -> None:
        self._allowed(Can.AUDIT)

    def choices(self) -> AuditChoices:
        self._require_admin()
        with self._db.read() as s:
            values = [
                sorted(s.scalars(select(col).distinct()))
                for col in (AuditEntry.who, AuditEntry.action, AuditEntry.record_type)
            ]
        return AuditChoices(*values)

    def search(self, wanted: AuditFilter, limit: int = SHOWN_AT_MOST) -> AuditPage:
        """The newest matching entries. The search itself is recorded (the trail shows who
        looked at whom), in the same transaction: no search without its entry."""
        self._require_admin()
        query = _filtered(select(AuditEntry), wanted)
        with self._db.uow() as s:
            total = s.scalar(_filtered(select(func.count(AuditEntry.id)), wanted)) or 0
            found = s.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
            rows = [_row(e) for e in found]
            records.write_audit(
                s,
                at=self._now(),
                who=self.user,
                action="search",
                record_type="audit_entry",
                detail=f"searched the audit trail{_describe(wanted)}: {total} entries",
            )
        return AuditPage(rows, total)

    def record_backup(self, detail: str) -> None:
        """Record that this person is making a backup copy (a copy of every child)."""
        self.audit_export("database", detail, action="backup")

    def export_csv(self, wanted: AuditFilter, path: Path) -> int:
        """Every matching entry, oldest first, to a CSV (atomic, formula cells neutralised)."""
        self._require_admin()
        query = _filtered(select(AuditEntry), wanted).order_by(AuditEntry.id)
        with self._db.read() as s:
            entries = [_row(e) for e in s.scalars(query)]
        return self._write_audited_csv(
            Path(path),
            AUDIT_COLUMNS,
            (_cells(r) for r in entries),
            "audit_entry",
            lambda count: (
                f"audit trail export of {count} entries to {Path(path).name}" + _describe(wanted)
            ),
        )


def _filtered(query: Select, f: AuditFilter) -> Select:
    if f.since and f.until and f.until < f.since:
        raise UserError("The 'to' date is before the 'from' date.")
    conditions = []
    if f.who:
        conditions.append(AuditEntry.who == f.who)
    if f.action:
        conditions.append(AuditEntry.action == f.action)
    if f.record_type:
        conditions.append(AuditEntry.record_type == f.record_type)
    if f.case_id is not None:
        conditions.append(AuditEntry.case_id == f.case_id)
    if f.since:
        conditions.append(AuditEntry.at >= datetime.combine(f.since, time.min))
    if f.until:
        conditions.append(AuditEntry.at < datetime.combine(f.until + timedelta(days=1), time.min))
    if f.text.strip():
        words = f.text.strip()
        conditions.append(
            or_(AuditEntry.detail.contains(words, autoescape=True), AuditEntry.who == words)
        )
    return query.where(*conditions)


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(
        e.id, e.at, e.who, e.action, e.record_type, e.record_id, e.case_id, e.detail or ""
    )


def _cells(r: AuditRow) -> list[object]:
    return [
        r.id,
        r.at.isoformat(sep=" ", timespec="seconds"),
        r.who,
        r.action,
        r.record_type,
        "" if r.record_id is None else r.record_id,
        "" if r.case_id is None else r.case_id,
        r.detail,
    ]


def _describe(f: AuditFilter) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("who", f.who),
            ("action", f.action),
            ("record", f.record_type),
            ("case", f.case_id),
            ("from", f.since),
            ("to", f.until),
            ("containing", f.text.strip()),
        )
        if value not in ("", None)
    ]
    return f" ({', '.join(parts)})" if parts else ""
