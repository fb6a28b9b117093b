"""Row-level security that costs once per statement, not once per row: every policy asks
who is signed in through a sub-select (an InitPlan), so a list of 50,000 cases does not call
a SECURITY DEFINER function 50,000 times (issue 28: the case list took 4.9 s for 0.4)."""

from __future__ import annotations

import re

from sqlalchemy import text

from caseload_app.db.pg_security import once_per_statement

BARE = re.compile(  # as pg_policies prints a clause: caseload_has('x'::text)
    r"(?<!SELECT )(?<![\w.])"
    r"(caseload_(?:active|writer|my_caseworker)\(\)|caseload_has\('[a-z_]+'::text\))"
)


def test_no_policy_asks_who_is_signed_in_once_per_row(team_server):
    with team_server.owner.read() as s:
        rows = s.execute(
            text(
                "SELECT tablename, policyname, coalesce(qual, '') || ' ' || "
                "coalesce(with_check, '') FROM pg_policies WHERE schemaname = 'public'"
            )
        ).all()
    assert len(rows) > 40
    bare = [(t, p, c) for t, p, c in rows if BARE.search(c.replace("( SELECT ", "(SELECT "))]
    assert bare == []


def test_a_list_read_by_a_team_lead_asks_once(team_server):
    """The plan of a read through the policy: the helper is an InitPlan, run once."""
    conn = team_server.raw("lee")
    plan = "\n".join(
        r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM ehcp_case")
    )
    assert "InitPlan" in plan
    conn.rollback()


def test_wrapping_is_idempotent_and_leaves_per_row_helpers_alone():
    clause = "caseload_may_edit_case(case_id) AND caseload_has('team_lead')"
    once = once_per_statement(clause)
    assert once == "caseload_may_edit_case(case_id) AND (SELECT caseload_has('team_lead'))"
    assert once_per_statement(once) == once
