"""Every data-entry dialog opens on its first field; typing goes there; Enter in a one-line
field moves on and never saves a half-filled form; Ctrl+Enter saves (issue: Ctrl+T then
"Call mum back" lost "Call" and the space pressed Save)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPlainTextEdit, QPushButton

from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.ui import board_view
from caseload_app.ui.dialogs import case_dialogs as d

pytestmark = pytest.mark.gui

TODAY = date(2026, 12, 4)
WORKERS = [CaseworkerInfo(id=1, name="Asha Patel"), CaseworkerInfo(id=2, name="Ben Okafor")]


def never(values):  # Save must not be reached in these tests unless asked for
    raise AssertionError(f"saved: {values}")


FORMS = {
    "stage action": lambda: d.ActionDialog("draft_issued", "Issue the draft", False, TODAY, never),
    "exception": lambda: d.ExceptionDialog(TODAY, never),
    "request advice": lambda: d.RequestAdviceDialog(TODAY, never),
    "advice received": lambda: d.AdviceReceivedDialog("EP", None, TODAY, never),
    "chase": lambda: d.ChaseDialog("EP", TODAY, never),
    "task": lambda: d.TaskDialog(WORKERS, 1, TODAY, never),
    "contact": lambda: d.ContactDialog("Add a contact", never),
    "book review": lambda: d.BookReviewDialog(TODAY, never),
    "review": lambda: d.ReviewDialog(TODAY, never),
    "disagreement": lambda: d.DisagreementDialog(TODAY, never),
    "disagreement update": lambda: d.DisagreementUpdateDialog(TODAY, never),
    "tribunal order": lambda: d.TribunalOrderDialog(TODAY, never),
    "order step": lambda: d.OrderStepDialog("Serve the draft plan", None, TODAY, never),
    "consult schools": lambda: d.ConsultSchoolsDialog(TODAY, never),
    "school response": lambda: d.SchoolResponseDialog("Harbourside Primary", TODAY, never),
    "naming decision": lambda: d.NamingDecisionDialog("Harbourside Primary", TODAY, never),
}
OTHERS = {
    "absence": lambda: board_view.AbsenceDialog([(1, "Asha Patel"), (2, "Ben Okafor")]),
    "reassign": lambda: board_view.ReassignDialog(3, [(1, "Asha Patel"), (2, "Ben Okafor")]),
    "week ending": lambda: board_view.WeekEndingDialog(TODAY),
}


def opened(qtbot, make) -> QDialog:
    dialog = make()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.focusWidget() is not None)
    return dialog


@pytest.mark.parametrize("name", [*FORMS, *OTHERS])
def test_every_dialog_opens_on_its_first_field(qtbot, name):
    dialog = opened(qtbot, {**FORMS, **OTHERS}[name])
    focus = dialog.focusWidget()
    if isinstance(dialog, d.FormDialog):
        assert focus is next(iter(dialog.form.fields.values()))
    assert not isinstance(focus, QPushButton)
    assert not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))


def test_the_log_contact_dialog_opens_on_its_summary(qtbot):
    dialog = opened(
        qtbot, lambda: d.LogContactDialog(datetime(2026, 12, 4, 10), ["Mum"], "phone", never)
    )
    assert dialog.focusWidget() is dialog.form.fields["summary"]


def test_ctrl_t_then_typing_puts_every_word_in_the_task(qtbot):
    saved = []
    dialog = opened(qtbot, lambda: d.TaskDialog(WORKERS, 1, TODAY, saved.append))
    qtbot.keyClicks(dialog.focusWidget(), "Call mum back about the EP report")
    assert dialog.isVisible()
    assert saved == []
    assert dialog.form.fields["title"].text() == "Call mum back about the EP report"


@pytest.mark.parametrize("name", ["task", "chase", "disagreement", "contact"])
def test_enter_in_a_one_line_field_moves_on_and_never_saves(qtbot, name):
    dialog = opened(qtbot, FORMS[name])
    field = next(w for w in dialog.form.fields.values() if isinstance(w, QLineEdit))
    field.setFocus()
    qtbot.keyClicks(field, "Something")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert dialog.isVisible()  # never() was not called, nothing closed the form
    assert dialog.focusWidget() is not field


def test_enter_in_a_date_moves_on_and_ctrl_enter_saves(qtbot):
    saved = []
    dialog = opened(
        qtbot, lambda: d.ActionDialog("x", "Issue the draft", False, TODAY, saved.append)
    )
    date_field = dialog.form.fields["on"]
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Enter)
    assert dialog.isVisible()
    assert saved == []
    note = dialog.focusWidget()
    assert note is not date_field
    assert isinstance(note, QPlainTextEdit)
    qtbot.keyClicks(note, "first line")
    qtbot.keyClick(note, Qt.Key.Key_Return)  # a new line in a note, not Save
    assert saved == []
    assert note.toPlainText() == "first line\n"
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(saved) == 1
    assert saved[0]["reason"] == "first line\n"
    assert not dialog.isVisible()


def test_enter_on_a_focused_button_presses_it(qtbot):
    dialog = opened(qtbot, FORMS["book review"])
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    cancel.setFocus()
    qtbot.keyClick(cancel, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected
