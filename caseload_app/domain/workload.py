"""Weighted caseload and the board's figures: the one place the load rules live.

Load: each open case weighs its stage's weight (``Weights``), times the urgency multiplier when
its next statutory step is overdue or due within ``urgency_days``. Closed cases weigh nothing.
The spread (busiest minus least busy load per FTE among those in) is what rebalancing
(``domain/rebalance.py``) lowers.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from types import MappingProxyType

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import CLOSED_STAGES, STAGES

__all__ = [
    "DEFAULT_STAGE_WEIGHTS",
    "DEFAULT_URGENCY_DAYS",
    "DEFAULT_URGENCY_MULTIPLIER",
    "MAX_FTE",
    "MIN_FTE",
    "BoardFigures",
    "CaseLoad",
    "StageCounts",
    "OpenStep",
    "StepCount",
    "Weights",
    "WorkerLoad",
    "board_figures",
    "case_load",
    "deadlines_in_absence",
    "fte_problem",
    "loads_by_worker",
    "spread",
    "stage_load",
    "steps_by_worker",
    "weekly_strip",
]

# An EHC needs assessment (chasing advice, drafting) is far more work than a maintained plan,
# which mostly waits for its annual review.
DEFAULT_STAGE_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "request_received": 2.0,
        "assessment": 3.0,
        "draft_issued": 2.5,
        "plan_issued": 1.0,
        "refused_to_assess": 0.0,
        "not_issued": 0.0,
        "ceased": 0.0,
        "withdrawn": 0.0,
    }
)
DEFAULT_URGENCY_MULTIPLIER = 1.5
DEFAULT_URGENCY_DAYS = 14  # overdue, or due within 14 days (day 14 included), like RAG amber

_OPEN_STAGES = ("request_received", "assessment", "draft_issued", "plan_issued")
_SETTING_KEYS = (*_OPEN_STAGES, "urgency_multiplier", "urgency_days")
_EPS = 1e-9


# A caseworker's capacity in full-time equivalents: a tenth (half a day a week) to one and a
# half (overtime). The load per FTE divides by it, so a capacity near zero would print a
# figure hundreds of digits long on the board and the weekly report.
MIN_FTE = 0.1
MAX_FTE = 1.5


def fte_problem(capacity: object) -> str | None:
    """What is wrong with a capacity given for a caseworker, or None."""
    if isinstance(capacity, bool) or not isinstance(capacity, int | float):
        return "Capacity is a number of full-time equivalents, e.g. 1.0 or 0.6."
    if not MIN_FTE <= capacity <= MAX_FTE:  # NaN fails both
        return (
            f"Capacity is in full-time equivalents from {MIN_FTE} (half a day a week) to "
            f"{MAX_FTE}, e.g. 1.0 or 0.6; {capacity!r} is outside that."
        )
    return None


# --------------------------------------------------------------------------- weights


def finite_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return float(value)


@dataclass(frozen=True, slots=True)
class Weights:
    """Stage weights and the urgency multiplier (editable in settings; see ``from_dict``)."""

    request_received: float = DEFAULT_STAGE_WEIGHTS["request_received"]
    assessment: float = DEFAULT_STAGE_WEIGHTS["assessment"]
    draft_issued: float = DEFAULT_STAGE_WEIGHTS["draft_issued"]
    plan_issued: float = DEFAULT_STAGE_WEIGHTS["plan_issued"]
    urgency_multiplier: float = DEFAULT_URGENCY_MULTIPLIER
    urgency_days: int = DEFAULT_URGENCY_DAYS

    def __post_init__(self) -> None:
        for stage in _OPEN_STAGES:
            value = finite_number(f"Weight for {stage!r}", getattr(self, stage))
            if value < 0:
                raise ValueError(f"Weight for {stage!r} cannot be negative (got {value:g}).")
            object.__setattr__(self, stage, value)
        multiplier = finite_number("Urgency multiplier", self.urgency_multiplier)
        if multiplier < 1:
            raise ValueError(
                f"Urgency multiplier must be at least 1 (got {multiplier:g}): "
                "an urgent case cannot weigh less than the same case when not urgent."
            )
        object.__setattr__(self, "urgency_multiplier", multiplier)
        days: object = self.urgency_days  # settings may hold 14.0, or anything at all
        if isinstance(days, float) and days.is_integer():
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(
                f"Urgency days must be a whole number of days, 0 or more (got {days!r})."
            )
        object.__setattr__(self, "urgency_days", days)

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> "Weights":
        """Weights from settings: keys as in ``to_dict``; missing keys keep their defaults.

        Closed stages (refused_to_assess, not_issued, ceased, withdrawn) may be given, as 0 only.
        Raises ValueError naming the key for unknown keys, non-numbers and negatives.
        """
        if not isinstance(values, Mapping):
            raise ValueError(f"Weights must be a mapping of name to number, got {values!r}.")
        kwargs: dict[str, object] = {}
        for key, value in values.items():
            if key in CLOSED_STAGES:
                if finite_number(f"Weight for {key!r}", value) != 0:
                    raise ValueError(
                        f"Closed stage {key!r} carries no load: its weight must be 0 "
                        f"(got {value!r})."
                    )
            elif key in _SETTING_KEYS:
                kwargs[key] = value
            else:
                raise ValueError(
                    f"Unknown weight {key!r}; expected one of: {', '.join(_SETTING_KEYS)}."
                )
        return cls(**kwargs)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, float | int]:
        """The settings form of these weights (JSON-safe); ``from_dict`` reads it back."""
        return {key: getattr(self, key) for key in _SETTING_KEYS}

    def stage_weight(self, stage: str) -> float:
        """Weight of one case at ``stage``; 0 for closed stages."""
        if stage in CLOSED_STAGES:
            return 0.0
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        return getattr(self, stage)


def case_load(stage: str, days_to_next_due: int | None, weights: Weights | None = None) -> float:
    """Weighted load of one case: its stage weight, times the urgency multiplier when its next
    step is overdue (negative days) or due within ``weights.urgency_days`` days."""
    w = weights if weights is not None else Weights()
    urgent = days_to_next_due is not None and days_to_next_due <= w.urgency_days
    return stage_load(stage, urgent, w)


def stage_load(stage: str, urgent: bool, weights: Weights) -> float:
    """Weighted load of a case at ``stage``, urgent or not (see ``case_load``)."""
    base = weights.stage_weight(stage)
    return base * weights.urgency_multiplier if urgent else base


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    """A caseworker as rebalancing sees them: capacity in FTE (0 takes no work) and absences
    as inclusive (first day, last day) periods."""

    id: int
    name: str
    capacity: float
    away: tuple[tuple[date, date], ...] = ()

    def __post_init__(self) -> None:
        capacity = finite_number(f"Capacity of {self.name}", self.capacity)
        if capacity < 0:
            raise ValueError(f"Capacity of {self.name} cannot be negative (got {capacity:g}).")
        object.__setattr__(self, "capacity", capacity)
        periods = tuple((start, end) for start, end in self.away)
        for start, end in periods:
            if end < start:
                raise ValueError(
                    f"Absence of {self.name} ends ({format_date(end)}) before it starts "
                    f"({format_date(start)})."
                )
        object.__setattr__(self, "away", periods)

    def away_on(self, day: date) -> bool:
        """Whether ``day`` falls in one of the absences (first and last days included)."""
        return any(start <= day <= end for start, end in self.away)

    def available_on(self, day: date) -> bool:
        """Whether this caseworker can take work on ``day``: some capacity and not away."""
        return self.capacity > 0 and not self.away_on(day)

    def absence_around(self, day: date) -> tuple[date, date] | None:
        """The whole absence covering ``day`` (overlapping or back-to-back periods joined)."""
        merged: list[list[date]] = []
        for start, end in sorted(self.away):
            if merged and start <= merged[-1][1] + timedelta(days=1):
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            if start <= day <= end:
                return start, end
        return None


@dataclass(frozen=True, slots=True)
class CaseLoad:
    """One open case: who holds it (None: unallocated), its stage, next statutory step and
    weighted load (from ``case_load``)."""

    case_id: int
    child_id: int
    family_id: int
    worker_id: int | None
    stage: str
    next_due: date | None
    load: float

    def __post_init__(self) -> None:
        load = finite_number(f"Load of case {self.case_id}", self.load)
        if load < 0:
            raise ValueError(f"Load of case {self.case_id} cannot be negative (got {load:g}).")


# --------------------------------------------------------------------------- board figures


def loads_by_worker(cases: Iterable[CaseLoad], workers: Iterable[WorkerLoad]) -> dict[int, float]:
    """Total load per caseworker id (every worker, 0.0 if none); cases held by anyone else,
    or by nobody, are not counted."""
    parts: dict[int, list[float]] = {w.id: [] for w in workers}
    for case in cases:
        if case.worker_id in parts:
            parts[case.worker_id].append(case.load)
    # fsum is exact, so the figures do not depend on the order the cases came in.
    return {worker_id: math.fsum(values) for worker_id, values in parts.items()}


def spread(
    loads: Mapping[int, float], workers: Iterable[WorkerLoad], today: date | None = None
) -> float:
    """Max minus min of load per FTE over the caseworkers who can take work: capacity above 0
    and, when ``today`` is given, not away today. 0.0 with fewer than two of them."""
    ratios = [
        loads.get(w.id, 0.0) / w.capacity
        for w in workers
        if w.capacity > 0 and (today is None or not w.away_on(today))
    ]
    if len(ratios) < 2:
        return 0.0
    return max(ratios) - min(ratios)


def deadlines_in_absence(cases: Iterable[CaseLoad], worker: WorkerLoad) -> list[CaseLoad]:
    """The worker's own cases whose next step falls due while they are away, earliest first."""
    found = [
        c
        for c in cases
        if c.worker_id == worker.id and c.next_due is not None and worker.away_on(c.next_due)
    ]
    return sorted(found, key=lambda c: (c.next_due, c.case_id))


