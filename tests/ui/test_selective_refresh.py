"""After a save the window puts right only what changed: the case's row, its lines in my
week, the counts and other open tabs of the family. What it shows must equal what a full
reload would show."""

from datetime import datetime, timedelta

import pytest

from caseload_app.services.demo import generate_demo
from caseload_app.services.myweek import MyWeek, WeekItem
from caseload_app.ui.models.week_model import WeekModel
from tests.helpers import NOW, TODAY

pytestmark = pytest.mark.gui

NAMES = ("Amelia Smith", "Oscar Jones", "Ivy Brown", "Zac Ali", "Éva Smith")


def week_item(case_id, due_in, kind="task") -> WeekItem:
    due = TODAY + timedelta(days=due_in)
    return WeekItem(kind, kind, case_id, NAMES[case_id % 5], "x", due, due_in, "amber", "tasks")


def test_my_week_lines_of_a_changed_case_are_replaced_in_date_order(qtmodeltester):
    model = WeekModel()
    items = [week_item(1, 0), week_item(2, 1), week_item(1, 3), week_item(3, 5)]
    model.set_week(MyWeek(TODAY, items))
    qtmodeltester.check(model, force_py=True)
    model.update_cases({1}, MyWeek(TODAY, [week_item(1, 2), week_item(1, 6, "review")]))
    assert [(i.case_id, i.days_left) for i in model.rows()] == [(2, 1), (1, 2), (3, 5), (1, 6)]
    model.update_cases({3, 4}, MyWeek(TODAY, [week_item(4, -1)]))
    assert [(i.case_id, i.days_left) for i in model.rows()] == [(4, -1), (2, 1), (1, 2), (1, 6)]


# --- the window ------------------------------------------------------------------------------
@pytest.fixture
def window(db, open_window):
    generate_demo(db, children=150, seed=8, today=TODAY)
    return open_window(db)


def siblings(window) -> tuple[int, int]:
    """Two open cases of one family."""
    by_family: dict[int, list[int]] = {}
    for row in window.model.rows():
        by_family.setdefault(row.family_id, []).append(row.case_id)
    return next(tuple(ids[:2]) for ids in by_family.values() if len(ids) > 1)


def shown(window):
    return window.model.rows(), window.week_model.rows(), window.sidebar.item(1).text()


def test_a_save_puts_right_the_list_my_week_and_a_siblings_open_tab_without_a_reload(window, qtbot):
    window.show_list(2)  # all cases
    first, sibling = siblings(window)
    other = window.open_case(sibling)
    view = window.open_case(first, "communications")
    loads = []
    window.loaded.connect(lambda: loads.append(True))
    before = len(other.detail.communications)

    assert view.act(
        "Log contact",
        lambda: view.work.log_communication(first, NOW, "phone", "in", "Mum", "Called back"),
    )

    assert not window.page._loading
    window.wait_loaded()  # the list's new order, asked off the window's thread
    assert not loads  # no reload of everything was started
    row = window.model.row_at(window.model.find(lambda r: r.case_id == first))
    assert row.last_contact == NOW.date()
    sibling_row = window.model.row_at(window.model.find(lambda r: r.case_id == sibling))
    assert sibling_row.last_contact == NOW.date()  # one family, one last contact
    assert len(other.detail.communications) == before + 1  # the sibling's open tab too
    after = shown(window)
    window.refresh()
    window.wait_loaded()
    assert shown(window) == after  # just what a full reload shows


def test_a_case_opened_in_a_tab_saved_without_moving_keeps_the_lists_order_unasked(window):
    """Opening the tab has the list read its family's rows with the order, beside the
    window: a new school moves it nowhere in the list sorted by due date, so the order
    (200,000 ids at council scale) is not read again; the row shows the new school at once."""
    window.show_list(2)  # all cases
    window.wait_loaded()
    case_id = window.model.case_id_at(window.model.rowCount() - 1)  # on no page read yet
    view = window.open_case(case_id, "overview")
    window.wait_loaded()  # the order and the case's rows, read beside the window
    child = view.detail.child
    assert view.act(
        "Save", lambda: view.work.update_child(child.id, child.version, {"setting": "Elm Academy"})
    )
    assert not window.model.busy  # nothing asked of the database
    assert window.model.row_at(window.model.find_case(case_id)).setting == "Elm Academy"
    after = shown(window)
    window.refresh()
    window.wait_loaded()
    assert shown(window) == after  # just what a full reload shows


