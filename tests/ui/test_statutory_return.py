"""File → Statutory return (SEN2): built and checked off the window's thread, the list of
what to put right (a double-click opens the child), saving refused while an error stands,
then allowed; a stopped build says so and saves nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from caseload_app.ui.dialogs.statutory_return import StatutoryReturnDialog
from tests.services.test_sen2_return import _fix_eve, make_cases

pytestmark = pytest.mark.gui


@pytest.fixture
def cases(db):
    return make_cases(db)


def _open(window) -> StatutoryReturnDialog:
    action = next(
        a for a in window.findChildren(QAction) if a.text() == "S&tatutory return (SEN2)…"
    )
    action.trigger()
    return window.findChild(StatutoryReturnDialog)


def _check(qtbot, dialog: StatutoryReturnDialog) -> None:
    dialog.census.set_date(date(2027, 1, 21))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)


def test_the_checks_are_listed_and_a_double_click_opens_the_child(
    qtbot, db, cases, open_window, qtmodeltester
):
    window = open_window(db)
    dialog = _open(window)
    for item, code in (("dmo", "Y"), ("dco", "N"), ("dsco", "R")):
        combo = dialog.officers[item]
        combo.setCurrentIndex(combo.findData(code))
    _check(qtbot, dialog)
    qtmodeltester.check(dialog.table.model())
    text = dialog.status.text()
    assert text.startswith("5 children, 5 requests: 2 errors, 1 warning.")
    assert "cannot be saved while an error stands" in text
    assert not dialog.xml_button.isEnabled() and not dialog.csv_button.isEnabled()
    model = dialog.table.model()
    shown = [[model.index(r, c).data() for c in range(3)] for r in range(model.rowCount())]
    assert shown[0][:2] == ["✖ Error", "P04"] and shown[0][2] == "Eve Testcase"
    assert shown[-1][:3] == ["▲ Warning", "R04", "Nia Testcase"]
    assert dialog.detail.text().startswith("Eve Testcase — Person/Sex (P04): The child's sex is")
    dialog.table.selectRow(len(shown) - 1)
    assert "How to put it right: Record the decision on the Timeline" in dialog.detail.text()
    dialog.table.selectRow(0)
    dialog.open_selected()
    assert window.current_case().case_id == cases["eve"]


def test_once_put_right_it_saves_as_xml(qtbot, db, cases, open_window, tmp_path, monkeypatch):
    _fix_eve(db, cases)
    window = open_window(db)
    dialog = _open(window)
    for item, code in (("dmo", "Y"), ("dco", "N"), ("dsco", "R")):
        combo = dialog.officers[item]
        combo.setCurrentIndex(combo.findData(code))
    _check(qtbot, dialog)
    assert dialog.status.text() == "5 children, 5 requests: no errors, 1 warning. Ready to save."
    asked = []

    def choose(_parent, _title, suggested, _filter):
        asked.append(suggested)
        return str(tmp_path / "return"), "XML"  # no extension typed: .xml is added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    qtbot.mouseClick(dialog.xml_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=30_000)
    assert asked == ["sen2-2027-01-21.xml"]
    assert dialog.status.text() == "Saved: 5 children, 5 requests in return.xml."
    assert ET.parse(tmp_path / "return.xml").getroot().findtext("Header/Source/DCO") == "N"
    dialog.officers["dsco"].setCurrentIndex(dialog.officers["dsco"].findData("Y"))
    assert dialog.status.text().startswith("The census day or the officers changed")
    assert not dialog.xml_button.isEnabled()  # the return built for "R" is not saved as "Y"
    again = window.statutory_return()  # the officers as saved are offered next time
    assert again.officers["dsco"].currentData() == "R"


def test_a_stopped_build_says_so(qtbot, db, cases, open_window):
    dialog = _open(open_window(db))
    dialog._failed(InterruptedError("The return was stopped."), "")
    assert dialog.status.text() == "Stopped: nothing was saved."
    assert dialog.check_button.isEnabled() and not dialog.xml_button.isEnabled()
