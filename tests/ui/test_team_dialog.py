"""A team lead sets up the team in the window: add a caseworker, rename, part-time FTE, mark
a leaver once their cases are moved (the rebalance offered), remove an absence."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox

from caseload_app.services.team import TeamService
from caseload_app.ui.dialogs import team_dialog
from caseload_app.ui.dialogs.team_dialog import TeamDialog
from tests.helpers import new_case

pytestmark = pytest.mark.gui


@pytest.fixture
def opened(qtbot, db):
    seen = {"changed": 0, "rebalance": 0}
    team = TeamService(db, "Lee Lead")

    def changed():
        seen["changed"] += 1

    def rebalance():
        seen["rebalance"] += 1

    dialog = TeamDialog(team, changed, rebalance)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, team, seen


def names(dialog: TeamDialog) -> list[tuple[str, str, str, str]]:
    model = dialog.workers.rows_model
    return [
        tuple(model.text(r, c) for c in ("Name", "FTE", "Open cases", "Status"))
        for r in range(model.rowCount())
    ]


def test_a_team_that_starts_empty_adds_a_part_time_caseworker(
    qtbot, opened, monkeypatch, qtmodeltester
):
    dialog, _team, seen = opened
    assert names(dialog) == []

    def fill_and_save(form: QDialog) -> int:
        form.set_values(name="Asha  Patel", capacity=0.6, email="asha@example.org")
        form.accept()
        return form.result()

    monkeypatch.setattr(team_dialog.AddCaseworkerDialog, "exec", fill_and_save)
    dialog.add_button.click()
    assert names(dialog) == [("Asha Patel", "0.60", "0", "Active")]
    assert seen["changed"] == 1
    assert dialog.workers.selected().worker.name == "Asha Patel"  # the new one is selected
    qtmodeltester.check(dialog.workers.rows_model)


def test_rename_and_fte_are_saved_and_a_clash_is_explained(qtbot, opened, monkeypatch):
    dialog, team, _seen = opened
    team.add_caseworker("Asha Patel")
    team.add_caseworker("Ben Okafor")
    dialog.reload()
    dialog.workers.select_row(0)
    errors = []
    monkeypatch.setattr(
        team_dialog.ui_errors, "show_user_error", lambda _p, _t, exc: errors.append(str(exc))
    )
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("ben okafor", True))
    dialog.rename_button.click()
    assert errors
    assert "already a caseworker called Ben Okafor" in errors[0]
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Asha Khan", True))
    dialog.rename_button.click()
    dialog.workers.select_where(lambda r: r.worker.name == "Asha Khan")
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (0.8, True))
    dialog.fte_button.click()
    assert names(dialog) == [
        ("Asha Khan", "0.80", "0", "Active"),
        ("Ben Okafor", "1.00", "0", "Active"),
    ]


def test_a_leaver_with_cases_is_offered_the_rebalance_then_marked_once_moved(
    qtbot, db, opened, monkeypatch
):
    dialog, team, seen = opened
    asha = team.add_caseworker("Asha Patel")
    ben = team.add_caseworker("Ben Okafor")
    case_id, _ = new_case(db, caseworker_id=asha)
    dialog.reload()
    dialog.workers.select_where(lambda r: r.id == asha)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    dialog.leave_button.click()
    assert "Asha Patel still holds 1 open case" in asked[-1]
    assert seen["rebalance"] == 1
    assert names(dialog)[0][3] == "Active"
    team.reassign([case_id], ben, "leaving")
    dialog.reload()
    dialog.workers.select_where(lambda r: r.id == asha)
    dialog.leave_button.click()
    assert asked[-1].startswith("Mark Asha Patel as having left?")
    assert names(dialog)[0] == ("Asha Patel", "1.00", "0", "Left")
    assert [w.name for w in team.workers()] == ["Ben Okafor"]  # no longer offered
    dialog.workers.select_where(lambda r: r.id == asha)
    assert dialog.back_button.isEnabled()
    assert not dialog.leave_button.isEnabled()
    dialog.back_button.click()
    assert names(dialog)[0][3] == "Active"


def test_an_absence_entered_by_mistake_is_removed(qtbot, opened, monkeypatch):
    dialog, team, _seen = opened
    asha = team.add_caseworker("Asha Patel")
    team.add_absence(asha, date(2026, 12, 21), date(2027, 1, 1), "leave")
    dialog.reload()
    assert dialog.absences.rows_model.rowCount() == 1
    assert not dialog.remove_button.isEnabled()
    dialog.absences.select_row(0)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    dialog.remove_button.click()
    assert "Remove Asha Patel's absence from Mon 21 Dec 2026 to Fri 1 Jan 2027?" in asked[0]
    assert dialog.absences.rows_model.rowCount() == 0
    assert team.workers()[0].absences == ()


def test_the_file_menu_opens_it_and_the_window_offers_the_new_caseworker(
    qtbot, db, open_window, monkeypatch
):
    window = open_window(db)
    opened_dialogs = []

    def add_one(dialog: TeamDialog) -> int:
        opened_dialogs.append(dialog)
        dialog.team.add_caseworker("Carys Jones")
        dialog.on_changed()
        return 0

    monkeypatch.setattr(TeamDialog, "exec", add_one)
    menu_action = next(
        a for a in window.findChildren(QAction) if a.text() == "&Caseworkers and absences…"
    )
    menu_action.trigger()
    assert opened_dialogs
    filters = [window.worker_filter.itemText(i) for i in range(window.worker_filter.count())]
    assert "Carys Jones" in filters
    assert "Carys Jones" in [w.name for w in window._caseworkers]
