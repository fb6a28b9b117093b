"""The Advice providers view (View → Advice providers, Ctrl+8): the board loads off the
window's thread, the cases waiting on the provider selected (double-click opens the case), a
chase of its overdue requests in one letter, logged on each case; the list of providers kept
in its dialog; and the Advice tab's request naming a provider."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from caseload_app.services.casework import CaseworkService
from caseload_app.services.providers import ProviderService
from caseload_app.ui.providers_view import ProviderDialog, ProvidersDialog
from caseload_app.ui.worker import wait_for
from tests.helpers import NOW, TODAY, new_case

pytestmark = pytest.mark.gui


@pytest.fixture
def waiting(db):
    """EP team North waited on by Amy (overdue) and Bea (not yet due)."""
    service = ProviderService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    north = service.add_provider({"service": "ep", "name": "EP team North"})
    cases = []
    for name, asked in (("Amy", date(2026, 8, 6)), ("Bea", date(2026, 11, 2))):
        case_id, work = new_case(db, first_name=name, upn=None, nhs_number=None)
        work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", asked)
        work.request_advice(case_id, "ep", asked, provider_id=north)
        cases.append(case_id)
    return north, cases


def _loaded(view) -> None:
    if view.board is None:
        wait_for(view.loaded, 10_000)


def test_the_board_shows_each_provider_and_its_cases(waiting, db, open_window, qtmodeltester):
    north, (amy, _bea) = waiting
    window = open_window(db)
    view = window.open_providers()
    assert window.open_providers() is view  # one tab, brought forward
    _loaded(view)
    assert view.headline.text() == "2 advice requests waiting, 1 overdue, from 1 provider."
    qtmodeltester.check(view.providers.rows_model, force_py=True)
    qtmodeltester.check(view.waiting.rows_model, force_py=True)
    row = view.providers.selected()
    assert (row.name, row.outstanding, row.overdue) == ("EP team North", 2, 1)
    assert [w.child_name for w in view.waiting.rows_model.rows()] == ["Amy Brontë", "Bea Brontë"]
    assert view.chase_button.isEnabled() and view.escalate_button.isEnabled()
    view.waiting.doubleClicked.emit(view.waiting.rows_model.index(0, 0))
    assert window.current_case().case_id == amy


def test_chasing_writes_one_letter_and_logs_each_case(
    waiting, db, open_window, tmp_path, monkeypatch
):
    north, (amy, bea) = waiting
    window = open_window(db)
    view = window.open_providers()
    _loaded(view)
    path = tmp_path / "north.pdf"
    view.ask_file = lambda title, row: path
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: told.append(a[2]))
    view.board = None
    view.chase()
    _loaded(view)
    assert path.read_bytes().startswith(b"%PDF")
    assert told == ["Written to north.pdf for EP team North: 1 request chased and logged."]
    work = CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    assert work.get_case(amy, opened=False).advice[0].chases == 1
    assert work.get_case(bea, opened=False).advice[0].chases == 0


def test_the_list_of_providers_is_kept_in_its_dialog(db, qtbot, qtmodeltester):
    service = ProviderService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    dialog = ProvidersDialog(service)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.table.rows_model, force_py=True)
    form = ProviderDialog("Add", lambda v: service.add_provider(
        {k: x for k, x in v.items() if k != "token"}), new=True)  # fmt: skip
    qtbot.addWidget(form)
    form.set_values(service="health", name="CAMHS", email="camhs@nhs.example")
    form.accept()
    dialog.reload()
    (camhs,) = dialog.table.rows_model.rows()
    assert (camhs.name, camhs.service, camhs.email, camhs.active) == (
        "CAMHS", "health", "camhs@nhs.example", True,
    )  # fmt: skip
    edit = ProviderDialog("Edit", lambda v: service.update_provider(camhs.id, camhs.version, v),
                          new=False)  # fmt: skip
    qtbot.addWidget(edit)
    edit.load({"service": "health", "name": "CAMHS", "email": "camhs@nhs.example",
               "address": "", "manager_name": "", "manager_role": "", "manager_email": "",
               "active": True})  # fmt: skip
    edit.set_values(active=False)
    assert edit.submitted_values() == {"active": False}
    edit.accept()
    assert service.providers()[0].active is False


def test_the_advice_tab_names_the_provider_asked(qtbot, db, messages):
    """Request advice… offers the providers giving advice now; the table shows the one
    named, and Correct… changes it."""
    from tests.ui.test_case_view import fill, open_view

    service = ProviderService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    north = service.add_provider({"service": "ep", "name": "EP team North"})
    south = service.add_provider({"service": "ep", "name": "EP team South"})
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    view = open_view(qtbot, work, case_id)
    view.show_tab("advice")
    view.advice.request_button.click()
    fill(view, advice_type="ep", on=date(2026, 8, 6), provider_id=north)
    assert messages == []
    table = view.advice.table
    assert table.rows_model.text(0, "Provider") == "EP team North"
    table.select_row(0)
    view.advice.correct_button.click()
    fill(view, provider_id=south)
    assert messages == []
    assert table.rows_model.text(0, "Provider") == "EP team South"
    assert work.get_case(case_id).advice[0].provider_id == south
