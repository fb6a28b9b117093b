"""The self-test's window step: build the real main window offscreen on a database and check
that it shows the cases. No screen is needed (QT_QPA_PLATFORM=offscreen unless set)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from caseload_app.services.base import Database  # the handle; the ui never opens one


def show_main_window(db: Database, folder: Path) -> str:
    """Build, load and close the window; what it showed, or AssertionError."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    previous = qInstallMessageHandler(_quiet_offscreen)
    try:
        return _show(app, db, folder)
    finally:
        qInstallMessageHandler(previous)


# Said by Qt's offscreen platform for every window it shows: not a fault of this install.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints()",)


def _quiet_offscreen(kind, context, message: str) -> None:
    if message not in OFFSCREEN_NOISE:
        print(message, file=sys.stderr)


def _show(app, db: Database, folder: Path) -> str:
    from caseload_app.services.settings import LocalSettingsStore
    from caseload_app.ui.context import AppContext
    from caseload_app.ui.main_window import MainWindow

    store = LocalSettingsStore(folder / "settings.json")
    ctx = AppContext(
        db=db,
        db_label="self-test",
        settings_store=store,
        settings=store.load(),
        backups_folder=folder / "backups",
    )
    window = MainWindow(ctx)
    try:
        window.show()
        window.refresh()
        window.wait_loaded(timeout_ms=60_000)
        shown = window.model.total
        if not shown:
            raise AssertionError("the main window showed no cases")
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    return f"main window ({app.platformName()}) showing {shown} cases"
