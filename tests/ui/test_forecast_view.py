"""The 20-week forecast in the window: the strip under the workload board (loaded after
it), the view on the View menu with its models checked by the tester, a what-if side by side
with the forecast, the back-test with progress and cancel, and a picture for the lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from caseload_app.services.demo import generate_demo
from caseload_app.services.forecast import ForecastService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui import forecast_view as view_module
from caseload_app.ui.case import CaseView
from caseload_app.ui.dialogs.what_if_dialog import WhatIfDialog
from caseload_app.ui.forecast_view import ForecastView, method_text
from tests.helpers import TODAY, add_person

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=600, seed=4, today=TODAY)
    return open_window(db)


@pytest.fixture
def said(monkeypatch):
    """Message boxes noted, never shown."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


def loaded_board(window, qtbot):
    board = window.open_board()
    qtbot.waitUntil(lambda: board.strip.result is not None, timeout=20000)
    return board


def opened(window, qtbot) -> ForecastView:
    view = window.open_forecast()
    qtbot.waitUntil(lambda: view.result is not None and view._job is None, timeout=20000)
    return view


def test_the_board_shows_the_forecast_under_its_table_and_opens_the_view(window, qtbot):
    board = window.open_board()
    assert board.model.rowCount() == 8  # the board is shown before the forecast is made
    board = loaded_board(window, qtbot)
    made = board.strip.result.baseline
    assert made.ok and made.made_on == TODAY
    text = board.strip.line.text()
    assert f"{made.already_late} requests already past 20 weeks" in text
    assert f"About {made.total():.0f} plans expected in the next 12 weeks" in text
    assert f"{made.total_within():.0f} of them within 20 weeks" in text
    assert len(board.strip.chart.weeks) == 12
    first = board.strip.chart.weeks[0]
    tomorrow = TODAY + timedelta(days=1)
    assert first.label == f"{tomorrow.day} {tomorrow:%b}"  # today is in the records
    assert (first.base.expected, first.base.low, first.base.high) == (
        made.weeks[0].expected,
        made.weeks[0].low,
        made.weeks[0].high,
    )
    assert "within 20 weeks" in board.strip.chart.accessibleDescription()
    board.strip.button.click()
    view = window.tabs.currentWidget()
    assert isinstance(view, ForecastView)
    assert view.result is board.strip.result  # the board's forecast, not made again
    assert view.weeks_model.rowCount() == 12


def test_a_forecast_that_cannot_be_made_says_why_and_a_failure_never_blocks_the_board(
    db, open_window, qtbot, monkeypatch
):
    window = open_window(db)  # no history at all
    board = loaded_board(window, qtbot)
    assert not board.strip.result.baseline.ok
    assert board.strip.line.text().startswith("20-week forecast: No forecast can be made yet: ")
    assert not board.strip.chart.isVisibleTo(board)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(ForecastService, "forecast", broken)
    with qtbot.waitSignal(board.forecast_loaded, timeout=20000):
        board.refresh()
    assert board.strip.line.text() == (
        "20-week forecast: not loaded — something went wrong (logged)"
    )
    assert board.summary.text().startswith("0 open cases")  # the board itself is shown


def test_the_view_is_on_the_view_menu_with_models_that_pass_the_tester(
    window, qtbot, qtmodeltester
):
    entry = next(a for a in window.findChildren(QAction) if a.text() == "20-week f&orecast")
    assert entry.shortcut().toString() == "Ctrl+Shift+O"
    entry.trigger()
    view = window.tabs.currentWidget()
    assert isinstance(view, ForecastView)
    qtbot.waitUntil(lambda: view.result is not None, timeout=20000)
    assert not view.progress.isVisible()
    qtmodeltester.check(view.weeks_model, force_py=True)
    qtmodeltester.check(view.risk_model, force_py=True)
    base = view.result.baseline
    assert view.weeks_model.rowCount() == len(view.chart.weeks) == 12
    assert view.weeks_model.columnCount() == 5
    assert view.weeks_model.text(0, "Plans expected") == f"{base.weeks[0].expected:.1f}"
    assert view.weeks_model.text(0, "Range") == f"{base.weeks[0].low}–{base.weeks[0].high}"
    assert view.risk_model.rowCount() == len(base.at_risk) > 0
    assert view.risk_model.row_at(0).risk.chance == min(r.chance for r in base.at_risk)
    risk = base.at_risk[-1]
    row = view.risk_model.find(lambda r: r.case_id == risk.case_id)
    assert view.risk_model.text(row, "Child") == view.result.children[risk.case_id]
    assert view.risk_model.text(row, "Case") == str(risk.case_id)
    assert view.risk_model.text(row, "Chance in 20 weeks") == f"{round(100 * risk.chance)}%"
    assert view.risk_model.text(row, "Why") == "; ".join(risk.reasons)
    assert "capacity" in view.method.text() and "20 weeks" in view.method.text()
    assert view.method.text() == method_text()
    assert "new requests a week" in view.inputs.text()
    assert window.open_forecast() is view  # one forecast tab
    view.risk_table.doubleClicked.emit(view.risk_model.index(row, 0))
    opened_case = window.tabs.currentWidget()
    assert isinstance(opened_case, CaseView) and opened_case.case_id == risk.case_id


