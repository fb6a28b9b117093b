"""The README's screenshot of File → Statutory return (SEN2), checked on the demo data:

QT_QPA_PLATFORM=offscreen python docs/make_return_screenshots.py
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
from caseload_app.ui.dialogs.statutory_return import StatutoryReturnDialog
from caseload_app.ui.main_window import MainWindow
from caseload_app.ui.worker import wait_for

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
        window.show()
        window.refresh()
        window.wait_loaded()
        dialog = window.statutory_return()
        for item, code in (("dmo", "Y"), ("dco", "Y"), ("dsco", "R")):
            combo = dialog.officers[item]
            combo.setCurrentIndex(combo.findData(code))
        dialog.resize(1100, 620)
        dialog.check()
        while dialog.busy():
            wait_for(dialog.bar.valueChanged, 200)
            app.processEvents()
        app.processEvents()
        assert isinstance(dialog, StatutoryReturnDialog)
        dialog.grab().save(str(OUT / "statutory-return.png"))
        dialog.close()
        window.close()
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
