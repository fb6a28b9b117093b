"""The annual-review catch-up planner (pure: no database, no clock).

Every review to hold (overdue, or due soon) is put in order of legal risk and spread week by
week over its caseworker's capacity:

1. Phase transfers first, the nearest legal date first: the amended plan is due before
   15 February of the year of a move into or between schools, before 31 March of a move
   into post-16 (Reg 18(1); docs/statutory-rules.md, "Phase transfers").
2. Then the others by the day the review was due (s44: within 12 months of the plan or the
   last review): the longest overdue first, then the soonest due. One order, by due date.

Capacity: a caseworker holds ``reviews_per_week_per_fte`` review meetings in a full week at
1.0 FTE, in proportion to their FTE and to their working days in the week (Monday to Friday,
not a bank holiday, not away). Fractions carry from week to week, so a 0.5 FTE caseworker at
3 a week holds 1, 2, 1, 2 … rather than 1 every week. Meetings already booked use the
capacity of their week. No meeting is planned sooner than 2 weeks ahead: the invitations go
at least 2 weeks before the meeting (Reg 20(3); docs/statutory-rules.md, "Time limits").

Each review stays with its case's caseworker. One whose caseworker has no room in the weeks
planned is not planned, and the plan says so per caseworker. Only when the lead chooses to
share out across the team do those (and the reviews of unallocated cases) go, after every
caseworker's own reviews are planned, to whoever has the earliest room.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from caseload_app.domain.deadlines import is_working_day
from caseload_app.domain.workload import WorkerLoad

# A full-time caseworker with about 150 plans holds about 3 reviews a week to keep up
# (150 a year over some 46 working weeks); the catch-up default adds one a week to that.
DEFAULT_PER_WEEK = 4.0
DEFAULT_SOON_WEEKS = 8  # "soon due": due within the next 8 weeks
DEFAULT_WEEKS = 12  # weeks planned and charted
NOTICE_DAYS = 14  # invitations at least 2 weeks before the meeting (Reg 20(3))
_EPSILON = 1e-9  # 4 × 0.3 × 5 / 5 is 1.1999…: counted as whole where it is whole


@dataclass(frozen=True)
class PlanSettings:
    """What the lead chooses in the planner."""

    reviews_per_week_per_fte: float = DEFAULT_PER_WEEK
    soon_weeks: int = DEFAULT_SOON_WEEKS
    weeks: int = DEFAULT_WEEKS
    share_out: bool = False

    def problems(self) -> list[str]:
        """What is wrong with these settings, in plain words; [] when they are fine."""
        wrong = []
        rate = self.reviews_per_week_per_fte
        if not (isinstance(rate, int | float) and math.isfinite(rate) and 0.5 <= rate <= 20):
            wrong.append("Reviews a week per full-time caseworker is a number from 0.5 to 20.")
        if not 0 <= self.soon_weeks <= 26:
            wrong.append("'Due within' is 0 to 26 weeks.")
        if not 1 <= self.weeks <= 52:
            wrong.append("A plan covers 1 to 52 weeks.")
        return wrong


@dataclass(frozen=True)
class ReviewToHold:
    case_id: int
    child_name: str
    caseworker_id: int | None
    due: date  # the annual review's due day (s44)
    transfer_date: date | None = None  # the phase transfer's last lawful day (Reg 18), if any
    booked: date | None = None  # a meeting already booked: held that day, not planned again
    # The annual review's own due day, which the "reviews overdue" count goes by (None: only
    # the phase transfer brings this review forward; `due` is then the day to plan it by).
    annual_due: date | None = None

    def overdue_from(self) -> date | None:
        """The day after which it counts as overdue: its annual review's due day."""
        if self.annual_due is not None or self.transfer_date is not None:
            return self.annual_due
        return self.due

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due).days)


def risk_key(review: ReviewToHold) -> tuple[int, date, date, int]:
    """Phase transfers first (nearest legal date first), then the longest overdue / soonest
    due, then by case number so that the order never depends on the input's."""
    if review.transfer_date is not None:
        return (0, review.transfer_date, review.due, review.case_id)
    return (1, review.due, review.due, review.case_id)


@dataclass(frozen=True)
class PlannedReview:
    review: ReviewToHold
    caseworker_id: int | None  # who holds the meeting: the case's, or another if shared out
    week: date | None  # the Monday of the planned week; None: not planned
    meeting: date | None  # the planned (or booked) meeting day
    shared: bool = False  # held by another caseworker than the case's (share out)
    note: str = ""  # why not planned, or "booked"

    @property
    def planned(self) -> bool:
        return self.week is not None and self.review.booked is None


