"""My week: what needs doing in the next 7 days, each line pointing at the case tab to open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from caseload_app.db.engine import Database
from caseload_app.db.models import AdviceRequest, Child, Communication, EhcpCase, Task
from caseload_app.db.queries import as_date
from caseload_app.domain import codes, deadlines
from caseload_app.domain.status import rag_for, rag_for_step, step_label

HORIZON_DAYS = 7
NO_CONTACT_DAYS = 14

KINDS = {
    "statutory": "Statutory step",
    "review": "Annual review",
    "advice": "Advice overdue",
    "task": "Task",
    "consultation": "Consultation closing",
    "contact": "No contact in 14 days",
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
    rag: str
    tab: str  # the case window tab that deals with it


@dataclass(frozen=True)
class MyWeek:
    today: date
    items: list[WeekItem]

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)


class MyWeekService:
    def __init__(self, db: Database, today: Callable[[], date] = date.today) -> None:
        self._db = db
        self._today = today

    def my_week(self, caseworker_id: int | None) -> MyWeek:
        """For one caseworker (None: the whole team)."""
        today = self._today()
        horizon = today + timedelta(days=HORIZON_DAYS)
        items: list[WeekItem] = []
        with self._db.read() as s:
            items += self._steps(s, caseworker_id, today, horizon)
            items += self._advice(s, caseworker_id, today)
            items += self._tasks(s, caseworker_id, today, horizon)
            items += self._consultations(s, caseworker_id, today, horizon)
            items += self._no_contact(s, caseworker_id, today)
        items.sort(key=lambda i: (i.due or date.max, i.kind, i.child_name))
        return MyWeek(today=today, items=items)

    @staticmethod
    def _mine(query, caseworker_id: int | None):
        return (
            query if caseworker_id is None else query.where(EhcpCase.caseworker_id == caseworker_id)
        )

    def _steps(self, s, cw, today, horizon) -> list[WeekItem]:
        q = self._mine(
            select(
                EhcpCase.id,
                Child.first_name,
                Child.last_name,
                EhcpCase.next_step,
                EhcpCase.next_due,
                EhcpCase.exception_applies,
            )
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, EhcpCase.next_due <= horizon),
            cw,
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
                    rag_for_step(step, due, today, exception_applies=exc),
                    "reviews" if kind == "review" else "timeline",
                )
            )
        return out

    def _advice(self, s, cw, today) -> list[WeekItem]:
        q = self._mine(
            select(
                EhcpCase.id,
                Child.first_name,
                Child.last_name,
                AdviceRequest.advice_type,
                AdviceRequest.due,
                AdviceRequest.chases,
            )
            .join(EhcpCase, AdviceRequest.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, AdviceRequest.received.is_(None), AdviceRequest.due < today),
            cw,
        )
        out = []
        for case_id, first, last, kind, due, chases in s.execute(q):
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
                    "red",
                    "advice",
                )
            )
        return out

    def _tasks(self, s, cw, today, horizon) -> list[WeekItem]:
        q = (
            select(EhcpCase.id, Child.first_name, Child.last_name, Task.title, Task.due)
            .join(EhcpCase, Task.case_id == EhcpCase.id)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(Task.done_on.is_(None), Task.due <= horizon)
        )
        if cw is not None:
            q = q.where(Task.owner_id == cw)
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
            for case_id, first, last, title, due in s.execute(q)
        ]

    def _consultations(self, s, cw, today, horizon) -> list[WeekItem]:
        # Comments close 14 days after the draft was served (15 days beginning with it).
        earliest = today - timedelta(days=14)
        q = self._mine(
            select(EhcpCase.id, Child.first_name, Child.last_name, EhcpCase.draft_served)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.stage == "draft_issued", EhcpCase.draft_served >= earliest),
            cw,
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
                        "amber",
                        "timeline",
                    )
                )
        return out

    def _no_contact(self, s, cw, today) -> list[WeekItem]:
        cutoff = datetime.combine(today - timedelta(days=NO_CONTACT_DAYS), datetime.min.time())
        # Index seeks per case (family_id, occurred_at), not a pass over every contact.
        family = Communication.family_id == Child.family_id
        last = select(func.max(Communication.occurred_at)).where(family).scalar_subquery()
        recent = select(Communication.id).where(family, Communication.occurred_at >= cutoff)
        q = self._mine(
            select(EhcpCase.id, Child.first_name, Child.last_name, last)
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open, ~recent.exists()),
            cw,
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
                    "amber",
                    "communications",
                )
            )
        return out
