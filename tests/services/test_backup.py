import os
import sqlite3
from datetime import datetime, timedelta

import pytest

from caseload_app.cli import main
from caseload_app.db.engine import DatabaseError, open_database
from caseload_app.services.backup import BackupService
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import PermissionDenied
from tests.helpers import TODAY, file_digest


@pytest.fixture
def demo_path(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=30, seed=1, today=TODAY)
    db.dispose()
    return path


def children(path):
    with sqlite3.connect(path) as con:
        return con.execute("SELECT count(*) FROM child").fetchone()[0]


def test_backup_is_verified_listed_with_what_it_holds(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    (info,) = service.list_backups()
    assert info.path == copy and (info.children, info.cases) == (30, 30)
    assert service.newest_good().path == copy
    # each backup is one file: reading it (to list or check it) leaves nothing beside it
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [copy.name]


def test_the_newest_backup_of_this_database_not_of_another(demo_path, tmp_path):
    folder = tmp_path / "backups"
    mine = BackupService(demo_path, folder).backup_now()
    other = tmp_path / "caseload-2.sqlite3"
    other.write_bytes(demo_path.read_bytes())
    newer = BackupService(other, folder).backup_now()
    # "caseload-2-manual-…" starts like one of caseload's backups but is not one
    assert BackupService(demo_path, folder).newest_good().path == mine
    assert BackupService(other, folder).newest_good().path == newer


def test_restore_replaces_and_keeps_the_replaced_database(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    with sqlite3.connect(demo_path) as con:
        con.execute("DELETE FROM communication")
    kept = service.restore(copy, user="tester")
    assert children(demo_path) == 30
    with sqlite3.connect(demo_path) as con:
        assert con.execute("SELECT count(*) FROM communication").fetchone()[0] > 0
    with sqlite3.connect(kept) as con:
        assert con.execute("SELECT count(*) FROM communication").fetchone()[0] == 0
    open_database(demo_path).dispose()  # the restored file opens normally


@pytest.mark.parametrize("damage", ["truncate", "scribble", "text"])
def test_a_damaged_file_is_refused_untouched_and_a_backup_offered(demo_path, tmp_path, damage):
    service = BackupService(demo_path, tmp_path / "backups")
    good = service.backup_now()
    data = demo_path.read_bytes()
    if damage == "truncate":
        demo_path.write_bytes(data[: len(data) // 3])
    elif damage == "scribble":
        scribbled = bytearray(data)
        scribbled[4096 : 4096 + 2048] = os.urandom(2048)  # the second page onwards
        demo_path.write_bytes(bytes(scribbled))
    else:
        demo_path.write_text("name,dob\nZoe,2016-05-04\n")
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError):
        open_database(demo_path)
    assert file_digest(demo_path) == before
    assert service.newest_good().path == good
    kept = service.restore(good, user="tester")
    assert "damaged" in kept.name and file_digest(kept) == before  # the damaged file is kept
    assert children(demo_path) == 30


def test_a_damaged_backup_is_never_restored(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="not usable"):
        service.restore(bad, user="tester")
    assert file_digest(demo_path) == before


def test_rotation_keeps_14_days_then_8_weeks(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for days_ago in range(100):  # two backups a day (09:00 and 17:00) for 100 days
        day = datetime(2026, 11, 24) - timedelta(days=days_ago)
        for hour in (9, 17):
            name = day.replace(hour=hour).strftime("caseload-auto-%Y%m%d-%H%M%S.sqlite3")
            (folder / name).write_bytes(b"")
    service = BackupService(
        tmp_path / "caseload.sqlite3", folder, now=lambda: datetime(2026, 11, 24, 18)
    )
    service.rotate()
    left = sorted(p.name for p in folder.iterdir())
    days = {n[14:22] for n in left}
    assert len(left) == len(days)  # one per slot, the newest of it
    assert all(n.endswith("-170000.sqlite3") for n in left)
    assert len(left) == 14 + 8


def test_backup_and_restore_commands(demo_path, tmp_path, capsys):
    out = tmp_path / "copy.sqlite3"
    assert main(["backup", "--db", str(demo_path), "-o", str(out)]) == 0
    assert "checked" in capsys.readouterr().out
    with sqlite3.connect(demo_path) as con:
        con.execute("DELETE FROM task")
    assert main(["restore", "--db", str(demo_path), str(out)]) == 0
    text = capsys.readouterr().out
    assert "kept at" in text
    with sqlite3.connect(demo_path) as con:
        assert con.execute("SELECT count(*) FROM task").fetchone()[0] > 0
    assert main(["restore", "--db", str(demo_path), str(tmp_path / "missing.sqlite3")]) == 1


def test_daily_backup_is_taken_once_a_day(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups", now=datetime.now)
    assert service.ensure_daily_backup() is not None
    assert service.ensure_daily_backup() is None
    assert len(service.list_backups()) == 1


# --- restore is an administrator's, never under another open copy, and always audited ------
HOLD_LOCK = """
import sys, time
from caseload_app.db.lock import InstanceLock
lock = InstanceLock(sys.argv[1]); lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_restore_is_refused_while_another_copy_has_the_database_open(demo_path, tmp_path, capsys):
    import subprocess
    import sys

    out = tmp_path / "copy.sqlite3"
    assert main(["backup", "--db", str(demo_path), "-o", str(out)]) == 0
    before = file_digest(demo_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(demo_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"  # a real, live, other process
        capsys.readouterr()
        assert main(["restore", "--db", str(demo_path), str(out)]) == 1
        err = capsys.readouterr().err
        assert "Not restored" in err and "already open by" in err
        with pytest.raises(DatabaseError, match="already open by"):
            BackupService(demo_path, tmp_path / "backups").restore(out, user="tester")
    finally:
        holder.kill()
        holder.wait()
    assert file_digest(demo_path) == before  # every save of the open copy is still there
    assert not list((tmp_path / "backups").glob("*pre-restore*"))


def test_only_an_administrator_restores_a_backup(demo_path, tmp_path):
    from tests.helpers import add_person

    db = open_database(demo_path)
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", by="Dee Admin")
    db.dispose()
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    before = file_digest(demo_path)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        service.restore(copy, user="asha")
    assert file_digest(demo_path) == before
    service.restore(copy, user="dee")


def test_a_restore_is_recorded_in_the_restored_database(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    kept = service.restore(copy, user="tester")
    with sqlite3.connect(demo_path) as con:
        who, action, detail = con.execute(
            "SELECT who, action, detail FROM audit_entry ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (who, action) == ("tester", "restore")
    assert copy.name in detail and kept.name in detail
    assert str(tmp_path) not in detail  # file names, not where they live
