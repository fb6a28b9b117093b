"""Importing the register of establishments in the window: the GIAS file goes in off the
window's thread with progress; the counts and the lines skipped are shown; Cancel and a
wrong file change nothing; the File menu refuses, saying why, someone who may not."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QAction
from sqlalchemy import func, select

from caseload_app.db.models import Establishment
from caseload_app.services.establishments import EstablishmentService
from caseload_app.ui import main_window
from caseload_app.ui.dialogs.register_dialog import RegisterImportDialog
from tests.helpers import NOW, add_person
from tests.services.test_establishment_import import FIXTURE

pytestmark = pytest.mark.gui


def count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Establishment))


@pytest.fixture
def dialog(qtbot, db):
    """The dialog as a team lead on a laptop (no people set up: one person may do all)."""
    imported = []
    d = RegisterImportDialog(EstablishmentService(db, "Lee Lead", now=lambda: NOW), imported.append)
    d.imported = imported
    qtbot.addWidget(d)
    d.show()
    return d


def finish(qtbot, d: RegisterImportDialog) -> None:
    qtbot.waitUntil(lambda: not d.busy(), timeout=20_000)


def held(d: RegisterImportDialog, monkeypatch) -> threading.Event:
    """Hold the next import back until the returned event is set."""
    real, gate = d.service.import_register, threading.Event()

    def when_let_go(*args, **kwargs):
        gate.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(d.service, "import_register", when_let_go)
    return gate


def test_the_file_goes_in_and_the_counts_and_lines_skipped_are_shown(
    qtbot, qtmodeltester, db, dialog
):
    dialog.start(FIXTURE)
    assert dialog.busy()
    assert not dialog.choose_button.isEnabled()
    finish(qtbot, dialog)
    assert dialog.status.text() == (
        "Imported the register from edubasealldata20261201.csv: 5 added, 0 updated, "
        "0 unchanged, 3 skipped. The lines skipped are listed below (the header is line 1)."
    )
    model = dialog.skipped.rows_model
    qtmodeltester.check(model)
    assert [(model.text(r, "Line"), model.text(r, "Why it was skipped")) for r in range(3)] == [
        ("6", "URN '14A503' is not a number"),
        ("8", "URN 113503 is also on line 2 (kept there)"),
        ("9", "LA (code) '83X' is not a number"),
    ]
    assert dialog.skipped.isVisible()
    assert [r.added for r in dialog.imported] == [5]
    assert count(db) == 5
    assert dialog.choose_button.isEnabled()
    assert not dialog.cancel_button.isVisible()


def test_progress_shows_and_cancel_keeps_nothing(qtbot, db, dialog, monkeypatch):
    gate = held(dialog, monkeypatch)
    dialog.start(FIXTURE)
    assert dialog.bar.isVisible()
    assert dialog.cancel_button.isVisible()
    dialog._progress.moved.emit("writing", 30, 40)  # as the worker thread reports it
    qtbot.waitUntil(lambda: dialog.bar.value() == 750)
    assert dialog.status.text() == "edubasealldata20261201.csv: Bringing the register up to date…"
    dialog.cancel_button.click()
    assert dialog.status.text() == "Stopping… nothing will change."
    assert not dialog.cancel_button.isEnabled()
    gate.set()
    finish(qtbot, dialog)
    assert dialog.status.text() == "Stopped: the register was not imported, nothing changed."
    assert not dialog.bar.isVisible()
    assert count(db) == 0
    assert dialog.imported == []


def test_closing_while_busy_stops_the_import_and_waits(qtbot, db, dialog, monkeypatch):
    gate = held(dialog, monkeypatch)
    dialog.start(FIXTURE)
    dialog.reject()
    assert dialog.isVisible()
    gate.set()
    finish(qtbot, dialog)
    assert count(db) == 0
    dialog.reject()
    assert not dialog.isVisible()


def test_a_wrong_or_missing_file_says_so_and_changes_nothing(qtbot, db, dialog, tmp_path):
    wrong = tmp_path / "caseload.csv"
    wrong.write_text("child_first_name,child_last_name\nAmy,Smith\n", encoding="utf-8")
    dialog.start(wrong)
    finish(qtbot, dialog)
    assert dialog.status.text().startswith(
        "Nothing was imported. caseload.csv is not the register of establishments: it has no "
        "columns URN, LA (code)"
    )
    dialog.start(tmp_path / "gone.csv")
    finish(qtbot, dialog)
    assert dialog.status.text().startswith("Nothing was imported: gone.csv could not be read")
    assert count(db) == 0
    assert not dialog.skipped.isVisible()


def test_the_file_menu_refuses_a_caseworker_and_opens_it_for_a_lead(
    qtbot, db, open_window, monkeypatch
):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", caseworker_id=None, by="Dee Admin")
    add_person(db, "lee", "Lee Lead", "team_lead", by="Dee Admin")
    window = open_window(db)  # as Asha Patel
    told: list[str] = []
    monkeypatch.setattr(
        main_window.QMessageBox, "information", lambda _p, _t, text: told.append(text)
    )
    opened: list[RegisterImportDialog] = []

    def use_the_dialog(d: RegisterImportDialog) -> int:
        opened.append(d)
        d.start(FIXTURE)
        finish(qtbot, d)
        return 0

    monkeypatch.setattr(RegisterImportDialog, "exec", use_the_dialog)
    menu_action = next(
        a for a in window.findChildren(QAction) if a.text() == "&Import from GIAS file…"
    )
    menu_action.trigger()
    assert told == [
        "Only a team lead or an administrator imports the register of establishments "
        "(your roles: Caseworker)."
    ]
    assert opened == []
    window.ctx.settings = window.ctx.settings.__class__(me_name="Lee Lead")
    menu_action.trigger()
    assert len(opened) == 1
    assert count(db) == 5
