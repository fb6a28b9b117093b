"""Two team leads import the same sheet into the team database at the same moment, each
with the real command line on their own login."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import func, select

from caseload_app.db.models import Child
from tests import import_race

pytestmark = pytest.mark.slow


def _waiting(conn: psycopg.Connection, pids: set[int]) -> set[int]:
    rows = conn.execute("SELECT pid FROM pg_locks WHERE NOT granted").fetchall()
    return {pid for (pid,) in rows} & pids


def _backends(conn: psycopg.Connection, login: str) -> set[int]:
    rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s", (login,))
    return {pid for (pid,) in rows}


def test_two_imports_of_one_sheet_at_once_record_each_child_once(team_server, tmp_path):
    """Both have read and checked the sheet and wait to write (a colleague's save holds the
    children's table); when it ends, one imports all 3,000 children and the other is
    refused plainly."""
    t = team_server
    sheet = import_race.sheet(tmp_path / "caseload.csv")
    url = t.url_for("lee").replace("+psycopg", "")
    with psycopg.connect(t.url.replace("+psycopg", ""), autocommit=True) as watcher:
        colleague = psycopg.connect(t.url.replace("+psycopg", ""))
        colleague.execute("LOCK TABLE child IN SHARE MODE")  # inserts into child wait
        both = [import_race.start_import(url, sheet, login=t.login("lee")) for _ in range(2)]
        deadline = time.monotonic() + 120
        while len(_waiting(watcher, _backends(watcher, t.login("lee")))) < 2:
            assert time.monotonic() < deadline, "the imports never got as far as writing"
            assert all(p.poll() is None for p in both), import_race.outcomes(both)
            time.sleep(0.2)
        colleague.rollback()
        colleague.close()
    (won, won_out, _), (lost, _, lost_err) = import_race.outcomes(both)
    assert (won, lost) == (0, 1), lost_err
    assert "Imported 3000 children" in won_out
    assert "Nothing was imported: " in lost_err
    assert " in 3,000 rows." in lost_err
    assert "row 2, column upn: a child with this value is already recorded" in lost_err
    assert "Traceback" not in lost_err
    with t.owner.read() as s:
        imported = select(Child).where(Child.first_name.like("Child%")).subquery()
        assert s.scalar(select(func.count()).select_from(imported)) == import_race.ROWS
        assert s.scalar(select(func.count(func.distinct(imported.c.upn)))) == import_race.ROWS
