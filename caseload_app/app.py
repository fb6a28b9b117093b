"""Composition root: paths → database → services → main window."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from caseload_app import paths


def run_gui(db_path: Path, demo: bool = False, demo_children: int = 2000) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from caseload_app.db.engine import DatabaseError, open_database
    from caseload_app.db.migrate import DatabaseTooNew
    from caseload_app.services.caselist import CaseListService
    from caseload_app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("caseload")
    app.setOrganizationName("caseload")
    tmp = None
    try:
        if demo:
            tmp = tempfile.TemporaryDirectory(prefix="caseload-demo-")
            db_path = Path(tmp.name) / "demo.sqlite3"
            db = _demo_database(db_path, demo_children)
        else:
            db = open_database(db_path, backup_dir=paths.backups_dir())
    except (DatabaseError, DatabaseTooNew, OSError) as exc:
        QMessageBox.critical(None, "caseload cannot open the database", str(exc))
        return 1
    label = f"Demo data (temporary): {db_path}" if demo else f"Database: {db_path}"
    window = MainWindow(CaseListService(db), label)
    window.show()
    window.refresh()
    try:
        return app.exec()
    finally:
        db.dispose()
        if tmp is not None:
            tmp.cleanup()


def _demo_database(path: Path, children: int):
    from caseload_app.db.engine import open_database
    from caseload_app.services.demo import generate_demo

    db = open_database(path)
    generate_demo(db, children=children, seed=1)
    return db
