"""The keep-in-touch promise (domain/updates.py) over the database: which families are due an
update, and the update drafted from the case for the caseworker to read, edit and send."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AdviceRequest,
    Caseworker,
    Child,
    EhcpCase,
    Family,
)
from caseload_app.db.queries import as_date
from caseload_app.domain import deadlines, updates
from caseload_app.domain.exceptions import ADVICE, FINAL_PLAN, parse_limits
from caseload_app.domain.status import Rag, exception_greys, step_label
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import CaseDetail, case_detail
from caseload_app.services.settings import every_weeks_in
from caseload_app.services.weekly_positions import informed, last_event, last_update


@dataclass(frozen=True)
class DueUpdate:
    case_id: int
    child_name: str
    due: date
    days_left: int
    reason: str
    channel: str  # how the family likes to hear: email, letter, phone…
    note: str  # their language, an interpreter
    caseworker_id: int | None = None  # whose case it is (None: not allocated)
    # The promise's own date (kept_share counts it): `due` is earlier when a delay the family
    # has not heard of makes a delay letter due at once.
    promised: date | None = None
    late_since: date | None = None  # that delay's start, if there is one


@dataclass(frozen=True)
class UpdateDraft:
    case_id: int
    draft: updates.Draft
    channel: str
    to: str  # their e-mail when that is how they like to hear, else their name
    note: str
    name: str = ""  # the parent or carer, as written on the family's details
    email: str = ""  # their e-mail address on record ("": none), however they like to hear


def due_query(
    today: date, caseworker_id: int | None = None, case_ids: Collection[int] | None = None
):
    """Each open case with its family's last update and its last change of stage up to
    `today` (a row dated later, by a computer whose clock ran ahead, counts from its day, as
    the board's share counts it): index seeks per case (ix_communication_family_out,
    ix_stage_event_case_action), never a pass over every contact."""
    update = last_update(Child.family_id, today)  # a contact going out to the family
    last_change = last_event(updates.STAGE_CHANGES, today)
    entered = last_event(updates.ENTRY_EVENTS, today)  # imported, or transferred in
    advice_missing = (  # the earliest advice asked for and not yet in (ix on case_id)
        select(func.min(AdviceRequest.due))
        .where(AdviceRequest.case_id == EhcpCase.id, AdviceRequest.received.is_(None))
        .scalar_subquery()
    )
    q = (
        select(
            EhcpCase.id,
            Child.first_name,
            Child.last_name,
            EhcpCase.request_received,
            update,
            last_change,
            entered,
            Family.preferred_channel,
            Family.language,
            Family.interpreter_needed,
            EhcpCase.caseworker_id,
            EhcpCase.next_step,
            EhcpCase.next_due,
            EhcpCase.exception_limits,
            advice_missing,
            EhcpCase.stage,
        )
        .join(Child, EhcpCase.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .where(EhcpCase.is_open)
    )
    if caseworker_id is not None:
        q = q.where(EhcpCase.caseworker_id == caseworker_id)
    if case_ids is not None:
        q = q.where(EhcpCase.id.in_(list(case_ids)))
    return q


def due_updates(
    s: Session,
    today: date,
    every_weeks: int,
    *,
    until: date | None = None,
    caseworker_id: int | None = None,
    case_ids: Collection[int] | None = None,
) -> list[DueUpdate]:
    """Every open case's next update (those due by `until`, if given), soonest first."""
    out = []
    q = due_query(today, caseworker_id, case_ids)
    for row in s.execute(q):
        case_id, first, last, opened, updated, changed, came_in = row[:7]
        channel, language, interpreter, worker = row[7:11]
        due = updates.update_due(
            opened=opened,
            last_update=as_date(updated),
            last_change=as_date(changed),
            every_weeks=every_weeks,
            entered=as_date(came_in),
        )
        late, what = _delay(row[11:], as_date(updated), today)
        act_by, reason = due.due, due.reason
        if late is not None and late + timedelta(days=1) < act_by:
            act_by = late + timedelta(days=1)
            reason = f"Delay not told: {what} was due {deadlines.format_date(late)}"
        if until is None or act_by <= until:
            note = _language_note(language, interpreter)
            out.append(
                DueUpdate(
                    case_id, f"{first} {last}", act_by, (act_by - today).days, reason,
                    channel or "letter", note, worker, due.due, late,
                )
            )  # fmt: skip
    return sorted(out, key=lambda d: (d.due, d.child_name))


ADVICE_STAGES = ("request_received", "assessment", "draft_issued")


def _delay(row, last_update: date | None, today: date) -> tuple[date | None, str]:
    """When a delay began that the family has not been told of (domain/updates.delay_untold),
    and what is late: a step an exception covers is not late, nor advice when one covers the
    advice limit."""
    step, step_due, limits_text, advice_due, stage = row
    limits = parse_limits(limits_text)
    step_due = None if exception_greys(step, limits) else step_due
    # Advice is awaited while the plan is made; one never marked in is no delay after that.
    awaited = stage in ADVICE_STAGES and ADVICE not in limits
    advice_due = as_date(advice_due) if awaited else None
    late = updates.delay_untold(
        step_due=step_due, advice_due=advice_due, last_update=last_update, today=today
    )
    if late is None:
        return None, ""
    return late, (updates.lower_first(step_label(step)) if late == step_due else "advice asked for")


def kept_share(found: Collection[DueUpdate], today: date) -> tuple[int, int]:
    """(not overdue an update today, all): the promise kept, as the weekly report's
    families_informed counts it (domain/measures.py: due on or after the day)."""
    return sum(1 for d in found if (d.promised or d.due) >= today), len(found)


