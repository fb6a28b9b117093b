"""Is there a caseload database at this path, and may caseload write there?

Checked before anything is created or opened, so a misspelt `--db`, a spreadsheet given by
mistake or a read-only folder gets its own plain message and nothing is touched: no empty
database made from a typo, no folder, no lock file, no -wal file.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from caseload_app.db.engine import DatabaseError
from caseload_app.db.safety import SQLITE_HEADER, wal_beside
from caseload_app.files import make_private


class LocationError(DatabaseError):
    """The database cannot be used where it was asked for; `title` heads the window's message."""

    title = "caseload cannot open the database"


class NoDatabase(LocationError):
    title = "There is no database there"


class NotADatabase(LocationError):
    title = "Not a caseload database"


class CannotWrite(LocationError):
    title = "caseload cannot write there"


def check_laptop_file(path: Path, *, may_create: bool, make_folder: bool = False) -> None:
    """Raise a LocationError unless `path` is a database caseload can open and write, or
    (with `may_create`) a new database caseload can make there; `make_folder`: its folder
    may be made too (the default location, or an explicit --create)."""
    path = Path(path)
    if path.is_dir():
        raise NotADatabase(f"{path} is a folder, not a caseload database. Check the name.")
    if path.exists():
        _check_existing(path)
        return
    if not may_create:
        raise NoDatabase(_no_database(path))
    folder = path.parent
    if not folder.is_dir():
        if not make_folder:
            raise NoDatabase(
                f"No database at {path}: there is no folder {folder}. Check the name, or make "
                "the folder first to start a new database there."
            )
        folder = _nearest_existing(folder)
    if not _writable(folder):
        raise CannotWrite(_cannot_write(folder))


def make_database_private(path: Path) -> None:
    """A database file, SQLite's files beside it and caseload's own folders beside it
    (backups, kept letters) made this user's only (an older install left them readable)."""
    path = Path(path)
    make_private(
        *(Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")),
        path.parent / "backups",
        path.parent / "letters",
    )


def _check_existing(path: Path) -> None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise CannotWrite(plain_os_error(exc)) from None
    if head and not head.startswith(SQLITE_HEADER) and not wal_beside(path):
        raise NotADatabase(
            f"{path} is not a caseload database (it looks like {_looks_like(head)}). "
            "Nothing was changed; check the name."
        )
    # SQLite writes -wal and -shm files beside the database (and the app its lock file),
    # even to read it, so the folder must be writable as well as the file.
    if not _writable(path.parent):
        raise CannotWrite(_cannot_write(path.parent))
    if not _writable(path):
        raise CannotWrite(
            f"caseload cannot write to {path} ({_why_not(path)}). Nothing was changed. Ask IT "
            "to give you write access to it."
        )


def _no_database(path: Path) -> str:
    message = f"No database at {path}; check the name, or add --create to start a new one."
    if len(path.parts) == 1 and not path.suffix:
        # A bare name is what a team database is called: say how to give one.
        message += f" (A team database is given as postgresql://SERVER/{path.name}.)"
    return message


def _cannot_write(folder: Path) -> str:
    return (
        f"caseload cannot write in {folder} ({_why_not(folder)}). Nothing was changed. Ask IT "
        "to give you write access to that folder, or use a database in a folder you can write in."
    )


def _why_not(path: Path) -> str:
    if _read_only_drive(path):
        return "it is on a read-only drive"
    return "no permission to write there"


def _read_only_drive(path: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return False
    try:
        return bool(statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _writable(path: Path) -> bool:
    # access() answers for this user, and EROFS (a read-only drive) even for root.
    return os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0))


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _looks_like(head: bytes) -> str:
    """What a file that is not an SQLite database seems to be, from its first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP file or an Excel workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old-style Excel or Word file"
    if head.startswith(b"%PDF"):
        return "a PDF"
    if b"\x00" not in head:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        first = text.splitlines()[0] if text.splitlines() else ""
        if any(sep in first for sep in ",;\t"):
            return "a CSV/text file"
        return "a text file"
    return "some other kind of file, not an SQLite database"


def plain_os_error(exc: OSError) -> str:
    """An operating-system error in words, never a bare `[Errno 13]`."""
    where = exc.filename or "a file"
    if exc.errno == errno.EROFS:
        return f"caseload cannot write {where} (it is on a read-only drive). Nothing was changed."
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (
            f"caseload cannot use {where} (no permission). Nothing was changed; ask IT to give "
            "you access to it."
        )
    if exc.errno == errno.ENOSPC:
        return f"The disk holding {where} is full. Free some space, then try again."
    if exc.errno == errno.ENOENT:
        return f"{where} does not exist (or its folder does not)."
    return f"caseload could not use {where}: {exc.strerror or type(exc).__name__}."
