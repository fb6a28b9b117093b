"""The log: a rotating file in the log folder, and crash reports that say where, never what.

A log is read by IT and may be sent to a supplier, so it never holds a child's personal data.
Our own messages carry record ids and counts, never names; an exception is logged as its type
and where it happened (files, lines, functions), never its message, which can quote a name or
a date of birth, or (from the database driver) the values of a failed statement.
"""

from __future__ import annotations

import logging
import platform
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from caseload_app import __version__, paths

LOG_FILE = "caseload.log"
MAX_BYTES = 1_000_000  # then caseload.log.1 … .5: a few months of ordinary use
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("caseload_app")


def configure(folder: Path | None = None) -> Path | None:
    """Log to `folder` (default: the user's log folder). Returns the file, or None if it
    cannot be written there (the app runs on without a log). Calling it again is harmless."""
    path = (folder or paths.log_dir()) / LOG_FILE
    for handler in log.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.info(
        "caseload %s, Python %s, %s", __version__, platform.python_version(), platform.platform()
    )
    return path


def log_file() -> Path | None:
    """The file being logged to, if any."""
    for handler in log.handlers:
        if isinstance(handler, RotatingFileHandler):
            return Path(handler.baseFilename)
    return None


def crash_report(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """A traceback with every exception message left out (see the module docstring)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(tb if current is exc else current.__traceback__)
        lines = [f"{type(current).__module__}.{type(current).__qualname__} (message not logged)"]
        for frame in frames:
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")  # the source code, not data
        parts.append("\n".join(lines))
        current = current.__cause__ or current.__context__
    return "\nwhile handling, or caused by:\n".join(parts)


def log_crash(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.error("Unexpected error: %s", crash_report(kind, exc, tb))
