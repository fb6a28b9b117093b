"""Checking and copying SQLite database files: nothing damaged is opened for writing, and
every copy is verified before it is trusted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"


def problem_with(path: Path) -> str | None:
    """Why this file cannot be used as a caseload database, or None if it can.

    Opened read-only: checking never changes the file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return f"{path} does not exist."
    if not head:
        return None  # an empty file: SQLite makes a new database in it
    if head != SQLITE_HEADER:
        return f"{path} is not a caseload database (it is not an SQLite file)."
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (result,) = con.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"{path} is damaged: {exc}."
    if result != "ok":
        return f"{path} is damaged: {result}."
    if tables and "alembic_version" not in tables:
        return f"{path} is an SQLite file but not a caseload database."
    return None


def copy_verified(source: Path, dest: Path) -> None:
    """Copy with SQLite's backup API (safe while others read or write), then check the copy;
    a copy that fails its check is removed."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
            # One self-contained file: a WAL-mode copy leaves -wal/-shm files beside it
            # whenever it is read (read-only readers cannot remove them).
            dst.execute("PRAGMA journal_mode = DELETE")
            (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    if result != "ok":
        Path(dest).unlink(missing_ok=True)
        raise sqlite3.DatabaseError(f"the copy failed its integrity check: {result}")
