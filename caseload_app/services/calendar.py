"""A caseworker's statutory dates, review meetings and tasks as a calendar file (.ics) that
Outlook opens or subscribes to. Children are named by initials and case number unless the
person asks for names: a calendar is often synced to a phone or shared with a manager."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AnnualReview,
    AppSetting,
    Caseworker,
    Child,
    Communication,
    Document,
    EhcpCase,
)
from caseload_app.domain import deadlines
from caseload_app.domain.access import Can
from caseload_app.domain.templates import template_of
from caseload_app.files import atomic_open
from caseload_app.reports.calendar_ics import (
    Entry,
    Invitation,
    calendar_bytes,
    invitation_bytes,
    same_dates,
)
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.myweek import MyWeekService

WEEKS_AHEAD = 26  # half a year: the 20-week timetable of every new request fits
NOT_DATED = {"contact", "updates"}  # nudges, not dates: no contact in 14 days; the update queue
# Meetings are in England's time (the SEND Regulations 2014 are England's): a meeting at
# 10:00 is at 10:00 in London, whatever the computer that sent the invitation is set to.
COUNCIL_TIME = ZoneInfo("Europe/London")
MEETING_MINUTES = 90
INVITATION_TEMPLATE = "annual_review_invitation"
# Sequence numbers of invitations count minutes from here: a later invitation is always newer.
_SEQUENCE_FROM = datetime(2024, 1, 1)


@dataclass(frozen=True)
class CalendarFile:
    caseworker: str
    entries: list[Entry]
    data: bytes
    names: bool  # the children named in full (else initials)


@dataclass(frozen=True)
class Meeting:
    """What the review's record does not hold, typed when the invitation is made."""

    at: time | None = None  # None: an all-day event, the time to be confirmed
    minutes: int = MEETING_MINUTES
    place: str = ""  # "": the child's school or setting, as the letter says


@dataclass(frozen=True)
class Published:
    path: Path
    written: bool  # False: the file already held these dates
    dates: int


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

    def save(self, made: CalendarFile, path: Path, *, how: str = "Calendar") -> int:
        """Write the file, recorded in the audit trail before it appears (never half
        written); returns how many dates it holds."""
        path = Path(path)
        if path.suffix.lower() != ".ics":
            raise UserError(f"A calendar file ends .ics ({path.name} does not).")
        named = ", children named in full" if made.names else ""
        detail = f"{how} of {made.caseworker}: {len(made.entries)} dates{named}, to {path.name}"
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

    def publish(self, caseworker_id: int, path: Path) -> Published:
        """Keep a calendar file that Outlook subscribes to up to date: rewritten (and the
        writing audited) only when its dates have changed. A folder that is not there (a
        network drive offline) is said plainly; nothing is lost, the next try writes it."""
        path = Path(path)
        if not path.parent.is_dir():
            raise UserError(f"The calendar's folder {path.parent} cannot be reached now.")
        made = self.make(caseworker_id)
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            old = b""
        except OSError as exc:
            raise UserError(f"The calendar {path} cannot be read now: {exc.strerror}.") from exc
        if old and same_dates(old, made.data):
            return Published(path, False, len(made.entries))
        return Published(path, True, self.save(made, path, how="Published calendar"))

    def invitation(self, review_id: int, meeting: Meeting = Meeting()) -> tuple[str, bytes]:
        """An annual review meeting's invitation as an .ics file: (file name, bytes)."""
        with self._db.read() as s:
            self._require(s, Can.LOG_CONTACT)  # whoever may invite the family
            review = records.load(s, AnnualReview, review_id, "review")
            self._case_to_edit(s, review.case_id)
            team = s.scalar(select(AppSetting.value).where(AppSetting.key == "mail_from_address"))
            invite = review_invitation(s, review, meeting, team or "", self._now())
        return INVITATION_NAME, invitation_bytes(invite, self._now())

    def save_invitation(self, review_id: int, path: Path, meeting: Meeting = Meeting()) -> None:
        """The invitation written to a file (to add to a calendar, or send from Outlook),
        audited as an export before it appears."""
        path = Path(path)
        if path.suffix.lower() != ".ics":
            raise UserError(f"A calendar file ends .ics ({path.name} does not).")
        _, data = self.invitation(review_id, meeting)
        with self._db.read() as s:
            case_id = records.load(s, AnnualReview, review_id, "review").case_id
        try:
            with atomic_open(path, "wb") as fh:
                fh.write(data)
                with self._db.uow() as s:
                    records.write_audit(
                        s, at=self._now(), who=self.user, action="export",
                        record_type="calendar", case_id=case_id,
                        detail=f"Invitation to the annual review meeting, to {path.name}",
                    )  # fmt: skip
        except OSError as exc:
            raise UserError(
                f"The invitation could not be written to {path}: {exc.strerror}."
            ) from exc

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


