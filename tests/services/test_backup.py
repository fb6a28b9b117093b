import os
import shutil
import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from caseload_app.cli import main
from caseload_app.db import compressed, safety
from caseload_app.db.engine import DatabaseError, open_database
from caseload_app.db.safety import SQLITE_HEADER
from caseload_app.services.backup import KEEP_NEWEST, BackupService
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import PermissionDenied, Stopped
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


def opened(backup, tmp_path):
    """A backup's database, to look inside: a compressed one decompressed first."""
    if not compressed.is_compressed(backup):
        return backup
    plain = tmp_path / f"{backup.name}.opened.sqlite3"
    compressed.decompress(backup, plain)
    return plain


def test_backup_is_verified_listed_with_what_it_holds(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    (info,) = service.list_backups()
    assert info.path == copy
    assert (info.children, info.cases) == (30, 30)
    assert service.newest_good().path == copy
    # each backup is one file and its checksum: reading it leaves nothing else beside it
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert names == [copy.name, f"{copy.name}.sha256"]


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
    with sqlite3.connect(opened(kept, tmp_path)) as con:
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
    assert "damaged" in kept.name
    assert file_digest(kept) == before  # the damaged file is kept
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
            (folder / name).write_bytes(SQLITE_HEADER + bytes(84))
    service = BackupService(
        tmp_path / "caseload.sqlite3", folder, now=lambda: datetime(2026, 11, 24, 18)
    )
    service.rotate()
    left = sorted(p.name for p in folder.iterdir())
    newest = left[-KEEP_NEWEST:]  # the newest 14 stay whatever their slot (7 days x 2)
    older = left[:-KEEP_NEWEST]
    days = {n[14:22] for n in older}
    assert len(older) == len(days)  # one per slot, the newest of it
    assert all(n.endswith("-170000.sqlite3") for n in older)
    assert len({n[14:22] for n in left}) == 14 + 8
    assert len(newest) == KEEP_NEWEST
    assert len(left) == 14 + 8 + 7


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
        assert "Not restored" in err
        assert "already open by" in err
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
    assert copy.name in detail
    assert kept.name in detail
    assert str(tmp_path) not in detail  # file names, not where they live


# --- an empty, partial or changed file is never a good backup ------------------------------
def test_an_empty_backup_is_never_offered_kept_or_restored(demo_path, tmp_path):
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder, now=lambda: datetime(2026, 11, 24, 18))
    good = service.backup_now()
    empty = folder / "caseload-auto-20261124-170000.sqlite3"  # newer, and 0 bytes
    empty.write_bytes(b"")
    assert service.newest_good().path == good
    assert "empty" in safety.problem_with(empty)
    with pytest.raises(DatabaseError, match="empty"):
        service.restore(empty, user="tester")
    service.rotate()
    assert good.exists()
    assert not empty.exists()


def test_an_empty_live_database_is_not_a_new_caseload(tmp_path):
    empty = tmp_path / "caseload.sqlite3"
    empty.write_bytes(b"")
    assert "empty" in safety.problem_with(empty)


def test_a_backup_changed_since_it_was_taken_is_not_good(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF  # one flipped bit in a free area: SQLite's own checks may not notice
    copy.write_bytes(bytes(data))
    assert "checksum" in safety.problem_with(copy, backup=True)
    assert service.newest_good() is None


def test_a_backup_on_a_full_disk_leaves_nothing_behind(demo_path, tmp_path):
    import subprocess

    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)]).returncode:
        pytest.skip("cannot mount a small file system here")
    try:
        with pytest.raises(DatabaseError, match="could not be made"):
            BackupService(demo_path, full).backup_now()
        assert list(full.iterdir()) == []  # no 0-byte or partial file that looks like one
    finally:
        subprocess.run(["umount", str(full)], check=True)


