"""My week: what needs doing in the next 7 days, each line pointing at the case tab to open."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, or_, select

from caseload_app.db.engine import Database
from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    Child,
    Communication,
    Disagreement,
    EhcpCase,
    Reassessment,
    SchoolConsultation,
    Task,
    TribunalOrder,
)
from caseload_app.db.next_step import case_dates
from caseload_app.db.queries import as_date
from caseload_app.domain import codes, deadlines, post16
from caseload_app.domain.exceptions import ADVICE, parse_limits
from caseload_app.domain.status import (
    TRANSFER_STEPS,
    Deadline,
    Rag,
    rag_for,
    rag_for_step,
    statutory_deadlines,
    step_label,
)
from caseload_app.domain.text import how_many
from caseload_app.services.case_read import in_force_of, order_steps, reassessment_steps
from caseload_app.services.keep_in_touch import DueUpdate, due_updates
from caseload_app.services.settings import every_weeks_in

HORIZON_DAYS = 7
NO_CONTACT_DAYS = 14
# Families due an update listed one a line, the most urgent first; the rest are one line that
# opens the update queue (View → Families due an update), so a week stays readable.
UPDATE_LINES = 5

KINDS = {
    "statutory": "Statutory step",
    "review": "Annual review",
    "amendment": "Amendment notice",
    "advice": "Advice overdue",
    "task": "Task",
    "consultation": "Consultation closing",
    "tribunal": "Tribunal order",
    "ceasing": "Ceasing a plan",
    "transfer": "Plan moving council",
    "school": "School's response due",
    "reassessment": "Re-assessment",
    "post16": "Post-16 move",
    "contact": "No contact in 14 days",
    "update": "Family update due",
    "updates": "More family updates due",
}


@dataclass(frozen=True)
class WeekItem:
    kind: str
    kind_label: str
    case_id: int
    child_name: str
    what: str
    due: date | None
    days_left: int | None
    rag: Rag
    tab: str  # the case window tab that deals with it


@dataclass(frozen=True)
class MyWeek:
    today: date
    items: list[WeekItem]

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)


class _Scope(NamedTuple):
    caseworker_id: int | None  # None: the whole team
    case_ids: list[int] | None  # None: every case


def _only(query, scope: _Scope):
    return query if scope.case_ids is None else query.where(EhcpCase.id.in_(scope.case_ids))


class MyWeekService:
    def __init__(self, db: Database, today: Callable[[], date] = date.today) -> None:
        self._db = db
        self._today = today

    def my_week(
        self,
        caseworker_id: int | None,
        case_ids: Collection[int] | None = None,
        days: int = HORIZON_DAYS,
    ) -> MyWeek:
        """For one caseworker (None: the whole team); only these cases' lines if case_ids is
        given (after a save, the window replaces just the lines of the cases it changed).
        `days`: how far ahead (a calendar looks months ahead)."""
        scope = _Scope(caseworker_id, None if case_ids is None else list(case_ids))
        today = self._today()
        horizon = today + timedelta(days=days)
        items: list[WeekItem] = []
        with self._db.read() as s:
            items += self._steps(s, scope, today, horizon)
            items += self._advice(s, scope, today)
            items += self._amendment_notices(s, scope, today, horizon)
            items += self._tasks(s, scope, today, horizon)
            items += self._consultations(s, scope, today, horizon)
            items += self._orders(s, scope, today, horizon)
            items += self._ceasing(s, scope, today, horizon)
            items += self._transfers(s, scope, today, horizon)
            items += self._schools(s, scope, today, horizon)
            items += self._reassessments(s, scope, today, horizon)
            items += self._post16_moves(s, scope, today, horizon)
            items += self._no_contact(s, scope, today)
            items += self._updates(s, scope, today, horizon)
        items.sort(key=lambda i: (i.due or date.max, i.kind, i.child_name))
        return MyWeek(today=today, items=items)

    @staticmethod
    def _mine(query, scope: _Scope):
        if scope.caseworker_id is not None:
            query = query.where(EhcpCase.caseworker_id == scope.caseworker_id)
        return _only(query, scope)

    def _steps(self, s, scope, today, horizon) -> list[WeekItem]:
        q = self._mine(
            select(
                EhcpCase.id,
                Child.first_name,
                Child.last_name,
                EhcpCase.next_step,
                EhcpCase.next_due,
                EhcpCase.exception_limits,
            )
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, EhcpCase.next_due <= horizon),
            scope,
        )
        out = []
        for case_id, first, last, step, due, exc in s.execute(q):
            kind = "review" if step == "annual_review" else "statutory"
            out.append(
                WeekItem(
                    kind,
                    KINDS[kind],
                    case_id,
                    f"{first} {last}",
                    step_label(step),
                    due,
                    (due - today).days,
                    rag_for_step(step, due, today, exception_limits=parse_limits(exc)),
                    "reviews" if kind == "review" else "timeline",
                )
            )
        return out

    def _advice(self, s, scope, today) -> list[WeekItem]:
        q = self._mine(
            select(
                EhcpCase.id,
                Child.first_name,
                Child.last_name,
                AdviceRequest.advice_type,
                AdviceRequest.due,
                AdviceRequest.chases,
                EhcpCase.exception_limits,
            )
            .join(EhcpCase, AdviceRequest.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, AdviceRequest.received.is_(None), AdviceRequest.due < today),
            scope,
        )
        out = []
        for case_id, first, last, kind, due, chases, limits in s.execute(q):
            label = codes.label_for(codes.advice_types(), kind)
            what = f"{label} advice ({chases} chase{'s' if chases != 1 else ''})"
            out.append(
                WeekItem(
                    "advice",
                    KINDS["advice"],
                    case_id,
                    f"{first} {last}",
                    what,
                    due,
                    (due - today).days,
                    Rag.GREY if ADVICE in parse_limits(limits) else Rag.RED,  # Reg 8(2)
                    "advice",
                )
            )
        return out

    def _orders(self, s, scope, today, horizon) -> list[WeekItem]:
        """Each open step of a Tribunal order (Reg 44, 45) due within the week or missed.
        Orders are few (a council has dozens a year): their steps are worked out here."""
        q = self._mine(
            select(TribunalOrder, Child.first_name, Child.last_name)
            .join(EhcpCase, TribunalOrder.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id),
            scope,
        )  # closed cases too: an order to assess follows a refusal, one to make a plan a
        # decision not to issue
        out = []
        for order, first, last in s.execute(q):
            steps = order_steps(order, today)
            out += _step_items(
                "tribunal",
                order.case_id,
                f"{first} {last}",
                steps,
                today,
                horizon,
                "disagreements",
                skip=(Rag.NONE, Rag.GREY),
            )
        return out

    def _amendment_notices(self, s, scope, today, horizon) -> list[WeekItem]:
        """A decision to amend whose notice is not sent: due with the decision, 4 weeks after
        the meeting (Reg 20(10) with Reg 22(2); Devon [2022] EWHC 493 (Admin)); listed once
        that day is within the week, and until the notice is recorded, red once it has passed."""
        # Due = meeting + 28 days <= horizon, so the meeting was on or before horizon - 28:
        # a range on the review's own columns, with no date arithmetic in SQL. Only the case's
        # latest decided review (or one decided after it) counts: an older one is superseded.
        latest = (EhcpCase.last_review.is_(None)) | (
            AnnualReview.meeting_date >= EhcpCase.last_review
        )
        q = self._mine(
            select(EhcpCase.id, Child.first_name, Child.last_name, AnnualReview.meeting_date)
            .join(EhcpCase, AnnualReview.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                AnnualReview.outcome == "amend",
                AnnualReview.amendment_notice.is_(None),
                AnnualReview.final_amended_issued.is_(None),
                AnnualReview.meeting_date <= horizon - timedelta(days=28),
                latest,
            ),
            scope,
        )
        out = []
        for case_id, first, last, meeting in s.execute(q):
            due = deadlines.amendment_notice_due(meeting)
            out.append(
                WeekItem(
                    "amendment",
                    KINDS["amendment"],
                    case_id,
                    f"{first} {last}",
                    "Amendment notice: send it with the decision to amend (Devon)",
                    due,
                    (due - today).days,
                    rag_for(due, today),
                    "reviews",
                )
            )
        return out

    def _schools(self, s, scope, today, horizon) -> list[WeekItem]:
        """Each school consulted (s39, s40) whose response is awaited and due within the week
        or overdue (CoP 9.83: 15 days), until a response or the decision is recorded."""
        q = self._mine(
            select(
                SchoolConsultation.case_id,
                Child.first_name,
                Child.last_name,
                SchoolConsultation.school,
                SchoolConsultation.response_due,
            )
            .join(EhcpCase, SchoolConsultation.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                SchoolConsultation.response.is_(None),
                SchoolConsultation.decision.is_(None),
                SchoolConsultation.response_due <= horizon,
            ),
            scope,
        )
        return [
            WeekItem(
                "school",
                KINDS["school"],
                case_id,
                f"{first} {last}",
                f"{school}: response to the consultation (CoP 9.83)",
                due,
                (due - today).days,
                rag_for(due, today),
                "timeline",
            )
            for case_id, first, last, school, due in s.execute(q)
        ]

    def _reassessments(self, s, scope, today, horizon) -> list[WeekItem]:
        """Each open step of a re-assessment under way on an open case (the decision, Reg
        25(1); the re-assessed plan, Reg 27(2)) due within the week or missed. Only those not
        finished are read: a case has one under way at a time."""
        q = self._mine(
            select(Reassessment, Child.first_name, Child.last_name)
            .join(EhcpCase, Reassessment.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                Reassessment.plan_finalised.is_(None),
                or_(Reassessment.decision.is_(None), Reassessment.decision == "agreed"),
            ),
            scope,
        )
        out = []
        for row, first, last in s.execute(q):
            steps = reassessment_steps(row, today)
            child = f"{first} {last}"
            out += _step_items("reassessment", row.case_id, child, steps, today, horizon, "reviews")
        return out

    def _post16_moves(self, s, scope, today, horizon) -> list[WeekItem]:
        """A young person's move between post-16 institutions whose plan is not yet amended
        for it: due five months before the move (Reg 18(2)), listed once that day is within
        the week, red once it has passed, until the amendment is recorded or the move cleared.
        """
        # Due = move - 5 months <= horizon. A move up to 5 months and a few days after the
        # horizon can qualify (31 Jul -> 28 Feb): a loose bound in SQL, the exact rule here.
        latest_move = deadlines.add_months(horizon, 5) + timedelta(days=3)
        q = self._mine(
            select(
                EhcpCase.id,
                Child.first_name,
                Child.last_name,
                EhcpCase.post16_move_date,
                EhcpCase.post16_move_to,
            )
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                EhcpCase.post16_amended.is_(None),
                EhcpCase.post16_move_date <= latest_move,
            ),
            scope,
        )
        out = []
        for case_id, first, last, move, moving_to in s.execute(q):
            where = f" to {moving_to}" if moving_to else ""
            text = (
                f"Amend the plan for the move{where} on {deadlines.format_date(move)} "
                f"({post16.REG})"
            )
            out += _step_items(
                "post16",
                case_id,
                f"{first} {last}",
                [post16.amend_step(move, None, today)],
                today,
                horizon,
                "reviews",
                what=text,
            )
        return out

    def _tasks(self, s, scope, today, horizon) -> list[WeekItem]:
        q = (
            select(EhcpCase.id, Child.first_name, Child.last_name, Task.title, Task.due)
            .join(EhcpCase, Task.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(Task.done_on.is_(None), Task.due <= horizon)
        )
        if scope.caseworker_id is not None:  # a task is its owner's, whoever holds the case
            q = q.where(Task.owner_id == scope.caseworker_id)
        return [
            WeekItem(
                "task",
                KINDS["task"],
                case_id,
                f"{first} {last}",
                title,
                due,
                (due - today).days,
                rag_for(due, today),
                "tasks",
            )
            for case_id, first, last, title, due in s.execute(_only(q, scope))
        ]

    def _consultations(self, s, scope, today, horizon) -> list[WeekItem]:
        # Comments close 14 days after the draft was served (15 days beginning with it).
        earliest = today - timedelta(days=14)
        q = self._mine(
            select(EhcpCase.id, Child.first_name, Child.last_name, EhcpCase.draft_served)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.stage == "draft_issued", EhcpCase.draft_served >= earliest),
            scope,
        )
        out = []
        for case_id, first, last, served in s.execute(q):
            closes = deadlines.comments_end(served)
            if today <= closes <= horizon:
                out.append(
                    WeekItem(
                        "consultation",
                        KINDS["consultation"],
                        case_id,
                        f"{first} {last}",
                        "Comments on the draft plan close",
                        closes,
                        (closes - today).days,
                        Rag.AMBER,
                        "timeline",
                    )
                )
        return out

    def _ceasing(self, s, scope, today, horizon) -> list[WeekItem]:
        """A proposal to cease whose consultation is not done (Reg 31(1)), and a plan decided
        to be ceased whose time for appealing ends this week (it stays in force till then,
        s45(4)): a year back covers any mediation certificate's extra month."""
        out = []
        pending = self._mine(
            select(EhcpCase, Child.first_name, Child.last_name)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.stage == "plan_issued",
                EhcpCase.cease_proposed.is_not(None),
                (EhcpCase.cease_family_consulted.is_(None))
                | (EhcpCase.cease_school_consulted.is_(None)),
            ),
            scope,
        )
        for case, first, last in s.execute(pending):
            waiting = [
                who
                for when, who in (
                    (case.cease_family_consulted, "the family"),
                    (case.cease_school_consulted, "the school or college"),
                )
                if when is None
            ]
            out.append(
                WeekItem(
                    "ceasing",
                    KINDS["ceasing"],
                    case.id,
                    f"{first} {last}",
                    f"Proposal to cease: consult {' and '.join(waiting)} (Reg 31(1))",
                    case.cease_proposed,
                    (case.cease_proposed - today).days,
                    Rag.AMBER,
                    "timeline",
                )
            )
        recent = (EhcpCase.stage == "ceased", EhcpCase.ceased_date >= today - timedelta(days=366))
        decided = self._mine(
            select(EhcpCase, Child.first_name, Child.last_name)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(*recent),
            scope,
        )
        # Their disagreements in one read, not one read a case (1,945 at 50,000 children).
        disagreements: dict[int, list[Disagreement]] = {}
        for row in s.scalars(
            select(Disagreement).where(
                Disagreement.case_id.in_(self._mine(select(EhcpCase.id).where(*recent), scope))
            )
        ):
            disagreements.setdefault(row.case_id, []).append(row)
        for case, first, last in s.execute(decided):
            in_force = in_force_of(case, disagreements.get(case.id, ()))
            if in_force is None or in_force.until is None:
                continue
            if today <= in_force.until <= horizon:
                out.append(
                    WeekItem(
                        "ceasing",
                        KINDS["ceasing"],
                        case.id,
                        f"{first} {last}",
                        "Time for appealing the decision to cease ends: the plan stays in "
                        "force until then (s45(4))",
                        in_force.until,
                        (in_force.until - today).days,
                        Rag.AMBER,
                        "disagreements",
                    )
                )
        return out

    def _transfers(self, s, scope, today, horizon) -> list[WeekItem]:
        """A plan transferred in whose family is not yet told (Reg 15(4): 6 weeks), and a plan
        not yet sent to the new council for a child moving away (Reg 15(2)), each listed once
        due within the week and until done. Few cases have either: dated here, not in SQL."""
        q = self._mine(
            select(EhcpCase, Child.first_name, Child.last_name)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(
                EhcpCase.is_open,
                (EhcpCase.transferred_in.is_not(None) & EhcpCase.transfer_family_told.is_(None))
                | (EhcpCase.moved_out.is_not(None) & EhcpCase.plan_sent.is_(None)),
            ),
            scope,
        )
        out = []
        for case, first, last in s.execute(q):
            steps = [
                step
                for step in statutory_deadlines(case_dates(case), today)
                if step.key in TRANSFER_STEPS
            ]
            child = f"{first} {last}"
            out += _step_items("transfer", case.id, child, steps, today, horizon, "timeline")
        return out

    def _no_contact(self, s, scope, today) -> list[WeekItem]:
        cutoff = datetime.combine(today - timedelta(days=NO_CONTACT_DAYS), datetime.min.time())
        # Index seeks per case (family_id, occurred_at), not a pass over every contact.
        family = Communication.family_id == Child.family_id
        last = select(func.max(Communication.occurred_at)).where(family).scalar_subquery()
        recent = select(Communication.id).where(family, Communication.occurred_at >= cutoff)
        q = self._mine(
            select(EhcpCase.id, Child.first_name, Child.last_name, last)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, ~recent.exists()),
            scope,
        )
        out = []
        for case_id, first, last_name, at in s.execute(q):
            seen = as_date(at)
            what = f"Last contact {deadlines.format_date(seen)}" if seen else "Never contacted"
            out.append(
                WeekItem(
                    "contact",
                    KINDS["contact"],
                    case_id,
                    f"{first} {last_name}",
                    what,
                    None,
                    None,
                    Rag.AMBER,
                    "communications",
                )
            )
        return out

    def _updates(self, s, scope, today, horizon) -> list[WeekItem]:
        """The keep-in-touch promise (domain/updates.py): families owed an update by the
        horizon, or already overdue one. The first UPDATE_LINES a line each, the others one
        line for the update queue; only the given cases' own lines after a save."""
        found = due_updates(
            s, today, every_weeks_in(s), until=horizon, caseworker_id=scope.caseworker_id,
            case_ids=scope.case_ids,
        )  # fmt: skip
        shown = found if scope.case_ids is not None else found[:UPDATE_LINES]
        lines = [
            WeekItem(
                "update",
                KINDS["update"],
                d.case_id,
                d.child_name,
                d.reason + (f" ({d.note})" if d.note else ""),
                d.due,
                d.days_left,
                Rag.RED if d.days_left < 0 else Rag.AMBER,
                "communications",
            )  # fmt: skip
            for d in shown
        ]
        rest = found[len(shown) :]
        if rest:
            lines.append(_more_updates(rest))
        return lines


