"""The first start on a laptop: where the data will live, and how to begin."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import func, select

from caseload_app.app import run_gui
from caseload_app.db.engine import open_database
from caseload_app.db.models import Child
from caseload_app.paths import backups_dir
from caseload_app.ui.dialogs.first_run import FirstRunDialog, Start
from caseload_app.ui.dialogs.import_dialog import ImportDialog
from caseload_app.ui.dialogs.settings_dialog import ChooseMeDialog
from caseload_app.ui.main_window import MainWindow
from tests.helpers import write_csv
from tests.services.test_importer import GOOD

pytestmark = pytest.mark.gui


def test_the_dialog_says_where_the_data_lives_and_starts_on_an_empty_caseload(qtbot, tmp_path):
    dialog = FirstRunDialog(tmp_path / "caseload.sqlite3", tmp_path / "backups")
    qtbot.addWidget(dialog)
    text = "\n".join(label.text() for label in dialog.findChildren(QLabel))
    assert str(tmp_path / "caseload.sqlite3") in text
    assert str(tmp_path / "backups") in text
    assert "one a day for 14 days, then one a week for 8 weeks" in text
    assert dialog.chosen() is Start.EMPTY
    dialog.options[Start.IMPORT].click()
    dialog.continue_button.click()
    assert dialog.choice is Start.IMPORT and dialog.result() == 1


def choose(monkeypatch, start: Start | None, asked: list) -> None:
    """Answer the first-run dialog as a person would: pick `start` and Continue, or Quit."""

    def answer(dialog: FirstRunDialog) -> int:
        asked.append(start)
        if start is None:
            dialog.reject()
            return 0
        dialog.options[start].setChecked(True)
        dialog.accept()
        return 1

    monkeypatch.setattr(FirstRunDialog, "exec", answer)


def close_window_when_loaded(seen: dict) -> None:
    def check() -> None:
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()  # not an earlier test's window
        ]
        if windows and windows[0].model.total == seen.get("wait_for", 0) and not windows[0]._job:
            seen["status"] = windows[0].db_status.text()
            seen["total"] = windows[0].model.total
            windows[0].close()
        else:
            QTimer.singleShot(50, check)

    QTimer.singleShot(50, check)


def count_children(path) -> int:
    db = open_database(path)
    try:
        with db.read() as s:
            return s.scalar(select(func.count()).select_from(Child))
    finally:
        db.dispose()


def test_quit_on_the_first_start_makes_no_database(qapp, tmp_path, monkeypatch):
    path = tmp_path / "data" / "caseload.sqlite3"
    asked: list = []
    choose(monkeypatch, None, asked)
    assert run_gui(db_path=path) == 0
    assert asked == [None]
    assert not path.exists()
    assert list(path.parent.iterdir()) == []  # no lock file left behind either


def test_an_empty_start_makes_the_database_and_is_not_asked_again(qapp, tmp_path, monkeypatch):
    path = tmp_path / "data" / "caseload.sqlite3"
    asked: list = []
    choose(monkeypatch, Start.EMPTY, asked)
    who = []
    monkeypatch.setattr(ChooseMeDialog, "exec", lambda d: who.append(d) or 0)
    seen: dict = {}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path) == 0
    assert path.exists() and count_children(path) == 0
    assert who == []  # no one to choose in an empty caseload: not asked straight away
    close_window_when_loaded(seen)
    assert run_gui(db_path=path) == 0
    assert asked == [Start.EMPTY]  # the second start opened the database it found
    assert len(who) == 1  # and asked who is using the laptop, as every start without one


def test_demo_from_the_first_start_saves_nothing_and_asks_again_next_time(
    qapp, tmp_path, monkeypatch
):
    path = tmp_path / "data" / "caseload.sqlite3"
    asked: list = []
    choose(monkeypatch, Start.DEMO, asked)
    seen: dict = {"wait_for": 30}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path, demo_children=30) == 0
    assert seen["status"].startswith("Demo data (temporary): ")
    assert seen["total"] == 30
    assert not path.exists()
    choose(monkeypatch, None, asked)
    assert run_gui(db_path=path) == 0
    assert asked == [Start.DEMO, None]


def test_import_from_the_first_start_opens_the_import_on_the_new_database(
    qapp, qtbot, tmp_path, monkeypatch
):
    path = tmp_path / "data" / "caseload.sqlite3"
    sheet = write_csv(tmp_path / "caseload.csv", *GOOD)
    choose(monkeypatch, Start.IMPORT, [])

    def import_the_sheet(dialog: ImportDialog) -> int:
        dialog.check(sheet)
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
        dialog.import_now()
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
        return 0

    monkeypatch.setattr(ImportDialog, "exec", import_the_sheet)
    offered = []
    monkeypatch.setattr(ChooseMeDialog, "exec", lambda d: offered.append(d) or 0)
    seen: dict = {"wait_for": 3}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path) == 0
    assert seen["total"] == 3 and count_children(path) == 3
    assert len(offered) == 1  # the imported caseworkers to choose from
    assert backups_dir().is_dir()  # the first day's backup folder is made as usual
