"""Writing files so a crash, a full disk or a kill never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

if sys.platform != "win32":
    import fcntl
else:  # Windows: FlushFileBuffers, which os.fsync calls, reaches the disk
    fcntl = None


def sync_to_disk(fd: int) -> None:
    """Flush a file to the disk itself. On macOS fsync() only reaches the drive's cache,
    which a power cut loses; F_FULLFSYNC asks the drive to write it (as SQLite's
    `PRAGMA fullfsync`, which caseload also sets, does for the database)."""
    if hasattr(fcntl, "F_FULLFSYNC"):
        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass  # a file system without it (a network share): the plain fsync below
    os.fsync(fd)


@contextmanager
def atomic_open(path: Path, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place.

    If the block raises, the temporary file is removed and `path` keeps its old contents.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            sync_to_disk(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


# --------------------------------------------------------------------------- privacy
# Children's data is for this user only: on Linux and macOS every file caseload makes is
# 0600 and every folder 0700. (Windows has no such bits: %LOCALAPPDATA%'s inherited ACL
# decides, see README "Where your data lives".)
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
_POSIX = os.name == "posix"


def keep_new_files_private() -> None:
    """Everything this process creates from now on (the database, SQLite's own -wal, -shm
    and -journal files, backups, exports, logs) is readable by this user only."""
    if _POSIX:
        os.umask(0o077)


def make_private(*places: Path) -> None:
    """Make existing files 0600 and folders 0700, all the way down (an older install made
    them 0644 and 0755). Links are not followed; what cannot be changed (another user's, a
    network share's) is left as it is."""
    if not _POSIX:
        return
    for place in places:
        _make_private(Path(place))


def _make_private(path: Path) -> None:
    try:
        info = path.lstat()
    except OSError:
        return  # not there (yet)
    if stat.S_ISLNK(info.st_mode):
        return
    wanted = PRIVATE_FOLDER if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
    if stat.S_IMODE(info.st_mode) != wanted:
        with contextlib.suppress(OSError):
            os.chmod(path, wanted)
    if stat.S_ISDIR(info.st_mode):
        with contextlib.suppress(OSError), os.scandir(path) as entries:
            for entry in entries:
                _make_private(Path(entry.path))
