"""The days the database buckets the weekly report's open cases by (measures.age_edges,
plan_age_edges) put every case where the rules themselves (age_bucket, plan_age) put it."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.measures import age_bucket, age_edges, plan_age, plan_age_edges

WEEKS = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))
DAYS_BACK = st.integers(min_value=0, max_value=1500)


@given(w=WEEKS, back=DAYS_BACK)
def test_a_request_is_bucketed_by_its_day_as_by_its_age(w, back):
    received = w - timedelta(days=back)
    by_day = next((i for i, edge in enumerate(age_edges(w)) if received > edge), 3)
    assert by_day == age_bucket(back)


@given(w=WEEKS, back=DAYS_BACK)
def test_a_plan_is_aged_by_its_day_as_by_its_months(w, back):
    base = w - timedelta(days=back)
    by_day = next((i for i, edge in enumerate(plan_age_edges(w)) if base >= edge), 2)
    assert by_day == plan_age(base, w)


def test_the_edges_fall_where_the_months_do():
    # A plan made on 29 Feb 2024: six months starting with it end on 28 Aug, twelve on
    # 28 Feb 2025 (docs/statutory-rules.md, "Counting time").
    assert plan_age(date(2024, 2, 29), date(2024, 8, 28)) == 0
    assert plan_age_edges(date(2024, 8, 28))[0] <= date(2024, 2, 29)
    assert plan_age_edges(date(2024, 8, 29))[0] > date(2024, 2, 29)
