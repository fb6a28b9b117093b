"""After a save the window puts right only what changed: the case's row, its lines in my
week, the counts and other open tabs of the family. What it shows must equal what a full
reload would show."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from caseload_app.services.caselist import CaseFilter, CaseList, CaseRow
from caseload_app.services.demo import generate_demo
from caseload_app.services.myweek import MyWeek, WeekItem
from caseload_app.ui.models.case_table import COLUMNS, CaseTableModel
from caseload_app.ui.models.week_model import WeekModel
from tests.helpers import NOW, TODAY

pytestmark = pytest.mark.gui

NAMES = ("Amelia Smith", "Oscar Jones", "Ivy Brown", "Zac Ali", "Éva Smith")
WORKERS = ((1, "Asha Patel"), (2, "Ben Okafor"), (None, "Unallocated"))


def case_row(case_id, due_in, rag, name, worker, is_open) -> CaseRow:
    due = None if due_in is None else TODAY + timedelta(days=due_in)
    first, last = name.split()
    return CaseRow(
        case_id=case_id,
        child_id=case_id,
        family_id=case_id,
        child_name=name,
        date_of_birth=date(2015, 1, 1),
        upn=None,
        nhs_number=None,
        postcode=None,
        family_name=f"Parent of {first}",
        setting=None,
        primary_need="ASD",
        stage="assessment",
        stage_label="Assessment",
        is_open=is_open,
        next_step="assess",
        next_step_label="Assess",
        next_due=due,
        days_left=due_in,
        rag=rag,
        exception_limits="",
        caseworker_id=worker[0],
        caseworker=worker[1],
        last_contact=None,
        days_since_contact=None,
        search_text=name.lower().replace("é", "e"),
        child_last_name=last,
    )


def rows_for(case_id):
    return st.builds(
        case_row,
        st.just(case_id),
        st.one_of(st.none(), st.integers(-3, 3)),  # few values: many ties to break
        st.sampled_from(("red", "amber", "green", "none")),
        st.sampled_from(NAMES),
        st.sampled_from(WORKERS),
        st.booleans(),
    )


FILTERS = (
    CaseFilter(),
    CaseFilter(open_only=True),
    CaseFilter(rag="red"),
    CaseFilter(caseworker_id=1),
)
SORTS = [None] + [(n, order) for n in range(len(COLUMNS)) for order in Qt.SortOrder]
QUERIES = ("", "smi", "a s", "zz")


@st.composite
def histories(draw):
    """Starting rows, then a series of steps: a case changed, gone (None) or new, or the
    person choosing another filter, search or sort in between."""
    first = [draw(rows_for(n)) for n in range(1, draw(st.integers(0, 12)) + 1)]
    steps = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(("case", "case", "case", "filter", "query", "sort")))
        if kind == "case":
            case_id = draw(st.integers(1, 16))  # 13-16 are new cases
            steps.append(("case", case_id, draw(st.one_of(st.none(), rows_for(case_id)))))
        elif kind == "filter":
            steps.append(("filter", draw(st.sampled_from(FILTERS)), None))
        elif kind == "query":
            steps.append(("query", draw(st.sampled_from(QUERIES)), None))
        else:
            steps.append(("sort", draw(st.sampled_from(SORTS)), None))
    return first, steps


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories(),
    st.sampled_from(SORTS),
    st.sampled_from(FILTERS),
    st.sampled_from(QUERIES),
)
def test_rows_put_in_place_show_what_a_full_reload_shows(history, sort, case_filter, query):
    first, steps = history
    arrival = CaseTableModel.arrival_order
    model = CaseTableModel()
    model.set_cases(CaseList(TODAY, sorted(first, key=arrival)))
    if sort is not None:
        model.sort(*sort)
    model.set_filter(case_filter)
    model.set_query(query)
    for f in FILTERS:
        model.count_matching(f)  # cached now: the counts must follow the changes
    order = [r.case_id for r in sorted(first, key=arrival)]  # the model's own row order
    now = {r.case_id: r for r in first}
    for kind, what, row in steps:
        if kind == "case":
            model.update_cases({what}, CaseList(TODAY, [] if row is None else [row]))
            if row is None:
                now.pop(what, None)
            else:
                order += [] if what in order else [what]
                now[what] = row
        elif kind == "filter":
            case_filter = what
            model.set_filter(what)
        elif kind == "query":
            query = what
            model.set_query(what)
        elif what is not None:  # a sort column chosen (a view never goes back to unsorted)
            sort = what
            model.sort(*what)

    reloaded = CaseTableModel()
    final = [now[i] for i in order if i in now]
    reloaded.set_cases(CaseList(TODAY, sorted(final, key=arrival) if sort is None else final))
    if sort is not None:
        reloaded.sort(*sort)
    reloaded.set_filter(case_filter)
    reloaded.set_query(query)
    assert model.rows() == reloaded.rows()
    assert model.total == reloaded.total
    for f in FILTERS:
        assert model.count_matching(f) == reloaded.count_matching(f), f


def test_a_changed_row_keeps_the_selection_and_passes_the_model_tester(qtmodeltester, qtbot):
    from PySide6.QtWidgets import QTableView

    model = CaseTableModel()
    rows = [case_row(n, n, "green", NAMES[n % 5], WORKERS[0], True) for n in range(1, 9)]
    model.set_cases(CaseList(TODAY, rows))
    model.sort(
        COLUMNS.index(next(c for c in COLUMNS if c.title == "Due")), Qt.SortOrder.AscendingOrder
    )
    qtmodeltester.check(model, force_py=True)  # stays connected: checks every change below
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(2)  # case 3
    reset = []
    model.modelReset.connect(lambda: reset.append(True))

    # Case 3's RAG changes but not its date: it is repainted where it is, still selected.
    model.update_cases({3}, CaseList(TODAY, [case_row(3, 3, "red", NAMES[3], WORKERS[0], True)]))
    assert model.row_at(2).rag == "red"
    assert [i.row() for i in view.selectionModel().selectedRows()] == [2]
    # Case 3 now due last: it moves, and the selection goes with it.
    model.update_cases({3}, CaseList(TODAY, [case_row(3, 30, "red", NAMES[3], WORKERS[0], True)]))
    assert [model.row_at(r).case_id for r in range(model.rowCount())] == [1, 2, 4, 5, 6, 7, 8, 3]
    assert [i.row() for i in view.selectionModel().selectedRows()] == [7]  # moved with it
    # …and back up to the top, still selected.
    model.update_cases({3}, CaseList(TODAY, [case_row(3, -5, "red", NAMES[3], WORKERS[0], True)]))
    assert model.row_at(0).case_id == 3
    assert [i.row() for i in view.selectionModel().selectedRows()] == [0]
    model.update_cases({3}, CaseList(TODAY, [case_row(3, 30, "red", NAMES[3], WORKERS[0], True)]))
    # A new case, and one gone.
    model.update_cases(
        {9, 5}, CaseList(TODAY, [case_row(9, 0, "amber", NAMES[0], WORKERS[1], True)])
    )
    assert [model.row_at(r).case_id for r in range(model.rowCount())] == [9, 1, 2, 4, 6, 7, 8, 3]
    assert not reset  # never a reset: the view kept its place


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
    for row in window.model._rows:
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

    assert window.page._job is None
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
    assert window.page._today == TODAY + timedelta(days=1)


def test_without_a_sort_column_a_changed_row_keeps_the_services_order():
    """Unsorted, the list is in the service's order (by date due); a refilter after rows were
    put in place must not fall back to the order they were first loaded in."""
    model = CaseTableModel()
    model.set_cases(CaseList(TODAY, [case_row(n, n, "green", NAMES[0], WORKERS[0], True)
                                     for n in range(1, 5)]))  # fmt: skip
    model.update_cases({1}, CaseList(TODAY, [case_row(1, 9, "green", NAMES[0], WORKERS[0], True)]))
    assert [r.case_id for r in model.rows()] == [2, 3, 4, 1]
    model.set_filter(CaseFilter(open_only=True))
    assert [r.case_id for r in model.rows()] == [2, 3, 4, 1]
    model.update_cases({3}, CaseList(TODAY, [case_row(3, 10, "green", NAMES[0], WORKERS[0], True)]))
    assert [r.case_id for r in model.rows()] == [2, 4, 1, 3]


def test_a_case_changed_during_a_full_reload_still_reloads_its_open_tab(window):
    """A letter issued while the list was loading: the page reloads everything, and the case's
    own tab (the source of nothing: the letter came from a dialog) must still show it."""
    case_id = window.model.row_at(0).case_id
    view = window.open_case(case_id)
    before = len(view.detail.communications)
    view.work.log_communication(case_id, NOW, "letter", "out", "Family", "Decision letter")
    window.page._today = None  # as if no load had finished: the page reloads everything
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