def test_a_what_if_is_shown_beside_the_forecast_and_cleared(window, qtbot):
    view = opened(window, qtbot)
    view.risk_table.selectRow(0)
    chosen = view.selected_cases()
    assert chosen == (view.risk_model.row_at(0).case_id,)
    dialog = WhatIfDialog(view.result.caseworkers, chosen, TODAY, view)
    assert dialog.problem() == "Tick at least one change to try."
    dialog.agency.setChecked(True)
    dialog.agency_fte.setValue(2)
    dialog.agency_weeks.setValue(10)
    dialog.moves.setChecked(True)
    dialog.move_to.setCurrentIndex(0)
    assert dialog.problem() is None
    what_if = dialog.values()
    assert what_if.agency == (2.0, 10)
    assert what_if.moves == ((chosen, dialog.move_to.currentData()),)
    view.make(what_if)
    qtbot.waitUntil(lambda: view.result.scenario is not None and view._job is None, timeout=20000)
    alt, base = view.result.scenario, view.result.baseline
    assert view.weeks_model.columnCount() == 9
    assert view.weeks_model.headerData(5, view_module.Qt.Orientation.Horizontal) == (
        "What-if plans"
    )
    assert view.weeks_model.text(3, "What-if plans") == f"{alt.weeks[3].expected:.1f}"
    assert view.weeks_model.text(3, "Difference").lstrip("+-") in (
        "0",
        f"{abs(alt.weeks[3].expected - base.weeks[3].expected):.1f}",
    )
    assert all(w.what_if is not None for w in view.chart.weeks)
    assert "an agency caseworker (2 FTE) for 10 weeks" in view.changes.text()
    assert view.changes.isVisibleTo(view) and view.clear_button.isEnabled()
    assert alt.total() > base.total()  # two more caseworkers finish more plans
    assert "With the what-if:" in view.summary.text()
    assert "Chance with the what-if" in [c.title for c in view.risk_model.columns]
    view.clear_what_if()
    qtbot.waitUntil(lambda: view.result.scenario is None and view._job is None, timeout=20000)
    assert view.weeks_model.columnCount() == 5
    assert all(w.what_if is None for w in view.chart.weeks)
    assert not view.changes.isVisibleTo(view)


def test_bad_what_if_input_gets_a_clear_message(window, qtbot, said):
    view = opened(window, qtbot)
    dialog = WhatIfDialog(view.result.caseworkers, (), TODAY, view)
    assert not dialog.moves.isEnabled()  # nothing selected: nothing to move
    dialog._accept()
    assert said == ["Tick at least one change to try."]
    assert dialog.what_if is None
    dialog.away.setChecked(True)
    dialog.away_from.set_date(TODAY + timedelta(days=10))
    dialog.away_to.set_date(TODAY + timedelta(days=3))
    assert "ends before it starts" in dialog.problem()
    dialog.away.setChecked(False)
    dialog.provider.setChecked(True)
    dialog.days_now.setValue(2)
    dialog.days_added.setValue(-2)
    assert "must come to more than 0" in dialog.problem()
    dialog.days_added.setValue(1)
    dialog._accept()
    assert dialog.what_if is not None
    assert dict(dialog.what_if.provider_days) == {dialog.service.currentData(): (2.0, 1.0)}


def test_how_good_it_has_been_runs_in_the_background_and_can_be_cancelled(
    window, qtbot, qtmodeltester
):
    view = opened(window, qtbot)
    with qtbot.waitSignal(view.tested, timeout=60000):
        view.test_button.click()
        assert not view.cancel_button.isHidden() and not view.test_button.isEnabled()
    assert view.back is not None
    qtmodeltester.check(view.test_model, force_py=True)
    assert [view.test_model.text(r, "Weeks ahead") for r in range(3)] == ["4", "8", "12"]
    four = view.back.lead(4)
    assert view.test_model.text(0, "Average error (plans a week)") == f"{four.mean_error:.1f}"
    assert view.test_model.text(0, "Actual count in the range") == (
        f"{round(100 * four.in_range)}%"
    )
    assert "4 weeks ahead: off by" in view.test_summary.text()
    assert len(view.test_chart.weeks) == sum(1 for p in view.back.points if p.lead == 4) > 0
    assert view.cancel_button.isHidden() and view.test_button.isEnabled()
    view.back = None
    with qtbot.waitSignal(view.tested, timeout=60000):
        view.test_button.click()
        view.cancel_button.click()
    assert view.back is None
    assert view.test_summary.text() == "The check was cancelled: nothing to show."


def test_the_forecast_is_for_those_who_see_the_board(db, open_window, said):
    generate_demo(db, children=60, seed=4, today=TODAY)
    add_person(db, "dee.admin", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", caseworker_id=1, by="Dee Admin")
    window = open_window(db)  # as Asha Patel, a caseworker
    assert window.open_forecast() is None
    assert said and "see the board and run team reports" in said[0]
    assert not window.tabs_of(ForecastView)


def test_a_picture_of_the_forecast_for_the_lead(window, qtbot):
    """Not committed: /tmp/forecast-board.png and /tmp/forecast-view*.png to look at."""
    board = loaded_board(window, qtbot)
    window.resize(1400, 900)
    assert board.grab().save("/tmp/forecast-board.png")
    view = opened(window, qtbot)
    view.make(agency_and_surge(view))
    qtbot.waitUntil(lambda: view.result.scenario is not None and view._job is None, timeout=20000)
    with qtbot.waitSignal(view.tested, timeout=60000):
        view.run_back_test()
    for n, name in enumerate(("weeks", "risk", "back-test", "method")):
        view.tabs.setCurrentIndex(n)
        assert view.grab().save(f"/tmp/forecast-view-{name}.png")


def agency_and_surge(view):
    dialog = WhatIfDialog(view.result.caseworkers, (), TODAY, view)
    dialog.agency.setChecked(True)
    dialog.surge.setChecked(True)
    return dialog.values()
