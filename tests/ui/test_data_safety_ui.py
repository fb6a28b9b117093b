"""In the window: a refused save keeps the typing; a form saved twice is one record."""

from datetime import datetime

import pytest

from caseload_app.ui import errors as ui_errors
from caseload_app.ui.case_view import CaseView
from tests.helpers import disk_full, new_case

pytestmark = pytest.mark.gui


@pytest.fixture
def messages(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


def open_log_dialog(qtbot, db):
    case_id, work = new_case(db)
    view = CaseView(work, case_id, work.caseworkers())
    qtbot.addWidget(view)
    view.show()
    view.log_contact()
    view.dialog.set_values(
        occurred_at=datetime(2026, 11, 23, 9, 15), summary="Asked about the EP visit " * 400
    )
    return view


def test_a_full_disk_keeps_the_dialog_open_with_the_typing(qtbot, db, messages):
    view = open_log_dialog(qtbot, db)
    dialog = view.dialog
    with disk_full(db):
        dialog.accept()
    assert len(messages) == 1 and "disk holding the database is full" in messages[0]
    assert view.dialog is dialog and dialog.isVisible()
    assert dialog.values()["summary"].startswith("Asked about the EP visit")
    assert view.work.get_case(view.case_id).communications == ()
    dialog.accept()  # space again: the same Save now works
    assert view.dialog is None
    assert len(view.work.get_case(view.case_id).communications) == 1


def test_save_pressed_twice_logs_one_contact(qtbot, db, messages):
    view = open_log_dialog(qtbot, db)
    dialog = view.dialog
    dialog._try_submit()  # the first press saves…
    dialog._try_submit()  # …and a second press before the dialog closes finds it
    assert messages == []
    assert len(view.work.get_case(view.case_id).communications) == 1
