"""One copy of the app per database file: a lock file beside it says who has it open.

A lock left by a crash on this computer (its process is gone) is taken over; a lock from
another computer (a shared folder) is respected and named in the message.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from datetime import datetime
from pathlib import Path


class DatabaseInUse(Exception):
    """Someone else has this database open; the message says who, where and since when."""


class InstanceLock:
    def __init__(self, db_path: Path) -> None:
        self.path = Path(f"{db_path}.lock")
        self.held = False

    def acquire(self) -> None:
        for _attempt in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                holder = self._read()
                if holder is not None and not self._stale(holder):
                    raise DatabaseInUse(_describe(holder)) from None
                self.path.unlink(missing_ok=True)  # left by a crash: take it over
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(_me(), fh)
            self.held = True
            return
        raise DatabaseInUse(
            f"Could not lock {self.path}: another copy is starting at the same time."
        )

    def release(self) -> None:
        if self.held:
            holder = self._read()
            if holder is not None and holder.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def _read(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable: treated as stale

    @staticmethod
    def _stale(holder: dict) -> bool:
        if holder.get("host") != socket.gethostname():
            return False  # cannot see another computer's processes: respect it
        return not _alive(int(holder.get("pid", -1)))

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _me() -> dict:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": getpass.getuser(),
        "since": datetime.now().isoformat(timespec="seconds"),
    }


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def _describe(holder: dict) -> str:
    since = holder.get("since", "")
    when = datetime.fromisoformat(since).strftime("%a %d %b %Y %H:%M") if since else "earlier"
    return (
        f"This database is already open by {holder.get('user', 'someone')} on "
        f"{holder.get('host', 'another computer')} (since {when}). Close it there first; "
        "two copies writing to one file could lose work."
    )