def _more_updates(rest: list[DueUpdate]) -> WeekItem:
    """One line for the families due an update beyond those listed (case_id 0: no case)."""
    overdue = sum(1 for d in rest if d.days_left < 0)
    first = rest[0]
    return WeekItem(
        "updates",
        KINDS["updates"],
        0,
        "",
        f"{how_many(len(rest), 'more family', 'more families')} due an update"
        f"{f', {overdue:,} overdue' if overdue else ''}: open the update queue",
        first.due,
        first.days_left,
        Rag.RED if overdue else Rag.AMBER,
        "updates",
    )


def _step_items(
    kind: str,
    case_id: int,
    child: str,
    steps: Iterable[Deadline],
    today: date,
    horizon: date,
    tab: str,
    *,
    skip: Collection[Rag] = (Rag.NONE,),
    what: str = "",
) -> list[WeekItem]:
    """A line for each step due by the horizon (missed ones too), but those whose RAG is in
    `skip` (NONE: done, or only for information); saying `what`, else the step and its
    regulation."""
    return [
        WeekItem(
            kind,
            KINDS[kind],
            case_id,
            child,
            what or f"{step.label} ({step.regulation})",
            step.due,
            (step.due - today).days,
            step.rag,
            tab,
        )
        for step in steps
        if step.rag not in skip and step.due <= horizon
    ]
