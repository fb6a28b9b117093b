"""Backups and restore of a laptop (SQLite) database: verified copies, rotation, and a restore
that keeps the database it replaces."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from caseload_app.db import compressed, safety
from caseload_app.db.engine import (
    DamagedDatabase,
    Database,
    DatabaseError,
    backup_sqlite,
    open_database,
)
from caseload_app.db.location import plain_os_error
from caseload_app.db.lock import DatabaseInUse, InstanceLock
from caseload_app.db.models import AuditEntry
from caseload_app.domain.access import Access, Can
from caseload_app.services.errors import RESTORE_STOPPED, PermissionDenied, Stopped
from caseload_app.services.who import access_for

KEEP_NEWEST = 14  # the newest 14 usable backups are never removed, whatever the clock says
DAILY_DAYS = 14  # keep the newest backup of each of the last 14 days
WEEKLY_WEEKS = 8  # and the newest of each of the 8 weeks before that
ABANDONED_AFTER_S = 3600  # a half-written copy untouched this long was left by a kill
# A backup's name: ...-YYYYmmdd-HHMMSS-micro.sqlite3, compressed (.zst) since issue 28.
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-\d+)?\.sqlite3(?:\.zst)?$")
_PATTERNS = ("*.sqlite3", f"*.sqlite3{compressed.SUFFIX}")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    size: int
    children: int | None  # what it holds, for the restore preview (None if unreadable)
    cases: int | None
    in_future: bool = False  # dated after now: the computer's clock is (or was) wrong
    sequence: int | None = None  # its number among this database's backups (None: older)

    @property
    def usable(self) -> bool:
        """Worth keeping: not empty, an SQLite file or a compressed backup with its label
        (the full check is made before use)."""
        return safety.looks_like_backup(self.path)


@dataclass(frozen=True)
class DailyBackup:
    """What today's automatic backup came to."""

    taken: Path | None = None  # None: there was one already today (or see below)
    stopped: bool = False  # the window closed first: nothing was kept
    damage: str | None = None  # its full check found the database damaged
    failed: str | None = None  # why none could be taken today (a full disk), in words


@dataclass(frozen=True)
class ReadyRestore:
    """A restore made ready (BackupService.prepare_restore): the backup's database, checked
    and with the restore recorded in it, waiting under a hidden name beside the database."""

    backup: Path
    restored: Path
    kept: Path | None  # where the database it replaces was kept
    raw: bool = False  # that database is damaged: kept byte for byte at the swap


