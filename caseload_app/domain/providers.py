"""How long advice takes to arrive from each provider: the arithmetic of the advice-provider
board (services/providers.py), kept apart from the database so it can be checked alone.

Days to arrive are counted from the day the adviser received the request, as Reg 8(1)'s six
weeks are (docs/statutory-rules.md, "Advice"), to the day the advice arrived.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from caseload_app.domain.deadlines import add_months

# A change of the median smaller than this many days is no change worth a word.
STEADY_DAYS = 3
TREND_MONTHS = 3  # the last three months against the three before


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between the closest ranks (the
    median at 50); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"A percentile is between 0 and 100, not {p}.")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


@dataclass(frozen=True)
class Arrival:
    """One piece of advice that arrived: the day it did and the days it took."""

    received: date
    days: int


@dataclass(frozen=True)
class Spread:
    """Days to arrive over one period: how many arrived, the median and the 90th percentile."""

    count: int
    median: float | None
    p90: float | None

    def words(self) -> str:
        if not self.count:
            return "none arrived"
        middle, slow = _days(self.median), _days(self.p90)
        return f"median {middle}, 90th percentile {slow} ({self.count} arrived)"


@dataclass(frozen=True)
class Trend:
    """The median of the last three months against the three before: faster, slower, steady,
    or not known (too little arrived in one of them)."""

    word: str  # "faster", "slower", "steady", "not known"
    recent: float | None
    before: float | None

    def words(self) -> str:
        if self.recent is None or self.before is None:
            return "not known (nothing arrived in one of the last two quarters)"
        return f"{self.word}: median {_days(self.recent)} now, {_days(self.before)} before"


def spread(days: Iterable[int]) -> Spread:
    values = list(days)
    return Spread(len(values), median(values), percentile(values, 90))


def within(arrivals: Iterable[Arrival], today: date, months: int, skip: int = 0) -> list[int]:
    """The days taken by advice that arrived in the `months` months before the last `skip`
    months (up to today): within(…, 6) is the last six months."""
    end = add_months(today, -skip) if skip else today
    start = add_months(today, -(skip + months))
    return [a.days for a in arrivals if start < a.received <= end]


def trend(recent: Sequence[int], before: Sequence[int], steady: int = STEADY_DAYS) -> Trend:
    """Faster when the recent median is shorter by more than `steady` days, slower when it is
    longer by more than that, else steady."""
    now, then = median(recent), median(before)
    if now is None or then is None:
        return Trend("not known", now, then)
    if now < then - steady:
        return Trend("faster", now, then)
    if now > then + steady:
        return Trend("slower", now, then)
    return Trend("steady", now, then)


@dataclass(frozen=True)
class ArrivalFigures:
    last_6_months: Spread
    last_12_months: Spread
    trend: Trend


def arrival_figures(arrivals: Sequence[Arrival], today: date) -> ArrivalFigures:
    """A provider's figures from the advice it sent: the spread over the last 6 and 12
    months and the trend of the last three months against the three before."""
    return ArrivalFigures(
        spread(within(arrivals, today, 6)),
        spread(within(arrivals, today, 12)),
        trend(
            within(arrivals, today, TREND_MONTHS),
            within(arrivals, today, TREND_MONTHS, skip=TREND_MONTHS),
        ),
    )


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    shown = f"{value:.1f}".removesuffix(".0")
    return f"{shown} day{'s' if shown != '1' else ''}"
