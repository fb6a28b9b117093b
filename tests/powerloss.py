"""Power loss, not just a crash: writes the disk was never told to keep are dropped, torn or
garbled, and only what was synced survives.

    python -m tests.stress powerloss --cuts 1000 [--synchronous FULL|NORMAL|OFF]

SIGKILL only kills the program: the operating system still writes its page cache out
afterwards, so a kill test passes even with `synchronous=OFF`. A power cut loses that cache.
This follows SQLite's own crash-test VFS (src/test6.c) and LazyFS: a VFS (written with APSW,
wrapping SQLite's default unix VFS, so every read and write reaches real files in a real
folder) records, per file, every write, truncate, create and delete since that file's last
xSync. At a random I/O operation the power goes off: that operation and everything after it
fails, and the files are rebuilt as a disk would hold them after the reboot: the state at each
file's last sync, plus a random subset of the unsynced changes, applied 512-byte sector by
sector, each sector kept, lost or filled with garbage (reordered and torn writes). A new file
exists after the cut only once it was synced (SQLite syncs the folder on a new WAL's first
sync); a delete that was not synced may not have happened.

What is driven: caseload's own settings and SQL. The pragmas are read from a connection made
by caseload's engine (caseload_app/db/engine.py: journal_mode, synchronous, busy_timeout,
foreign_keys, wal_autocheckpoint); the database is made by caseload's migrations (with one case
in it); the transaction is recorded from one real `CaseworkService.log_communication` call and
replayed statement for statement (BEGIN IMMEDIATE, the form-token look-up, the INSERTs of the
contact, its audit entry and its token, COMMIT), only the token, summary and new ids changed.
The app itself reaches SQLite through the stdlib sqlite3 driver, and a Python VFS needs APSW,
so the replay runs on APSW's own (newer) SQLite library; the on-disk format and the WAL sync
points are the same. After every cut the surviving files are copied aside and opened by the
app as it would open them at start (`safety.problem_with`, then `open_database`), then
checked with the stdlib driver: integrity_check, every acknowledged save present, none twice.

The run is a chain: after each cut the next session opens the surviving files through the
same VFS (so WAL recovery and checkpoints are cut too), retries the save that was in flight
with its form token, and goes on saving until its own random cut.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import re
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import apsw

SECTOR = 512
SYNC_LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
DB_NAME = "caseload.sqlite3"


class PowerCut(Exception):
    """The power went off: nothing more reaches the disk."""


# ------------------------------------------------------------------------ the disk model
@dataclass
class _File:
    durable: bytearray | None  # what the disk holds for sure (None: no such file)
    pending: list[tuple] = field(default_factory=list)  # changes since the last sync


class Disk:
    """What each file of one folder holds durably, and what it was told since its last sync.

    The power goes off at I/O operation `cut_at` (writes, truncates, syncs, deletes count)."""

    def __init__(self, folder: Path, cut_at: int) -> None:
        self.folder = folder
        self.cut_at = cut_at
        self.ops = 0
        self.off = False
        self.files: dict[str, _File] = {
            p.name: _File(bytearray(p.read_bytes())) for p in folder.iterdir() if p.is_file()
        }

    def check(self) -> None:
        if self.off:
            raise PowerCut()

    def tick(self) -> None:
        """One more operation; the power goes off before it reaches anything."""
        self.check()
        self.ops += 1
        if self.ops >= self.cut_at:
            self.off = True
            raise PowerCut()

    def _file(self, name: str) -> _File:
        return self.files.setdefault(name, _File(None))

    def record(self, name: str, change: tuple) -> None:
        self._file(name).pending.append(change)

    def sync(self, name: str) -> None:
        f = self._file(name)
        image = f.durable
        for change in f.pending:
            image = _apply(image, change)
        f.durable, f.pending = image, []

    def delete(self, name: str, sync_dir: bool) -> None:
        if sync_dir:
            self.files[name] = _File(None)
        else:
            self.record(name, ("delete",))

    def unsynced(self, name: str) -> bool:
        return bool(self._file(name).pending)

    def after_power_loss(self, rng: random.Random) -> dict[str, bytes]:
        """Each file as the disk holds it after the reboot: its last synced state plus a
        random subset of what came after, sector by sector (kept, lost or garbage)."""
        survivors = {}
        for name, f in self.files.items():
            image = None if f.durable is None else bytearray(f.durable)
            for change in f.pending:
                image = _apply_some(image, change, rng)
            if image is not None:
                survivors[name] = bytes(image)
        return survivors


def _apply(image: bytearray | None, change: tuple) -> bytearray | None:
    kind = change[0]
    if kind == "create":
        return bytearray() if image is None else image
    if kind == "delete":
        return None
    if image is None:
        return None  # writing to a file whose name never reached the disk
    if kind == "truncate":
        size = change[1]
        del image[size:]
        image.extend(bytes(size - len(image)))
        return image
    _, offset, data = change
    if len(image) < offset:
        image.extend(bytes(offset - len(image)))
    image[offset : offset + len(data)] = data
    return image


def _apply_some(image: bytearray | None, change: tuple, rng: random.Random) -> bytearray | None:
    if change[0] != "write":
        return _apply(image, change) if rng.random() < 0.5 else image
    if image is None:
        return None
    _, offset, data = change
    end = offset + len(data)
    start = offset
    while start < end:  # sector by sector, on the disk's own sector boundaries
        stop = min(end, (start // SECTOR + 1) * SECTOR)
        fate = rng.random()
        if fate < 0.45:
            image = _apply(image, ("write", start, data[start - offset : stop - offset]))
        elif fate < 0.55:
            image = _apply(image, ("write", start, rng.randbytes(stop - start)))
        start = stop
    return image


# ------------------------------------------------------------------------ the VFS
class _PowerFile(apsw.VFSFile):
    def __init__(self, disk: Disk, name: str | None, filename, flags) -> None:
        self.disk, self.name = disk, name
        super().__init__("", filename, flags)

    def xWrite(self, data, offset: int) -> None:
        self._change(("write", offset, bytes(data)))
        super().xWrite(data, offset)

    def xTruncate(self, size: int) -> None:
        self._change(("truncate", size))
        super().xTruncate(size)

    def xSync(self, flags: int) -> None:
        if self.name is None:
            return super().xSync(flags)
        # The model, not this machine's disk, decides what survives the cut: no real fsync
        # (it would only slow the run down).
        self.disk.tick()
        self.disk.sync(self.name)

    def _change(self, change: tuple) -> None:
        if self.name is None:  # a temporary file: never read back after a reboot
            self.disk.check()
            return
        self.disk.tick()
        self.disk.record(self.name, change)

    def xRead(self, amount: int, offset: int):
        self.disk.check()
        return super().xRead(amount, offset)

    def xFileSize(self) -> int:
        self.disk.check()
        return super().xFileSize()

    def xLock(self, level: int) -> None:
        self.disk.check()
        super().xLock(level)


class PowerVFS(apsw.VFS):
    """SQLite's default VFS, with every change recorded on `disk` until the power goes off."""

    def __init__(self, name: str) -> None:
        self.vfs_name = name
        self.disk: Disk | None = None
        super().__init__(name, "")

    def _name(self, filename) -> str | None:
        if filename is None:
            return None
        path = filename.filename() if isinstance(filename, apsw.URIFilename) else filename
        path = Path(path)
        return path.name if path.parent == self.disk.folder else None

    def xOpen(self, filename, flags):
        self.disk.check()
        name = self._name(filename)
        if name is not None and not (self.disk.folder / name).exists():
            self.disk.record(name, ("create",))
        return _PowerFile(self.disk, name, filename, flags)

    def xDelete(self, filename: str, syncdir: bool) -> None:
        name = self._name(filename)
        if name is not None:
            self.disk.tick()
            self.disk.delete(name, syncdir)
        super().xDelete(filename, syncdir)

    def xAccess(self, pathname: str, flags: int) -> bool:
        self.disk.check()
        return super().xAccess(pathname, flags)


