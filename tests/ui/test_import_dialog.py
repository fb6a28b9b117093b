"""Importing a spreadsheet in the window: every problem shown by row, all rows or none."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QAction
from sqlalchemy import func, select

from caseload_app.db.models import Child
from caseload_app.services.importer import COLUMNS, Importer
from caseload_app.ui.dialogs.import_dialog import ImportDialog
from tests.helpers import NOW, TODAY, add_person, write_csv
from tests.services.test_importer import GOOD

pytestmark = pytest.mark.gui


def children(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Child))


@pytest.fixture
def dialog(qtbot, db):
    """The dialog as a team lead on a laptop (no people set up: one person may do all)."""
    imported = []
    importer = Importer(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    d = ImportDialog(importer, imported.append)
    d.imported = imported
    qtbot.addWidget(d)
    d.show()
    return d


def finish(qtbot, d: ImportDialog) -> None:
    qtbot.waitUntil(lambda: not d.busy(), timeout=20_000)


def test_a_good_file_is_checked_then_imported_and_the_window_told(qtbot, db, dialog, tmp_path):
    sheet = write_csv(tmp_path / "caseload.csv", *GOOD, bom=True)
    assert not dialog.import_button.isEnabled()  # nothing chosen yet
    dialog.check(sheet)
    finish(qtbot, dialog)
    assert dialog.status.text() == (
        "Ready to import 3 children in 2 families. "
        "New caseworkers will be added: Asha Patel, Ben Okafor."
    )
    assert dialog.import_button.isEnabled()
    assert dialog.import_button.text() == "&Import 3 children"
    assert children(db) == 0  # the check writes nothing
    dialog.import_button.click()
    finish(qtbot, dialog)
    assert children(db) == 3
    assert dialog.status.text() == "Imported 3 children in 2 families from caseload.csv."
    assert [r.written for r in dialog.imported] == [True]
    # the same file is not imported twice: not even by checking it again
    assert not dialog.import_button.isEnabled()
    assert not dialog.check_button.isEnabled()
    assert dialog.choose_button.isEnabled()


def test_every_problem_is_listed_by_row_and_nothing_can_be_imported(
    qtbot, qtmodeltester, db, dialog, tmp_path
):
    sheet = write_csv(
        tmp_path / "bad.csv",
        GOOD[0],
        "Oscar,,31/02/2017,,,,,,2026-10-01,request_received,,,,,",
        "Zoë,Brontë,2012-01-31,,,,,,2099-01-01,plan_issued,,,,,",
    )
    dialog.check(sheet)
    finish(qtbot, dialog)
    text = dialog.status.text()
    assert text.startswith("Nothing can be imported yet: 4 problems in 2 rows, listed below.")
    model = dialog.problems.rows_model
    qtmodeltester.check(model)
    found = [(model.text(r, "Row"), model.text(r, "Column")) for r in range(model.rowCount())]
    assert ("3", "child_last_name") in found
    assert ("3", "date_of_birth") in found
    assert ("4", "request_received") in found
    assert ("4", "final_plan_issued") in found
    assert not dialog.import_button.isEnabled()
    dialog.import_now()  # even if called: refused, the check failed
    assert not dialog.busy()
    assert children(db) == 0


def test_a_file_changed_after_its_check_is_checked_again_and_not_half_imported(
    qtbot, db, dialog, tmp_path
):
    sheet = write_csv(tmp_path / "caseload.csv", *GOOD)
    dialog.check(sheet)
    finish(qtbot, dialog)
    assert dialog.import_button.isEnabled()
    write_csv(sheet, *GOOD, "Late,Row,not a date,,,,,,2026-10-01,request_received,,,,,")
    dialog.import_now()
    finish(qtbot, dialog)
    assert children(db) == 0
    assert dialog.status.text().startswith(
        "Nothing was imported: caseload.csv changed after it was checked. "
        "Nothing can be imported yet: 1 problem in 1 row"
    )
    assert dialog.imported == []


def test_a_file_grown_after_its_check_asks_again_before_importing_more(qtbot, db, dialog, tmp_path):
    sheet = write_csv(tmp_path / "caseload.csv", GOOD[0])
    dialog.check(sheet)
    finish(qtbot, dialog)
    assert dialog.import_button.text() == "&Import 1 child"
    write_csv(sheet, *GOOD)  # still a good file, but not the one the person agreed to
    dialog.import_now()
    finish(qtbot, dialog)
    assert children(db) == 0
    assert dialog.imported == []
    assert dialog.status.text() == (
        "Nothing was imported: caseload.csv changed after it was checked. Ready to import "
        "3 children in 2 families. New caseworkers will be added: Asha Patel, Ben Okafor."
    )
    assert dialog.import_button.text() == "&Import 3 children"
    dialog.import_now()
    finish(qtbot, dialog)
    assert children(db) == 3


def test_a_file_open_in_excel_says_to_close_it(qtbot, dialog, tmp_path, monkeypatch):
    def locked(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(dialog.importer, "import_file", locked)
    dialog.check(tmp_path / "caseload.csv")
    finish(qtbot, dialog)
    assert dialog.status.text() == (
        "Nothing was imported: caseload.csv is open in another program (Excel?) or you may "
        "not read it. Close it there and press Check again."
    )
    assert dialog.check_button.isEnabled()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"first,last\r\n\xe9\r\n", "Nothing was imported. bad.csv is not UTF-8 text (byte"),
        (b"", "Nothing can be imported yet: 1 problem in 1 row"),
    ],
    ids=["not-utf8", "empty"],
)
def test_an_unreadable_file_gets_a_clear_message(qtbot, db, dialog, tmp_path, content, expected):
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(content)
    dialog.check(sheet)
    finish(qtbot, dialog)
    assert dialog.status.text().startswith(expected)
    assert not dialog.import_button.isEnabled()


def test_a_missing_file_says_it_could_not_be_read(qtbot, dialog, tmp_path):
    dialog.check(tmp_path / "gone.csv")
    finish(qtbot, dialog)
    assert dialog.status.text().startswith(f"Nothing was imported: {tmp_path / 'gone.csv'}")
    assert "could not be read" in dialog.status.text()


def test_only_a_team_lead_may_import(qtbot, db, tmp_path):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", by="Dee Admin")
    importer = Importer(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    d = ImportDialog(importer, lambda _r: None)
    qtbot.addWidget(d)
    d.check(tmp_path / "not-there.csv")  # refused before the file is even read
    finish(qtbot, d)
    assert d.status.text().startswith("Nothing was imported. You cannot edit any case")
    assert children(db) == 0


def test_the_blank_template_has_every_column(dialog, tmp_path):
    target = tmp_path / "template.csv"
    dialog.save_template(target)
    assert target.read_text(encoding="utf-8-sig").strip() == ",".join(COLUMNS)
    assert dialog.status.text().startswith(f"Saved a blank template to {target}.")
    dialog.save_template(tmp_path / "no-such-folder" / "template.csv")
    assert dialog.status.text().startswith("The template could not be saved:")


def test_a_long_problem_can_be_read_whole_in_its_tooltip(qtbot, dialog, tmp_path):
    from PySide6.QtCore import Qt

    sheet = write_csv(tmp_path / "caseload.csv", GOOD[0], header=",".join([*COLUMNS, "notes"]))
    dialog.check(sheet)
    finish(qtbot, dialog)
    model = dialog.problems.rows_model
    cell = model.index(0, model.column_of("Problem"))
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole).startswith("unknown column (expected: ")


def held(dialog, monkeypatch) -> threading.Event:
    """Hold the next check or import back until the returned event is set."""
    real, gate = dialog.importer.import_file, threading.Event()

    def when_let_go(*args, **kwargs):
        gate.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(dialog.importer, "import_file", when_let_go)
    return gate


def test_closing_while_busy_stops_the_work_and_waits_for_it(qtbot, dialog, tmp_path, monkeypatch):
    gate = held(dialog, monkeypatch)
    dialog.check(write_csv(tmp_path / "caseload.csv", *GOOD))
    assert dialog.busy()
    dialog.reject()
    assert dialog.isVisible()
    assert dialog.status.text() == "Stopping… nothing will be imported."
    gate.set()
    finish(qtbot, dialog)
    assert dialog.status.text() == "Stopped: nothing was imported."
    dialog.reject()
    assert not dialog.isVisible()


@pytest.mark.parametrize("step", ["check", "import"])
def test_progress_shows_and_cancel_stops_with_nothing_imported(
    qtbot, db, dialog, tmp_path, monkeypatch, step
):
    sheet = write_csv(tmp_path / "caseload.csv", *GOOD)
    if step == "import":
        dialog.check(sheet)
        finish(qtbot, dialog)
    gate = held(dialog, monkeypatch)
    dialog.check(sheet) if step == "check" else dialog.import_button.click()
    assert dialog.bar.isVisible()
    assert dialog.cancel_button.isVisible()
    assert not dialog.import_button.isEnabled()
    assert not dialog.choose_button.isEnabled()
    dialog._progress.moved.emit("writing", 30, 40)  # as the worker thread reports it
    qtbot.waitUntil(lambda: dialog.bar.value() == 750)
    assert dialog.status.text() == "Importing…"
    dialog.cancel_button.click()
    assert not dialog.cancel_button.isEnabled()
    gate.set()
    finish(qtbot, dialog)
    assert dialog.status.text() == "Stopped: nothing was imported."
    assert not dialog.bar.isVisible()
    assert not dialog.cancel_button.isVisible()
    assert children(db) == 0
    assert dialog.imported == []
    assert not dialog.import_button.isEnabled()  # check again before importing
    assert dialog.check_button.isEnabled()


def test_the_file_menu_imports_into_the_open_window(qtbot, db, open_window, tmp_path, monkeypatch):
    window = open_window(db)
    sheet = write_csv(tmp_path / "caseload.csv", *GOOD)

    def use_the_dialog(d: ImportDialog) -> int:
        d.check(sheet)
        finish(qtbot, d)
        d.import_now()
        finish(qtbot, d)
        return 0

    monkeypatch.setattr(ImportDialog, "exec", use_the_dialog)
    menu_action = next(
        a for a in window.findChildren(QAction) if a.text() == "&Import a spreadsheet…"
    )
    menu_action.trigger()
    window.wait_loaded()
    assert window.model.total == 3


def test_an_unexpected_error_is_logged_and_reported_not_swallowed(
    qtbot, dialog, tmp_path, monkeypatch
):
    from caseload_app.ui import crash

    def broken(*_a, **_k):
        raise RuntimeError("a bug")

    reported, logged = [], []
    monkeypatch.setattr(dialog.importer, "import_file", broken)
    monkeypatch.setattr(crash, "_show", lambda kind, exc, parent: reported.append(kind))
    monkeypatch.setattr(crash.logs, "log_crash", lambda kind, exc, tb: logged.append(tb))
    dialog.check(write_csv(tmp_path / "caseload.csv", *GOOD))
    finish(qtbot, dialog)
    assert reported == [RuntimeError]
    assert logged[0] is not None  # with its traceback
    assert dialog.status.text().startswith("Nothing was imported: caseload met a problem")
    assert dialog.choose_button.isEnabled()
