"""From the search box, Down reaches the results and Enter opens the match; lists sort names
as people expect: by surname, Łukasz among the Ls (it came after Zoë)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from caseload_app.domain.text import person_sort_key, sort_key
from tests.helpers import new_case

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window):
    for first, last, upn in (
        ("Zoë", "Brontë", "L837201500012"),
        ("Łukasz", "Kowalski", ""),
        ("Amy", "Łapińska", ""),
        ("Oscar", "Zielinski", ""),
    ):
        new_case(db, first_name=first, last_name=last, upn=upn, nhs_number="",
                 date_of_birth=date(2015, 3, 2))  # fmt: skip
    return open_window(db)


def test_down_from_the_search_box_reaches_the_results_and_enter_opens_the_match(qtbot, window):
    window.focus_search()
    qtbot.keyClicks(window.search, "kowal")
    window.wait_loaded()
    assert window.model.rowCount() == 1
    qtbot.keyClick(window.search, Qt.Key.Key_Down)
    assert window.table.hasFocus() or window.focusWidget() is window.table
    assert window.table.selectionModel().selectedRows()[0].row() == 0
    window.focus_search()
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.current_case() is not None
    assert window.current_case().title() == "Łukasz Kowalski"


def test_enter_straight_after_typing_opens_the_match_for_every_letter_typed(qtbot, window):
    """The database answers a search off the window's thread: Enter pressed before it has
    answered opens the match for "kowal", not the first case of the list before."""
    window.focus_search()
    qtbot.keyClicks(window.search, "kowal")
    assert window.model.busy  # still asking
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    window.wait_loaded()
    assert window.current_case() is not None
    assert window.current_case().title() == "Łukasz Kowalski"


def test_children_sort_by_surname_with_letters_where_people_look(window):
    window.sidebar.setCurrentRow(2)
    model = window.model
    model.sort(model.column_of("Child"), Qt.SortOrder.AscendingOrder)
    window.wait_loaded()
    assert [model.row_at(r).child_name for r in range(model.rowCount())] == [
        "Zoë Brontë", "Łukasz Kowalski", "Amy Łapińska", "Oscar Zielinski",
    ]  # fmt: skip


def test_sort_keys():
    assert sort_key("Łukasz") < sort_key("Zoë")
    assert sort_key("Ærø") == "aero"
    assert person_sort_key("Smith", "Amy Smith") < person_sort_key("Smith", "Ben Smith")


def test_a_search_s_first_page_says_the_rest_is_still_being_read(db, open_window, monkeypatch):
    """A search in a large view shows its first page before its whole list: the status
    bar says so, then gives the count found."""
    from caseload_app.services.demo import generate_demo
    from caseload_app.ui.models import case_table
    from tests.helpers import TODAY

    generate_demo(db, children=200, seed=4, today=TODAY)
    window = open_window(db)
    monkeypatch.setattr(case_table, "FIRST_SCAN", 150)  # 200 cases: a large view here
    window.sidebar.setCurrentRow(2)  # all cases
    window.wait_loaded()
    total = window.model.total
    window.search.setText("a")
    window.model.wait_answered()
    assert window.model.partial
    assert window.count_status.text() == f"Searching {total:,} cases… the first 100 found shown"
    window.wait_loaded()
    assert not window.model.partial
    assert window.count_status.text() == f"{window.model.rowCount():,} of {total:,} cases shown"