def _language_note(language: str | None, interpreter: bool) -> str:
    parts = [f"Language: {language}"] if language else []
    if interpreter:
        parts.append("an interpreter is needed")
    return "; ".join(parts)


class KeepInTouchService(UserService):
    def every_weeks(self) -> int:
        with self._db.read() as s:
            return every_weeks_in(s)

    def due(self, caseworker_id: int | None = None, days: int = 7) -> list[DueUpdate]:
        """The families due an update within `days` (and those already overdue). Looking
        at the list is audited as a view: it names children and their families' language."""
        today = self._today()
        with self._db.uow() as s:
            found = due_updates(
                s, today, every_weeks_in(s), until=today + timedelta(days=days),
                caseworker_id=caseworker_id,
            )  # fmt: skip
            whose = "the whole team" if caseworker_id is None else f"caseworker {caseworker_id}"
            records.write_audit(
                s, at=self._now(), who=self.user, action="view", record_type="ehcp_case",
                detail=f"Listed the families due an update ({whose}): {len(found)}",
            )  # fmt: skip
            return found

    def on_time_share(self, caseworker_id: int | None = None) -> tuple[int, int]:
        """(families not overdue an update, families with an open case): the promise kept."""
        today = self._today()
        with self._db.read() as s:
            every = due_updates(s, today, every_weeks_in(s), caseworker_id=caseworker_id)
        return kept_share(every, today)

    def on_time_shares(self) -> dict[int | None, tuple[int, int]]:
        """The share for each caseworker (None: cases not allocated), for the workload board:
        counted by the database as the weekly report counts its families told
        (weekly_positions.informed, the same rule as `on_time_share`'s case by case, up to
        today), rather than every open case's update worked out in Python (8.7 s at
        200,000 cases)."""
        today = self._today()
        with self._db.read() as s:
            query = (
                select(
                    EhcpCase.caseworker_id,
                    func.sum(informed(today, every_weeks_in(s))),
                    func.count(),
                )
                .where(EhcpCase.is_open == true())
                .group_by(EhcpCase.caseworker_id)
            )
            return {worker: (int(kept or 0), n) for worker, kept, n in s.execute(query)}

    def draft(self, case_id: int) -> UpdateDraft:
        """The update drafted from the case; opening the case to draft it is audited as a
        view (it reads the child's record)."""
        today = self._today()
        with self._db.uow() as s:
            case = records.load(s, EhcpCase, case_id, "case")
            detail = case_detail(s, case, today)
            email = s.scalar(select(Caseworker.email).where(Caseworker.id == case.caseworker_id))
            records.audit(s, self.user, self._now(), "view", case, case.id, "Drafted an update")
        facts = _facts(detail, email or "", today)
        family = detail.family
        channel = family.preferred_channel or ("email" if family.email else "letter")
        to = family.email if channel == "email" and family.email else family.parent_carer_name
        note = _language_note(family.language, family.interpreter_needed)
        return UpdateDraft(
            case_id, updates.draft_update(facts), channel, to or "", note,
            family.parent_carer_name or "", (family.email or "").strip(),
        )  # fmt: skip


def _facts(detail: CaseDetail, caseworker_email: str, today: date) -> updates.CaseFacts:
    step = detail.status.next_step
    told = [
        c.occurred_at.date()
        for c in detail.communications
        if c.direction == "out" and c.with_family
    ]
    last_told = max(told, default=None)
    # A decision the family may still appeal (two months from its letter, a little more
    # with a mediation certificate) that they have not heard of since.
    appealable = today - timedelta(days=updates.RIGHTS_DAYS)
    decisions = [
        e
        for e in detail.events
        if e.action in updates.RIGHTS
        and e.on_date >= appealable
        and (last_told is None or e.on_date >= last_told)
    ]
    served = [e.on_date for e in detail.events if e.action == "draft_served"]
    late = []
    if step is not None and step.due < today and detail.status.rag != Rag.GREY:
        late.append(updates.Late(step.label, step.due))
    late += [
        updates.Late(
            f"the {a.type_label.lower()} advice we asked for",
            a.due,
            waiting_for=f"the {a.type_label.lower()} advice",
            chased=a.last_chased,
        )  # fmt: skip
        for a in detail.advice
        if a.overdue and not a.excused
    ]
    return updates.CaseFacts(
        child_first_name=detail.child.first_name,
        stage=detail.stage,
        request_received=detail.request_received,
        next_step=step.label if step else None,
        next_due=step.due if step else None,
        caseworker=detail.caseworker or "",
        caseworker_email=caseworker_email,
        decision=decisions[-1].action if decisions else None,
        draft_served=served[-1] if served else None,
        late=tuple(late),
        today=today,
        draft_too_late_since=_draft_too_late(detail, today),
    )


def _draft_too_late(detail: CaseDetail, today: date) -> date | None:
    """The day after the last on which the draft plan could go and still leave the family
    their 15 days for comments (Reg 13(1)) within the 20 weeks (Reg 13(2)), when that has
    passed with no draft sent and the 20 weeks have not yet ended (then the final plan is
    itself late), and no exception covers the final plan's limit (Reg 13(3))."""
    if detail.stage not in ("request_received", "assessment") or FINAL_PLAN in (
        detail.exception_limits
    ):
        return None
    final = deadlines.final_plan_due(detail.request_received)
    last_day = final - (deadlines.comments_end(final) - final)  # its comments end on `final`
    return last_day + timedelta(days=1) if last_day < today <= final else None