@dataclass(frozen=True)
class WeekCount:
    week: date  # Monday
    without_plan: int  # reviews overdue at the week's end, without the plan
    with_plan: int  # … with it


@dataclass(frozen=True)
class Overflow:
    caseworker_id: int | None  # None: unallocated cases
    name: str
    count: int  # their reviews the weeks planned have no room for


@dataclass(frozen=True)
class Plan:
    today: date
    settings: PlanSettings
    reviews: list[PlannedReview]  # in order of legal risk
    weeks: list[WeekCount]
    overflow: list[Overflow] = field(default_factory=list)
    capacity: dict[int, list[int]] = field(default_factory=dict)  # per caseworker, per week

    def planned(self) -> list[PlannedReview]:
        return [p for p in self.reviews if p.planned]


# --------------------------------------------------------------------------- weeks
def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of this week and the weeks after it."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(weeks=k) for k in range(weeks)]


def meeting_days(worker: WorkerLoad, monday: date, earliest: date) -> list[date]:
    """The days of the week a caseworker can hold a meeting: working days, not away, and
    not before `earliest`."""
    days = (monday + timedelta(days=d) for d in range(5))
    return [d for d in days if d >= earliest and is_working_day(d) and not worker.away_on(d)]


def weekly_capacity(
    worker: WorkerLoad, mondays: Sequence[date], earliest: date, per_week: float
) -> list[int]:
    """Meetings the caseworker can hold in each week; fractions carry to the next week."""
    out, done, running = [], 0, 0.0
    for monday in mondays:
        running += per_week * worker.capacity * len(meeting_days(worker, monday, earliest)) / 5
        whole = math.floor(running + _EPSILON)
        out.append(whole - done)
        done = whole
    return out


# --------------------------------------------------------------------------- planning
class _Slots:
    """Room left per caseworker per week, and the days meetings are given in each week."""

    def __init__(self, workers: Iterable[WorkerLoad], mondays: list[date], earliest: date, rate):
        self.mondays = mondays
        self.workers = {w.id: w for w in workers}
        self.capacity = {
            w.id: weekly_capacity(w, mondays, earliest, rate) for w in self.workers.values()
        }
        self.left = {w: list(c) for w, c in self.capacity.items()}
        self.days = {
            w.id: [meeting_days(w, m, earliest) for m in mondays] for w in self.workers.values()
        }
        self.given = {w: [0] * len(mondays) for w in self.workers}

    def use_booked(self, worker_id: int | None, day: date) -> None:
        k = (day - self.mondays[0]).days // 7
        if worker_id in self.left and 0 <= k < len(self.mondays):
            self.left[worker_id][k] = max(0, self.left[worker_id][k] - 1)

    def earliest(self, worker_id: int) -> int | None:
        return next((k for k, n in enumerate(self.left[worker_id]) if n > 0), None)

    def take(self, worker_id: int, k: int) -> date:
        """A meeting day in week k: the week's free days in turn."""
        self.left[worker_id][k] -= 1
        days = self.days[worker_id][k]
        day = days[self.given[worker_id][k] % len(days)]
        self.given[worker_id][k] += 1
        return day


def make_plan(
    reviews: Iterable[ReviewToHold],
    workers: Iterable[WorkerLoad],
    today: date,
    settings: PlanSettings = PlanSettings(),
    later: Iterable[date] = (),
) -> Plan:
    """The plan: each review at most once, no caseworker's week over capacity, the same
    answer for the same input whatever its order. `later`: the due days of reviews due
    after the planning window but within the chart's weeks, counted overdue alike in both."""
    wrong = settings.problems()
    if wrong:
        raise ValueError(" ".join(wrong))
    ordered = sorted(_unique(reviews), key=risk_key)
    team = sorted(workers, key=lambda w: w.id)
    names = {w.id: w.name for w in team}
    mondays = week_starts(today, settings.weeks)
    earliest = today + timedelta(days=NOTICE_DAYS)
    slots = _Slots(team, mondays, earliest, settings.reviews_per_week_per_fte)
    for r in ordered:
        if r.booked is not None:
            slots.use_booked(r.caseworker_id, r.booked)
    placed: dict[int, PlannedReview] = {}
    waiting: list[ReviewToHold] = []
    for r in ordered:
        if r.booked is not None:
            placed[r.case_id] = _booked(r, mondays)
        elif r.caseworker_id in slots.left and (k := slots.earliest(r.caseworker_id)) is not None:
            day = slots.take(r.caseworker_id, k)
            placed[r.case_id] = PlannedReview(r, r.caseworker_id, mondays[k], day)
        else:
            waiting.append(r)
    for r in waiting:
        placed[r.case_id] = (
            _share(r, slots, mondays) if settings.share_out else _not_planned(r, names)
        )
    result = [placed[r.case_id] for r in ordered]
    return Plan(
        today=today,
        settings=settings,
        reviews=result,
        weeks=overdue_by_week(result, mondays, later),
        overflow=_overflow(result, names),
        capacity=slots.capacity,
    )


