"""The provider board's arithmetic: percentiles by hand and by property, the periods advice
is counted in, and the trend's words."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.providers import (
    Arrival,
    arrival_figures,
    median,
    percentile,
    spread,
    trend,
    within,
)

TODAY = date(2026, 12, 1)
DAYS = st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60)


def test_percentiles_by_hand():
    assert median([10, 30, 20]) == 20
    assert median([10, 20, 30, 40]) == 25
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90) == pytest.approx(91)
    assert percentile([42], 90) == 42
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1], 101)


@given(DAYS, st.floats(min_value=0, max_value=100))
def test_a_percentile_lies_between_the_least_and_the_most(days, p):
    value = percentile(days, p)
    assert value is not None
    assert min(days) <= value <= max(days)


@given(DAYS, st.floats(min_value=0, max_value=100), st.floats(min_value=0, max_value=100))
def test_a_higher_percentile_is_never_smaller(days, p, q):
    low, high = sorted((p, q))
    assert percentile(days, low) <= percentile(days, high) + 1e-9


@given(DAYS, st.randoms())
def test_the_order_of_the_values_does_not_matter(days, rng):
    shuffled = list(days)
    rng.shuffle(shuffled)
    assert median(shuffled) == median(days)
    assert percentile(shuffled, 90) == percentile(days, 90)


@given(DAYS)
def test_the_90th_percentile_is_reached_at_its_rank(days):
    """Interpolated between the values ranked at 90% of the way from least to most: at least
    that many (and one) are no longer, and none of the rest shorter than the one below it."""
    p90 = percentile(days, 90)
    rank = math.floor(0.9 * (len(days) - 1))
    assert sum(d <= p90 for d in days) >= rank + 1
    assert p90 >= sorted(days)[rank]


@given(DAYS, DAYS)
def test_the_trend_follows_the_medians(recent, before):
    found = trend(recent, before)
    now, then = median(recent), median(before)
    assert (found.recent, found.before) == (now, then)
    if now < then - 3:
        assert found.word == "faster"
    elif now > then + 3:
        assert found.word == "slower"
    else:
        assert found.word == "steady"


def test_the_trend_is_not_known_without_advice_in_one_quarter():
    assert trend([], [40]).word == "not known"
    assert "not known" in trend([30], []).words()
    assert trend([20, 22], [40, 44]).words() == "faster: median 21 days now, 42 days before"


def test_the_periods_count_advice_by_the_day_it_arrived():
    arrivals = [
        Arrival(TODAY, 1),  # today: in every period up to now
        Arrival(date(2026, 6, 2), 2),  # within the last six months (from 1 June, excluded)
        Arrival(date(2026, 6, 1), 3),  # six months ago exactly: the twelve only
        Arrival(date(2025, 12, 2), 4),
        Arrival(date(2025, 12, 1), 5),  # twelve months ago exactly: out
        Arrival(date(2026, 9, 1), 6),  # three months ago exactly: the quarter before
    ]
    assert sorted(within(arrivals, TODAY, 6)) == [1, 2, 6]
    assert sorted(within(arrivals, TODAY, 12)) == [1, 2, 3, 4, 6]
    assert within(arrivals, TODAY, 3) == [1]
    assert sorted(within(arrivals, TODAY, 3, skip=3)) == [2, 6]


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 200)), max_size=40))
def test_the_year_holds_the_half_year(rows):
    arrivals = [Arrival(TODAY - timedelta(days=back), days) for back, days in rows]
    figures = arrival_figures(arrivals, TODAY)
    assert figures.last_6_months.count <= figures.last_12_months.count
    assert figures.last_12_months.count == sum(back < 365 for back, _ in rows)
    assert spread([]).words() == "none arrived"
