"""An uncaught error in the window: a friendly message pointing at the log, the log told where."""

import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from caseload_app import logs
from caseload_app.ui import crash

pytestmark = pytest.mark.gui


@pytest.fixture
def log_path(tmp_path):
    return logs.configure(tmp_path / "logs")  # conftest takes the handler away after


def test_an_error_in_a_slot_is_shown_kindly_and_logged_without_its_message(
    qapp, log_path, monkeypatch
):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    name = "Zoë " + "Łukasz"  # as data reaches code: in a variable
    original = sys.excepthook
    restore = crash.install()
    try:

        def broken_slot():
            raise KeyError(name)

        QTimer.singleShot(0, broken_slot)
        for _ in range(5):
            QApplication.processEvents()
    finally:
        restore()
    assert sys.excepthook is original
    assert len(shown) == 1
    assert "Everything saved before is safe" in shown[0]
    assert str(log_path) in shown[0]
    text = log_path.read_text(encoding="utf-8")
    assert "builtins.KeyError (message not logged)" in text
    assert "in broken_slot" in text
    assert name not in text


def test_about_shows_the_version_and_where_everything_is(qtbot, tmp_path, log_path, monkeypatch):
    from caseload_app import __version__
    from caseload_app.db.engine import open_database
    from tests.helpers import open_main_window

    db = open_database(tmp_path / "caseload.sqlite3")
    window = open_main_window(qtbot, db, tmp_path)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    about = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu()
    next(a for a in about.actions() if a.text() == "&About caseload…").trigger()
    text = shown[0]
    assert text.startswith(f"caseload {__version__}\n")
    assert "\nDatabase: test\n" in text  # the status bar's label
    assert f"Backups: {tmp_path / 'backups'}" in text
    assert f"Log: {log_path}" in text
    assert f"Settings: {tmp_path / 'settings.json'}" in text
    db.dispose()
