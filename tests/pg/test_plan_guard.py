"""Issued plan versions on a team database, as a caseworker on her own login with a home-made
client: she may not delete one, write one, change one, issue one whose sha256 is not its
content's, or touch the seals; a trash item she makes herself lets a version leave only if
its case goes too (checked at commit). Through the app, her case still goes to the trash and
comes back whole; and a laptop file's issued versions move to the server sealed."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest
from sqlalchemy import func, select, text

from caseload_app.db.engine import open_database
from caseload_app.db.models import PlanSeal, PlanVersion
from caseload_app.services.plan_integrity import PlanIntegrityService
from caseload_app.services.plans import PlanService
from caseload_app.services.transfer import move_laptop_file
from caseload_app.services.trash import TrashService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case
from tests.pg.test_roles import attempt

ISSUED_ON = date(2026, 11, 20)
LEAVES = "An issued plan version leaves only with its case, into the trash."
MADE = (
    "An issued plan version is made only by issuing the working copy, and comes back only "
    "from the trash as it was."
)
FROZEN = "An issued plan version cannot be changed: an amendment is a new version."
DENIED = "permission denied for table plan_seal"


def refusal(conn: psycopg.Connection, sql: str, params: dict | None) -> str:
    """Run one statement and roll it back: why the database refused it ('' if it did not)."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(sql, params or {})
    except psycopg.errors.Error as exc:
        return str(exc).splitlines()[0]
    return ""


def issue(plans: PlanService, case_id: int) -> int:
    state = plans.save(case_id, good_plan(), None, 0)
    version = plans.issue(case_id, state.version_id, state.version, ISSUED_ON)
    plans.save(case_id, good_plan().with_placement("Hillside Primary School"), None, 0)
    return version.id


@pytest.fixture
def asha_plan(team_server):
    t = team_server
    plans = t.service(PlanService, "asha", t.signed_in("asha"))
    return issue(plans, t.case_a)


def test_a_caseworker_cannot_forge_an_issued_version_with_raw_sql(team_server, asha_plan):
    t, v = team_server, asha_plan
    conn = t.raw("asha")
    row = conn.execute(
        "SELECT case_id, number, kind, content, issued_on, content_sha256, issued_by "
        "FROM plan_version WHERE id = %s",
        (v,),
    ).fetchone()
    conn.rollback()
    names = ("case_id", "number", "kind", "content", "issued_on", "sha", "by")
    forged = dict(zip(names, row, strict=True))
    forged |= {"number": 9, "content": '{"forged": true}'}
    insert = (
        "INSERT INTO plan_version (case_id, number, kind, content, issued_on, content_sha256, "
        "issued_by, created_by, created_at, version) VALUES (%(case_id)s, %(number)s, "
        "%(kind)s, %(content)s, %(issued_on)s, %(sha)s, %(by)s, 'x', now(), 1)"
    )
    attempts = {
        "delete it": ("DELETE FROM plan_version WHERE id = %(v)s", {"v": v}),
        "write one issued": (insert, forged),
        "change it": ("UPDATE plan_version SET content = '{}' WHERE id = %(v)s", {"v": v}),
        "issue one with another's sha256": (
            "UPDATE plan_version SET issued_on = '2026-11-21', content_sha256 = %(sha)s "
            "WHERE case_id = %(a)s AND issued_on IS NULL",
            {"sha": row[5], "a": t.case_a},
        ),
        "write a seal": (
            "INSERT INTO plan_seal (version_id, case_id, number, kind, issued_on) "
            "VALUES (1, 1, 1, 'draft', '2026-11-20')",
            None,
        ),
        "change a seal": ("UPDATE plan_seal SET content = 'x'", None),
        "remove a seal": ("DELETE FROM plan_seal", None),
    }
    got = {what: refusal(conn, sql, params) for what, (sql, params) in attempts.items()}
    assert got == {
        "delete it": LEAVES,
        "write one issued": MADE,
        "change it": FROZEN,
        "issue one with another's sha256": "An issued plan version carries the sha256 of its "
        "content.",
        "write a seal": DENIED,
        "change a seal": DENIED,
        "remove a seal": DENIED,
    }
    assert attempt(conn, "SELECT * FROM plan_seal") == 1  # people may read the seals


def test_a_trash_item_made_by_hand_does_not_let_a_version_leave(team_server, asha_plan):
    t, v = team_server, asha_plan
    conn = t.raw("asha")
    sha = conn.execute("SELECT content_sha256 FROM plan_version WHERE id = %s", (v,)).fetchone()
    payload = json.dumps({"plan_version": [{"content_sha256": sha[0]}]})
    conn.execute(
        "INSERT INTO trash_item (record_type, record_id, case_id, label, payload, deleted_at, "
        "deleted_by, reason) VALUES ('ehcp_case', %s, %s, 'x', %s, now(), session_user, 'x')",
        (t.case_a, t.case_a, payload),
    )
    conn.execute("DELETE FROM document WHERE plan_version_id = %s", (v,))  # its kept files
    conn.execute("DELETE FROM plan_version WHERE id = %s", (v,))  # beside a trash item: ...
    # ... but its case did not go (and the item holds nothing she deleted with it)
    with pytest.raises(psycopg.errors.Error, match="leaves only with its case|trash holds"):
        conn.commit()
    with t.owner.read() as s:
        assert s.scalar(select(func.count()).where(PlanVersion.id == v)) == 1


def test_her_case_goes_to_the_trash_and_back_whole_on_her_login(team_server, asha_plan):
    t = team_server
    db = t.signed_in("asha")
    trash = t.service(TrashService, "asha", db)
    plans = t.service(PlanService, "asha", db)
    before = plans.versions(t.case_a)
    trash.restore(trash.delete_case(t.case_a, "entered twice"))
    assert plans.versions(t.case_a) == before
    assert t.service(PlanIntegrityService, "asha", db).verify().findings == ()


def test_a_laptop_files_issued_versions_move_sealed_and_stay_guarded(tmp_path, pg_database):
    laptop = open_database(tmp_path / "caseload.sqlite3")
    case_id, _ = new_case(laptop)
    issue(PlanService(laptop, "Asha Patel", today=lambda: TODAY, now=lambda: NOW), case_id)
    laptop.dispose()
    move_laptop_file(tmp_path / "caseload.sqlite3", pg_database)
    team = open_database(pg_database)
    try:
        with team.read() as s:
            assert s.scalar(select(func.count()).select_from(PlanSeal)) == 1
        trash = TrashService(team, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
        trash.restore(trash.delete_case(case_id, "entered twice"))
        checker = PlanIntegrityService(team, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
        assert checker.verify().findings == ()
        with team.read() as s:  # the guard is back on after the move
            trigger = "SELECT tgenabled FROM pg_trigger WHERE tgname = 'plan_version_guard'"
            assert s.execute(text(trigger)).scalar() == "O"
    finally:
        team.dispose()
