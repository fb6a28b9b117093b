"""The case list's filters and search in SQL agree with the list's Python rules on a team
database too (PostgreSQL's LIKE, dates and booleans)."""

from __future__ import annotations

import os
from datetime import timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import text

from caseload_app.db.engine import open_database
from caseload_app.domain.text import fold
from caseload_app.services.case_window import CaseWindowService
from caseload_app.services.caselist import CaseFilter
from caseload_app.services.demo import generate_demo
from tests import pg_cluster
from tests.helpers import TODAY, statements_sent
from tests.services.test_case_window import (
    BOUNDARY_FILTERS,
    DAYS,
    SORTED_IN_SQL,
    expected_first_page,
    filters,
    python_ids,
    python_sorted,
    rename_as_people_type,
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
    for typed in ("a %", "_ 1", "%", "bh1 2"):
        assert sql_ids(team_demo, TODAY, CaseFilter(), typed) == python_ids(
            team_demo, TODAY, CaseFilter(), typed
        )


def test_sidebar_counts_on_a_team_database(team_demo):
    views = [CaseFilter(), CaseFilter(open_only=True), *BOUNDARY_FILTERS]
    counted = CaseWindowService(team_demo, today=lambda: TODAY).counts(views)
    assert counted == [len(python_ids(team_demo, TODAY, v, "")) for v in views]


@pytest.fixture
def english_demo(pg_server):
    """A team database made with English language rules (ICU), as a council's server may
    be: 'a' before 'B', where Python (and the C rules) put 'B' first."""
    name = f"caseload_test_icu_{os.getpid()}"
    pg_cluster.drop_database(pg_server, name)
    with psycopg.connect(pg_server.replace("+psycopg", ""), autocommit=True) as su:
        su.execute(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu "
            "ICU_LOCALE 'en-GB' LOCALE 'C.UTF-8'"
        )
    db = open_database(pg_cluster.database_url(pg_server, name))
    generate_demo(db, children=120, seed=3, today=TODAY)
    rename_as_people_type(db)
    with db.engine.begin() as conn:  # settings typed as people type them
        for n, setting in enumerate(["abbey school", "Abbey School", "ábbey", "Zebra", "zebra"]):
            conn.execute(
                text("UPDATE child SET setting = :s WHERE id = :i"), {"s": setting, "i": n + 1}
            )
    yield db
    db.dispose()
    pg_cluster.drop_database(pg_server, name)


@pytest.mark.parametrize("descending", [False, True])
def test_sorted_in_sql_as_the_list_sorts_on_a_team_database(english_demo, descending):
    """PostgreSQL compares text by the database's language rules unless told otherwise:
    the list's order is Python's, code point by code point."""
    team_demo = english_demo
    window = CaseWindowService(team_demo, today=lambda: TODAY)
    for column in SORTED_IN_SQL:
        got = window.case_ids(CaseFilter(), "", sort=(column, descending))
        assert got == python_sorted(team_demo, TODAY, CaseFilter(), "", column, descending), column


def test_a_search_of_three_letters_can_be_read_through_the_trigram_index(team_demo):
    """The list's search as it is sent, with a wildcard typed: PostgreSQL may answer it
    from ix_child_search (migration 0029) rather than reading every child's text (told not
    to read whole tables, as it chooses at council scale)."""
    with statements_sent(team_demo.engine) as sent:
        CaseWindowService(team_demo, today=lambda: TODAY).listing(CaseFilter(), "sm%th")
    statement, parameters = next((st, p) for st, p in sent if "search_text" in st)
    with team_demo.engine.connect() as conn:
        # No whole-table reads, nor whole-index walks: what is left is an index's own answer.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_indexscan = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    assert "ix_child_search" in plan, plan


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case_filter=filters, text=searches, shift=DAYS)
def test_a_search_s_first_page_is_the_head_of_its_whole_list_on_a_team_database(
    team_demo, case_filter, text, shift
):
    today = TODAY + timedelta(days=shift)
    window = CaseWindowService(team_demo, today=lambda: today)
    got = window.first_page(case_filter, text, page=5, scan=100)
    if got is not None:
        assert got == window.case_ids(case_filter, text)[:5]
    assert got == (
        expected_first_page(team_demo, today, case_filter, text, 5, 100)
        if fold(text).strip()
        else None
    )
