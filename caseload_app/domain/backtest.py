"""How good the 20-week forecast has been: what it would have said 4, 8 and 12 weeks before
each of the last weeks, from only what was recorded by then, against what happened.

Each past forecast reads the cases' dates up to its own day and no later (a date after it
is taken as not yet happened); the caseworkers' FTE, absences and who holds each case are
as recorded now. The error is the average gap, in plans a week, between the forecast and
the plans actually issued that week.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from caseload_app.domain import deadlines
from caseload_app.domain.forecast import (
    AdviceRecord,
    CaseRecord,
    Engine,
    History,
    Worker,
    open_as_of,
)

LEADS = (4, 8, 12)  # weeks ahead


@dataclass(frozen=True)
class BackTestPoint:
    week_starts: date
    lead: int  # weeks between the forecast and the week
    expected: float
    low: int
    high: int
    actual: int
    expected_within: float
    actual_within: int


@dataclass(frozen=True)
class LeadError:
    lead: int
    weeks: int  # how many past weeks were checked
    mean_actual: float  # plans issued in an average week
    mean_error: float  # average |forecast - actual|, plans a week
    bias: float  # average forecast - actual: above 0, the forecast was too high
    in_range: float  # share of weeks where the actual count fell in the range
    within_error: float  # the same average gap for plans within 20 weeks

    @property
    def relative(self) -> float | None:
        """The average gap as a share of an average week's plans."""
        return self.mean_error / self.mean_actual if self.mean_actual else None


@dataclass(frozen=True)
class BackTest:
    made_on: date
    points: tuple[BackTestPoint, ...]
    leads: tuple[LeadError, ...]
    skipped: int  # past weeks with too little history before them to forecast

    def lead(self, weeks: int) -> LeadError | None:
        return next((e for e in self.leads if e.lead == weeks), None)


def back_test(
    cases: Sequence[CaseRecord],
    advice: Sequence[AdviceRecord],
    workers: Sequence[Worker],
    today: date,
    past_weeks: int = 26,
    leads: Sequence[int] = LEADS,
    progress: Callable[[int, int], bool] | None = None,
) -> BackTest:
    """Each of the last `past_weeks` whole weeks, forecast `leads` weeks before it.

    Weeks run from the day of the week `today` is, like the forecast's: the last whole one
    ended yesterday. `progress(done, total)` returning False stops early (cancelled)."""
    history = History(cases, advice)
    by_case: dict[int, list[AdviceRecord]] = {}
    for a in advice:
        by_case.setdefault(a.case_id, []).append(a)
    actual, actual_in = _issued_by_day(cases)
    origins = sorted({m + lead for m in range(1, past_weeks + 1) for lead in leads})
    points: list[BackTestPoint] = []
    skipped: set[int] = set()
    for n, j in enumerate(origins):
        if progress is not None and not progress(n, len(origins)):
            break
        made_on = today - timedelta(days=7 * j)
        state = open_as_of(cases, advice, made_on, by_case)
        engine = Engine(history, state, workers, made_on, max(leads) + 1)
        result = engine.run()
        for lead in leads:
            m = j - lead  # the past week: m weeks before today's
            if not 1 <= m <= past_weeks:
                continue
            if not result.ok:
                skipped.add(m)
                continue
            week = result.weeks[lead]
            points.append(
                BackTestPoint(
                    week_starts=week.starts,
                    lead=lead,
                    expected=week.expected,
                    low=week.low,
                    high=week.high,
                    actual=_count(actual, week.starts),
                    expected_within=week.within_20,
                    actual_within=_count(actual_in, week.starts),
                )
            )
    points.sort(key=lambda p: (p.week_starts, p.lead))
    return BackTest(today, tuple(points), _errors(points, leads), len(skipped))


def _issued_by_day(cases: Sequence[CaseRecord]) -> tuple[dict[date, int], dict[date, int]]:
    """Final plans issued per day, and of those within 20 weeks of the request."""
    total: dict[date, int] = {}
    within: dict[date, int] = {}
    for c in cases:
        if c.final_issued is None:
            continue
        total[c.final_issued] = total.get(c.final_issued, 0) + 1
        if c.final_issued <= deadlines.final_plan_due(c.request_received):
            within[c.final_issued] = within.get(c.final_issued, 0) + 1
    return total, within


def _count(per_day: dict[date, int], starts: date) -> int:
    return sum(per_day.get(starts + timedelta(days=d), 0) for d in range(7))


def _errors(points: Sequence[BackTestPoint], leads: Sequence[int]) -> tuple[LeadError, ...]:
    out = []
    for lead in leads:
        mine = [p for p in points if p.lead == lead]
        if not mine:
            continue
        n = len(mine)
        out.append(
            LeadError(
                lead=lead,
                weeks=n,
                mean_actual=sum(p.actual for p in mine) / n,
                mean_error=sum(abs(p.expected - p.actual) for p in mine) / n,
                bias=sum(p.expected - p.actual for p in mine) / n,
                in_range=sum(p.low <= p.actual <= p.high for p in mine) / n,
                within_error=sum(abs(p.expected_within - p.actual_within) for p in mine) / n,
            )
        )
    return tuple(out)
