"""Each role signed in on its own PostgreSQL login: the app's services allow what the matrix
says, and raw SQL on the same login (a home-made client) gets no more: a denied change is
refused with an error or matches no row, and nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
import pytest

from caseload_app.services.casework import CaseworkService
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.people import PeopleService
from caseload_app.services.plans import PlanService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from tests.pg.conftest import PEOPLE
from tests.services.test_access import ACTIONS, EVERYONE, Team

REFUSED = "refused"


def attempt(conn: psycopg.Connection, sql: str, params: dict | None = None) -> int | str:
    """Run one statement in its own transaction and roll it back: the rows it touched, or
    REFUSED when the database raised an error (permission, row-level security)."""
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(sql, params or {})
            return cur.rowcount
    except psycopg.errors.Error:
        return REFUSED


# (what, SQL, {login: expected}) — expected is a row count or REFUSED. REFUSED: the person's
# group roles have no privilege on the table (or a policy's check failed); 0 rows: they may
# write the table but row-level security hid the row, so the statement changed nothing.
def raw_matrix(t, roles: dict[str, str]) -> list[tuple[str, str, dict, dict[str, object]]]:
    """`roles`: the server_roles IT made (tests/pg/conftest.py)."""
    a, b = t.case_a, t.case_b
    everyone = dict.fromkeys(PEOPLE)
    return [
        (
            "read every case",
            "SELECT * FROM ehcp_case",
            {},
            dict.fromkeys(PEOPLE, 2),
        ),
        (
            "change the stage of Asha's case",
            "UPDATE ehcp_case SET stage = 'assessment' WHERE id = %(a)s",
            {"a": a},
            {"asha": 1, "ben": 0, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "give Asha's case to Ben (a reassignment)",
            "UPDATE ehcp_case SET caseworker_id = %(ben)s WHERE id = %(a)s",
            {"a": a, "ben": t.ben},
            {"asha": REFUSED, "ben": 0, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "add a task to Ben's case",
            "INSERT INTO task (case_id, title, version) VALUES (%(b)s, 'x', 1)",
            {"b": b},
            {"asha": REFUSED, "ben": 1, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "log a contact on Ben's case",
            "INSERT INTO communication (family_id, case_id, occurred_at, channel, direction,"
            " with_whom, summary, logged_by, version) SELECT ch.family_id, c.id, now(),"
            " 'phone', 'in', 'Mum', 'rang', session_user, 1 FROM ehcp_case c"
            " JOIN child ch ON ch.id = c.child_id WHERE c.id = %(b)s",
            {"b": b},
            {"asha": 1, "ben": 1, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "change a child's name on Ben's case",
            "UPDATE child SET first_name = 'X' WHERE id = (SELECT child_id FROM ehcp_case"
            " WHERE id = %(b)s)",
            {"b": b},
            {"asha": 0, "ben": 1, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "delete Ben's case",
            "DELETE FROM stage_event WHERE case_id = %(b)s",
            {"b": b},
            {"asha": 0, "ben": 1, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "add a caseworker",
            "INSERT INTO caseworker (name, capacity_fte, active, version)"
            " VALUES ('New Worker', 1, true, 1)",
            {},
            {"asha": REFUSED, "ben": REFUSED, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "add an advice provider (reference data: leads and administrators)",
            "INSERT INTO advice_provider (service, name, address, manager_name, manager_role,"
            " active, version) VALUES ('ep', 'EP team East', '', '', '', true, 1)",
            {},
            {"asha": REFUSED, "ben": REFUSED, "lee": 1, "dee": 1, "ravi": REFUSED},
        ),
        (
            "read the advice providers",
            "SELECT * FROM advice_provider",
            {},
            dict.fromkeys(PEOPLE, 0),
        ),
        (
            "point Ben's advice request at a provider (with his case)",
            "UPDATE advice_request SET provider_id = NULL WHERE case_id = %(b)s",
            {"b": b},
            {"asha": 0, "ben": 0, "lee": 0, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "make yourself an administrator",
            "UPDATE app_user SET roles = 'administrator' WHERE login = session_user",
            {},
            {"asha": REFUSED, "ben": REFUSED, "lee": REFUSED, "dee": 1, "ravi": REFUSED},
        ),
        (
            "add a person",
            "INSERT INTO app_user (login, name, roles, active, version)"
            " VALUES ('eve', 'Eve', 'team_lead', true, 1)",
            {},
            {"asha": REFUSED, "ben": REFUSED, "lee": REFUSED, "dee": 1, "ravi": REFUSED},
        ),
        (
            "change the council name",
            "INSERT INTO app_setting (key, value) VALUES ('council_name', 'X')",
            {},
            {"asha": REFUSED, "ben": REFUSED, "lee": REFUSED, "dee": 1, "ravi": REFUSED},
        ),
        (
            "edit an audit entry",
            "UPDATE audit_entry SET detail = 'x'",
            {},
            dict.fromkeys(everyone, REFUSED),
        ),
        (
            "remove audit entries",
            "DELETE FROM audit_entry",
            {},
            dict.fromkeys(everyone, REFUSED),
        ),
        (
            "read others' audit entries that are not about a case",
            "SELECT * FROM audit_entry WHERE case_id IS NULL AND who <> session_user",
            {},
            {"asha": 0, "ben": 0, "lee": 0, "dee": "some", "ravi": 0},
        ),
        # What a security review found (all closed now):
        (
            "grant yourself a built-in role that runs programs on the server",
            "GRANT pg_execute_server_program TO CURRENT_USER",
            {},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "create a login past the app",
            "CREATE ROLE mallory LOGIN",
            {},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "change a colleague's password past the app",
            f"ALTER ROLE \"{t.login('lee')}\" PASSWORD 'taken-over-now'",
            {},  # lee may change his own (-1: a statement that returns no rows)
            {"asha": REFUSED, "ben": REFUSED, "lee": -1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "make a PostgreSQL superuser's login yours through the login manager",
            "SELECT caseload_manage_login('postgres', 'password', NULL, NULL)",
            {},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        # What an outside attack found (issue 19): the login manager took over IT's roles.
        (
            "give a role that may run programs on the server a login (add-user)",
            "SELECT caseload_manage_login(%(r)s, 'create', NULL, ARRAY['caseload_read_only'])",
            {"r": roles["hr_runner"]},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "set the password of another database's owner",
            "SELECT caseload_manage_login(%(r)s, 'password', %(s)s, NULL)",
            {"r": roles["hr_owner"], "s": "SCRAM-SHA-256$4096:c2FsdA==$eA==:eA=="},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "log a contact on Ben's case under Ben's name (rows kept so: 0)",
            "WITH c AS (INSERT INTO communication (family_id, case_id, occurred_at, channel,"
            " direction, with_whom, summary, logged_by, letter_path, version)"
            " SELECT ch.family_id, c.id, now(), 'letter', 'out', 'Mum', 'x', %(ben)s,"
            " '/etc/passwd', 1 FROM ehcp_case c JOIN child ch ON ch.id = c.child_id"
            " WHERE c.id = %(b)s RETURNING logged_by)"
            " SELECT * FROM c WHERE logged_by <> session_user",
            {"b": b, "ben": t.login("ben")},
            {"asha": 0, "ben": 0, "lee": 0, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "say Ben last changed Asha's case (rows kept so: 0)",
            "WITH c AS (UPDATE ehcp_case SET updated_by = %(ben)s WHERE id = %(a)s"
            " RETURNING updated_by) SELECT * FROM c WHERE updated_by <> session_user",
            {"a": a, "ben": t.login("ben")},
            {"asha": 0, "ben": 0, "lee": 0, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            # Still possible (LOCK TABLE needs only the UPDATE a save needs), but bounded:
            # limits on every login, and the session is ended (tests/pg/test_locks.py).
            "lock the whole case table",
            "LOCK TABLE ehcp_case IN ACCESS EXCLUSIVE MODE",
            {},
            {"asha": -1, "ben": -1, "lee": -1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "give a role that had no login a login",
            "SELECT caseload_manage_login(%(r)s, 'enable', NULL, NULL)",
            {"r": roles["plain"]},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "plant a function that the owner's code might call",
            "CREATE FUNCTION public.string_to_array(varchar, text) RETURNS text[]"
            " LANGUAGE sql AS 'SELECT NULL::text[]'",
            {},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "open a case of your own on Ben's child (to edit the child)",
            "INSERT INTO ehcp_case (child_id, caseworker_id, request_received, stage, is_open,"
            " version) SELECT child_id, %(asha)s, '2026-07-01',"
            " 'request_received', false, 1 FROM ehcp_case WHERE id = %(b)s",
            {"asha": t.asha, "b": b},
            {"asha": REFUSED, "ben": REFUSED, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        (
            "move your child into Ben's family (to edit the family)",
            "UPDATE child SET family_id = (SELECT ch.family_id FROM ehcp_case c JOIN child ch"
            " ON ch.id = c.child_id WHERE c.id = %(b)s) WHERE id = (SELECT child_id FROM"
            " ehcp_case WHERE id = %(a)s)",
            {"a": a, "b": b},
            {"asha": REFUSED, "ben": 0, "lee": 1, "dee": REFUSED, "ravi": REFUSED},
        ),
        # Audit entries are written only through the server's checked function (issue 19):
        # any login could insert entries of any kind and text.
        (
            "write an audit entry past the function",
            "INSERT INTO audit_entry (at, who, action, record_type, record_id, case_id, detail)"
            " VALUES (now(), 'someone else', 'view', 'ehcp_case', %(a)s, %(a)s, '')",
            {"a": a},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "record that a case was viewed",
            "SELECT caseload_audit('view', 'ehcp_case', %(a)s, %(a)s, 'opened', 'x',"
            " now()::timestamp)",
            {"a": a},
            dict.fromkeys(PEOPLE, 1),
        ),
        (
            "write an audit entry of a kind the app does not write",
            "SELECT caseload_audit('granted', 'app_user', 1, NULL, 'Ben is now an administrator',"
            " 'x', now()::timestamp)",
            {},
            dict.fromkeys(PEOPLE, REFUSED),
        ),
        (
            "record a change (read-only people change nothing)",
            "SELECT caseload_audit('update', 'ehcp_case', %(a)s, %(a)s, 'stage', 'x',"
            " now()::timestamp)",
            {"a": a},
            {"asha": 1, "ben": 1, "lee": 1, "dee": 1, "ravi": REFUSED},
        ),
    ]


def _matches(got: object, want: object) -> bool:
    if want == "some":
        return isinstance(got, int) and got > 0
    return got == want


def test_raw_sql_on_each_login_gets_exactly_what_the_matrix_allows(team_server, server_roles):
    problems = []
    for what, sql, params, expected in raw_matrix(team_server, server_roles):
        for login, want in expected.items():
            got = attempt(team_server.raw(login), sql, params)
            if not _matches(got, want):
                problems.append(f"{login} {what}: expected {want}, got {got}")
    assert problems == [], "\n".join(problems)


def test_the_database_stamps_who_wrote_an_audit_entry(team_server):
    conn = team_server.raw("asha")
    conn.execute("SET TimeZone = '<+167>-167'")  # a client's own clock cannot move `at`
    conn.execute(
        "SELECT caseload_audit('view', 'child', NULL, NULL, 'forged', 'Lee Lead', '2001-01-01')"
    )
    conn.commit()
    with team_server.owner.read() as s:
        row = s.execute(
            __import__("sqlalchemy").text("SELECT who, at FROM audit_entry WHERE detail = 'forged'")
        ).one()
    import datetime as dt
    from zoneinfo import ZoneInfo

    london = dt.datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    assert row.who == team_server.login("asha")
    assert abs(row.at - london) < dt.timedelta(minutes=5)


def test_a_change_made_past_the_app_is_audited_by_the_database(team_server):
    from sqlalchemy import text

    conn = team_server.raw("asha")
    conn.execute("UPDATE ehcp_case SET stage = 'assessment' WHERE id = %s", (team_server.case_a,))
    conn.commit()
    with team_server.owner.read() as s:
        who, action, case_id, detail = s.execute(
            text(
                "SELECT who, action, case_id, detail FROM audit_entry"
                " WHERE action = 'db update' AND record_type = 'ehcp_case'"
            )
        ).one()
    asha = team_server.login("asha")
    assert (who, action, case_id) == (asha, "db update", team_server.case_a)
    assert '"stage": ["request_received", "assessment"]' in detail


def test_services_on_each_login_follow_the_same_rules(team_server):
    t = team_server
    for login in ("asha", "lee"):
        work = t.service(CaseworkService, login)
        work.add_task(t.case_a, f"Ring school ({login})", None, None)
    for login in ("ben", "dee", "ravi"):
        with pytest.raises(PermissionDenied):
            t.service(CaseworkService, login).add_task(t.case_a, "x", None, None)
    ravi = t.service(CaseworkService, "ravi")
    assert ravi.get_case(t.case_a).case_id == t.case_a  # read-only: views, audited
    with pytest.raises(PermissionDenied):
        ravi.log_communication(
            t.case_b, datetime(2026, 11, 20, 9), "phone", "in", "Mum", "Asked about EP"
        )
    dee = t.database("dee")
    TeamSettingsService(dee, t.login("dee")).set_council(CouncilDetails("BCP Council"))
    with pytest.raises(PermissionDenied):
        t.service(TeamSettingsService, "lee").set_council(CouncilDetails("X"))
    # A check the administrator switches off is left out of the plan a caseworker reads.
    plans = t.service(PlanService, "asha")
    assert "a_empty" in {f.rule for f in plans.working(t.case_a).findings}
    TeamSettingsService(dee, t.login("dee")).set_plan_rule("a_empty", True, "Panel agreed")
    with pytest.raises(PermissionDenied):
        t.service(TeamSettingsService, "lee").set_plan_rule("a_empty", False)
    assert "a_empty" not in {f.rule for f in plans.working(t.case_a).findings}


def test_an_administrator_adds_and_disables_people_on_the_server(team_server):
    t = team_server
    people = t.service(PeopleService, "dee")
    eve = t.login("eve")
    people.add_person(eve, "Eve New", "caseworker", password="a-long-enough-pass")
    t.passwords[eve] = "a-long-enough-pass"
    assert attempt(t.raw(eve), "SELECT * FROM ehcp_case") == 2
    people.set_active(eve, False)
    with pytest.raises(psycopg.OperationalError):
        t.raw(eve, fresh=True)  # a disabled person cannot even connect
    with pytest.raises(PermissionDenied):
        t.service(PeopleService, "lee").add_person("mal", "Mal", "administrator", password="x" * 12)


# --------------------------------------------------------------------------- the whole matrix
LOGINS = {name: person for person, (name, _roles) in PEOPLE.items()}


@dataclass
class SignedInTeam(Team):
    """tests/services/test_access.py's team, each person acting on their own login."""

    server: object = None

    def svc(self, cls, who):
        person = LOGINS[who]
        return self.server.service(cls, person, self.server.signed_in(person))