def test_a_new_task_due_this_week_appears_in_my_week_at_once(window):
    case_id = window.model.row_at(0).case_id
    view = window.open_case(case_id, "tasks")
    due = TODAY + timedelta(days=2)
    assert view.act("Add task", lambda: view.work.add_task(case_id, "Ring the school", due, 1))
    titles = [i.what for i in window.week_model.rows() if i.case_id == case_id]
    assert "Ring the school" in titles
    assert str(window.week_model.rowCount()) in window.week_summary.text()


def test_a_deleted_case_leaves_the_list_and_the_counts(window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window.show_list(2)
    total = window.model.total
    case_id = window.model.row_at(0).case_id
    window.open_case(case_id)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Duplicate", True))
    window.delete_case()
    window.wait_loaded()
    assert window.model.total == total - 1
    assert window.model.find(lambda r: r.case_id == case_id) == -1
    assert f"({total - 1:,})" in window.sidebar.item(2).text()
    assert all(i.case_id != case_id for i in window.week_model.rows())


def test_on_a_new_day_a_save_reloads_everything(window, qtbot):
    case_id = window.model.row_at(0).case_id
    view = window.open_case(case_id)
    window.ctx.today = lambda: TODAY + timedelta(days=1)
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        view.act(
            "Log contact",
            lambda: view.work.log_communication(
                case_id, datetime.combine(TODAY, NOW.time()), "phone", "in", "Mum", "Hello"
            ),
        )
    window.wait_loaded()
    assert window.model.today == TODAY + timedelta(days=1)


def test_a_case_changed_during_a_full_reload_still_reloads_its_open_tab(window):
    """A letter issued while the list was loading: the page reloads everything, and the case's
    own tab (the source of nothing: the letter came from a dialog) must still show it."""
    case_id = window.model.row_at(0).case_id
    view = window.open_case(case_id)
    before = len(view.detail.communications)
    view.work.log_communication(case_id, NOW, "letter", "out", "Family", "Decision letter")
    window.model._today = None  # as if no load had finished: the page reloads everything
    window.cases_changed({case_id})
    window.wait_loaded()
    assert len(view.detail.communications) == before + 1


def test_after_a_save_a_family_counted_in_more_updates_is_not_listed_twice(db, qtbot):
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.keep_in_touch import KeepInTouchService
    from caseload_app.services.myweek import UPDATE_LINES, MyWeekService

    generate_demo(db, children=300, seed=3, today=TODAY)
    week = MyWeekService(db, today=lambda: TODAY)
    model = WeekModel()
    model.set_week(week.my_week(None))
    listed = [i.case_id for i in model.rows() if i.kind == "update"]
    assert len(listed) == UPDATE_LINES
    (more,) = [i for i in model.rows() if i.kind == "updates"]
    queue = KeepInTouchService(db, "Asha Patel", today=lambda: TODAY).due(days=7)
    grouped = next(d.case_id for d in queue if d.case_id not in listed)
    saved = {grouped, listed[0]}
    work = CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    for case_id in saved:  # a call with the school: no update, so both are still due
        work.log_communication(case_id, NOW, "phone", "out", "School SENCo", "Views",
                               with_family=False)  # fmt: skip
    model.update_cases(saved, week.my_week(None, saved))
    after = [i.case_id for i in model.rows() if i.kind == "update"]
    assert sorted(after) == sorted(listed)  # the listed one put back, the other not added
    assert [i for i in model.rows() if i.kind == "updates"] == [more]
