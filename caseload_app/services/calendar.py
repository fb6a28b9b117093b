"""A caseworker's statutory dates, review meetings and tasks as a calendar file (.ics) that
Outlook opens or subscribes to. Children are named by initials and case number unless the
person asks for names: a calendar is often synced to a phone or shared with a manager."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from caseload_app.db.models import AnnualReview, Caseworker, Child, EhcpCase
from caseload_app.domain import deadlines
from caseload_app.files import atomic_open
from caseload_app.reports.calendar_ics import Entry, calendar_bytes
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.myweek import MyWeekService

WEEKS_AHEAD = 26  # half a year: the 20-week timetable of every new request fits
NOT_DATED = {"contact", "updates"}  # nudges, not dates: no contact in 14 days; the update queue


@dataclass(frozen=True)
class CalendarFile:
    caseworker: str
    entries: list[Entry]
    data: bytes
    names: bool  # the children named in full (else initials)


class CalendarService(UserService):
    def caseworker_id(self, name: str) -> int:
        """A caseworker by name (any case), for the command line."""
        with self._db.read() as s:
            found = s.scalar(
                select(Caseworker.id).where(func.lower(Caseworker.name) == name.strip().lower())
            )
            if found is None:
                names = ", ".join(s.scalars(select(Caseworker.name).order_by(Caseworker.name)))
                raise NotFound(f"No caseworker is called '{name}'. The team: {names or 'none'}.")
            return found

    def make(
        self, caseworker_id: int, *, weeks: int = WEEKS_AHEAD, names: bool = False
    ) -> CalendarFile:
        """Every dated thing on the caseworker's open cases from today to `weeks` ahead, and
        what is already overdue (on its own date)."""
        if not 1 <= weeks <= 104:
            raise UserError("A calendar looks 1 to 104 weeks ahead.")
        with self._db.read() as s:
            caseworker = s.get(Caseworker, caseworker_id)
            if caseworker is None:
                raise NotFound(f"There is no caseworker {caseworker_id}.")
            name = caseworker.name
            meetings = self._meetings(s, caseworker_id, self._today() + timedelta(weeks=weeks))
        week = MyWeekService(self._db, today=self._today).my_week(caseworker_id, days=weeks * 7)
        entries = [
            _entry(i.kind, i.kind_label, i.case_id, i.child_name, i.what, i.due, names)
            for i in week.items
            if i.due is not None and i.kind not in NOT_DATED
        ]
        entries += [
            _entry("meeting", "Annual review meeting", case_id, child, "Annual review meeting",
                   day, names)
            for case_id, child, day in meetings
        ]  # fmt: skip
        entries = _unique(sorted(entries, key=lambda e: (e.day, e.summary)))
        data = calendar_bytes(f"caseload: {name}", entries, self._now())
        return CalendarFile(name, entries, data, names)

    def save(self, made: CalendarFile, path: Path) -> int:
        """Write the file, recorded in the audit trail before it appears (never half
        written); returns how many dates it holds."""
        path = Path(path)
        if path.suffix.lower() != ".ics":
            raise UserError(f"A calendar file ends .ics ({path.name} does not).")
        named = ", children named in full" if made.names else ""
        detail = f"Calendar of {made.caseworker}: {len(made.entries)} dates{named}, to {path.name}"
        try:
            with atomic_open(path, "wb") as fh:
                fh.write(made.data)
                with self._db.uow() as s:
                    records.write_audit(
                        s, at=self._now(), who=self.user, action="export",
                        record_type="calendar", detail=detail,
                    )  # fmt: skip
        except OSError as exc:
            raise UserError(
                f"The calendar could not be written to {path}: {exc.strerror}."
            ) from exc
        return len(made.entries)

    def _meetings(self, s, caseworker_id: int, until: date) -> list[tuple[int, str, date]]:
        rows = s.execute(
            select(EhcpCase.id, Child.first_name, Child.last_name, AnnualReview.meeting_date)
            .join(EhcpCase, AnnualReview.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                EhcpCase.caseworker_id == caseworker_id,
                AnnualReview.meeting_date >= self._today(),
                AnnualReview.meeting_date <= until,
            )
        )
        return [(case_id, f"{first} {last}", day) for case_id, first, last, day in rows]


def _entry(
    kind: str, label: str, case_id: int, child: str, what: str, day: date, names: bool
) -> Entry:
    who = child if names else _initials(child)
    title = what if what == label else f"{label}: {what}"
    summary = f"{title} – {who} (case {case_id})"
    description = f"{title}, {deadlines.format_date(day)}. Case {case_id} ({who}) in caseload."
    digest = hashlib.sha256(f"{kind}|{case_id}|{what}".encode()).hexdigest()[:16]
    return Entry(f"{kind}-{case_id}-{digest}@caseload", day, summary, description, label)


def _initials(name: str) -> str:
    return ".".join(part[0] for part in name.split() if part) + "."


def _unique(entries: list[Entry]) -> list[Entry]:
    """Two tasks of the same title on a case are two events: each uid once."""
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        n = seen[entry.uid] = seen.get(entry.uid, 0) + 1
        out.append(entry if n == 1 else replace(entry, uid=f"{n}-{entry.uid}"))
    return out
