"""Regenerate the README screenshots of the main window: run under Xvfb at 1366x768.

xvfb-run -a -s "-screen 0 1366x768x24" python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from caseload_app.db.engine import open_database
from caseload_app.services.demo import generate_demo
from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from caseload_app.ui.context import AppContext
from caseload_app.ui.main_window import MainWindow

OUT = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 24)


def main() -> int:
    app = QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=2000, seed=1, today=TODAY)
        ctx = AppContext(
            db=db,
            db_label="Demo data (temporary)",
            settings_store=LocalSettingsStore(Path(tmp) / "settings.json"),
            settings=LocalSettings(me_caseworker_id=1, me_name="Asha Patel"),
            today=lambda: TODAY,
        )
        window = MainWindow(ctx)
        window.resize(1366, 740)
        window.show()
        window.refresh()
        window.wait_loaded()
        app.processEvents()
        window.grab().save(str(OUT / "my-week.png"))
        window.sidebar.setCurrentRow(1)
        app.processEvents()
        window.grab().save(str(OUT / "main-window.png"))
        window.sidebar.setCurrentRow(2)
        window.search.setText("smith")
        app.processEvents()
        window.grab().save(str(OUT / "search.png"))
        window.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
