"""Checking and copying SQLite database files: nothing damaged is opened for writing, and
every copy is verified before it is trusted."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from caseload_app.db import compressed
from caseload_app.files import sync_to_disk

SQLITE_HEADER = b"SQLite format 3\x00"


# Tables checked once the window shows rather than before it, writes to them held until
# then (db/engine.WriteHold): the contact log and the case file (its documents' rows and
# bytes, and their search index). At 200,000 children the contact log is three quarters of
# what a check before the window read (1.35 GB with its indexes), and the case file most
# of a file once documents are kept (2.2 of 2.5 GB at 500,000 documents). Left unchecked
# and writable, a contact saved into a damaged page was found to return as saved, audited,
# and be unreadable after, the damage spreading to the next page: hence the hold.
# The children's trigram index (migration 0029) is checked at start, though it is built from
# the child table: damage there passes no other check, yet fails every save of a child (its
# triggers write to it) and every search, and neither dropping nor rebuilding an FTS5 table
# whose pages are damaged works. It costs 40-160 ms at 200,000 children (the child table 0.9 s).
CASE_FILE_TABLES = ("document", "stored_file", "document_search")
LATER_TABLES = ("communication", *CASE_FILE_TABLES)


def problem_with(
    path: Path,
    *,
    backup: bool = False,
    whole: bool = True,
    running: Stoppable | None = None,
) -> str | None:
    """Why this file cannot be used as a caseload database, or None if it can.

    Opened read-only: checking never changes the file, and no damage makes it raise (a
    flipped byte can make even the table names unreadable). A `backup` must also hold
    caseload's schema, pass the full integrity check and match the checksum recorded when
    it was taken; a compressed backup (db/compressed.py) is read through to its end, its
    content checked against the checksum inside it (its copy passed the full integrity
    check before it was compressed). `whole=False` checks every table but the LATER_TABLES
    (each table and its indexes, not the pages between them): the check before the
    window opens. `running`: what may stop this check from another thread; stopped, it
    reports nothing.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return f"{path} does not exist."
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or type(exc).__name__})."
    if not head:
        return f"{path} is empty (0 bytes): it holds no caseload."
    if backup and compressed.is_compressed(path):
        return _checksum_problem(path) or compressed.problem_with(path)
    if head != SQLITE_HEADER and not wal_beside(path):
        return f"{path} is not a caseload database (it is not an SQLite file)."
    if backup and (mismatch := _checksum_problem(path)):
        return mismatch
    pragma = "integrity_check" if backup else "quick_check"
    which = None if whole else (lambda name: not _checked_later(name))
    return _checked(path, pragma, which, running, schema=True, backup=backup)


def later_tables_problem(
    path: Path,
    running: Stoppable | None = None,
    passed: Callable[[str], None] | None = None,
) -> str | None:
    """Damage in the LATER_TABLES (each with its indexes), or None: the check the window
    runs first, before their writes are let through. In their order, the contact log first
    (the case file is most of a file with documents); `passed(table)` is told of each as
    it passes, so that its writes need not wait for the rest."""
    for table in LATER_TABLES:
        problem = _checked(Path(path), "quick_check", _part_of(table), running)
        if problem is not None or (running is not None and running.stopped):
            return problem
        if passed is not None:
            passed(table)
    return None


def _part_of(table: str) -> Callable[[bytes], bool]:
    return lambda name: later_table(name.decode("utf-8", "replace")) == table


def _checked(
    path: Path,
    pragma: str,
    which: Callable[[bytes], bool] | None,
    running: Stoppable | None,
    *,
    schema: bool = False,
    backup: bool = False,
) -> str | None:
    try:
        result, tables = _check(path, pragma, which, running)
    except sqlite3.OperationalError:
        if running is not None and running.stopped:
            return None  # stopped, not finished: nothing found
        return f"{path} is damaged: OperationalError."
    except (sqlite3.Error, ValueError, OverflowError, MemoryError) as exc:
        return f"{path} is damaged: {type(exc).__name__}."
    if running is not None and running.stopped:
        return None  # stopped: what it saw may be half a look
    if result != "ok":
        return f"{path} is damaged: {result[:200]}."
    if schema and (tables or backup) and b"alembic_version" not in tables:
        return f"{path} is an SQLite file but not a caseload database."
    return None


