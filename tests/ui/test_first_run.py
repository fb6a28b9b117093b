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
    assert dialog.choice is Start.IMPORT
    assert dialog.result() == 1


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
        loaded = windows and not windows[0].page._job
        if loaded and windows[0].model.total == seen.get("wait_for", 0):
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
    assert not path.parent.exists()  # not even the data folder (nor a lock file in it)


def test_an_empty_start_makes_the_database_and_is_not_asked_again(qapp, tmp_path, monkeypatch):
    path = tmp_path / "data" / "caseload.sqlite3"
    asked: list = []
    choose(monkeypatch, Start.EMPTY, asked)
    who = []
    monkeypatch.setattr(ChooseMeDialog, "exec", lambda d: who.append(d) or 0)
    seen: dict = {}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path) == 0
    assert path.exists()
    assert count_children(path) == 0
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
    who: list = []  # a demo asks who you are among its caseworkers (it never did)
    monkeypatch.setattr(ChooseMeDialog, "exec", lambda d: who.append(d) or 0)
    seen: dict = {"wait_for": 30}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path, demo_children=30) == 0
    assert seen["status"].startswith("Demo data (temporary): ")
    assert seen["total"] == 30
    assert len(who) == 1
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
    assert seen["total"] == 3
    assert count_children(path) == 3
    assert len(offered) == 1  # the imported caseworkers to choose from
    assert backups_dir().is_dir()  # the first day's backup folder is made as usual


def lost_database(tmp_path, other_db_backup: bool = False):
    """A laptop whose database (3 children, backed up) has gone: deleted, or moved by sync."""
    from caseload_app.services.backup import BackupService
    from caseload_app.services.importer import Importer

    path = tmp_path / "data" / "caseload.sqlite3"
    db = open_database(path)
    Importer(db, "Lee Lead").import_file(write_csv(tmp_path / "caseload.csv", *GOOD))
    db.dispose()
    BackupService(path, backups_dir()).backup_now("auto")
    if other_db_backup:  # a backup of another file (--db elsewhere) is not this one's
        other = tmp_path / "other" / "practice.sqlite3"
        open_database(other).dispose()
        BackupService(other, backups_dir()).backup_now("auto")
    path.unlink()
    return path


def answer_missing(monkeypatch, label: str, seen: list) -> None:
    from PySide6.QtWidgets import QMessageBox

    def press(box: QMessageBox) -> int:
        seen.append(box.text() + "\n" + box.informativeText())
        next(b for b in box.buttons() if b.text() == label).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", press)


def test_a_lost_database_with_backups_offers_the_newest_before_a_new_start(
    qapp, tmp_path, monkeypatch
):
    path = lost_database(tmp_path)
    asked, said = [], []
    choose(monkeypatch, Start.EMPTY, asked)
    answer_missing(monkeypatch, "&Restore this backup", said)
    monkeypatch.setattr(ChooseMeDialog, "exec", lambda d: 0)
    seen: dict = {"wait_for": 3}
    close_window_when_loaded(seen)
    assert run_gui(db_path=path) == 0
    assert said[0].startswith(f"There is no database at {path}, but there are backups of one.")
    assert "holds 3 children" in said[0]
    assert asked == []  # not a first start
    assert seen["total"] == 3
    assert count_children(path) == 3


def test_a_new_caseload_instead_of_the_lost_one_keeps_its_backups(qapp, tmp_path, monkeypatch):
    path = lost_database(tmp_path)
    before = sorted(p.name for p in backups_dir().iterdir())
    asked, said = [], []
    choose(monkeypatch, Start.EMPTY, asked)
    answer_missing(monkeypatch, "Start a &new caseload…", said)
    close_window_when_loaded({})
    assert run_gui(db_path=path) == 0
    assert asked == [Start.EMPTY]
    assert count_children(path) == 0
    assert set(before) <= {p.name for p in backups_dir().iterdir()}


def test_quit_when_the_database_is_lost_changes_nothing(qapp, tmp_path, monkeypatch):
    path = lost_database(tmp_path)
    before = sorted(backups_dir().iterdir())
    asked, said = [], []
    choose(monkeypatch, Start.EMPTY, asked)
    answer_missing(monkeypatch, "&Quit", said)
    assert run_gui(db_path=path) == 0
    assert len(said) == 1
    assert asked == []
    assert not path.exists()
    assert sorted(backups_dir().iterdir()) == before


def test_only_backups_of_this_database_count(qapp, tmp_path, monkeypatch):
    path = lost_database(tmp_path, other_db_backup=True)
    for backup in backups_dir().glob("caseload-*.sqlite3.zst"):
        backup.unlink()  # only the other file's backup is left
    asked, said = [], []
    choose(monkeypatch, None, asked)
    answer_missing(monkeypatch, "&Quit", said)
    assert run_gui(db_path=path) == 0
    assert said == []
    assert asked == [None]  # an ordinary first start
