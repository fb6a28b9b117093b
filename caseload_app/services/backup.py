"""Backups and restore of a laptop (SQLite) database: verified copies, rotation, and a restore
that keeps the database it replaces."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from caseload_app.db import safety
from caseload_app.db.engine import DatabaseError, backup_sqlite

DAILY_DAYS = 14  # keep the newest backup of each of the last 14 days
WEEKLY_WEEKS = 8  # and the newest of each of the 8 weeks before that
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-\d+)?\.sqlite3$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    size: int
    children: int | None  # what it holds, for the restore preview (None if unreadable)
    cases: int | None


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

    def backup_now(self, reason: str = "manual") -> Path:
        """A verified copy in the backups folder (SQLite's backup API is safe while in use)."""
        if not self.db_path.exists():
            raise DatabaseError(f"There is no database at {self.db_path} to back up.")
        if reason == "manual" and self._audit is not None:
            self._audit(f"backup copy of the whole database into {self.folder}")
        return backup_sqlite(self.db_path, self.folder, reason=reason)

    def backup_to(self, dest: Path) -> Path:
        """A verified copy at a place the person chose (written beside it, then renamed)."""
        dest = Path(dest)
        if self._audit is not None:
            self._audit(f"backup copy of the whole database to {dest}")
        tmp = dest.with_name(f".{dest.name}.tmp")
        try:
            safety.copy_verified(self.db_path, tmp)
            tmp.replace(dest)
        except (sqlite3.DatabaseError, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise DatabaseError(f"The backup could not be written to {dest}: {exc}") from exc
        return dest

    def ensure_daily_backup(self) -> Path | None:
        """At start: take today's automatic backup if there is none yet, then rotate."""
        today = self._now().date()
        if not self.db_path.exists() or any(
            b.taken_at.date() == today for b in self.list_backups()
        ):
            return None
        made = self.backup_now("auto")
        self.rotate()
        return made

    def list_backups(self) -> list[BackupInfo]:
        """Newest first, each with what it holds."""
        found = []
        for path in self.folder.glob("*.sqlite3"):
            taken = _taken_at(path)
            if taken is not None:
                children, cases = _counts(path)
                found.append(BackupInfo(path, taken, path.stat().st_size, children, cases))
        return sorted(found, key=lambda b: b.taken_at, reverse=True)

    def newest_good(self) -> BackupInfo | None:
        """The newest backup of this database (named after it) that passes its check:
        offered when the database is damaged or missing."""
        ours = re.compile(re.escape(self.db_path.stem) + r"-[a-z][a-z-]*" + _STAMP.pattern)
        return next(
            (
                b
                for b in self.list_backups()
                if ours.fullmatch(b.path.name) and safety.problem_with(b.path) is None
            ),
            None,
        )

    def rotate(self) -> list[Path]:
        """Keep the newest backup of each of the last 14 days and of each of the 8 weeks
        before; remove the rest. Returns what was removed."""
        today = self._now().date()
        keep: dict[tuple, BackupInfo] = {}
        for backup in self.list_backups():  # newest first: the first seen in a slot stays
            slot = _slot(backup.taken_at.date(), today)
            if slot is not None and slot not in keep:
                keep[slot] = backup
        kept = {b.path for b in keep.values()}
        removed = [b.path for b in self.list_backups() if b.path not in kept]
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    def restore(self, backup: Path) -> Path | None:
        """Replace the database with a backup; the replaced database is kept as a backup
        first. Returns where the replaced database was kept."""
        problem = safety.problem_with(Path(backup))
        if problem:
            raise DatabaseError(f"Not restored: the backup is not usable. {problem}")
        kept = self._keep_current() if self.db_path.exists() else None
        tmp = self.db_path.with_name(f".{self.db_path.name}.restoring")
        try:
            safety.copy_verified(Path(backup), tmp)
        except (sqlite3.DatabaseError, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise DatabaseError(f"Not restored: {exc}") from exc
        # The old database's write-ahead log must not be replayed into the restored file.
        for suffix in ("-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        tmp.replace(self.db_path)
        return kept

    def _keep_current(self) -> Path:
        """Keep the database being replaced: a checked copy, or its raw bytes if damaged."""
        try:
            return self.backup_now("pre-restore")
        except DatabaseError:
            stamp = self._now().strftime("%Y%m%d-%H%M%S")
            self.folder.mkdir(parents=True, exist_ok=True)
            dest = self.folder / f"{self.db_path.stem}-damaged-{stamp}.sqlite3"
            shutil.copy2(self.db_path, dest)
            return dest


def _taken_at(path: Path) -> datetime | None:
    match = _STAMP.search(path.name)
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") if match else None


def _slot(day: date, today: date) -> tuple | None:
    age = (today - day).days
    if age < DAILY_DAYS:
        return ("day", day)
    if age < DAILY_DAYS + 7 * WEEKLY_WEEKS:
        return ("week", (age - DAILY_DAYS) // 7)  # weeks counted back from the daily window
    return None


def _counts(path: Path) -> tuple[int | None, int | None]:
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
