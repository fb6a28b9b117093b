"""The login manager changes only logins that caseload itself created: an administrator
cannot take over a server role through it (one holding pg_execute_server_program, another
database's owner, or a role that could not log in), and no session of a caseload login can
hold the team up for long."""

from __future__ import annotations

import secrets
import time

import psycopg
import pytest

from caseload_app.db import pg_security
from caseload_app.db.engine import storage_problem
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.people import PeopleService


def superuser(t) -> psycopg.Connection:
    conn = psycopg.connect(t.url.replace("+psycopg", ""), autocommit=True)
    t.opened.append(conn)
    return conn


def fresh_role(t, *grants: str, login: bool = False) -> str:
    """A role made by the server's superuser (IT, another application), not by caseload
    (named as this test database's, so it is dropped with it)."""
    name = t.login(f"hr_{secrets.token_hex(4)}")
    su = superuser(t)
    su.execute(f'CREATE ROLE "{name}" {"LOGIN" if login else "NOLOGIN"}')
    for grant in grants:
        su.execute(f'GRANT {grant} TO "{name}"')
    return name


def can_log_in(t, role: str) -> bool:
    row = superuser(t).execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
    return row.fetchone()[0]


def test_a_role_holding_server_program_rights_cannot_be_taken_over(team_server):
    t = team_server
    hr_runner = fresh_role(t, "pg_execute_server_program")
    people = t.service(PeopleService, "dee")
    with pytest.raises(PermissionDenied, match="caseload did not create it"):
        people.add_person(hr_runner, "HR Runner", "read_only", password="long-enough-pass")
    with pytest.raises(PermissionDenied, match="caseload did not create it"):
        people.add_person(hr_runner, "HR Runner", "read_only")  # --no-password, then…
    assert not can_log_in(t, hr_runner)  # the first step alone gave LOGIN before
    # …set-password: refused in the login manager itself, even called by hand.
    refused = attempt_manage(t, "dee", hr_runner, "password")
    assert refused
    assert not can_log_in(t, hr_runner)


def attempt_manage(t, login: str, who: str, verb: str) -> bool:
    """True if the server refused `verb` on `who` when asked by `login` directly."""
    conn = t.raw(login)
    try:
        with conn.transaction():
            conn.execute(
                "SELECT caseload_manage_login(%s, %s, NULL, NULL)",
                [who, "enable" if verb == "password" else verb],
            )
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


def test_another_databases_owner_cannot_be_taken_over(team_server):
    t = team_server
    owner = fresh_role(t, login=True)
    other = f"hrdb_{secrets.token_hex(4)}"
    superuser(t).execute(f'CREATE DATABASE {other} OWNER "{owner}"')
    try:
        with pytest.raises(PermissionDenied):
            t.service(PeopleService, "dee").add_person(owner, "HR", "read_only", password="p" * 12)
        assert attempt_manage(t, "dee", owner, "enable")
    finally:
        superuser(t).execute(f"DROP DATABASE {other}")


def test_a_role_that_could_not_log_in_is_never_given_login(team_server):
    t = team_server
    plain = fresh_role(t)  # nothing special about it, but it is not caseload's
    for verb in ("create", "enable"):
        assert attempt_manage(t, "dee", plain, verb)
    assert not can_log_in(t, plain)


def test_a_caseload_login_given_server_rights_later_is_no_longer_managed(team_server):
    t = team_server
    people = t.service(PeopleService, "dee")
    eve = t.login("eve")
    people.add_person(eve, "Eve Later", "caseworker", password="a-long-enough-pass")
    superuser(t).execute(f'GRANT pg_execute_server_program TO "{eve}"')
    with pytest.raises(PermissionDenied, match="other server roles"):
        people.set_password(eve, "another-long-pass")
    with pytest.raises(PermissionDenied, match="other server roles"):
        people.set_roles(eve, "team_lead")


def test_a_login_dropped_and_made_again_by_someone_else_is_not_caseloads(team_server):
    t = team_server
    people = t.service(PeopleService, "dee")
    fay = t.login("fay")
    people.add_person(fay, "Fay Gone", "caseworker", password="a-long-enough-pass")
    su = superuser(t)
    su.execute(f'DROP OWNED BY "{fay}"')
    su.execute(f'DROP ROLE "{fay}"')
    su.execute(f'CREATE ROLE "{fay}" NOLOGIN')  # the mark was on the old role, not the name
    with pytest.raises(PermissionDenied, match="caseload did not create it"):
        people.set_active(fay, True)
    assert not can_log_in(t, fay)