def test_a_clock_far_ahead_never_empties_the_backups(demo_path, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(10):
        name = f"caseload-auto-202611{day + 10:02d}-090000.sqlite3"
        (folder / name).write_bytes(SQLITE_HEADER + bytes(84))
    ahead = BackupService(demo_path, folder, now=lambda: datetime(2027, 12, 30, 9))
    ahead.rotate()
    assert len(list(folder.glob("*.sqlite3"))) == 10
    future = folder / "caseload-auto-20271230-090000.sqlite3"
    future.write_bytes(SQLITE_HEADER + bytes(84))
    back = BackupService(demo_path, folder, now=lambda: datetime(2026, 11, 20, 9))
    flagged = [b for b in back.list_backups() if b.in_future]
    assert [b.path for b in flagged] == [future]


def test_backups_are_ordered_by_the_number_they_carry_not_the_clock(
    demo_path, tmp_path, monkeypatch
):
    """One backup taken with the clock 400 days ahead, then two on the right time: the
    two are newer (each carries its number inside it), the future-dated one is flagged,
    never offered as the newest and, once not among the newest, rotated out."""
    from caseload_app.services import backup as module

    folder = tmp_path / "backups"
    right = datetime(2026, 11, 24, 9)
    ahead = BackupService(demo_path, folder, now=lambda: right + timedelta(days=400))
    future = ahead.backup_now("auto")
    service = BackupService(demo_path, folder, now=lambda: right)
    second = service.backup_now("auto")
    service = BackupService(demo_path, folder, now=lambda: right + timedelta(minutes=1))
    third = service.backup_now("manual")
    listed = service.list_backups()
    assert [b.path for b in listed] == [third, second, future]
    assert [b.sequence for b in listed] == [3, 2, 1]
    assert [b.in_future for b in listed] == [False, False, True]
    assert service.newest_good().path == third
    assert safety.recorded_sequence(demo_path) is None  # numbered in the copy, not the source
    assert safety.next_sequence(demo_path, folder) == 4
    monkeypatch.setattr(module, "KEEP_NEWEST", 2)
    assert service.rotate() == [future]
    assert sorted(folder.glob("*.sqlite3.zst")) == sorted([second, third])


def test_numbering_goes_on_from_the_backups_after_a_restore(demo_path, tmp_path):
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder, now=lambda: datetime(2026, 11, 24, 9))
    first = service.backup_now("auto")
    for _ in range(3):
        service.backup_now("auto")
    service.restore(first, user="tester")  # holds number 1; the folder goes up to 5
    newest = service.backup_now("manual")
    assert safety.recorded_sequence(newest) == 6
    assert service.list_backups()[0].path == newest


def test_a_half_written_copy_left_by_a_kill_is_removed_when_abandoned(demo_path, tmp_path):
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder)
    service.backup_now("auto")
    old = folder / ".caseload-auto-20261120-090000.sqlite3.partial"
    fresh = folder / ".caseload-auto-20261124-090000.sqlite3.partial"
    for path in (old, fresh):
        path.write_bytes(SQLITE_HEADER + bytes(84))
    an_hour_ago = datetime.now().timestamp() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert service.rotate() == [old]
    assert fresh.exists()
    assert not old.exists()  # another copy may still be writing it
    assert len(service.list_backups()) == 1


def test_a_restores_copy_left_by_a_kill_is_removed_when_abandoned(demo_path, tmp_path):
    """A restore killed before its swap left its copy beside the database, as large as it
    (2.7 GB at 50,000 children with their documents), for good."""
    service = BackupService(demo_path, tmp_path / "backups")
    ready = service.prepare_restore(service.backup_now("auto"), user="tester")
    assert service.rotate() == []  # fresh: another copy of caseload may be restoring
    an_hour_ago = datetime.now().timestamp() - 3700
    os.utime(ready.restored, (an_hour_ago, an_hour_ago))
    assert service.rotate() == [ready.restored]
    assert not ready.restored.exists() and demo_path.exists()


