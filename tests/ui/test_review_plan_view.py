"""The review catch-up planner's view: made off the window's thread, its table model checked
by the tester, the chart of reviews overdue with and without the plan, and booking it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from caseload_app.db.models import Task
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.ui import errors as ui_errors
from tests.helpers import NOW, TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=200, seed=4, today=TODAY)
    TeamSettingsService(db, "setup").set_council(CouncilDetails("Demo Council", "Town Hall"))
    return open_window(db)


@pytest.fixture
def boxes(monkeypatch):
    """Every message box answered Yes and noted, never shown."""
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: said.append(text))
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: said.append(str(exc)))
    return said


def opened(window, qtbot):
    view = window.open_review_plan()
    qtbot.waitUntil(lambda: view.made is not None, timeout=20000)
    return view


def test_on_the_view_menu_and_made_off_the_windows_thread(window, qtbot, qtmodeltester):
    entry = next(a for a in window.findChildren(type(window.menuBar().actions()[0]))
                 if a.text() == "&Review catch-up planner")  # fmt: skip
    assert entry.shortcut().toString() == "Ctrl+9"
    entry.trigger()
    view = window.tabs.currentWidget()
    assert view.progress.isVisible() or view.made is not None  # busy, then shown
    qtbot.waitUntil(lambda: view.made is not None, timeout=20000)
    assert not view.progress.isVisible()
    qtmodeltester.check(view.model, force_py=True)
    made = view.made
    assert view.model.rowCount() == len(made.plan.reviews) > 0
    assert len(view.chart.bars) == 2 * made.plan.settings.weeks
    first = made.plan.weeks[0]
    assert view.chart.bars[0][1:] == (float(first.without_plan), True)
    assert view.chart.bars[1][1:] == (float(first.with_plan), False)
    assert "planned over 12 weeks" in view.summary.text()
    assert window.open_review_plan() is view  # one planner tab


def test_settings_change_the_plan(window, qtbot):
    view = opened(window, qtbot)
    wide = len(view.made.plan.planned())
    view.per_week.setValue(0.5)
    view.weeks.setValue(4)
    view.made = None
    view.make_button.click()
    qtbot.waitUntil(lambda: view.made is not None, timeout=20000)
    assert view.made.plan.settings.weeks == 4
    assert len(view.made.plan.planned()) < wide
    assert len(view.chart.bars) == 8


def test_booking_the_plan_in_one_step_with_progress(window, qtbot, boxes, tmp_path, db):
    view = opened(window, qtbot)
    view.weeks.setValue(4)
    view.made = None
    view.make_plan()
    qtbot.waitUntil(lambda: view.made is not None, timeout=20000)
    planned = len(view.made.plan.planned())
    assert planned > 0
    moved = []
    view.progress.valueChanged.connect(moved.append)
    view.book(tmp_path)
    qtbot.waitUntil(lambda: view.last_applied is not None, timeout=60000)
    assert view.last_applied.meetings == view.last_applied.tasks == planned
    assert moved and max(moved) == planned
    assert any("review meetings booked" in text for text in boxes)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Task).where(
            Task.title.like("Hold the annual review meeting%"))) == planned  # fmt: skip
    assert view.last_applied.folder.parent == tmp_path


def test_a_stale_plan_is_refused_with_a_clear_message(window, qtbot, boxes, tmp_path, db):
    view = opened(window, qtbot)
    first = view.made.plan.planned()[0]
    work = CaseworkService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    work.schedule_review(first.review.case_id, first.meeting)
    done = []
    view.applied.connect(lambda: done.append(1))
    view.book(tmp_path)
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert view.last_applied is None
    assert any("changed since the plan was made" in text for text in boxes)
    assert list(tmp_path.glob("review-invitations-*")) == []