class BackupService:
    def __init__(
        self,
        db_path: Path,
        folder: Path,
        now: Callable[[], datetime] = datetime.now,
        audit: Callable[[str], None] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.folder = Path(folder)
        self._now = now
        # Records, in the database's audit trail, a copy a person asked for: every backup
        # is a copy of every child. Written before the copy; if it fails, no copy is made.
        self._audit = audit

    def backup_now(self, reason: str = "manual", run: safety.BackupRun | None = None) -> Path:
        """A verified copy in the backups folder (SQLite's backup API is safe while in use),
        kept compressed. `run`: progress and a stop from another thread."""
        if not self.db_path.exists():
            raise DatabaseError(f"There is no database at {self.db_path} to back up.")

        def copy() -> Path:
            return backup_sqlite(self.db_path, self.folder, reason=reason, now=self._now(), run=run)

        if reason != "manual" or self._audit is None:
            return copy()
        self._audit(f"backup copy of the whole database into {self.folder}")
        try:
            return copy()
        except BaseException as exc:
            # The entry above stands for a copy: the trail says there was none after all.
            how = "stopped" if isinstance(exc, safety.Stopped) else "failed"
            with suppress(Exception):  # the first failure is the one to report
                self._audit(f"backup copy into {self.folder} {how}: no copy was kept")
            raise

    def stoppable_backup(
        self, progress: Callable[[str, int, int], None]
    ) -> tuple[Callable[[], Path], Callable[[], None]]:
        """ "Back up now" from another thread: (take, stop). `take()` takes the backup and
        rotates, telling `progress(stage, done, total)` as it goes; `stop()`, from any
        thread, ends it between two steps with nothing kept, and `take()` then raises
        Stopped."""
        run = safety.BackupRun(progress)

        def take() -> Path:
            try:
                made = self.backup_now("manual", run)
            except safety.Stopped as exc:
                raise Stopped("Stopped: no backup was taken, and nothing was kept.") from exc
            except OSError as exc:  # a full disk, a folder that is a file: said in words
                raise DatabaseError(f"No backup was taken. {plain_os_error(exc)}") from exc
            self.rotate()
            return made

        return take, run.stop

    def backup_to(self, dest: Path) -> Path:
        """A verified copy at a place the person chose (written beside it, then renamed):
        a plain SQLite file, not compressed, so that it opens in any SQLite tool."""
        dest = Path(dest)
        if self._audit is not None:
            self._audit(f"backup copy of the whole database to {dest}")
        try:
            safety.copy_verified(self.db_path, dest)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise DatabaseError(f"The backup could not be written to {dest}: {exc}") from exc
        return dest

    def ensure_daily_backup(self, run: safety.BackupRun | None = None) -> Path | None:
        """Take today's automatic backup if there is none yet, then rotate. `run`: its
        progress, and a stop (safety.Stopped, nothing kept), from another thread."""
        if not self.daily_backup_due():
            return None
        made = self.backup_now("auto", run)
        self.rotate()
        return made

    def take_daily_backup(self, run: safety.BackupRun | None = None) -> DailyBackup:
        """Today's automatic backup, beside the window: what it came to, never raised (a
        stop, a full disk, damage its full check found), for the window to say."""
        try:
            return DailyBackup(taken=self.ensure_daily_backup(run))
        except safety.Stopped:
            return DailyBackup(stopped=True)
        except DamagedDatabase as exc:
            return DailyBackup(damage=str(exc))
        except (DatabaseError, OSError) as exc:
            return DailyBackup(failed=_no_backup_words(exc))

    def daily_backup_due(self) -> bool:
        """No backup yet today (of anything in the folder), and a database to back up."""
        today = self._now().date()
        return self.db_path.exists() and not any(
            b.taken_at.date() == today for b in self.list_backups()
        )

    def list_backups(self) -> list[BackupInfo]:
        """Newest first, each with what it holds. Newest by the number each backup carries
        inside it (taken later, numbered higher), not by the clock that named it; backups
        from before numbering are older than any numbered one, and ordered by their time.
        A compressed backup's counts and number are read from the label in front of it (a
        few hundred bytes); an older, uncompressed one is opened to count."""
        found = []
        now = self._now()
        for path in (p for pattern in _PATTERNS for p in self.folder.glob(pattern)):
            taken = _taken_at(path)
            if taken is None:
                continue
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue  # removed meanwhile (another copy of caseload rotating)
            children, cases, number = _held(path)
            future = taken > now + timedelta(minutes=5)
            found.append(BackupInfo(path, taken, size, children, cases, future, number))
        return sorted(found, key=_newest_first, reverse=True)

    def newest_good(self) -> BackupInfo | None:
        """The newest backup of this database (named after it) that passes its check:
        offered when the database is damaged or missing."""
        ours = re.compile(re.escape(self.db_path.stem) + r"-[a-z][a-z-]*" + _STAMP.pattern)
        return next(
            (
                b
                for b in self.list_backups()
                if ours.fullmatch(b.path.name) and safety.problem_with(b.path, backup=True) is None
            ),
            None,
        )

    def rotate(self) -> list[Path]:
        """Keep the newest backup of each of the last 14 days and of each of the 8 weeks
        before; remove the rest. Returns what was removed."""
        today = self._now().date()
        backups = self.list_backups()
        usable = [b for b in backups if b.usable]  # an empty or non-SQLite file takes no slot
        keep: dict[tuple, BackupInfo] = {}
        for backup in usable:  # newest first: the first seen in a slot stays
            slot = _slot(backup.taken_at.date(), today)
            if slot is not None and slot not in keep:
                keep[slot] = backup
        # A wrong clock (days ahead, or back from the future) must not empty the folder.
        kept = {b.path for b in keep.values()} | {b.path for b in usable[:KEEP_NEWEST]}
        removed = [b.path for b in backups if b.path not in kept]
        for path in removed:
            path.unlink(missing_ok=True)
            safety.checksum_path(path).unlink(missing_ok=True)
        return removed + self._remove_abandoned_copies()

    def _remove_abandoned_copies(self) -> list[Path]:
        """Half-written copies (`.NAME.partial`) of backups killed part-way, and a restore's
        copy and what its writing leaves (`.NAME.restoring` and others, beside the database:
        as large as it) killed before it took the database's place. One still being written
        by another copy of caseload is fresh; an hour untouched, it is abandoned."""
        abandoned = []
        name = self.db_path.name
        beside = [f".{name}.restoring", f".{name}.restoring-journal"]
        beside += [f"..{name}.restoring.partial", f".{name}.roles.partial"]
        left = [self.db_path.with_name(n) for n in beside if self.db_path.with_name(n).exists()]
        for path in [*self.folder.glob(".*.partial"), *left]:
            try:
                if time.time() - path.stat().st_mtime > ABANDONED_AFTER_S:
                    path.unlink()
                    abandoned.append(path)
            except OSError:
                continue  # gone already, or not ours to remove: it never counts as a backup
        return abandoned

    def _restoring(self) -> Path:
        return self.db_path.with_name(f".{self.db_path.name}.restoring")

    def restore(self, backup: Path, *, user: str, holds_lock: bool = False) -> Path | None:
        """Replace the database with a backup: an administrator's action, refused while
        another copy of caseload has the database open (unless the caller is that copy,
        `holds_lock`). The replaced database is kept as a backup first, and the restore is
        recorded in the restored database's audit trail. Returns where the replaced
        database was kept."""
        if holds_lock:
            return self._swap_in(self.prepare_restore(backup, user=user))
        try:
            with InstanceLock(self.db_path):
                return self._swap_in(self.prepare_restore(backup, user=user))
        except DatabaseInUse as exc:
            raise DatabaseError(f"Not restored: {exc}") from None

    def stoppable_restore(
        self, backup: Path, *, user: str, progress: Callable[[str, int, int], None]
    ) -> tuple[Callable[[], ReadyRestore], Callable[[], None]]:
        """The window's restore, made ready on another thread: (prepare, stop). `prepare()`
        does all that takes time while the database stays open (9.7 s for a 275 MB file);
        `stop()`, from any thread, ends it between two steps with nothing changed and
        nothing kept, and `prepare()` then raises Stopped. `finish_restore` follows."""
        run = safety.BackupRun(progress)

        def prepare() -> ReadyRestore:
            try:
                return self.prepare_restore(backup, user=user, run=run)
            except safety.Stopped as exc:
                raise Stopped(RESTORE_STOPPED) from exc

        return prepare, run.stop

    def prepare_restore(
        self, backup: Path, *, user: str, run: safety.BackupRun | None = None
    ) -> ReadyRestore:
        """All of a restore but the swap, the database left open and unchanged: the backup
        checked and decompressed beside the database under a hidden name, given the full
        integrity check, the database kept as a backup, and the restore recorded in the
        restored copy (an entry in the replaced database would go with it). Nothing may
        write to the database until `finish_restore`, or the kept copy would miss it."""
        backup = Path(backup)
        _report(run, "Checking the backup")
        problem = safety.problem_with(backup, backup=True, running=run)
        _report(run, "Checking the backup")  # stopped during the check: it said nothing
        if problem:
            raise DatabaseError(f"Not restored: the backup is not usable. {problem}")
        self._require_administrator(backup, user)
        ready = ReadyRestore(backup, self._restoring(), None, False)
        try:
            safety.restore_copy(backup, ready.restored, run)
            if self.db_path.exists():
                kept, raw = self._keep_current(run)
                ready = replace(ready, kept=kept, raw=raw)
            detail = f"restored from the backup {backup.name}" + (
                f"; the database it replaced is kept as {ready.kept.name}" if ready.kept else ""
            )
            _record_restore(ready.restored, user, self._now(), detail)
            _report(run, "Recording")  # Stop pressed since: nothing restored, nothing kept
        except (sqlite3.DatabaseError, OSError) as exc:
            self.abandon(ready)
            raise DatabaseError(f"Not restored: {_not_restored_words(exc)}") from exc
        except BaseException:
            self.abandon(ready)
            raise
        return ready

    def abandon(self, ready: ReadyRestore) -> None:
        """A restore made ready that will not take place (stopped, refused, failed): its
        copy and the backup it kept of the database are removed; nothing was changed."""
        ready.restored.unlink(missing_ok=True)
        if ready.kept is not None and not ready.raw:
            ready.kept.unlink(missing_ok=True)
            safety.checksum_path(ready.kept).unlink(missing_ok=True)

    def finish_restore(
        self, ready: ReadyRestore, current: Database, *, install: Callable[[Database], None]
    ) -> Path | None:
        """For the window that holds the database open (and its lock), on its own thread:
        close the database, put the prepared copy in its place (a rename: a moment) and
        open it again, handing the new handle to ``install`` whether the swap worked or not,
        so the window is never left holding a closed database. Returns where the replaced
        database was kept."""
        current.dispose()
        try:
            kept = self._swap_in(ready)
        except OSError as exc:
            self.abandon(ready)
            refused = DatabaseError(f"Not restored: {plain_os_error(exc)}")
            self._reopen(install, refused)
            raise refused from exc
        self._reopen(install, None)
        return kept

    def _reopen(self, install: Callable[[Database], None], refused: BaseException | None) -> None:
        """Open the file again for the window. If that fails too, say both: why the restore
        was refused, then why the database would not open."""
        try:
            # A restored copy has just passed the full integrity check: not checked again.
            install(open_database(self.db_path, backup_dir=self.folder, checked=refused is None))
        except DatabaseError as failed:
            if refused is None:
                raise
            raise DatabaseError(
                f"{refused}\n\nThen the database could not be opened again: {failed}"
            ) from refused

    def _swap_in(self, ready: ReadyRestore) -> Path | None:
        """The restored copy takes the database's place: killed at any moment, this leaves
        the old database, or the restored one with its entry, never a half-written file."""
        if ready.raw and ready.kept is not None:  # damaged: kept byte for byte, now closed
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = ready.kept.with_name(f".{ready.kept.name}.partial")  # (see rotate)
            shutil.copy2(self.db_path, partial)
            partial.replace(ready.kept)
        # The old database's write-ahead log must not be replayed into the restored file.
        for suffix in ("-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        ready.restored.replace(self.db_path)
        return ready.kept

    def _require_administrator(self, backup: Path, user: str) -> None:
        """Roles from the database being replaced, or, if it is missing or unreadable, from
        the backup: a laptop with nobody set up treats its user as an administrator."""
        access = _access_in(self.db_path, user) or self._access_in_backup(backup, user)
        if access is None or not access.can(Can.BACKUPS):
            roles = access.describe() if access else "unknown"
            raise PermissionDenied(
                f"Only an administrator restores a backup (your roles: {roles}). Nothing was "
                "changed."
            )

    def _access_in_backup(self, backup: Path, user: str) -> Access | None:
        """Roles from a backup: a compressed one is read from a copy decompressed beside the
        database (where the restore writes anyway), removed straight after."""
        if not compressed.is_compressed(backup):
            return _access_in(backup, user)
        tmp = self.db_path.with_name(f".{self.db_path.name}.roles.partial")
        try:
            compressed.decompress(backup, tmp)
            return _access_in(tmp, user)
        except (compressed.CompressedDamaged, OSError):
            return None
        finally:
            tmp.unlink(missing_ok=True)

    def _keep_current(self, run: safety.BackupRun | None = None) -> tuple[Path, bool]:
        """Keep the database being replaced: a checked copy, or, if it is damaged (its
        copy fails the check), where its raw bytes are to be kept and True: copied once it
        is closed (`_swap_in`), when its write-ahead log has been written into it."""
        try:
            return self.backup_now("pre-restore", run), False
        except DatabaseError:
            stamp = self._now().strftime("%Y%m%d-%H%M%S")
            return self.folder / f"{self.db_path.stem}-damaged-{stamp}.sqlite3", True


def _report(run: safety.BackupRun | None, stage: str) -> None:
    """A step's stage told to the window, which also stops it there if asked."""
    if run is not None:
        run.report(stage, 0, 1)


def _not_restored_words(exc: Exception) -> str:
    return plain_os_error(exc) if isinstance(exc, OSError) else str(exc)


def _no_backup_words(exc: Exception) -> str:
    why = plain_os_error(exc) if isinstance(exc, OSError) else str(exc)
    return (
        "No backup could be taken today, so today's work is not yet in any backup. "
        f"{why}\n\nFree some space (or ask IT), then use File → Backups and restore → "
        "Back up now."
    )


def _taken_at(path: Path) -> datetime | None:
    match = _STAMP.search(path.name)
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") if match else None


def _newest_first(backup: BackupInfo) -> tuple:
    return (backup.sequence is not None, backup.sequence or 0, backup.taken_at)


def _slot(day: date, today: date) -> tuple | None:
    age = (today - day).days
    if age < 0:  # dated in the future: kept only while among the newest (KEEP_NEWEST)
        return None
    if age < DAILY_DAYS:
        return ("day", day)
    if age < DAILY_DAYS + 7 * WEEKLY_WEEKS:
        return ("week", (age - DAILY_DAYS) // 7)  # weeks counted back from the daily window
    return None


def _held(path: Path) -> tuple[int | None, int | None, int | None]:
    """Children, cases and the backup's number, for the listing (None where unreadable)."""
    if compressed.is_compressed(path):
        label = compressed.read_label(path)
        return (label.children, label.cases, label.sequence) if label else (None, None, None)
    return (*safety.counts(path), safety.recorded_sequence(path))


def _ro_session(path: Path):
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True),
    )
    return engine, Session(engine)


def _access_in(path: Path, user: str) -> Access | None:
    """What `user` may do according to the people recorded in the database at `path`, or
    None if it cannot be read."""
    if not Path(path).is_file() or safety.problem_with(Path(path)):
        return None
    engine, session = _ro_session(path)
    try:
        with session:
            return access_for(session, user)
    except Exception:  # any database that cannot be read: ask the other one
        return None
    finally:
        engine.dispose()


def _record_restore(path: Path, user: str, now: datetime, detail: str) -> None:
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(path))
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(AuditEntry).values(
                    at=now, who=user, action="restore", record_type="database", detail=detail
                )
            )
    finally:
        engine.dispose()
