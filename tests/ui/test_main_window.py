from datetime import date

import pytest
from PySide6.QtCore import Qt

from caseload_app.services.caselist import CaseList, CaseListService
from caseload_app.services.demo import generate_demo
from caseload_app.ui.main_window import MainWindow
from caseload_app.ui.models.case_table import COLUMNS, CaseTableModel, RagRole, SortRole
from tests.helpers import TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def demo_cases(db):
    generate_demo(db, children=300, seed=3, today=TODAY)
    return CaseListService(db, today=lambda: TODAY)


def test_case_table_model_passes_qt_model_tester(qtmodeltester, demo_cases):
    model = CaseTableModel()
    model.set_cases(demo_cases.list_cases())
    qtmodeltester.check(model, force_py=True)
    model.set_query("smith")
    model.sort(3, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model, force_py=True)


def test_search_is_case_and_accent_insensitive_and_matches_identifiers(demo_cases):
    model = CaseTableModel()
    cases = demo_cases.list_cases()
    model.set_cases(cases)
    first = cases.rows[0]
    model.set_query(first.upn.lower())
    assert [model.row_at(i).case_id for i in range(model.rowCount())] == [first.case_id]
    model.set_query(" ".join((first.nhs_number[:3], first.nhs_number[3:6], first.nhs_number[6:])))
    assert model.rowCount() == 1
    zoe = [r for r in cases.rows if "Zoë" in r.child_name]
    model.set_query("ZOE")
    assert zoe and model.rowCount() >= len(zoe)
    model.set_query("")
    assert model.rowCount() == len(cases.rows)


def test_sorting_by_due_date_puts_the_most_overdue_first(demo_cases):
    model = CaseTableModel()
    model.set_cases(demo_cases.list_cases())
    model.sort(COLUMNS.index(next(c for c in COLUMNS if c.title == "Due")))
    dues = [model.row_at(i).next_due for i in range(model.rowCount())]
    known = [d for d in dues if d is not None]
    assert known == sorted(known) and dues[: len(known)] == known
    top = model.index(0, 5)
    assert model.data(top, RagRole) == "red"
    assert model.data(top).endswith("Overdue")  # RAG as text, not colour alone
    assert model.data(model.index(0, 3), SortRole) == known[0]


def test_main_window_loads_in_the_background_and_filters(qtbot, demo_cases):
    window = MainWindow(demo_cases, "Database: test")
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    qtbot.waitUntil(lambda: window.model.rowCount() == 300, timeout=10_000)
    assert window.count_status.text() == "300 cases"
    assert window.db_status.text() == "Database: test"
    qtbot.keyClicks(window.search, "zzzz-no-such-child")
    assert window.model.rowCount() == 0
    assert window.count_status.text() == "0 of 300 cases shown"
    window.search.clear()
    assert window.model.rowCount() == 300
    due = window.model.index(0, 3).data()
    assert due[:3] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}  # weekday beside date


def test_empty_database_shows_no_cases(qtbot, db):
    window = MainWindow(CaseListService(db, today=lambda: date(2026, 1, 1)), "Database: empty")
    qtbot.addWidget(window)
    window.refresh()
    qtbot.waitUntil(lambda: window.count_status.text() == "0 cases", timeout=10_000)


def test_model_holds_what_it_was_given_and_never_queries(demo_cases):
    """The model is fed rows; it has no database handle to query with."""
    model = CaseTableModel()
    model.set_cases(CaseList(today=TODAY, rows=[]))
    assert model.rowCount() == 0
    assert not any("db" in name.lower() for name in vars(model))