def wal_beside(path: Path) -> bool:
    """A WAL with something in it lies beside the file. Then the file's own first bytes prove
    nothing: a power cut in the middle of a checkpoint can tear its first page while the WAL
    still holds that page whole, and SQLite puts it back on opening (let SQLite judge)."""
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def looks_like_backup(path: Path) -> bool:
    """Cheap: an SQLite file, or a compressed backup with its label in front."""
    if compressed.is_compressed(path):
        return compressed.read_label(path) is not None
    return looks_like_sqlite(path)


def looks_like_sqlite(path: Path) -> bool:
    """Cheap: the file is not empty and starts as an SQLite file does."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


SEQUENCE_KEY = "backup_sequence"  # in app_setting: the number of the newest backup taken


def recorded_sequence(path: Path) -> int | None:
    """The backup number a database (or a backup of it) holds; None if it holds none or
    cannot be read. A compressed backup's is on its label."""
    if compressed.is_compressed(path):
        label = compressed.read_label(path)
        return label.sequence if label else None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT value FROM app_setting WHERE key = ?", (SEQUENCE_KEY,)
            ).fetchone()
        finally:
            con.close()
        return int(row[0]) if row else None
    except (sqlite3.DatabaseError, ValueError):
        return None


def next_sequence(path: Path, folder: Path) -> int:
    """The number for the next backup of `path`: one more than any backup of it in `folder`
    (or the database itself, restored from one) carries. Backups are ordered by it, never
    by a clock; two taken at the very same moment may share one, and their times decide."""
    candidates = [
        path,
        *folder.glob(f"{path.stem}-*.sqlite3"),
        *folder.glob(f"{path.stem}-*.sqlite3{compressed.SUFFIX}"),
    ]
    return max((n for p in candidates if (n := recorded_sequence(p)) is not None), default=0) + 1


class Stopped(Exception):
    """Stopped part-way from another thread (the window closing): nothing was kept."""


class Stoppable:
    """Work on one thread that another stops: a flag, and the SQLite statement running."""

    def __init__(self) -> None:
        self.stopped = False
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._con is not None:
                self._con.interrupt()  # the running PRAGMA ends with "interrupted"

    def _attach(self, con: sqlite3.Connection | None) -> None:
        with self._lock:
            if con is not None and self.stopped:
                raise sqlite3.OperationalError("interrupted")
            self._con = con