# --------------------------------------------------------------------------- invitations
INVITATION_NAME = "invitation.ics"


def letter_invitation(
    s: Session, letter_id: int, meeting: Meeting, team_address: str, today: date, now: datetime
) -> bytes | None:
    """The meeting invitation that goes with an annual review invitation letter sent by
    e-mail (the review the letter names: the next meeting not yet decided, as
    services.letters has it); None for any other letter."""
    kept = s.scalar(
        select(Document.file_name)
        .where(Document.communication_id == letter_id)
        .order_by(Document.id)
        .limit(1)
    )  # as PDF, Word or both: the template is in the kept file's name
    if kept is None or template_of(kept) != INVITATION_TEMPLATE:
        return None
    case_id = s.scalar(select(Communication.case_id).where(Communication.id == letter_id))
    review = s.scalar(
        select(AnnualReview)
        .where(
            AnnualReview.case_id == case_id,
            AnnualReview.meeting_date >= today,
            AnnualReview.decision_date.is_(None),
        )
        .order_by(AnnualReview.meeting_date, AnnualReview.id)
        .limit(1)
    )
    if review is None:
        return None
    return invitation_bytes(review_invitation(s, review, meeting, team_address, now), now)


def review_invitation(
    s: Session, review: AnnualReview, meeting: Meeting, team_address: str, now: datetime
) -> Invitation:
    """The invitation to a review meeting: from the case's caseworker (or the team's
    mailbox), to the family. A calendar is often synced to a phone or shared, so it names
    no child: the letter that comes with it does."""
    if review.meeting_date is None:
        raise UserError("Record the review meeting's date first (Update review…).")
    if not 15 <= meeting.minutes <= 480:
        raise UserError("A meeting lasts 15 minutes to 8 hours.")
    case = records.load(s, EhcpCase, review.case_id, "case")
    family = case.child.family
    worker = case.caseworker
    organizer = (worker.name, worker.email) if worker and worker.email else ("", "")
    if not organizer[1]:
        organizer = ("SEND Team", team_address)
    if not organizer[1]:
        raise UserError(
            "An invitation comes from the caseworker's e-mail address: add it to the "
            "caseworker's details (File → Caseworkers and absences…)."
        )
    place = " ".join(meeting.place.split())[:200] or (case.child.setting or "")
    starts = None
    if meeting.at is not None:
        starts = datetime.combine(review.meeting_date, meeting.at, tzinfo=COUNCIL_TIME)
    when = "" if starts else " The time will be confirmed with you."
    council = s.scalar(select(AppSetting.value).where(AppSetting.key == "council_name"))
    summary = f"Annual review meeting ({council})" if council else "Annual review meeting"
    return Invitation(
        uid=f"annual-review-{review.case_id}-{review.id}@caseload",
        sequence=max(0, int((now - _SEQUENCE_FROM).total_seconds() // 60)),
        day=review.meeting_date, starts=starts, minutes=meeting.minutes, summary=summary,
        description=f"The annual review meeting that our letter invites you to.{when}",
        location=place, organizer=organizer,
        attendee=(family.parent_carer_name or "", family.email or "") if family.email else None,
    )  # fmt: skip
