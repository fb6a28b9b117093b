"""A power cut in the middle of a checkpoint can tear the database file's first page (its
"SQLite format 3" header) while the WAL beside it still holds that page whole: SQLite puts it
back on opening. Found by the power-loss test (tests/powerloss.py, seed 11, cut 67): caseload
called such a file "not an SQLite file" and would have had a person restore a backup."""

import shutil
import sqlite3

from caseload_app.db import location, safety
from caseload_app.db.engine import open_database
from tests.stress import NOW, _services, prepare


def _torn_by_a_power_cut(tmp_path, saves: int):
    """The files as a power cut leaves them: `saves` contacts committed (in the WAL, synced at
    each commit), then the first sector of the database file garbled mid-checkpoint."""
    live = tmp_path / "live.sqlite3"
    case_id = prepare(live)["case_id"]
    db, work = _services(live, "Stress")
    try:
        for n in range(saves):  # the file grows: page 1 (its size) goes into the WAL
            work.log_communication(case_id, NOW, "phone", "in", "Ms Brontë", f"save {n} " * 40)
        cut = tmp_path / "cut"
        cut.mkdir()
        for suffix in ("", "-wal"):  # -shm is rebuilt from the WAL on opening
            shutil.copyfile(f"{live}{suffix}", cut / f"caseload.sqlite3{suffix}")
    finally:
        db.dispose()
    path = cut / "caseload.sqlite3"
    with open(path, "r+b") as fh:
        fh.write(bytes(range(256)) * 2)  # one 512-byte sector of garbage
    return path


def test_a_database_whose_first_page_was_torn_opens_whole_from_its_wal(tmp_path):
    path = _torn_by_a_power_cut(tmp_path, saves=60)
    assert not safety.looks_like_sqlite(path)  # the header itself is garbage
    assert safety.problem_with(path) is None  # the start check lets SQLite recover it
    location.check_laptop_file(path, may_create=False)  # and so does the --db check
    open_database(path).dispose()  # caseload opens it; closing checkpoints the WAL
    assert safety.looks_like_sqlite(path)  # the first page is whole again
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (saved,) = con.execute(
            "SELECT count(*) FROM communication WHERE summary LIKE 'save %'"
        ).fetchone()
    finally:
        con.close()
    assert saved == 60  # every save that had returned is there


def test_a_garbled_first_page_without_a_wal_is_still_refused(tmp_path):
    path = _torn_by_a_power_cut(tmp_path, saves=60)
    path.with_name("caseload.sqlite3-wal").unlink()
    assert "not an SQLite file" in safety.problem_with(path)
