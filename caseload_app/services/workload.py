"""The workload board and rebalancing: figures per caseworker, and proposed moves.

Load rules (weights, continuity, never to someone away) live in domain.workload; this module
reads the cases in one query, hands them over, and applies an accepted proposal through
TeamService so it is recorded and can be undone in one step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true

from caseload_app.batch import no_cycle_collection
from caseload_app.db.batch import one_snapshot, rows_of
from caseload_app.db.models import Absence, AppSetting, Child, EhcpCase, TribunalOrder
from caseload_app.domain import rebalance, workload
from caseload_app.domain.access import Can
from caseload_app.domain.rebalance import Proposal
from caseload_app.domain.status import Rag, step_label
from caseload_app.domain.workload import (
    CaseLoad,
    OpenStep,
    StageCounts,
    StepCount,
    Weights,
    WorkerLoad,
)
from caseload_app.services.base import UserService
from caseload_app.services.case_read import order_steps
from caseload_app.services.team import TeamService, WorkerInfo, worker_infos, worker_reads

WEIGHTS_KEY = "workload_weights"
WEEKS = 8  # the board's strip: statutory steps due in each of the weeks ahead


def _stage_counts(today: date, urgency_days: int) -> Select:
    """Open cases counted per caseworker and stage, with the board's rules counted by the
    database (domain.workload.StageCounts). Read through the index on (is_open, stage,
    caseworker_id, ..., next_due), never the cases themselves: 180 ms at 200,000 cases."""
    due = EhcpCase.next_due

    def counted(condition) -> ColumnElement:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def within(days: int) -> ColumnElement:
        """Due before `days` from today: every dated step, if that is past the last date."""
        try:
            return due < today + timedelta(days=days)
        except OverflowError:
            return due.is_not(None)

    # Urgent: due within the urgency days (overdue too), the last of them included.
    last_urgent = within(urgency_days + 1)
    weeks = [and_(~within(7 * week), within(7 * (week + 1))) for week in range(WEEKS)]
    away = (
        select(Absence.id)
        .where(
            Absence.caseworker_id == EhcpCase.caseworker_id,
            due.between(Absence.starts, Absence.ends),
        )
        .exists()
    )
    return (
        select(
            EhcpCase.caseworker_id,
            EhcpCase.stage,
            func.count(),
            counted(last_urgent),
            counted(due < today),
            *(counted(week) for week in weeks),
            counted(away),
        )
        .where(EhcpCase.is_open == true())  # = 1, which the index answers (IS 1 is not)
        .group_by(EhcpCase.caseworker_id, EhcpCase.stage)
    )


def _counts_of(rows: list) -> list[StageCounts]:
    return [
        StageCounts(worker, stage, cases, urgent, overdue, tuple(weeks), in_absence)
        for worker, stage, cases, urgent, overdue, *weeks, in_absence in rows
    ]


@dataclass(frozen=True)
class BoardRow:
    worker_id: int
    name: str
    capacity: float
    away_today: bool
    cases_by_stage: dict[str, int]
    open_cases: int
    load: float
    load_per_fte: float
    overdue_steps: int
    weekly_deadlines: list[int]  # statutory steps due in each of the next 8 weeks
    deadlines_in_absence: int
    tribunal_steps: StepCount  # open steps of Tribunal orders (Reg 44, 45) on their cases


@dataclass(frozen=True)
class MovedCase:
    """What the lead needs to see of a case in a proposed move: whose it is and what is next."""

    case_id: int
    child_name: str
    next_step: str  # plain words, "" when nothing is due
    next_due: date | None


@dataclass(frozen=True)
class Board:
    today: date
    rows: list[BoardRow]
    unallocated: int


class WorkloadService(UserService):
    def weights(self) -> Weights:
        with self._db.read() as s:
            return _weights(list(s.execute(_WEIGHTS)))

    def set_weights(self, values: dict) -> None:
        checked = Weights.from_dict(values)  # ValueError with a clear message if wrong
        with self._db.uow() as s:
            self._require(s, Can.REASSIGN)
            row = s.get(AppSetting, WEIGHTS_KEY)
            text = json.dumps(checked.to_dict())
            if row is None:
                s.add(AppSetting(key=WEIGHTS_KEY, value=text))
            else:
                row.value = text

    def _team(self) -> tuple[list[WorkerInfo], list[WorkerLoad]]:
        return _loads(TeamService(self._db, self.user, self._today, self._now).workers())

    def _inputs(
        self, today: date | None = None
    ) -> tuple[list[WorkerInfo], list[WorkerLoad], list[CaseLoad]]:
        today, weights = today or self._today(), self.weights()
        infos, workers = self._team()
        query = (
            select(
                EhcpCase.id,
                Child.id,
                Child.family_id,
                EhcpCase.caseworker_id,
                EhcpCase.stage,
                EhcpCase.next_due,
            )
            .join(Child, EhcpCase.child_id == Child.id)
            .where(EhcpCase.is_open)
            .order_by(EhcpCase.id)
        )
        with self._db.read() as s:
            rows = s.execute(query).all()
        cases = [
            CaseLoad(
                case_id,
                child_id,
                family_id,
                worker_id,
                stage,
                due,
                workload.case_load(stage, (due - today).days if due else None, weights),
            )
            for case_id, child_id, family_id, worker_id, stage, due in rows
        ]
        return infos, workers, cases

    def board(self) -> Board:
        """The board's figures, counted by the database per caseworker and stage (a few
        thousand rows at 200,000 cases; see `_stage_counts`)."""
        today = self._today()
        # One transaction: the weights (whose urgency days the counts need), then its other
        # reads sent together once the person may see the board.
        with self._db.read() as s:
            one_snapshot(s)  # its reads as of one moment, not torn by a save between
            self._require(s, Can.REPORTS)
            weights = _weights(list(s.execute(_WEIGHTS)))
            counting = _stage_counts(today, weights.urgency_days)
            people, absences, counted, ordered = rows_of(s, [*worker_reads(), counting, _ORDERS])
        infos, workers = _loads(worker_infos(people, absences))
        counts = _counts_of(counted)
        orders = workload.steps_by_worker(_open_order_steps(ordered, today), today)
        figures = workload.board_figures(counts, workers, weights, WEEKS)
        rows = []
        for info, worker in zip(infos, workers, strict=True):
            f = figures[worker.id]
            rows.append(
                BoardRow(
                    worker_id=worker.id,
                    name=worker.name,
                    capacity=worker.capacity,
                    away_today=info.away_on(today),
                    cases_by_stage=f.cases_by_stage,
                    open_cases=f.open_cases,
                    load=round(f.load, 2),
                    load_per_fte=round(f.load / worker.capacity, 2) if worker.capacity else 0.0,
                    overdue_steps=f.overdue_steps,
                    weekly_deadlines=f.weekly_deadlines,
                    deadlines_in_absence=f.deadlines_in_absence,
                    tribunal_steps=orders.get(worker.id, StepCount()),
                )
            )
        unallocated = sum(c.cases for c in counts if c.worker_id is None)
        return Board(today=today, rows=rows, unallocated=unallocated)

    def propose(self, max_moves: int | None = None) -> Proposal:
        """Moves that even the load; ``max_moves`` is the lead's cap on balancing moves."""
        self._allowed(Can.REASSIGN)
        # The cases' loads are this day's by these weights already (`_inputs`). The proposal
        # makes a few objects per case, which all live until it ends: no cycles to collect.
        today = self._today()  # one day for the loads and the proposal, even at midnight
        with no_cycle_collection():
            _infos, workers, cases = self._inputs(today)
            return rebalance.propose_rebalance(workers, cases, today, max_moves=max_moves)

    def moved_cases(self, proposal: Proposal) -> dict[int, MovedCase]:
        """Child's name and next statutory step of every case the proposal moves."""
        self._allowed(Can.REASSIGN)
        ids = [case_id for move in proposal.moves for case_id in move.case_ids]
        found: dict[int, MovedCase] = {}
        query = select(
            EhcpCase.id, Child.first_name, Child.last_name, EhcpCase.next_step, EhcpCase.next_due
        ).join(Child, EhcpCase.child_id == Child.id)
        with self._db.read() as s:
            for start in range(0, len(ids), 500):  # stays under any bound-parameter limit
                chunk = ids[start : start + 500]
                for case_id, first, last, step, due in s.execute(
                    query.where(EhcpCase.id.in_(chunk))
                ):
                    label = step_label(step) if step else ""
                    found[case_id] = MovedCase(case_id, f"{first} {last}", label, due)
        return found

    def week_strips(
        self, proposal: Proposal, skip: set[int] | None = None
    ) -> dict[int, tuple[list[int], list[int]]]:
        """Statutory steps due per caseworker in each of the next 8 weeks, before and after
        the proposal's moves (less any unticked), so the lead sees where a crunch moves to."""
        _infos, workers, cases = self._inputs()
        chosen = [m for i, m in enumerate(proposal.moves) if not skip or i not in skip]
        before = workload.weekly_strip(cases, self._today(), weeks=8)
        after = workload.weekly_strip(rebalance.apply_moves(cases, chosen), self._today(), weeks=8)
        empty = [0] * 8
        return {w.id: (before.get(w.id, empty), after.get(w.id, empty)) for w in workers}

    def apply(self, proposal: Proposal, reason: str, skip: set[int] | None = None) -> str:
        """Apply the proposal's moves (less any the lead unticked, by index) in one batch;
        returns the batch id that undoes all of them at once."""
        team = TeamService(self._db, self.user, self._today, self._now)
        chosen = [
            (list(move.case_ids), move.to_id)
            for index, move in enumerate(proposal.moves)
            if not skip or index not in skip
        ]
        # Each move already holds a whole family, so nothing more is pulled in.
        return team.reassign_many(chosen, reason, split_families=True, kind="rebalance").batch


