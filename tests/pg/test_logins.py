"""A caseload administrator manages only the logins caseload itself created, and only while
they hold nothing on the server but caseload's own group roles: the real `caseload admin`
command, run as the administrator, cannot turn a role IT made (one that may run programs on
the server, or own another database) into a login it knows the password of."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import quote

import psycopg
import pytest

from caseload_app.services.errors import PermissionDenied
from caseload_app.services.people import PeopleService
from tests import pg_cluster
from tests.helpers import login_tag
from tests.pg.conftest import superuser

REFUSED = "caseload did not create it"


def caseload(*argv: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The real command line, as an administrator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "caseload_app", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def plain(url: str) -> str:
    return url.replace("+psycopg", "")


def role(conn: psycopg.Connection, name: str) -> tuple:
    """(may log in, its stored password, the roles it is a member of)"""
    return conn.execute(
        "SELECT r.rolcanlogin, r.rolpassword, coalesce((SELECT array_agg(g.rolname ORDER BY"
        " g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        " WHERE m.member = r.oid), '{}') FROM pg_authid r WHERE r.rolname = %s",
        (name,),
    ).fetchone()


def cannot_sign_in(team_server, login: str, password: str) -> bool:
    rest = team_server.url.split("@", 1)[1].rsplit("/", 1)[0]
    try:
        psycopg.connect(f"postgresql://{quote(login)}:{quote(password)}@{rest}/postgres").close()
    except psycopg.OperationalError:
        return True
    return False


def test_an_administrator_cannot_give_a_server_role_a_login_and_password(
    team_server, server_roles, pg_server
):
    """The attack as reported: add-user of a role that may run programs on the server, then
    set-password, then sign in as it. Each step is refused; the role stays as IT left it."""
    dee = plain(team_server.url_for("dee"))
    hr_runner = server_roles["hr_runner"]
    with superuser(pg_server) as su:
        before = role(su, hr_runner)
    added = caseload(
        "admin", "add-user", "--db", dee, hr_runner, "--name", "HR", "--role", "read_only",
        "--no-password",
    )  # fmt: skip
    assert added.returncode == 1, added.stderr
    assert REFUSED in added.stderr, added.stderr
    assert "Choose another login name, or ask IT" in added.stderr
    assert "Traceback" not in added.stderr
    changed = caseload(
        "admin", "set-password", "--db", dee, hr_runner, "--password-stdin",
        stdin="now-i-know-it-123\n",
    )  # fmt: skip
    assert changed.returncode == 1
    assert "Traceback" not in changed.stderr
    with superuser(pg_server) as su:
        assert role(su, hr_runner) == before  # still no login, no password, no caseload group
    assert cannot_sign_in(team_server, hr_runner, "now-i-know-it-123")
    people = team_server.service(PeopleService, "dee").people()
    assert hr_runner not in {p.login for p in people}  # nor a person in caseload


def test_another_databases_owner_is_not_taken_over(team_server, server_roles, pg_server):
    dee = plain(team_server.url_for("dee"))
    hr_owner = server_roles["hr_owner"]
    with superuser(pg_server) as su:
        before = role(su, hr_owner)
    for argv, stdin in (
        (["add-user", "--db", dee, hr_owner, "--name", "HR", "--role", "administrator",
          "--password-stdin"], "now-i-know-it-123\n"),
        (["set-password", "--db", dee, hr_owner, "--password-stdin"], "now-i-know-it-123\n"),
        (["disable-user", "--db", dee, hr_owner], ""),
    ):  # fmt: skip
        done = caseload("admin", *argv, stdin=stdin)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    with superuser(pg_server) as su:
        assert role(su, hr_owner) == before  # its password is still IT's
    assert cannot_sign_in(team_server, hr_owner, "now-i-know-it-123")


def test_init_refuses_an_existing_role_as_the_first_administrator(pg_database, pg_server):
    """The owner's own IT login, say: caseload does not take it over either."""
    it_login = f"it.{login_tag(pg_database)}"
    with superuser(pg_server) as su:
        su.execute(f"CREATE ROLE \"{it_login}\" LOGIN CREATEDB PASSWORD 'it-knows-this-one'")
    try:
        done = caseload(
            "admin", "init", "--db", plain(pg_database), "--admin", it_login, "--name", "IT",
            "--no-password",
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert REFUSED in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        with superuser(pg_server) as su:
            assert role(su, it_login)[2] == []  # not made a member of anything
    finally:
        pg_cluster.drop_roles(pg_server, [it_login])


def test_logins_made_by_an_earlier_version_are_taken_on_only_if_they_hold_nothing_else(
    team_server, server_roles, pg_server
):
    """A team database from before caseload marked its logins: `admin init` marks people's
    logins that hold nothing but caseload's groups, and not one that the old hole let an
    administrator take over (a role that may run programs on the server)."""
    t = team_server
    asha, ben, hr_runner = t.login("asha"), t.login("ben"), server_roles["hr_runner"]
    with superuser(pg_server) as su:  # as an earlier version left them
        for login in (asha, ben):
            su.execute(f'COMMENT ON ROLE "{login}" IS NULL')
        su.execute(f'ALTER ROLE "{hr_runner}" LOGIN')
        su.execute(f'GRANT caseload_user, caseload_read_only TO "{hr_runner}"')
    hr_db = pg_cluster.database_url(pg_server, server_roles["hr_database"])
    with superuser(hr_db) as su:  # and IT has since given Ben a table in HR's database
        su.execute(f'ALTER TABLE salaries OWNER TO "{ben}"')
    with superuser(t.url) as owner:
        owner.execute(
            "INSERT INTO app_user (login, name, roles, active, version)"
            " VALUES (%s, 'HR', 'read_only', true, 1)",
            (hr_runner,),
        )
    people = t.service(PeopleService, "dee")
    with pytest.raises(PermissionDenied, match=REFUSED):
        people.set_password(asha, "a-new-long-password")
    init = caseload(
        "admin", "init", "--db", plain(t.url), "--admin", t.login("dee"), "--name", "Dee Admin",
        "--no-password",
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    people.set_password(asha, "a-new-long-password")  # caseload's again
    for theirs in (hr_runner, ben):
        with pytest.raises(PermissionDenied, match=REFUSED):
            people.set_password(theirs, "now-i-know-it-123")
    with superuser(pg_server) as su:
        su.execute(f'REVOKE caseload_user, caseload_read_only FROM "{hr_runner}"')
    with superuser(hr_db) as su:
        su.execute(f'ALTER TABLE salaries OWNER TO "{server_roles["hr_owner"]}"')