# ------------------------------------------------------------------------ caseload's side
def app_pragmas(folder: Path) -> dict[str, int | str]:
    """The settings a connection made by caseload's own engine has."""
    from caseload_app.db.engine import make_engine, sqlite_url

    engine = make_engine(sqlite_url(folder / "pragmas.sqlite3"))
    try:
        with engine.connect() as conn:
            return {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in (
                    "busy_timeout",
                    "journal_mode",
                    "synchronous",
                    "foreign_keys",
                    "wal_autocheckpoint",
                )
            }
    finally:
        engine.dispose()


@dataclass
class Statement:
    sql: str
    params: tuple
    columns: tuple[str, ...]  # an INSERT's column names, else ()


def record_save(db_path: Path, case_id: int) -> list[Statement]:
    """The SQL of one real log_communication call (on this file; the contact stays)."""
    from sqlalchemy import event

    from tests.stress import NOW, _services

    db, work = _services(db_path, "Stress")
    seen: list[Statement] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, params, _context, _many) -> None:
        m = re.match(r"INSERT INTO \w+ \(([^)]*)\)", statement)
        columns = tuple(c.strip() for c in m.group(1).split(",")) if m else ()
        seen.append(Statement(statement, tuple(params), columns))

    try:
        work.log_communication(case_id, NOW, "phone", "in", "Ms Brontë", "save 0", token="save-0")
    finally:
        db.dispose()
    assert seen[0].sql == "BEGIN IMMEDIATE", seen[0].sql
    return seen[1:]  # the driver's commit() then sends COMMIT