class FileCheck(Stoppable):
    """The whole file's check (`later`: the LATER_TABLES' only), run on one thread and
    stopped from another (closing the window ends it at once instead of keeping the app
    open for seconds)."""

    def __init__(
        self, path: Path, *, later: bool = False, passed: Callable[[str], None] | None = None
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.later = later
        self.passed = passed  # the later check's: told of each table as it passes

    def run(self) -> str | None:
        if self.later:
            return later_tables_problem(self.path, running=self, passed=self.passed)
        return problem_with(self.path, running=self)


class BackupRun(Stoppable):
    """A backup taken on one thread: its stages heard from another (`progress(stage, done,
    total)`, called on the backup's thread), and stopped from there between two steps."""

    def __init__(self, progress: Callable[[str, int, int], None] | None = None) -> None:
        super().__init__()
        self.progress = progress  # may be given later, before the backup starts

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None and not self.stopped:
            self.progress(stage, done, total)
        if self.stopped:  # seen at once, even when stopped while being told of progress
            raise Stopped("the backup was stopped")


def _check(
    path: Path, pragma: str, which: Callable[[bytes], bool] | None, running: Stoppable | None
) -> tuple[str, set[bytes]]:
    """The pragma's answer for the whole file (`which` None), or for each table `which`
    picks, stopping at the first not "ok"; and the names in the schema."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        if running is not None:
            running._attach(con)
        con.text_factory = bytes  # damaged text must not fail to decode
        master = list(con.execute("SELECT name, type, sql FROM sqlite_master"))
        tables = {name for name, _, _ in master}
        if which is None:
            (result,) = con.execute(f"PRAGMA {pragma}").fetchone()
            return result.decode("utf-8", "replace"), tables
        for name, kind, sql in master:
            # A virtual table's own check (FTS5's, from SQLite 3.44) reads its whole index
            # against its content: ten times the child table's check. Its shadow tables,
            # where its pages are, are checked as tables.
            virtual = (sql or b"").lstrip()[:20].upper().startswith(b"CREATE VIRTUAL")
            if kind == b"table" and not virtual and which(name):
                (result,) = con.execute(f'PRAGMA {pragma}("{_quoted(name)}")').fetchone()
                if result != b"ok":
                    return result.decode("utf-8", "replace"), tables
    finally:
        if running is not None:
            running._attach(None)
        con.close()
    return "ok", tables


def _checked_later(name: bytes) -> bool:
    return later_table(name.decode("utf-8", "replace")) is not None


def later_table(name: str) -> str | None:
    """Which of the LATER_TABLES a table is, or None: the search index's own tables
    (document_search_data, _idx …) go with it."""
    if name.startswith("document_search_"):
        return "document_search"
    return name if name in LATER_TABLES else None


def _quoted(name: bytes) -> str:
    return name.decode("utf-8", "replace").replace('"', '""')


def checksum_path(backup: Path) -> Path:
    """Where a backup's SHA-256, recorded when it was taken and checked, is kept."""
    return Path(f"{backup}.sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checksum_problem(path: Path) -> str | None:
    """A backup changed since it was taken (a flipped bit, an edit). Backups from before
    checksums were recorded have none: they are judged by the integrity check alone."""
    try:
        recorded = checksum_path(path).read_text(encoding="ascii").split()[0]
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, IndexError):
        return f"{path} has an unreadable checksum file."
    if recorded != _sha256(path):
        return f"{path} has changed since it was taken (its checksum does not match)."
    return None


def copy_verified(
    source: Path,
    dest: Path,
    *,
    checksum: bool = True,
    sequence: int | None = None,
    run: BackupRun | None = None,
) -> None:
    """Copy with SQLite's backup API (safe while others read or write) into a temporary file
    beside `dest`, check the copy, flush it to disk and only then give it its name, with its
    checksum beside it: a failed copy (a full disk) leaves nothing that looks like a backup.
    A `sequence` is written into the copy (never into the source, which may be damaged)."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name}.partial")
    placed = False
    try:
        _copy_and_check(Path(source), tmp, sequence, run)
        _fsync(tmp)
        if checksum:  # first, as for a compressed backup: never a copy without its checksum
            _write_synced(checksum_path(dest), f"{_sha256(tmp)}  {dest.name}\n")
        os.replace(tmp, dest)
        placed = True
    except BaseException:
        tmp.unlink(missing_ok=True)
        if checksum and not placed:
            checksum_path(dest).unlink(missing_ok=True)
        raise


def copy_compressed(
    source: Path, dest: Path, *, sequence: int | None = None, run: BackupRun | None = None
) -> None:
    """A compressed backup (db/compressed.py) at `dest`: copied with SQLite's backup API
    into a temporary file beside it, given the full integrity check, counted for its label,
    compressed into another temporary file, flushed to disk, and only then given its name,
    with the checksum of the compressed file beside it. Stopped (`run`) or failed, nothing
    that looks like a backup is left: the temporary files are hidden `.partial` names."""
    dest = Path(dest)
    plain = dest.with_name(f".{dest.name}.copy.partial")
    packed = dest.with_name(f".{dest.name}.partial")
    placed = False
    try:
        _copy_and_check(Path(source), plain, sequence, run)
        children, cases = counts(plain)
        label = compressed.Label(children, cases, sequence, plain.stat().st_size)
        progress = (
            None if run is None else lambda done, total: run.report("Compressing", done, total)
        )
        digest = compressed.compress(plain, packed, label, progress)
        # The checksum first: killed between the two, a checksum is left without its backup
        # (never listed), not a backup without its checksum (listed, its label unchecked).
        _write_synced(checksum_path(dest), f"{digest}  {dest.name}\n")
        os.replace(packed, dest)
        placed = True
    except BaseException:
        packed.unlink(missing_ok=True)
        if not placed:
            checksum_path(dest).unlink(missing_ok=True)
        raise
    finally:
        plain.unlink(missing_ok=True)


def counts(path: Path) -> tuple[int | None, int | None]:
    """How many children and cases an SQLite copy holds (None, None if unreadable)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            children = con.execute("SELECT count(*) FROM child").fetchone()[0]
            cases = con.execute("SELECT count(*) FROM ehcp_case").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None, None
    return children, cases


def restore_copy(backup: Path, dest: Path, run: BackupRun | None = None) -> None:
    """The database a backup holds, written to `dest` and given the full integrity check:
    a plain backup copied with SQLite's backup API, a compressed one decompressed (its
    checksums checked on the way). `run`: its stages told, and a stop (Stopped, nothing
    left at `dest`), from another thread."""
    _remove_with_journal(dest)  # a journal left by a killed restore must not roll back into it
    if not compressed.is_compressed(backup):
        copy_verified(backup, dest, checksum=False, run=run)
        return
    progress = None if run is None else lambda done, total: run.report("Reading", done, total)
    try:
        compressed.decompress(backup, dest, progress)
        if problem := _restored_problem(dest, compressed.read_label(backup), run):
            raise CopyDamaged(f"{backup} {problem}")
    except compressed.CompressedDamaged as exc:
        dest.unlink(missing_ok=True)
        raise CopyDamaged(f"{backup} {exc}") from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _restored_problem(
    path: Path, label: compressed.Label | None, run: BackupRun | None = None
) -> str | None:
    """What is wrong with the copy a compressed backup held, once decompressed: the full
    integrity check, caseload's schema (its checksums prove only that it is what was
    written), and what its label told the person choosing it (children, cases, number)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        result = _full_check(con, run)
        if result != "ok":
            return f"failed its integrity check once decompressed: {result[:300]}"
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
    finally:
        con.close()
    if "alembic_version" not in tables:
        return "is not a caseload backup (it holds an SQLite file of something else)."
    number = recorded_sequence(path)
    if (
        label is None
        or (label.children, label.cases) != counts(path)
        or (None not in (number, label.sequence) and number != label.sequence)
    ):
        return "does not hold what its label says (children, cases, its number): it is damaged."
    return None


PAGES_A_STEP = 4096  # 16 MB of a copy between two looks at whether it was stopped


def _copy_and_check(
    source: Path, tmp: Path, sequence: int | None = None, run: BackupRun | None = None
) -> None:
    _remove_with_journal(tmp)
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(tmp, check_same_thread=False)
        try:
            if run is None:
                src.backup(dst)
            else:  # in steps, so that closing the window stops it between two
                src.backup(dst, pages=PAGES_A_STEP, progress=_copy_progress(run))
            # One self-contained file: a WAL-mode copy leaves -wal/-shm files beside it
            # whenever it is read (read-only readers cannot remove them).
            dst.execute("PRAGMA journal_mode = DELETE")
            if sequence is not None:
                _record_sequence(dst, sequence)
            result = _full_check(dst, run)
        finally:
            dst.close()
    finally:
        src.close()
    if result != "ok":
        raise CopyDamaged(f"the copy failed its integrity check: {result[:300]}")


def _remove_with_journal(path: Path) -> None:
    """A file about to be written afresh, and what a killed writer of it left beside it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy_progress(run: BackupRun) -> Callable[[int, int, int], None]:
    def progress(_status: int, remaining: int, total: int) -> None:
        run.report("Copying", total - remaining, total)  # raising ends SQLite's backup

    return progress


def _full_check(con: sqlite3.Connection, run: BackupRun | None) -> str:
    if run is None:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    run.report("Checking", 0, 1)
    try:
        run._attach(con)  # stopping interrupts the check
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.OperationalError:
        if run.stopped:
            raise Stopped("the backup was stopped") from None
        raise
    finally:
        run._attach(None)


class CopyDamaged(sqlite3.DatabaseError):
    """The copy of a database failed its full integrity check: the source is damaged."""


SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26


def is_damage(exc: BaseException) -> bool:
    """A copy failed because the database itself is damaged (not a full disk, a lock…)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, CopyDamaged) or (code is not None and code & 0xFF in (
        SQLITE_CORRUPT, SQLITE_NOTADB))  # fmt: skip


def _record_sequence(con: sqlite3.Connection, number: int) -> None:
    try:
        with con:
            con.execute(
                "INSERT INTO app_setting (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SEQUENCE_KEY, str(number)),
            )
    except sqlite3.OperationalError:
        pass  # a database from before settings: the copy is ordered by its time


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        sync_to_disk(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            sync_to_disk(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
