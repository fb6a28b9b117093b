"""The case list's filters and search in SQL agree with the list's Python rules on a team
database too (PostgreSQL's LIKE, dates and booleans)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings

from caseload_app.db.engine import open_database
from caseload_app.services.case_window import CaseWindowService
from caseload_app.services.caselist import CaseFilter
from caseload_app.services.demo import generate_demo
from tests.helpers import TODAY
from tests.services.test_case_window import (
    BOUNDARY_FILTERS,
    DAYS,
    filters,
    python_ids,
    searches,
    sql_ids,
)


@pytest.fixture
def team_demo(pg_database):
    db = open_database(pg_database)
    generate_demo(db, children=150, seed=3, today=TODAY)
    yield db
    db.dispose()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case_filter=filters, text=searches, shift=DAYS)
def test_sql_shows_what_the_python_rules_show_on_a_team_database(
    team_demo, case_filter, text, shift
):
    today = TODAY + timedelta(days=shift)
    assert sql_ids(team_demo, today, case_filter, text) == python_ids(
        team_demo, today, case_filter, text
    )


def test_edges_and_typed_wildcards_on_a_team_database(team_demo):
    for case_filter in BOUNDARY_FILTERS:
        for shift in (-8, -7, 0, 7, 8, 14, 15):
            today = TODAY + timedelta(days=shift)
            assert sql_ids(team_demo, today, case_filter, "") == python_ids(
                team_demo, today, case_filter, ""
            )
    for text in ("a %", "_ 1", "%", "bh1 2"):
        assert sql_ids(team_demo, TODAY, CaseFilter(), text) == python_ids(
            team_demo, TODAY, CaseFilter(), text
        )


def test_sidebar_counts_on_a_team_database(team_demo):
    views = [CaseFilter(), CaseFilter(open_only=True), *BOUNDARY_FILTERS]
    counted = CaseWindowService(team_demo, today=lambda: TODAY).counts(views)
    assert counted == [len(python_ids(team_demo, TODAY, v, "")) for v in views]
