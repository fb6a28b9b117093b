from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from caseload_app.services.caselist import CaseFilter, CaseListService
from caseload_app.services.demo import generate_demo
from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from caseload_app.ui.context import AppContext
from caseload_app.ui.main_window import MainWindow
from caseload_app.ui.models import case_table
from caseload_app.ui.models.case_table import COLUMNS, CaseTableModel
from caseload_app.ui.models.rows import RagRole, SortRole
from caseload_app.ui.models.week_model import WeekModel
from tests.helpers import TODAY
from tests.ui.test_case_list_window import loaded_model

pytestmark = pytest.mark.gui


@pytest.fixture
def demo_db(db):
    generate_demo(db, children=300, seed=3, today=TODAY)
    return db


@pytest.fixture
def window(demo_db, open_window):
    return open_window(demo_db)


def column(title):
    return next(i for i, c in enumerate(COLUMNS) if c.title == title)


def test_case_table_model_passes_qt_model_tester(qtmodeltester, demo_db, qapp):
    model, _ = loaded_model(demo_db)
    qtmodeltester.check(model, force_py=True)
    model.set_query("smith")
    model.set_filter(CaseFilter(open_only=True))
    model.sort(column("Due"), Qt.SortOrder.DescendingOrder)
    model.wait_listed()
    qtmodeltester.check(model, force_py=True)


def test_week_model_passes_qt_model_tester(qtmodeltester, window):
    assert window.week_model.rowCount() > 0
    qtmodeltester.check(window.week_model, force_py=True)
    qtmodeltester.check(WeekModel(), force_py=True)


def test_search_is_case_and_accent_insensitive_and_matches_identifiers(demo_db, qapp):
    model, _ = loaded_model(demo_db)
    cases = CaseListService(demo_db, today=lambda: TODAY).list_cases()
    first = cases.rows[0]
    model.set_query(first.upn.lower())
    model.wait_listed()
    assert [model.row_at(i).case_id for i in range(model.rowCount())] == [first.case_id]
    model.set_query(" ".join((first.nhs_number[:3], first.nhs_number[3:6], first.nhs_number[6:])))
    model.wait_listed()
    assert model.rowCount() == 1
    zoe = [r for r in cases.rows if "Zoë" in r.child_name]
    model.set_query("ZOE")
    model.wait_listed()
    assert zoe
    assert model.rowCount() >= len(zoe)
    model.set_query("")
    model.wait_listed()
    assert model.rowCount() == len(cases.rows)


def test_sorting_by_due_date_puts_the_most_overdue_first(demo_db, qapp):
    model, _ = loaded_model(demo_db)
    model.sort(column("Due"))
    model.wait_listed()
    dues = [model.row_at(i).next_due for i in range(model.rowCount())]
    known = [d for d in dues if d is not None]
    assert known == sorted(known)
    assert dues[: len(known)] == known
    assert model.data(model.index(0, column("RAG")), RagRole) == "red"
    assert model.data(model.index(0, column("RAG"))).endswith("Overdue")  # text, not colour alone
    assert model.data(model.index(0, column("Due")), SortRole) == known[0]


def test_window_opens_on_my_week_with_counts_per_view(window):
    assert window.pages.currentIndex() == 0
    names = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert names[0].startswith("My week  (")
    assert names[2] == "All cases  (300)"
    mine = window.model.count_matching(CaseFilter(caseworker_id=1, open_only=True))
    assert names[1] == f"My caseload  ({mine:,})"
    assert window.user_status.text() == "Signed in as Asha Patel (single-user laptop: every role)"
    assert window.week_summary.text().startswith("Asha Patel's week: ")
    assert "things to do in the next 7 days" in window.week_summary.text()
    kinds = {window.week_model.item_at(r).kind for r in range(window.week_model.rowCount())}
    assert "contact" in kinds
    assert len(kinds) >= 3  # several kinds of work, from real queries


def test_views_filters_and_search_narrow_the_list(qtbot, window):
    window.sidebar.setCurrentRow(2)
    assert window.count_status.text() == "300 cases"
    window.overdue_filter.setChecked(True)
    window.wait_loaded()  # each filter is the database's to work out, off the window's thread
    rows = [window.model.row_at(r) for r in range(window.model.rowCount())]
    assert rows
    assert all(r.days_left < 0 for r in rows)
    window.overdue_filter.setChecked(False)
    window.stage_filter.setCurrentIndex(window.stage_filter.findData("assessment"))
    window.wait_loaded()
    assert {window.model.row_at(r).stage for r in range(window.model.rowCount())} == {"assessment"}
    qtbot.keyClicks(window.search, "zzzz-no-such-child")
    window.wait_loaded()
    assert window.model.rowCount() == 0
    assert window.count_status.text().startswith("0 of ")
    window.search.clear()
    window.sidebar.setCurrentRow(1)
    window.wait_loaded()
    assert {window.model.row_at(r).caseworker_id for r in range(window.model.rowCount())} == {1}
    assert window.stage_filter.currentData() is None  # the view replaced the earlier filter


