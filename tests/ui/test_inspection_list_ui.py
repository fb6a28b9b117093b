"""File → Export → Inspection list: the day, the columns (defaults ticked, the last choice
remembered), the CSV and a PDF beside it; written off the window's thread, with a bar that
moves and a Stop button; audited."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog, QPushButton
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.inspection import default_columns
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import Stopped
from caseload_app.ui.dialogs.export_dialogs import InspectionListDialog, run_stoppable_export
from tests.helpers import TODAY

pytestmark = pytest.mark.gui

MENU = "&Inspection list (area SEND inspection)…"


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=40, seed=4, today=TODAY)
    return open_window(db)


def tick(dialog: InspectionListDialog, keys: set[str]) -> None:
    for i in range(dialog.columns.count()):
        item = dialog.columns.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in keys
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)


def test_the_dialog_ticks_the_defaults_or_what_was_chosen_last(qtbot):
    dialog = InspectionListDialog(TODAY)
    qtbot.addWidget(dialog)
    assert dialog.chosen_columns() == [c.key for c in default_columns()]
    assert dialog.columns.count() > len(default_columns())  # the others, unticked
    remembered = InspectionListDialog(TODAY, ["urn", "last_name", "gone_column"])
    qtbot.addWidget(remembered)
    assert remembered.chosen_columns() == ["urn", "last_name"]
    assert remembered.columns.item(0).text() == "URN"


def test_the_dialog_says_what_is_missing(qtbot):
    dialog = InspectionListDialog(TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    tick(dialog, set())
    dialog._accept()
    assert dialog.problem.text() == "Tick at least one column."
    tick(dialog, {"last_name"})
    dialog._accept()
    assert dialog.problem.text() == "Choose where to save the CSV file."
    dialog.csv_path.setText("/tmp/somewhere/list")
    dialog.want_pdf.setChecked(True)
    assert dialog.pdf_path.text() == "/tmp/somewhere/list.pdf"
    dialog._accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    chosen = dialog.value()
    assert (str(chosen.csv_path), str(chosen.pdf_path)) == (
        "/tmp/somewhere/list.csv", "/tmp/somewhere/list.pdf"
    )  # fmt: skip


def test_the_list_is_exported_and_the_columns_remembered(qtbot, db, window, tmp_path, monkeypatch):
    def choose(dialog: InspectionListDialog) -> int:
        dialog.on.set_date(date(2026, 11, 20))
        tick(dialog, {"last_name", "placement_type", "stage"})
        dialog.csv_path.setText(str(tmp_path / "inspection"))
        dialog.want_pdf.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(InspectionListDialog, "exec", choose)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window.ctx.settings.inspection_columns = []
    next(a for a in window.findChildren(QAction) if a.text() == MENU).trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=60_000)
    written, pdf = tmp_path / "inspection.csv", tmp_path / "inspection.pdf"
    with written.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["last_name", "stage", "placement_type"]
    count = len(rows) - 1
    assert count > 0
    assert told == [f"Exported {count} children to {written} and {pdf}."]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert window.ctx.settings.inspection_columns == ["last_name", "stage", "placement_type"]
    assert (
        window.ctx.settings_store.load().inspection_columns
        == window.ctx.settings.inspection_columns
    )
    with db.read() as s:
        detail = s.scalar(
            select(AuditEntry.detail).where(AuditEntry.record_type == "inspection_list")
        )
    assert detail.startswith(f"Inspection list of {count} children on 2026-11-20, 3 columns")


def test_stop_leaves_nothing_and_says_so(qtbot, window, monkeypatch):
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))

    def work(progress, cancel) -> int:
        progress("Making the PDF", 10, 100)
        cancel.wait(20)  # until Stop is pressed
        raise Stopped("Stopped: nothing was exported.")

    job = run_stoppable_export(window, "Exporting the inspection list", work, "x.csv")
    assert job is not None
    bar = next(b for b in window.findChildren(QProgressDialog) if b.isVisible())
    qtbot.waitUntil(lambda: bar.value() == 10, timeout=10_000)
    assert "Making the PDF… 10 of 100" in bar.labelText()
    stop = next(b for b in bar.findChildren(QPushButton) if b.text() == "&Stop")
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(told), timeout=10_000)
    assert told == ["Stopped: nothing was exported."]