def weekly_strip(cases: Iterable[CaseLoad], today: date, weeks: int = 8) -> dict[int, list[int]]:
    """Per caseworker holding a case: how many next steps fall due in each of the next
    ``weeks`` weeks, week 1 starting today (days 0-6). Overdue and later steps are not counted;
    unallocated cases are left out."""
    if weeks < 0:
        raise ValueError(f"weeks cannot be negative (got {weeks}).")
    strip: dict[int, list[int]] = {}
    for case in cases:
        if case.worker_id is None:
            continue
        row = strip.setdefault(case.worker_id, [0] * weeks)
        if case.next_due is None:
            continue
        days = (case.next_due - today).days
        if 0 <= days < 7 * weeks:
            row[days // 7] += 1
    return strip


@dataclass(frozen=True, slots=True)
class StageCounts:
    """A caseworker's open cases at one stage (None: unallocated), counted by the database
    for the board: at 200,000 cases one row per caseworker and stage (a few thousand),
    where cases grouped by their due date were 150,000 groups for Python to go through.
    Each count is the case-by-case rule: `urgent` as `case_load` (overdue, or due within
    the weights' urgency days), `overdue` before today, `weeks` the next steps due in each
    week from today (`weekly_strip`), `in_absence` those due on a day the caseworker is
    away (`deadlines_in_absence`)."""

    worker_id: int | None
    stage: str
    cases: int
    urgent: int
    overdue: int
    weeks: tuple[int, ...]
    in_absence: int


@dataclass(frozen=True, slots=True)
class BoardFigures:
    """One caseworker's row of the workload board."""

    cases_by_stage: dict[str, int]
    open_cases: int
    load: float
    overdue_steps: int
    weekly_deadlines: list[int]
    deadlines_in_absence: int


def board_figures(
    counts: Iterable[StageCounts],
    workers: Iterable[WorkerLoad],
    weights: Weights | None = None,
    weeks: int = 8,
) -> dict[int, BoardFigures]:
    """The board's figures per caseworker from their stages' counts; the same numbers as
    loads_by_worker, weekly_strip and deadlines_in_absence give case by case (each count's
    `weeks` holds `weeks` weeks)."""
    if weeks < 0:
        raise ValueError(f"weeks cannot be negative (got {weeks}).")
    w = weights if weights is not None else Weights()
    mine: dict[int, list[StageCounts]] = {worker.id: [] for worker in workers}
    for counted in counts:
        if len(counted.weeks) != weeks:
            raise ValueError(f"The counts hold {len(counted.weeks)} weeks, not {weeks}.")
        if counted.worker_id in mine:
            mine[counted.worker_id].append(counted)
    return {worker_id: _figures(held, w, weeks) for worker_id, held in mine.items()}


def _figures(counts: list[StageCounts], w: Weights, weeks: int) -> BoardFigures:
    by_stage: Counter[str] = Counter()
    strip = [0] * weeks
    # Exact, then rounded once: as fsum of the cases' loads one by one, not each product
    # rounded (which put a board a cent away from the proposal's figures).
    load = Fraction(0)
    for c in counts:
        by_stage[c.stage] += c.cases
        load += (c.cases - c.urgent) * Fraction(stage_load(c.stage, False, w))
        load += c.urgent * Fraction(stage_load(c.stage, True, w))
        for week, due in enumerate(c.weeks):
            strip[week] += due
    return BoardFigures(
        cases_by_stage=dict(by_stage),
        open_cases=sum(by_stage.values()),
        load=float(load),
        overdue_steps=sum(c.overdue for c in counts),
        weekly_deadlines=strip,
        deadlines_in_absence=sum(c.in_absence for c in counts),
    )


# --------------------------------------------------------------------------- other steps


@dataclass(frozen=True, slots=True)
class OpenStep:
    """A statutory step that is not the case's own next step (each step of a Tribunal order),
    still to do: whose case it is, and when it is due."""

    worker_id: int | None
    case_id: int
    due: date


@dataclass(frozen=True, slots=True)
class StepCount:
    """One caseworker's open steps of one kind: how many, how many overdue or due within a
    week, and the cases they are on (for the board's drill-down)."""

    open: int = 0
    overdue: int = 0
    due_this_week: int = 0
    case_ids: tuple[int, ...] = ()


def steps_by_worker(steps: Iterable[OpenStep], today: date) -> dict[int, StepCount]:
    """Open steps counted per caseworker (unallocated cases are left out, as on the board).
    Overdue: due before today; this week: due today to 7 days on, as in My week."""
    found: dict[int, list[OpenStep]] = {}
    for step in steps:
        if step.worker_id is not None:
            found.setdefault(step.worker_id, []).append(step)
    return {
        worker_id: StepCount(
            open=len(held),
            overdue=sum(s.due < today for s in held),
            due_this_week=sum(0 <= (s.due - today).days <= 7 for s in held),
            case_ids=tuple(sorted({s.case_id for s in held})),
        )
        for worker_id, held in found.items()
    }