@pytest.mark.parametrize(("what", "allowed", "act"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_action_of_the_matrix_on_each_persons_own_login(team_server, what, allowed, act):
    t = team_server
    team = SignedInTeam(t.owner, t.case_a, t.case_b, t.asha, t.ben, server=t)
    for who in sorted(EVERYONE - allowed):
        with pytest.raises(PermissionDenied):
            act(team, who)
    for who in sorted(allowed):
        act(team, who)


def test_a_caseworker_deletes_and_restores_her_case_whole_on_her_login(team_server):
    """Row-level security hides rows silently; this checks nothing is left behind or lost."""
    from sqlalchemy import func, select

    from caseload_app.db.models import Child, EhcpCase, Family, StageEvent
    from caseload_app.services.requests import RequestService
    from caseload_app.services.trash import TrashService
    from tests.helpers import plain_request

    t = team_server

    def counts():
        with t.owner.read() as s:
            return [
                s.scalar(select(func.count()).select_from(m))
                for m in (Family, Child, EhcpCase, StageEvent)
            ]

    before = counts()
    lee = t.service(RequestService, "lee", t.signed_in("lee"))
    case_id = lee.create(plain_request("Gone", t.asha))
    with_case = counts()
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    item = trash.delete_case(case_id, "entered twice")
    assert counts() == before  # family, child, case and events all went
    trash.restore(item)
    assert counts() == with_case