def _params(st: Statement, n: int, record_id: int | None) -> tuple:
    out = []
    for i, value in enumerate(st.params):
        column = st.columns[i] if st.columns else ""
        if value == "save-0":
            value = f"save-{n}"
        elif value == "save 0":
            value = f"save {n}"
        elif column == "record_id" and record_id is not None:
            value = record_id
        out.append(value)
    return tuple(out)


def replay_save(con: apsw.Connection, statements: list[Statement], n: int) -> None:
    """log_communication's transaction for save n; returns once COMMIT has returned."""
    con.execute("BEGIN IMMEDIATE")
    record_id = None
    for st in statements:
        rows = con.execute(st.sql, _params(st, n, record_id)).fetchall()
        if "FROM submission" in st.sql and rows:
            con.execute("ROLLBACK")  # saved already, before the power went off
            return
        if "RETURNING id" in st.sql:
            record_id = rows[0][0]
    con.execute("COMMIT")


def _open(folder: Path, vfs: PowerVFS, pragmas: dict, report: PowerLossReport) -> apsw.Connection:
    con = apsw.Connection(str(folder / DB_NAME), vfs=vfs.vfs_name)
    con.execute(f"PRAGMA busy_timeout = {pragmas['busy_timeout']}")
    con.execute(f"PRAGMA journal_mode = {pragmas['journal_mode']}")
    con.execute(f"PRAGMA synchronous = {report.synchronous}")
    con.execute(f"PRAGMA foreign_keys = {pragmas['foreign_keys']}")
    con.execute(f"PRAGMA wal_autocheckpoint = {report.checkpoint_pages}")
    return con


# ------------------------------------------------------------------------ the run
@dataclass
class PowerLossReport:
    synchronous: str
    app_synchronous: str = ""
    app_journal_mode: str = ""
    checkpoint_pages: int = 0  # wal_autocheckpoint: the WAL is copied into the file this often
    cuts: int = 0
    saves_attempted: int = 0
    acknowledged: int = 0
    # Saves that reached the disk although the power went off before COMMIT returned: the
    # retry with the same form token found them (not saved twice).
    committed_unacknowledged: int = 0
    lost: int = 0  # acknowledged saves missing after a cut
    cuts_losing_saves: int = 0
    duplicates: int = 0
    damaged: int = 0  # cuts after which the file failed the app's start check or integrity
    cuts_during_checkpoint: int = 0  # the database file itself had unsynced writes
    cuts_with_unsynced_wal: int = 0
    checks: list[str] = field(default_factory=list)  # the first few problems, for a person
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicates == 0 and self.damaged == 0


def _fresh_database(base: Path) -> int:
    from tests.stress import prepare

    base.mkdir()
    return prepare(base / DB_NAME)["case_id"]


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)