def _unique(reviews: Iterable[ReviewToHold]) -> list[ReviewToHold]:
    """One review per case: a case given twice keeps its riskiest entry."""
    best: dict[int, ReviewToHold] = {}
    for r in reviews:
        if r.case_id not in best or risk_key(r) < risk_key(best[r.case_id]):
            best[r.case_id] = r
    return list(best.values())


def _booked(r: ReviewToHold, mondays: list[date]) -> PlannedReview:
    assert r.booked is not None
    week = r.booked - timedelta(days=r.booked.weekday())
    return PlannedReview(r, r.caseworker_id, week if week in mondays else None, r.booked,
                         note="booked")  # fmt: skip


def _share(r: ReviewToHold, slots: _Slots, mondays: list[date]) -> PlannedReview:
    """The earliest room anywhere in the team; the case's own caseworker, then the lowest
    id, on a tie."""
    best: tuple[int, int, int] | None = None
    for worker_id in slots.left:
        k = slots.earliest(worker_id)
        if k is not None:
            key = (k, 0 if worker_id == r.caseworker_id else 1, worker_id)
            best = key if best is None or key < best else best
    if best is None:
        return PlannedReview(r, r.caseworker_id, None, None,
                             note="no room in the team in the weeks planned")  # fmt: skip
    k, _, worker_id = best
    day = slots.take(worker_id, k)
    return PlannedReview(r, worker_id, mondays[k], day, shared=worker_id != r.caseworker_id)


def _not_planned(r: ReviewToHold, names: dict[int, str]) -> PlannedReview:
    if r.caseworker_id is None:
        note = "no caseworker: allocate the case, or share out across the team"
    elif r.caseworker_id not in names:
        note = "its caseworker is not in the team"
    else:
        note = f"no room in {names[r.caseworker_id]}'s weeks planned"
    return PlannedReview(r, r.caseworker_id, None, None, note=note)


def _overflow(result: list[PlannedReview], names: dict[int, str]) -> list[Overflow]:
    counts: dict[int | None, int] = {}
    for p in result:
        if p.week is None and p.review.booked is None:
            counts[p.review.caseworker_id] = counts.get(p.review.caseworker_id, 0) + 1
    out = [
        Overflow(w, names.get(w, "Unallocated") if w is not None else "Unallocated", n)
        for w, n in counts.items()
    ]
    return sorted(out, key=lambda o: (-o.count, o.name.casefold()))


def overdue_by_week(
    result: Iterable[PlannedReview], mondays: list[date], later: Iterable[date] = ()
) -> list[WeekCount]:
    """Per week, the reviews overdue at its end (due before that day, not held by it): as
    things are (only the meetings already booked), and with the plan's meetings too. Each
    review counts from the week it falls overdue to the week it is held, so 50,000 cases
    are counted in one pass."""
    if not mondays:
        return []
    n = len(mondays)
    without, with_plan = [0] * (n + 1), [0] * (n + 1)
    for p in result:
        due = p.review.overdue_from()
        if due is None:  # its annual review is not due: a phase transfer brings it forward
            continue
        first = _week_after(mondays[0], due + timedelta(days=1), n)
        _count(without, first, _week_after(mondays[0], p.review.booked, n))
        _count(with_plan, first, _week_after(mondays[0], p.meeting, n))
    for due in later:  # due after the window: not planned, overdue alike with or without
        first = _week_after(mondays[0], due + timedelta(days=1), n)
        _count(without, first, n)
        _count(with_plan, first, n)
    out, a, b = [], 0, 0
    for k, monday in enumerate(mondays):
        a, b = a + without[k], b + with_plan[k]
        out.append(WeekCount(monday, a, b))
    return out


def _week_after(first_monday: date, day: date | None, n: int) -> int:
    """The first week whose end (Sunday) is on or after `day`; n when none is (or no day)."""
    if day is None:
        return n
    return min(n, max(0, -(-((day - first_monday).days - 6) // 7)))


def _count(changes: list[int], start: int, stop: int) -> None:
    """Counted in weeks start … stop - 1."""
    if start < stop:
        changes[start] += 1
        changes[stop] -= 1