def test_every_caseload_login_has_session_limits(team_server):
    t = team_server
    row = superuser(t).execute(
        "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
        "WHERE r.rolname = %s AND s.setdatabase = 0",
        [t.login("asha")],
    )
    settings = set(row.fetchone()[0])
    assert {
        f"lock_timeout={pg_security.LOGIN_LIMITS['__LOCK_TIMEOUT__']}",
        f"statement_timeout={pg_security.LOGIN_LIMITS['__STATEMENT_TIMEOUT__']}",
        f"idle_in_transaction_session_timeout={pg_security.LOGIN_LIMITS['__IDLE_TIMEOUT__']}",
    } <= settings


def test_a_caseworker_locking_a_table_cannot_hold_the_team_up(team_server):
    t = team_server
    su = superuser(t)
    for person in ("asha", "lee"):  # the production limits, shortened for the test
        su.execute(f"ALTER ROLE \"{t.login(person)}\" SET lock_timeout = '1s'")
        su.execute(
            f"ALTER ROLE \"{t.login(person)}\" SET idle_in_transaction_session_timeout = '2s'"
        )
    locker = t.raw("asha", fresh=True)
    locker.execute("LOCK TABLE ehcp_case IN ACCESS EXCLUSIVE MODE")  # and then sits idle
    lead = t.raw("lee", fresh=True)
    with pytest.raises(psycopg.errors.LockNotAvailable) as waited:
        lead.execute("UPDATE ehcp_case SET stage = stage WHERE id = %s", [t.case_a])
    lead.rollback()
    told = storage_problem(waited.value)  # what the lead's form says: busy, saved again later
    assert told.retryable
    assert "holding these records" in str(told)
    time.sleep(3)  # the locker's idle transaction is ended by the server
    with pytest.raises((psycopg.errors.IdleInTransactionSessionTimeout, psycopg.OperationalError)):
        locker.execute("SELECT 1")
    assert lead.execute("UPDATE ehcp_case SET stage = stage WHERE id = %s", [t.case_a]).rowcount


def test_a_caseload_login_given_things_in_another_database_is_no_longer_managed(
    team_server, pg_server
):
    """A superuser makes Ben's login the owner of a table in HR's database, or lets it read
    one: from then on an administrator cannot set its password (and read HR's data)."""
    from tests import pg_cluster

    t = team_server
    people = t.service(PeopleService, "dee")
    other = f"hrdb_{secrets.token_hex(4)}"
    pg_cluster.create_database(pg_server, other)
    try:
        with psycopg.connect(
            pg_cluster.database_url(pg_server, other).replace("+psycopg", ""), autocommit=True
        ) as hr:
            hr.execute("CREATE TABLE salaries (name text, pay int)")
            hr.execute("CREATE TABLE reviews (name text, note text)")
            hr.execute(f'ALTER TABLE salaries OWNER TO "{t.login("ben")}"')
            hr.execute(f'GRANT SELECT ON reviews TO "{t.login("ravi")}"')
            for person in ("ben", "ravi"):
                with pytest.raises(PermissionDenied, match="elsewhere on the server"):
                    people.set_password(t.login(person), "now-i-know-it-123")
                assert attempt_manage(t, "dee", t.login(person), "enable")
            hr.execute("DROP TABLE salaries")
            hr.execute("DROP TABLE reviews")
    finally:
        pg_cluster.drop_database(pg_server, other)
    people.set_password(t.login("ben"), "now-it-is-caseloads-again")  # nothing else now


def test_a_login_of_another_caseload_database_is_not_managed_here(
    team_server, pg_server, pg_template
):
    """Two teams' databases on one server: one's administrator cannot take over a login
    made for the other."""
    from caseload_app.db.engine import open_database
    from tests import pg_cluster

    t = team_server
    other = f"caseload_test_{secrets.token_hex(3)}_other"
    pg_cluster.create_database(pg_server, other, template=pg_template)
    elsewhere = open_database(pg_cluster.database_url(pg_server, other))
    theirs = t.login("their.admin")
    try:
        PeopleService(elsewhere, "Their Admin").add_person(
            theirs, "Their Admin", "administrator", password="their-long-pass"
        )
        with pytest.raises(PermissionDenied, match="caseload did not create it"):
            t.service(PeopleService, "dee").add_person(
                theirs, "Taken", "administrator", password="now-i-know-it-123"
            )
        assert attempt_manage(t, "dee", theirs, "password")
    finally:
        elsewhere.dispose()
        pg_cluster.drop_database(pg_server, other)
