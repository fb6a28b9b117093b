"""The main window, case tabs and dialogs working together, as a caseworker uses them."""

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from caseload_app.services.demo import generate_demo
from caseload_app.ui.case import CaseView
from caseload_app.ui.dialogs import new_request as new_request_module
from tests.helpers import TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=120, seed=5, today=TODAY)
    return open_window(db)


def test_double_click_opens_the_case_in_a_tab_once(qtbot, window):
    window.sidebar.setCurrentRow(2)
    first = window.model.row_at(0)
    index = window.model.index(0, 0)
    window.table.doubleClicked.emit(index)
    window.table.doubleClicked.emit(index)
    assert window.tabs.count() == 2
    view = window.tabs.currentWidget()
    assert isinstance(view, CaseView)
    assert view.title() == first.child_name
    assert window.tabs.tabText(1) == first.child_name


def test_my_week_line_opens_the_case_at_the_right_tab(window):
    row = next(
        r
        for r in range(window.week_model.rowCount())
        if window.week_model.item_at(r).kind == "advice"
    )
    window.week_table.doubleClicked.emit(window.week_model.index(row, 0))
    view = window.tabs.currentWidget()
    assert view.current_tab() == "advice"
    assert list(view._built) == ["advice"]  # the overview, never shown, is not built
    assert view.advice.isVisible()


def test_ctrl_l_logs_a_contact_on_the_open_case_and_the_list_follows(qtbot, window):
    window.sidebar.setCurrentRow(2)
    window.table.selectRow(0)
    case_id = window.model.row_at(0).case_id
    window.log_contact()  # from the list: opens the case at Communications with the dialog
    view = window.tabs.currentWidget()
    assert view.case_id == case_id
    assert view.dialog is not None
    before = len(view.detail.communications)
    dialog = view.dialog
    dialog.set_values(summary="Parent rang about transport")
    dialog.accept()
    qtbot.waitUntil(lambda: len(view.detail.communications) == before + 1)
    window.wait_loaded()
    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).case_id == case_id
    )
    assert row.days_since_contact == 0


def test_new_request_opens_the_created_case(window, monkeypatch):
    def fill_and_save(dialog):
        dialog.fields["first_name"].setText("Amara")
        dialog.fields["last_name"].setText("Okonkwo")
        dialog.fields["date_of_birth"].set_date(date(2017, 9, 14))
        dialog.fields["request_received"].set_date(date(2026, 11, 18))
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(new_request_module.NewRequestDialog, "exec", fill_and_save)
    window.new_request()
    view = window.tabs.currentWidget()
    assert isinstance(view, CaseView)
    assert view.title() == "Amara Okonkwo"
    assert view.detail.status.next_step.due == date(2026, 12, 30)
    window.wait_loaded()
    window.sidebar.setCurrentRow(2)
    assert window.count_status.text() == "121 cases"


def test_closing_a_case_with_unsaved_edits_asks_first(window, monkeypatch):
    window.sidebar.setCurrentRow(2)
    view = window.open_case(window.model.row_at(0).case_id)
    view.page("overview").child_form.form.fields["setting"].setText("Somewhere new")
    assert view.has_unsaved_changes()
    asked = []

    def answer(choice):
        def question(*args, **kwargs):
            asked.append(args[2])
            return choice

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert window.close_tab(1) is False
    assert window.tabs.count() == 2
    assert "without saving" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    assert window.close_tab(1) is True
    assert window.tabs.count() == 1


def test_every_menu_action_has_a_shortcut_or_is_reachable_by_keyboard(window):
    actions = [
        a
        for menu in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
        for a in menu.actions()
        if not a.isSeparator()
    ]
    named = {a.text().replace("&", ""): a.shortcut().toString() for a in actions}
    assert named["New request…"] == "Ctrl+N"
    assert named["Log contact…"] == "Ctrl+L"
    assert named["My week"] == "Ctrl+1"
    assert all("&" in a.text() for a in actions if a.text())  # mnemonic on every entry


def test_case_actions_are_in_the_menu_with_shortcuts(window):
    window.sidebar.setCurrentRow(2)
    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "request_received"
    )
    view = window.open_case(row.case_id)
    menu_item(window, "Add &task…").trigger()
    assert view.current_tab() == "tasks"
    assert view.dialog is not None
    view.dialog.reject()
    window._fill_stage_menu()
    labels = [a.text() for a in window.stage_menu.actions()]
    assert labels == ["Agree to assess…", "Refuse to assess…", "Withdraw the request…"]
    window.stage_menu.actions()[0].trigger()
    assert view.current_tab() == "timeline"
    assert view.dialog is not None
    assert view.dialog.key == "assess_agreed"


def menu_item(window, text):
    from PySide6.QtGui import QAction

    return next(a for a in window.findChildren(QAction) if a.text() == text)


def test_a_menu_command_is_the_tabs_own_action_disabled_with_its_button(window):
    """Chase advice with no advice chosen does nothing, from the button or from the menu."""
    view = window.open_case(window.model.row_at(0).case_id)
    advice = view.advice
    advice.table.clearSelection()
    assert not advice.chase_action.isEnabled()
    assert not advice.chase_button.isEnabled()  # the button follows its action
    menu_item(window, "C&hase advice…").trigger()
    assert view.current_tab() == "advice"
    assert view.dialog is None  # nothing was chased
    advice.chase_action.setEnabled(True)
    assert advice.chase_button.isEnabled()
    assert view.COMMANDS["chase_advice"] == ("advice", "chase_action")
