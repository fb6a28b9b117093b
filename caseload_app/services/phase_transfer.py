"""The phase-transfer planner: children with a plan who change phase next September.

For each open case with a final plan (stage plan_issued) whose child moves phase at the start
of the next academic year (see domain.phases), one row: who, which move, the last lawful day
for the amended plan (reg 18), the review status and who holds the case. The lead can then
create a "Phase transfer review" task on many cases at once.

A phase transfer recorded on the case (phase_transfer_year/kind) wins over the derived one:
recorded for next September → listed with the recorded kind (e.g. a middle-school move);
recorded for a later year → not listed (the caseworker knows the child moves later);
recorded as no phase transfer for next September → not listed, and no 31 March date (a
Year 11 staying in their own school's sixth form: docs/statutory-rules.md, "Phase
transfers"); an earlier, past year is ignored as history. See phases.planned_transfer.

A young person's move between post-16 institutions recorded on the case (Reg 18(2)) is
listed too while it is ahead, whatever the month: its plan is due amended five months before
the move (domain.post16), and the lead plans those reviews alongside the September ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from caseload_app.db.models import AnnualReview, Caseworker, Child, EhcpCase, Task
from caseload_app.domain import deadlines, phases, post16
from caseload_app.domain.access import Can
from caseload_app.services import records
from caseload_app.services.base import UserService

REVIEW_TASK_TITLE = "Phase transfer review"
POST16_MOVE = "post16-move"  # a row for a move between post-16 institutions

# What the planner reads of each case and its child, as plain rows: loading the cases and
# children as ORM objects was most of its time (4 s at 50,000 children).
_CASE_COLUMNS = (
    EhcpCase.id.label("case_id"),
    EhcpCase.caseworker_id,
    EhcpCase.last_review,
    EhcpCase.phase_transfer_year,
    EhcpCase.phase_transfer_kind,
    EhcpCase.post16_move_date,
    EhcpCase.post16_move_to,
    EhcpCase.post16_amended,
    Child.id.label("child_id"),
    Child.first_name,
    Child.last_name,
    Child.date_of_birth,
    Child.setting,
    Child.year_group,
)
_REVIEW_COLUMNS = (
    AnnualReview.case_id,
    AnnualReview.meeting_date,
    AnnualReview.final_amended_issued,
)


@dataclass(frozen=True)
class PlannerRow:
    case_id: int
    child_id: int
    child_name: str
    date_of_birth: date
    year_group: str  # "N", "R", "Y6" …
    year_group_source: str  # "recorded" or "date of birth"
    setting: str | None
    transfer: str  # "Primary → secondary"
    transfer_kind: str  # school-phase / secondary-post16, or POST16_MOVE (Reg 18(2))
    transfer_year: int
    legal_date: date  # last lawful day for the amended plan
    legal_date_text: str  # with the weekday: "Sun 14 Feb 2027"
    last_review: date | None
    review_booked: date | None  # the next review meeting on or after today
    amended_plan_issued: date | None  # this academic year
    next_step: str
    overdue: bool
    caseworker_id: int | None
    caseworker: str | None
    has_review_task: bool  # an open "Phase transfer review" task exists


class PhaseTransferService(UserService):
    def planner(self, today: date | None = None) -> list[PlannerRow]:
        """Rows sorted by legal date, caseworker, then child's name."""
        self._allowed(Can.REPORTS)
        today = today or self._today()
        year = phases.academic_year_start(today) + 1
        cycle_start = date(year - 1, 9, 1)  # reviews held since the current academic year began
        with self._db.read() as s:
            names: dict[int | None, str] = dict(
                s.execute(select(Caseworker.id, Caseworker.name)).all()
            )
            cases = s.execute(
                select(*_CASE_COLUMNS)
                .join(Child, Child.id == EhcpCase.child_id)
                .where(EhcpCase.is_open, EhcpCase.stage == "plan_issued")
            ).all()
            reviews: dict[int, list[Any]] = {}
            for review in s.execute(select(*_REVIEW_COLUMNS)):
                reviews.setdefault(review.case_id, []).append(review)
            tasked = set(
                s.scalars(
                    select(Task.case_id).where(
                        Task.title == REVIEW_TASK_TITLE, Task.done_on.is_(None)
                    )
                )
            )
            rows = []
            for case in cases:
                group, source = phases.current_year_group(
                    case.date_of_birth, today, case.year_group
                )
                label = phases.year_group_label(group)
                transfer = _transfer(case, today)
                if transfer is not None:
                    rows.append(
                        _row(
                            case,
                            transfer,
                            label,
                            source,
                            reviews.get(case.case_id, []),
                            today,
                            cycle_start,
                            names,
                            case.case_id in tasked,
                        )
                    )
                if case.post16_move_date is not None and case.post16_move_date >= today:
                    booked = _booked(reviews.get(case.case_id, []), today)
                    rows.append(
                        _post16_row(
                            case, label, source, booked, today, names, case.case_id in tasked
                        )
                    )
        rows.sort(key=lambda r: (r.legal_date, r.caseworker or "~", r.child_name.casefold()))
        return rows

    def create_review_tasks(self, case_ids: list[int], due: date | None) -> int:
        """One "Phase transfer review" task per case, owned by its caseworker; a case that
        already has that task open is skipped. All in one transaction. Returns tasks made."""
        made = 0
        with self._db.uow() as s:
            self._require(s, Can.EDIT_ANY)
            open_already = set(
                s.scalars(
                    select(Task.case_id).where(
                        Task.title == REVIEW_TASK_TITLE,
                        Task.done_on.is_(None),
                        Task.case_id.in_(list(case_ids)),
                    )
                )
            )
            for case_id in dict.fromkeys(case_ids):  # each case once, in the given order
                case = records.load(s, EhcpCase, case_id, "case")
                if case.id in open_already:
                    continue
                task = Task(
                    case_id=case.id,
                    title=REVIEW_TASK_TITLE,
                    due=due,
                    owner_id=case.caseworker_id,
                    created_by=self.user,
                    updated_by=self.user,
                    updated_at=self._now(),
                )
                s.add(task)
                s.flush()
                records.audit(s, self.user, self._now(), "create", task, case.id, task.title)
                made += 1
        return made


def _transfer(case: Any, today: date) -> phases.Transfer | None:
    """`case`: a row of `_CASE_COLUMNS`."""
    return phases.planned_transfer(
        case.date_of_birth,
        today,
        case.setting,
        case.year_group,
        case.phase_transfer_year,
        case.phase_transfer_kind,
    )


def _row(
    case: Any,
    transfer: phases.Transfer,
    year_group: str,
    source: str,
    reviews: list[Any],
    today: date,
    cycle_start: date,
    names: dict[int | None, str],
    has_task: bool,
) -> PlannerRow:
    booked = _booked(reviews, today)
    held = [r for r in reviews if r.meeting_date and cycle_start <= r.meeting_date < today]
    amended = max((r.final_amended_issued for r in held if r.final_amended_issued), default=None)
    last_held = max((r.meeting_date for r in held if r.meeting_date), default=None)
    legal = deadlines.format_date(transfer.legal_date)
    if amended is not None:
        step, overdue = f"Done: amended plan issued {deadlines.format_date(amended)}", False
    elif last_held is not None:
        step = f"Review held {deadlines.format_date(last_held)}: issue the amended plan by {legal}"
        overdue = today > transfer.legal_date
    elif booked is not None:
        step = f"Review booked {deadlines.format_date(booked)}: amend the plan by {legal}"
        overdue = today > transfer.legal_date or booked > transfer.legal_date
    else:
        step = f"Book the phase transfer review: amended plan due {legal}"
        overdue = today > transfer.legal_date
    return PlannerRow(
        case_id=case.case_id,
        child_id=case.child_id,
        child_name=f"{case.first_name} {case.last_name}",
        date_of_birth=case.date_of_birth,
        year_group=year_group,
        year_group_source=source,
        setting=case.setting,
        transfer=transfer.label,
        transfer_kind=transfer.kind,
        transfer_year=transfer.year,
        legal_date=transfer.legal_date,
        legal_date_text=legal,
        last_review=case.last_review,
        review_booked=booked,
        amended_plan_issued=amended,
        next_step=("Overdue — " + step) if overdue else step,
        overdue=overdue,
        caseworker_id=case.caseworker_id,
        caseworker=names.get(case.caseworker_id),
        has_review_task=has_task,
    )


def _booked(reviews: list[Any], today: date) -> date | None:
    """The next review meeting on or after today."""
    return min(
        (r.meeting_date for r in reviews if r.meeting_date and r.meeting_date >= today),
        default=None,
    )


def _post16_row(
    case: Any,
    year_group: str,
    source: str,
    booked: date | None,
    today: date,
    names: dict[int | None, str],
    has_task: bool,
) -> PlannerRow:
    """A recorded move between post-16 institutions still ahead: the plan is due amended
    five months before it (Reg 18(2)); done once the amended date is recorded."""
    move, amended = case.post16_move_date, case.post16_amended
    assert move is not None
    due = deadlines.post16_transfer_due(move)
    legal = deadlines.format_date(due)
    where = f" to {case.post16_move_to}" if case.post16_move_to else ""
    if amended is not None:
        step, overdue = f"Done: plan amended {deadlines.format_date(amended)}", False
    elif booked is not None:
        step = f"Review booked {deadlines.format_date(booked)}: amend the plan by {legal}"
        overdue = today > due or booked > due
    else:
        step = f"Review and amend the plan by {legal} ({post16.REG})"
        overdue = today > due
    return PlannerRow(
        case_id=case.case_id,
        child_id=case.child_id,
        child_name=f"{case.first_name} {case.last_name}",
        date_of_birth=case.date_of_birth,
        year_group=year_group,
        year_group_source=source,
        setting=case.setting,
        transfer=f"Post-16 move {deadlines.format_date(move)}{where}",
        transfer_kind=POST16_MOVE,
        transfer_year=move.year,
        legal_date=due,
        legal_date_text=legal,
        last_review=case.last_review,
        review_booked=booked,
        amended_plan_issued=amended,
        next_step=("Overdue — " + step) if overdue else step,
        overdue=overdue,
        caseworker_id=case.caseworker_id,
        caseworker=names.get(case.caseworker_id),
        has_review_task=has_task,
    )
