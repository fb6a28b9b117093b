"""A caseworker's own client that switches its session limits off (they are only defaults),
locks a whole table (LOCK TABLE needs only the UPDATE privilege saving needs) and sits there
cannot hold the team up: a colleague's save is told the team database is busy, the server
ends the locking session, and the next save works; the audit trail says whose and why.
(The limits themselves: tests/pg/test_login_takeover.py.)"""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest
from sqlalchemy import text

from caseload_app.db.engine import StorageError
from caseload_app.services.casework import CaseworkService
from tests.pg.conftest import superuser

LIMITS = ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")


def limits_of(conn, login: str) -> set[str]:
    row = conn.execute(
        "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
        " WHERE r.rolname = %s AND s.setdatabase = 0",
        (login,),
    ).fetchone()
    return {item.split("=", 1)[0] for item in (row[0] if row else [])}


def is_connected(pg_server, pid: int) -> bool:
    with superuser(pg_server) as su:
        found = su.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        return found.fetchone()[0] == 1


def test_admin_init_puts_every_logins_limits_back(team_server, pg_server):
    t = team_server
    with superuser(pg_server) as su:
        su.execute(f'ALTER ROLE "{t.login("asha")}" RESET ALL')  # say, by hand
        assert limits_of(su, t.login("asha")) == set()
    init = subprocess.run(
        [sys.executable, "-m", "caseload_app", "admin", "init", "--db",
         t.url.replace("+psycopg", ""), "--admin", t.login("dee"), "--name", "Dee Admin",
         "--no-password"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    with superuser(pg_server) as su:
        assert limits_of(su, t.login("asha")) == set(LIMITS)


def test_a_table_lock_with_the_limits_switched_off_is_ended_when_it_blocks_a_save(
    team_server, pg_server
):
    t = team_server
    with superuser(pg_server) as su:  # Lee's production lock limit, shortened for the test
        su.execute(f"ALTER ROLE \"{t.login('lee')}\" SET lock_timeout = '1s'")
    asha = t.raw("asha", fresh=True)
    pid = asha.execute("SELECT pg_backend_pid()").fetchone()[0]
    for limit in LIMITS:
        asha.execute(f"SET {limit} = 0")  # her own client: no limits
    asha.execute("LOCK TABLE ehcp_case IN ACCESS EXCLUSIVE MODE")  # and then nothing
    lee = t.service(CaseworkService, "lee")
    start = time.monotonic()
    with pytest.raises(StorageError) as busy:
        lee.add_task(t.case_a, "Ring school", None, None)
    assert time.monotonic() - start < 5
    assert busy.value.retryable
    assert "holding these records" in str(busy.value)
    assert not is_connected(pg_server, pid)  # ended by the server, not by her limits
    with pytest.raises(psycopg.OperationalError):
        asha.execute("SELECT 1")
    lee.add_task(t.case_a, "Ring school", None, None)  # the form's next try saves
    with t.owner.read() as s:
        who, detail = s.execute(
            text("SELECT who, detail FROM audit_entry WHERE action = 'db end session'")
        ).one()
    assert who == t.login("lee")
    held = "it held ehcp_case AccessExclusiveLock"
    assert detail == f"ended the session of {t.login('asha')}: {held}"


def test_a_session_idle_in_a_transaction_past_the_limit_is_ended_when_it_blocks(
    team_server, pg_server, monkeypatch
):
    """A row lock (her own case) held by a client that switched its idle limit off: ended
    once it has idled past the limit every login has (shortened here)."""
    from caseload_app.db import pg_security

    t = team_server
    monkeypatch.setattr(pg_security, "IDLE_LIMIT_SECONDS", 1)
    with t.owner.engine.begin() as conn:  # the server's functions with the shorter limit
        pg_security.apply(conn)
    with superuser(pg_server) as su:
        su.execute(f"ALTER ROLE \"{t.login('lee')}\" SET lock_timeout = '1s'")
    asha = t.raw("asha", fresh=True)
    pid = asha.execute("SELECT pg_backend_pid()").fetchone()[0]
    asha.execute("SET idle_in_transaction_session_timeout = 0")
    asha.execute("SELECT * FROM ehcp_case WHERE id = %s FOR UPDATE", (t.case_a,))
    time.sleep(1.5)
    lee = t.service(CaseworkService, "lee")
    with pytest.raises(StorageError):
        lee.add_task(t.case_a, "Ring school", None, None)
    assert not is_connected(pg_server, pid)
    lee.add_task(t.case_a, "Ring school", None, None)