# Every Tribunal order, with the caseworker holding its case. Closed cases too (an order to
# assess follows a refusal); orders are few, so their steps are worked out here as My week
# does.
_ORDERS = select(TribunalOrder.__table__, EhcpCase.caseworker_id.label("worker_id")).join(
    EhcpCase, TribunalOrder.case_id == EhcpCase.id
)
_WEIGHTS = select(AppSetting.value).where(AppSetting.key == WEIGHTS_KEY)


def _open_order_steps(rows: list, today: date) -> list[OpenStep]:
    """Each open step of every Tribunal order (`_ORDERS`' rows), on its case's caseworker."""
    return [
        OpenStep(order.worker_id, order.case_id, step.due)
        for order in rows
        for step in order_steps(order, today)
        if step.rag is not Rag.NONE
    ]


def _weights(rows: list) -> Weights:
    """The weights the lead set (`_WEIGHTS`' row), or the defaults."""
    raw = rows[0].value if rows else None
    return Weights.from_dict(json.loads(raw)) if raw else Weights()


def _loads(infos: list[WorkerInfo]) -> tuple[list[WorkerInfo], list[WorkerLoad]]:
    workers = [
        WorkerLoad(w.id, w.name, w.capacity, tuple((a.starts, a.ends) for a in w.absences))
        for w in infos
    ]
    return infos, workers