def test_a_refused_restore_leaves_the_window_its_database_open(demo_path, tmp_path):
    """The window's restore is made ready with the database still open (the window's
    test shows it is never closed for it): a backup found unusable refuses it before
    anything is written or kept."""
    service = BackupService(demo_path, tmp_path / "backups")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="not usable"):
        service.prepare_restore(bad, user="tester")
    assert file_digest(demo_path) == before
    assert service.list_backups() == []  # nor kept as a backup: there was no restore
    assert list(tmp_path.glob(".*restoring*")) == []


def test_a_swap_that_fails_still_hands_the_window_its_database(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    ready = service.prepare_restore(service.backup_now(), user="tester")
    ready.restored.unlink()  # gone before the swap (another program removed it)
    installed = []
    with pytest.raises(DatabaseError, match="Not restored"):
        service.finish_restore(ready, open_database(demo_path), install=installed.append)
    assert len(installed) == 1
    assert children(installed[0].path) == 30
    installed[0].dispose()


def test_a_failed_swap_that_cannot_reopen_says_both(demo_path, tmp_path):
    """The swap fails and then the live file will not open either: the message says both,
    so that why the restore failed is not hidden."""
    service = BackupService(demo_path, tmp_path / "backups")
    ready = service.prepare_restore(service.backup_now(), user="tester")
    ready.restored.unlink()
    current = open_database(demo_path)
    demo_path.write_bytes(SQLITE_HEADER + os.urandom(8000))  # the live file damaged meanwhile
    installed = []
    with pytest.raises(DatabaseError) as refused:
        service.finish_restore(ready, current, install=installed.append)
    message = str(refused.value)
    assert "Not restored" in message  # why the restore failed
    assert "could not be opened again" in message  # and why the window holds no database
    assert installed == []


def test_a_restore_stopped_changes_nothing_and_keeps_nothing(demo_path, tmp_path):
    """Stop pressed while the database is being kept (a restore's last slow step): the
    database is as it was, and neither a pre-restore backup nor the copy made ready is
    left."""
    service = BackupService(demo_path, tmp_path / "backups")
    backup = service.backup_now()
    before = file_digest(demo_path)
    stages = []

    def progress(stage, done, total):
        stages.append(stage)
        if stage == "Copying":  # the database being kept
            stop()

    prepare, stop = service.stoppable_restore(backup, user="tester", progress=progress)
    with pytest.raises(Stopped, match="nothing was restored"):
        prepare()
    assert {"Checking the backup", "Reading", "Checking", "Copying"} <= set(stages)
    assert file_digest(demo_path) == before
    assert [b.path for b in service.list_backups()] == [backup]
    hidden = [p.name for p in [*tmp_path.iterdir(), *(tmp_path / "backups").iterdir()]]
    assert [name for name in hidden if name.startswith(".")] == []


# --- kept compressed: smaller, still verified, read cheaply; the old plain ones still work --
def test_a_backup_is_kept_compressed_and_really_smaller(demo_path, tmp_path):
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    plain = service.backup_to(tmp_path / "plain.sqlite3")  # a copy a person may open
    assert copy.name.endswith(".sqlite3.zst")
    assert safety.looks_like_sqlite(plain) and not safety.looks_like_sqlite(copy)
    assert copy.stat().st_size * 3 < plain.stat().st_size
    inside = opened(copy, tmp_path)
    assert inside.stat().st_size == plain.stat().st_size
    assert safety.problem_with(inside, backup=True) is None
    assert children(inside) == 30


@pytest.mark.parametrize("checksum", ["kept", "matched to the damage", "lost"])
@pytest.mark.parametrize("damage", ["truncated", "scribbled"])
def test_a_damaged_compressed_backup_is_refused_clearly(demo_path, tmp_path, damage, checksum):
    """Cut short or changed: found by the checksum beside it, or, if that was rewritten or
    lost, by reading it through (the checksum inside it). Never offered, never restored."""
    service = BackupService(demo_path, tmp_path / "backups")
    older = service.backup_now()
    copy = service.backup_now()
    data = bytearray(copy.read_bytes())
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    else:
        data[len(data) // 2 : len(data) // 2 + 64] = os.urandom(64)
    copy.write_bytes(bytes(data))
    sums = safety.checksum_path(copy)
    if checksum == "lost":
        sums.unlink()
    elif checksum == "matched to the damage":
        sums.write_text(f"{safety._sha256(copy)}  {copy.name}\n")
    problem = safety.problem_with(copy, backup=True)
    if checksum == "kept":
        assert "has changed since it was taken" in problem
    elif damage == "truncated":
        assert "is cut short" in problem
    else:
        assert "is damaged" in problem
    assert service.newest_good().path == older
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="Not restored: the backup is not usable"):
        service.restore(copy, user="tester")
    assert file_digest(demo_path) == before
    assert main(["restore", "--db", str(demo_path), str(copy)]) == 1
    assert file_digest(demo_path) == before


def test_the_listing_reads_only_the_label_in_front(demo_path, tmp_path):
    """The Backups dialog's children and cases come from the few bytes in front, not from
    decompressing each backup: a backup damaged behind its label still lists what it held
    (and is refused when restored)."""
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    data = bytearray(copy.read_bytes())
    data[-2000:] = bytes(2000)
    copy.write_bytes(bytes(data))
    (info,) = service.list_backups()
    assert (info.children, info.cases, info.sequence) == (30, 30, 1)
    assert info.usable
    assert service.newest_good() is None


def test_an_uncompressed_backup_from_before_is_listed_restored_and_rotated(demo_path, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "caseload-auto-20261110-090000.sqlite3"  # as kept before compression
    safety.copy_verified(demo_path, old, sequence=1)
    older = folder / "caseload-auto-20260101-090000.sqlite3"  # out of every slot
    safety.copy_verified(demo_path, older)
    service = BackupService(demo_path, folder, now=lambda: datetime(2026, 11, 24, 9))
    new = service.backup_now("auto")
    assert [b.path for b in service.list_backups()] == [new, old, older]
    assert service.list_backups()[1].children == 30
    assert safety.recorded_sequence(new) == 2  # numbered after the plain ones
    with sqlite3.connect(demo_path) as con:
        con.execute("DELETE FROM task")
    service.restore(old, user="tester")
    with sqlite3.connect(demo_path) as con:
        assert con.execute("SELECT count(*) FROM task").fetchone()[0] > 0
    kept = service.list_backups()[0].path  # the replaced database, kept compressed
    assert "pre-restore" in kept.name and compressed.is_compressed(kept)
    with pytest.MonkeyPatch.context() as patch:
        from caseload_app.services import backup as module

        patch.setattr(module, "KEEP_NEWEST", 1)
        assert older in service.rotate()
    assert not older.exists() and not safety.checksum_path(older).exists()
    assert old.exists()


def test_a_compressed_backup_restores_a_missing_database(demo_path, tmp_path):
    """Roles are read from the backup when the database is gone: decompressed beside it,
    and nothing of that left behind."""
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now()
    demo_path.unlink()
    assert service.restore(copy, user="tester") is None
    assert children(demo_path) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", demo_path.name]


def test_a_half_written_compressed_backup_is_never_listed(demo_path, tmp_path):
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder)
    good = service.backup_now("auto")
    for name in (f".{good.name}.partial", f".{good.name}.copy.partial"):
        (folder / name).write_bytes(good.read_bytes()[:500])
    assert [b.path for b in service.list_backups()] == [good]


@pytest.mark.parametrize("at", ["Copying", "Checking", "Compressing"])
def test_a_stopped_backup_leaves_nothing(demo_path, tmp_path, at):
    folder = tmp_path / "backups"
    stages = []

    def heard(stage, done, total):
        stages.append(stage)
        if stage == at:
            run.stop()  # as the window closing does, from its own thread

    run = safety.BackupRun(heard)
    with pytest.raises(safety.Stopped):
        BackupService(demo_path, folder).ensure_daily_backup(run)
    assert stages[-1] == at
    assert list(folder.iterdir()) == []
    assert BackupService(demo_path, folder).ensure_daily_backup() is not None  # later: taken


@pytest.mark.parametrize("kept", ["compressed", "plain"])
def test_a_journal_left_by_a_killed_restore_is_not_rolled_into_the_next(demo_path, tmp_path, kept):
    """A restore killed while recording itself leaves `.NAME.restoring-journal`: the next
    restore must not let SQLite roll it back into the fresh copy (found by the kill test)."""
    service = BackupService(demo_path, tmp_path / "backups")
    copy = service.backup_now() if kept == "compressed" else service.backup_to(tmp_path / "p")
    work = tmp_path / "work.sqlite3"
    shutil.copyfile(demo_path, work)
    con = sqlite3.connect(work, isolation_level=None)
    con.execute("PRAGMA journal_mode = DELETE")
    con.execute("DELETE FROM communication WHERE id % 2 = 0")
    con.execute("VACUUM")  # laid out unlike the backup: its pages rolled in would damage it
    con.execute("PRAGMA cache_size = 2")  # changed pages go to the file: the journal is hot
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE communication SET summary = 'half a restore'")
    shutil.copyfile(f"{work}-journal", tmp_path / f".{demo_path.name}.restoring-journal")
    con.execute("ROLLBACK")
    con.close()
    service.restore(copy, user="tester")
    assert safety.problem_with(demo_path, backup=True) is None
    assert children(demo_path) == 30
    assert not (tmp_path / f".{demo_path.name}.restoring-journal").exists()


def test_two_copies_taking_the_days_backup_at_once_break_nothing(demo_path, tmp_path):
    """Two starts the same day (the one-copy lock refuses a second window on the same file,
    but a second database may share the backups folder, and `caseload backup` takes no
    lock): each backup is written under its own hidden name and renamed whole, so the
    folder holds only good backups, whatever the order."""
    import threading

    folder = tmp_path / "backups"
    other = tmp_path / "caseload-2.sqlite3"
    shutil.copyfile(demo_path, other)
    outcomes = []
    start = threading.Barrier(3)

    def take(path):
        start.wait()
        outcomes.append(BackupService(path, folder).take_daily_backup())

    threads = [threading.Thread(target=take, args=(p,)) for p in (demo_path, demo_path, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(o.damage is None and o.failed is None for o in outcomes)
    listed = BackupService(demo_path, folder).list_backups()
    assert listed and all(safety.problem_with(b.path, backup=True) is None for b in listed)
    assert [p for p in folder.iterdir() if p.name.startswith(".")] == []
    assert BackupService(demo_path, folder).take_daily_backup().taken is None  # one is enough


# --- files in the backups folder that are not what they say --------------------------------
def _packed(source, dest, label):
    """A compressed backup of `source` with this label in front and its checksum beside it,
    as a bug, a tool or a person could leave it (the checksum matches what is there)."""
    digest = compressed.compress(source, dest, label)
    safety.checksum_path(dest).write_text(f"{digest}  {dest.name}\n")
    return dest


@pytest.mark.parametrize("label", ["honest", "says 4 KB"])
def test_a_small_file_that_holds_gigabytes_fills_neither_memory_nor_disk(
    demo_path, tmp_path, label
):
    """A zip bomb: 256 MB of zeros is a few KB compressed (one 1 MB read of it was 256 MB in
    memory at once). Reading it through holds no more than a few MB, and a copy that grows
    past what its label says is stopped there, not written out to the end."""
    import tracemalloc

    zeros = tmp_path / "zeros"
    with open(zeros, "wb") as fh:
        fh.truncate(256 << 20)  # sparse: nothing on disk
    size = 256 << 20 if label == "honest" else 4096
    folder = tmp_path / "backups"
    folder.mkdir()
    bomb = _packed(
        zeros, folder / "caseload-auto-20261201-090000-000000.sqlite3.zst",
        compressed.Label(30, 30, 99, size),
    )  # fmt: skip
    zeros.unlink()
    assert bomb.stat().st_size < 64 << 10
    tracemalloc.start()
    try:
        problem = safety.problem_with(bomb, backup=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem is not None
    assert peak < 24 << 20
    service = BackupService(demo_path, folder)
    assert service.newest_good() is None
    out = tmp_path / "out.sqlite3"
    with pytest.raises(compressed.CompressedDamaged):
        compressed.decompress(bomb, out)
    assert out.stat().st_size <= min(size, 4 << 20) + compressed.CHUNK
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="Not restored"):
        service.restore(bomb, user="tester")
    assert file_digest(demo_path) == before


@pytest.mark.parametrize("inside", ["text", "another SQLite file"])
def test_a_compressed_backup_holding_no_caseload_is_never_offered_or_restored(
    demo_path, tmp_path, inside
):
    """Its label and both checksums in order, but what it holds is not a caseload: never
    "the newest good backup" in place of a real one, and refused clearly when restored (an
    SQLite file that is not a caseload ended the command line in a traceback)."""
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder)
    good = service.backup_now()
    source = tmp_path / "inside"
    if inside == "text":
        source.write_text("not a database\n" * 1000)
    else:
        with sqlite3.connect(source) as con:
            con.execute("CREATE TABLE notes (body TEXT)")
        con.close()
    size = source.stat().st_size
    name = "caseload-auto-20261201-090000-000000.sqlite3.zst"
    foreign = _packed(source, folder / name, compressed.Label(30, 30, 50, size))
    assert service.list_backups()[0].path == foreign  # numbered above the good one
    if inside == "text":
        assert "not an SQLite file" in safety.problem_with(foreign, backup=True)
        assert service.newest_good().path == good
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="Not restored: .*not a caseload"):
        service.restore(foreign, user="tester")
    assert file_digest(demo_path) == before
    assert main(["restore", "--db", str(demo_path), str(foreign)]) == 1
    assert file_digest(demo_path) == before


@pytest.mark.parametrize("lie", ["children", "sequence"])
def test_a_backup_whose_label_lies_about_what_it_holds_is_not_restored(demo_path, tmp_path, lie):
    """The Backups dialog and "the newest good backup" go by the label in front; a label
    that does not match the copy behind it (a bug, an edit with its checksum rewritten)
    must not restore something other than what the person was shown."""
    folder = tmp_path / "backups"
    service = BackupService(demo_path, folder)
    real = service.backup_now()
    inside = opened(real, tmp_path)
    held = compressed.read_label(real)
    told = compressed.Label(
        999 if lie == "children" else held.children,
        held.cases,
        held.sequence + (5 if lie == "sequence" else 1),
        held.size,
    )
    name = "caseload-auto-20261201-090000-000000.sqlite3.zst"
    liar = _packed(inside, folder / name, told)
    assert service.list_backups()[0].path == liar
    with sqlite3.connect(demo_path) as con:
        con.execute("DELETE FROM task")
    before = file_digest(demo_path)
    with pytest.raises(DatabaseError, match="Not restored: .*label"):
        service.restore(liar, user="tester")
    assert file_digest(demo_path) == before


KILLED_WRITING_THE_CHECKSUM = """
import os, sys
from pathlib import Path
from caseload_app.db import safety
from caseload_app.services.backup import BackupService

def killed(path, text):
    os._exit(9)  # the power goes as the checksum is written

safety._write_synced = killed
BackupService(Path(sys.argv[1]), Path(sys.argv[2])).backup_now("auto")
"""


def test_a_backup_killed_before_its_checksum_is_never_listed(demo_path, tmp_path):
    """Its checksum is written before it takes its name: killed in between, nothing that
    looks like a backup is left without the checksum that proves it whole."""
    import subprocess
    import sys

    folder = tmp_path / "backups"
    script = [sys.executable, "-c", KILLED_WRITING_THE_CHECKSUM, str(demo_path), str(folder)]
    assert subprocess.run(script, check=False).returncode == 9
    assert BackupService(demo_path, folder).list_backups() == []


KILLED_WRITING_A_CHOSEN_COPY = KILLED_WRITING_THE_CHECKSUM.replace(
    'BackupService(Path(sys.argv[1]), Path(sys.argv[2])).backup_now("auto")',
    "BackupService(Path(sys.argv[1]), Path(sys.argv[2]))"
    '.backup_to(Path(sys.argv[2]) / "copy.sqlite3")',
)


def test_a_copy_to_a_chosen_place_killed_before_its_checksum_is_not_left(demo_path, tmp_path):
    """The same for `caseload backup -o FILE`: its checksum first, then its name."""
    import subprocess
    import sys

    folder = tmp_path / "chosen"
    folder.mkdir()
    script = [sys.executable, "-c", KILLED_WRITING_A_CHOSEN_COPY, str(demo_path), str(folder)]
    assert subprocess.run(script, check=False).returncode == 9
    assert not (folder / "copy.sqlite3").exists()


def test_a_damaged_database_restored_from_the_window_is_kept_with_its_latest_writes(
    demo_path, tmp_path
):
    """A damaged database (its copy fails the full check) is kept byte for byte. Made ready
    with the database open, that raw copy missed the writes still in its write-ahead log
    (found by a reviewer): it is taken once the database is closed, as it was before."""
    service = BackupService(demo_path, tmp_path / "backups")
    chosen = service.backup_now()
    con = sqlite3.connect(demo_path)  # an index no longer matching its table: the full
    name, sql = con.execute(  # check finds it, the quick check at opening does not
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name = 'communication' LIMIT 1"
    ).fetchone()
    columns = [r[1] for r in con.execute("PRAGMA table_info(communication)")]
    other = [c for c in columns if c not in sql][2]
    con.execute("PRAGMA writable_schema = ON")
    con.execute(
        "UPDATE sqlite_master SET sql = ? WHERE name = ?",
        (sql.rsplit("(", 1)[0] + f"({other})", name),
    )
    con.commit()
    con.close()
    current = open_database(demo_path)
    with current.uow() as s:  # the window's latest writes: still in the write-ahead log
        for n in range(20):
            s.execute(
                text(
                    "INSERT INTO audit_entry (at, who, action, record_type, detail) "
                    "VALUES (CURRENT_TIMESTAMP, 'me', 'test', 'x', :d)"
                ),
                {"d": f"late write {n}"},
            )
    ready = service.prepare_restore(chosen, user="tester")
    assert ready.raw and not ready.kept.exists()  # kept once the database is closed
    installed = []
    kept = service.finish_restore(ready, current, install=installed.append)
    installed[0].dispose()
    with sqlite3.connect(f"file:{kept}?mode=ro", uri=True) as con:
        late = con.execute("SELECT count(*) FROM audit_entry WHERE detail LIKE 'late write%'")
        assert late.fetchone()[0] == 20
    assert kept.name.startswith("caseload-damaged-")


def test_stop_pressed_once_the_database_is_kept_restores_nothing_and_keeps_nothing(
    demo_path, tmp_path, monkeypatch
):
    """Stop pressed after the last slow step, while the restore is recorded, was not heard:
    the database was replaced, and a pre-restore backup kept (found by a reviewer)."""
    from caseload_app.services import backup as backup_module

    service = BackupService(demo_path, tmp_path / "backups")
    backup = service.backup_now()
    before = file_digest(demo_path)
    real = backup_module._record_restore

    def recorded_as_stop_is_pressed(*args):
        stop()
        real(*args)

    monkeypatch.setattr(backup_module, "_record_restore", recorded_as_stop_is_pressed)
    prepare, stop = service.stoppable_restore(backup, user="tester", progress=lambda *a: None)
    with pytest.raises(Stopped, match="nothing was restored"):
        prepare()
    assert file_digest(demo_path) == before
    assert [b.path for b in service.list_backups()] == [backup]
    assert not service._restoring().exists()
