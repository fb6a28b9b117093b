"""Where things live on disk: user data, backups, logs, and the shipped resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "caseload"
APP_AUTHOR = "caseload"
HOME_VARIABLE = "CASELOAD_HOME"  # one folder for everything: portable installs, benchmarks


def _home(part: str) -> Path | None:
    home = os.environ.get(HOME_VARIABLE)
    return Path(home) / part if home else None


def data_dir() -> Path:
    return _home("data") or Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def default_db_path() -> Path:
    return data_dir() / "caseload.sqlite3"


def backups_dir() -> Path:
    return data_dir() / "backups"


def log_dir() -> Path:
    return _home("logs") or Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    return _home("config") or Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def resources_dir() -> Path:
    """The resources folder: in a frozen bundle, in an installed wheel, or the source tree."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    here = Path(__file__).resolve().parent
    installed = here / "resources"
    if installed.is_dir():
        return installed
    return here.parent / "resources"