def _check(folder: Path) -> tuple[str, dict[int, int]]:
    """Open the surviving files as caseload does at start, then count the saves.
    ('ok', {n: copies}) or (the problem, {})."""
    from caseload_app.db import safety
    from caseload_app.db.engine import DatabaseError, open_database

    path = folder / DB_NAME
    problem = safety.problem_with(path)
    if problem:
        return f"start check: {problem.replace(str(folder), '…')}", {}
    try:
        open_database(path, checked=True).dispose()
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        return f"open: {type(exc).__name__}: {exc}", {}
    con = sqlite3.connect(path)
    try:
        (integrity,) = con.execute("PRAGMA integrity_check").fetchone()
        rows = con.execute(
            "SELECT summary, count(*) FROM communication WHERE summary LIKE 'save %' "
            "GROUP BY summary"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        return f"read: {exc}", {}
    finally:
        con.close()
    if integrity != "ok":
        return f"integrity_check: {integrity}", {}
    return "ok", {int(s.split()[1]): k for s, k in rows}


def powerloss_run(
    cuts: int,
    *,
    synchronous: str | None = None,
    checkpoint_pages: int | None = None,
    seed: int = 1,
    max_ops: int = 8000,
    folder: Path | None = None,
) -> PowerLossReport:
    """`cuts` power cuts, each at a random I/O operation within `max_ops` of the session's
    start. synchronous, checkpoint_pages: None for caseload's own settings (a small
    checkpoint_pages puts many more cuts in the middle of checkpoints)."""
    work = Path(folder or tempfile.mkdtemp(prefix="caseload-powerloss-"))
    rng = random.Random(seed)
    pragmas = app_pragmas(work)
    report = PowerLossReport(
        synchronous="",
        app_synchronous=SYNC_LEVELS[pragmas["synchronous"]],
        app_journal_mode=pragmas["journal_mode"],
    )
    report.synchronous = (synchronous or report.app_synchronous).upper()
    report.checkpoint_pages = checkpoint_pages or pragmas["wal_autocheckpoint"]
    base = work / "fresh"
    case_id = _fresh_database(base)
    shutil.copytree(base, work / "recording")
    statements = record_save(work / "recording" / DB_NAME, case_id)
    shutil.rmtree(work / "recording")
    everything_acked: set[int] = set()
    vfs = PowerVFS(f"powerloss-{os.getpid()}-{seed}")
    started = time.perf_counter()
    try:
        current, acked, n = _restart(work, base, 0)
        for cut in range(cuts):
            n, acked_now = _session(current, vfs, pragmas, report, statements, n, rng, max_ops)
            acked |= acked_now
            everything_acked |= acked_now
            report.cuts += 1
            survivors = vfs.disk.after_power_loss(rng)
            report.cuts_during_checkpoint += vfs.disk.unsynced(DB_NAME)
            report.cuts_with_unsynced_wal += vfs.disk.unsynced(DB_NAME + "-wal")
            shutil.rmtree(current)
            current = work / f"after-cut-{cut}"
            _write_files(current, survivors)
            check_dir = work / "check"
            _write_files(check_dir, survivors)
            problem, present = _check(check_dir)
            shutil.rmtree(check_dir)
            lost = sorted(acked - present.keys())
            report.lost += len(lost)
            report.cuts_losing_saves += bool(lost)
            report.duplicates += sum(k - 1 for k in present.values())
            report.committed_unacknowledged += len(present.keys() - acked)
            if problem != "ok":
                report.damaged += 1
            if (problem != "ok" or lost) and len(report.checks) < 5:
                report.checks.append(f"cut {cut}: {problem}; lost {len(lost)} saves")
            if problem != "ok" or lost:
                # Start again from a good database (a person would restore a backup).
                shutil.rmtree(current)
                current, acked, n = _restart(work, base, n + 1, cut)
            else:
                acked |= present.keys()  # a save the retry found is acknowledged now
    finally:
        vfs.unregister()
    report.acknowledged = len(everything_acked)
    report.seconds = round(time.perf_counter() - started, 1)
    shutil.rmtree(work, ignore_errors=True)
    return report


def _restart(work: Path, base: Path, n: int, cut: int = -1) -> tuple[Path, set[int], int]:
    current = work / f"restart-{cut}"
    shutil.copytree(base, current)
    return current, set(), n


def _session(
    folder: Path,
    vfs: PowerVFS,
    pragmas: dict,
    report: PowerLossReport,
    statements: list[Statement],
    n: int,
    rng: random.Random,
    max_ops: int,
) -> tuple[int, set[int]]:
    """Open the files and save n, n+1, … until the power goes off. Returns the save in
    flight at the cut (to retry) and the saves acknowledged."""
    # Log-uniform: many cuts while opening (WAL recovery) or within a few saves, and some
    # sessions long enough for the WAL to fill and be checkpointed into the database file.
    vfs.disk = Disk(folder, int(math.exp(rng.uniform(0, math.log(max_ops)))))
    acked: set[int] = set()
    con = None
    try:
        con = _open(folder, vfs, pragmas, report)
        while True:
            report.saves_attempted += 1
            replay_save(con, statements, n)
            acked.add(n)
            n += 1
    except Exception:
        if not vfs.disk.off:
            raise  # a real error, not the power cut
    finally:
        if con is not None:
            with contextlib.suppress(Exception):  # closing after the cut cannot write: expected
                con.close(True)
    return n, acked