def test_the_list_painting_a_first_page_lets_its_whole_list_be_read(window, monkeypatch):
    """The list tells the model once it has painted a search's first page (the whole list
    is read after, not while the page is painted)."""
    monkeypatch.setattr(case_table, "FIRST_SCAN", 100)  # the demo's 300 cases: a large view
    monkeypatch.setattr(case_table, "PAINT_FIRST_MS", 60_000)
    window.sidebar.setCurrentRow(2)
    window.wait_loaded()
    window.search.setText("a")
    window.model.wait_answered()
    assert window.model.partial and window.model.waiting_paint
    window.table.viewport().repaint()
    QApplication.processEvents()
    assert not window.model.waiting_paint
    window.wait_loaded()
    assert not window.model.partial


def test_saved_view_is_pinned_with_its_count_and_remembered(window, monkeypatch):
    window.sidebar.setCurrentRow(2)
    window.contact_filter.setChecked(True)
    window.wait_loaded()
    expected = window.model.rowCount()
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("No recent contact", True))
    window.save_view()
    window.wait_loaded()  # the new view counted
    last = window.sidebar.item(window.sidebar.count() - 1)
    assert last.text() == f"No recent contact  ({expected:,})"
    saved = window.ctx.settings_store.load().saved_views
    assert [(v.name, v.filters) for v in saved] == [("No recent contact", {"no_contact_14": True})]
    window.sidebar.setCurrentRow(2)
    assert not window.contact_filter.isChecked()
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    window.wait_loaded()
    assert window.contact_filter.isChecked()
    assert window.model.rowCount() == expected


def test_empty_database_shows_no_cases(qtbot, db, tmp_path):
    ctx = AppContext(
        db=db,
        db_label="Database: empty",
        settings_store=LocalSettingsStore(tmp_path / "s.json"),
        settings=LocalSettings(),
        today=lambda: date(2026, 1, 1),
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.refresh()
    window.wait_loaded()
    window.sidebar.setCurrentRow(2)
    assert window.count_status.text() == "0 cases"


def test_model_reaches_the_database_only_through_its_source():
    model = CaseTableModel()
    model.reload()  # no source yet: nothing to ask
    assert model.rowCount() == 0 and not model.busy
    assert not any("db" in name.lower() for name in vars(model))


def test_with_nobody_chosen_the_views_say_they_show_the_whole_team(qtbot, window):
    settings = window.ctx.settings
    settings.me_caseworker_id, settings.me_name = None, ""
    window.apply_settings(settings)
    window.wait_loaded()
    names = [window.sidebar.item(i).text() for i in range(3)]
    assert names[0].startswith("Team's week  (")
    assert names[1].startswith("Team's open cases  (")
    assert window.week_summary.text().startswith(
        "The whole team's week (you have not said which caseworker you are: "
        "File → Settings → Who I am): "
    )


def test_my_week_fits_a_laptop_and_a_cut_cell_can_be_read_in_its_tooltip(window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHeaderView

    window.resize(1366, 740)
    header = window.week_table.horizontalHeader()
    rag, what = window.week_model.column_of("RAG"), window.week_model.column_of("What")
    assert header.sectionResizeMode(what) == QHeaderView.ResizeMode.Stretch
    assert header.sectionResizeMode(rag) != QHeaderView.ResizeMode.Stretch
    assert header.sectionSize(rag) <= 200  # it took ~300 px of spare width before
    model = window.model
    child = model.column_of("Child")
    long_row = next(r for r in range(model.rowCount()) if len(model.row_at(r).child_name) > 14)
    cell = model.index(long_row, child)
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == model.data(cell)


def test_all_cases_fits_a_laptop_screen_without_scrolling(window, qtbot):
    """Setting, Stage, Next step and Caseworker were cut and last contact needed scrolling."""
    from PySide6.QtCore import Qt

    window.resize(1366, 740)
    window.show()
    window.sidebar.setCurrentRow(2)
    window.wait_loaded()
    qtbot.waitUntil(lambda: window.table.viewport().width() > 0)
    header = window.table.horizontalHeader()
    assert header.length() <= window.table.viewport().width()  # no sideways scrolling
    model = window.model
    stage, contact = model.column_of("Stage"), model.column_of("Last contact")
    texts = {model.data(model.index(r, stage)) for r in range(model.rowCount())}
    assert "Assessment — gathering advice" not in texts
    assert "Assessment" in texts
    row = next(r for r in range(model.rowCount()) if model.row_at(r).stage == "assessment")
    tip = model.data(model.index(row, stage), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Assessment — gathering advice"
    seen = model.row_at(row)
    said = model.data(model.index(row, contact))
    if seen.last_contact is None:
        assert said == "Never"
    else:
        assert said in ("Today", "1 day ago") or said == f"{seen.days_since_contact:,} days ago"


def test_a_long_saved_view_name_wraps_and_has_a_tooltip(window):
    from PySide6.QtCore import Qt

    from caseload_app.services.settings import SavedView

    settings = window.ctx.settings
    name = "Year 6 transfers with advice still outstanding from health"
    settings.saved_views = [*settings.saved_views, SavedView(name, {"open_only": True})]
    window.apply_settings(settings)
    window.wait_loaded()
    item = window.sidebar.item(window.sidebar.count() - 1)
    assert window.sidebar.wordWrap()
    assert window.sidebar.maximumWidth() <= 150
    assert item.data(Qt.ItemDataRole.ToolTipRole).startswith(f"{name}: ")
