"""A disk that refuses a save (full, read-only, folder gone) gives a clear message and loses
nothing already saved; the refused save is not half-written."""

import os
import shutil
import subprocess
from datetime import datetime

import pytest
from sqlalchemy import func, select

from caseload_app.db import safety
from caseload_app.db.engine import StorageError, open_database
from caseload_app.db.models import Communication
from tests.backends import sqlite_only
from tests.helpers import disk_full, new_case

BIG = "Parent rang about the EP visit and transport. " * 200  # ~9 kB: needs new pages


def log(work, case_id, summary=BIG):
    return work.log_communication(
        case_id, datetime(2026, 11, 2, 9), "phone", "in", "Ms Brontë", summary
    )


def saved(db) -> set[int]:
    with db.read() as s:
        return set(s.scalars(select(Communication.id)))


@sqlite_only
def test_a_full_disk_refuses_the_save_clearly_and_keeps_what_was_saved(db):
    case_id, work = new_case(db)
    kept = {log(work, case_id) for _ in range(3)}
    with disk_full(db), pytest.raises(StorageError) as err:
        for _ in range(50):
            kept.add(log(work, case_id))
    assert "disk holding the database is full" in str(err.value)
    assert "your typing is still in the form" in str(err.value)
    assert saved(db) == kept  # every acknowledged save, nothing of the refused one
    assert safety.problem_with(db.path) is None
    assert log(work, case_id) not in kept  # space again: saving works


def test_a_read_only_database_refuses_the_save_clearly(db):
    from sqlalchemy import event

    case_id, work = new_case(db)
    before = saved(db)
    sql = (
        "PRAGMA query_only = 1"
        if db.is_sqlite
        else "SET default_transaction_read_only = on"  # a standby, or a server in maintenance
    )

    def read_only(dbapi_conn, _record) -> None:
        dbapi_conn.execute(sql)
        dbapi_conn.commit()  # psycopg: the SET is kept only once its transaction ends

    db.engine.dispose()
    event.listen(db.engine, "connect", read_only)
    with pytest.raises(StorageError) as err:
        log(work, case_id)
    assert "read-only" in str(err.value)
    event.remove(db.engine, "connect", read_only)
    db.engine.dispose()
    assert saved(db) == before


def test_a_database_whose_folder_was_moved_refuses_the_save(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    db = open_database(folder / "caseload.sqlite3")
    try:
        case_id, work = new_case(db)
        first = log(work, case_id, "before the move")
        folder.rename(tmp_path / "moved")  # a network drive unplugged, a folder renamed
        with pytest.raises(StorageError) as err:
            log(work, case_id, "while it is gone")
        assert "no longer at" in str(err.value)
        (tmp_path / "moved").rename(folder)
        second = log(work, case_id, "after it came back")
        assert saved(db) == {first, second}
    finally:
        db.dispose()


# --------------------------------------------------------------------- a real small disk
def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@pytest.fixture
def small_disk(tmp_path):
    """A real 3 MB tmpfs file system (needs root, as in CI); skipped where none can be had."""
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    if not _can_mount():
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mountpoint)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_a_really_full_disk_loses_nothing_saved(small_disk):
    db = open_database(small_disk / "caseload.sqlite3")
    try:
        case_id, work = new_case(db)
        kept: set[int] = set()
        with pytest.raises(StorageError) as err:
            for _ in range(2000):  # 3 MB holds a few hundred of these
                kept.add(log(work, case_id))
        assert "disk holding the database is full" in str(err.value)
        assert len(kept) > 10
        assert saved(db) == kept
    finally:
        db.dispose()
    # The file still passes its check and opens with everything acknowledged in it.
    assert safety.problem_with(small_disk / "caseload.sqlite3") is None
    again = open_database(small_disk / "caseload.sqlite3")
    try:
        with again.read() as s:
            assert s.scalar(select(func.count()).select_from(Communication)) == len(kept)
    finally:
        again.dispose()
