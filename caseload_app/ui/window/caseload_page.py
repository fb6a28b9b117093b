"""The caseload page, the window's first tab: the views in the sidebar (my week, my caseload,
all cases, saved views), my week, and the case list with its filters and search.

It loads in the background (my week first, then the list) and, after a save, puts right only
the cases that changed (`update_cases`). It never opens a case itself: it asks the window to
(`case_wanted`), and tells it what the status bar should say (`status`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.caselist import CaseFilter
from caseload_app.services.myweek import MyWeek
from caseload_app.services.settings import SavedView
from caseload_app.ui.context import AppContext
from caseload_app.ui.models.case_table import COLUMN_WIDTHS, COLUMNS, CaseSource, CaseTableModel
from caseload_app.ui.models.week_model import WeekModel
from caseload_app.ui.widgets.blocks import read_only_table
from caseload_app.ui.worker import Job, run_in_background, wait_for

ViewRole = Qt.ItemDataRole.UserRole + 10


@dataclass(frozen=True)
class View:
    """A sidebar entry: my week, or a case list with a filter."""

    name: str
    case_filter: CaseFilter | None  # None: the my-week page
    saved_index: int | None = None


def _table(name: str) -> QTableView:
    table = read_only_table(QTableView(), name, many=True)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class CaseloadPage(QSplitter):
    week_loaded = Signal()  # my week is shown; the case list may still be loading
    loaded = Signal()  # a load finished (successfully or not)
    case_wanted = Signal(int, str)  # a case to open, and the tab to show ("" for the first)
    update_wanted = Signal(int, str)  # a family's update to draft: case_id, the child's name
    queue_wanted = Signal()  # the update queue: My week's line for the families not listed
    status = Signal(str)  # what the status bar says: how many cases or things to do

    def __init__(
        self, ctx: AppContext, caseworkers: list[CaseworkerInfo], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.caseworkers = list(caseworkers)
        self._job: Job | None = None  # my week being read
        self._loading = False  # from a load's start until its list is in
        self._again = False  # a load was asked for while one was under way
        self._open_only = False  # part of the chosen view, not shown as a filter widget
        self._then: Callable[[], None] | None = None  # a key pressed before the list came
        self._build()
        # A save is put in its place in the list shown only on a laptop file: on a team
        # database colleagues' saves since would leave the order it is placed in unsorted
        # (a reviewer showed a case placed among cases that sort before it), so the whole
        # order is read again, theirs put right with it.
        counts = self._view_counts if self.ctx.login is None else None
        self.model.set_source(CaseSource(self._listing, self._rows_by_id, self._first_page, counts))
        self.model.listed.connect(self._on_listed)
        self.model.paged.connect(self._update_count)
        self.model.paged.connect(self._watch_paint)
        self.model.failed.connect(self._failed)
        self.rebuild_sidebar()

    # Bound methods, not lambdas: run on a worker thread, they read ctx.db when called (a
    # restore may have replaced it).
    def _listing(self, *asked):
        return self.ctx.case_window().listing(*asked)

    def _rows_by_id(self, case_ids: list[int]):
        return self.ctx.case_window().rows_by_id(case_ids)

    def _first_page(self, *searched):
        return self.ctx.case_window().first_page(*searched)

    def _view_counts(self, views):
        return self.ctx.case_window().counts(views)

    def _build(self) -> None:
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Views")
        self.sidebar.setMaximumWidth(150)
        self.sidebar.setWordWrap(True)  # a long saved view's name wraps rather than being cut
        self.sidebar.currentItemChanged.connect(self._on_view_chosen)

        self.week_model = WeekModel(self)
        self.week_table = _table("My week")
        self.week_table.setModel(self.week_model)
        header = self.week_table.horizontalHeader()
        for column, width in enumerate((170, 170, 330, 120, 120, 150)):
            header.resizeSection(column, width)
        # "What" takes the spare width, not the RAG column (which wasted ~300 px at 1366).
        header.setStretchLastSection(False)
        header.setSectionResizeMode(
            self.week_model.column_of("What"), QHeaderView.ResizeMode.Stretch
        )
        self.week_table.doubleClicked.connect(self._open_week_item)
        self.week_table.activated.connect(self._open_week_item)
        self.week_summary = QLabel()
        week_page = QWidget()
        week_layout = QVBoxLayout(week_page)
        week_layout.addWidget(self.week_summary)
        week_layout.addWidget(self.week_table)

        self.model = CaseTableModel(self)
        self.table = _table("Cases")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        for column, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(
            self.model.column_of("Next step"), QHeaderView.ResizeMode.Stretch
        )
        due = next(i for i, c in enumerate(COLUMNS) if c.title == "Due")
        self.table.sortByColumn(due, Qt.SortOrder.AscendingOrder)
        self.table.doubleClicked.connect(
            lambda index: self.case_wanted.emit(self.model.case_id_at(index.row()), "")
        )
        self.table.activated.connect(
            lambda index: self.case_wanted.emit(self.model.case_id_at(index.row()), "")
        )
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.addLayout(self._build_filter_bar())
        list_layout.addWidget(self.table)

        self.pages = QStackedWidget()
        self.pages.addWidget(week_page)
        self.pages.addWidget(list_page)
        self.addWidget(self.sidebar)
        self.addWidget(self.pages)
        self.setStretchFactor(1, 1)
        self.setSizes([165, 1195])

    def _build_filter_bar(self) -> QVBoxLayout:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, UPN, NHS number, postcode or phone  (Ctrl+F)")
        self.search.setAccessibleName("Search cases")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._open_first_result)
        self.search.installEventFilter(self)  # Down moves into the results

        self.stage_filter = self._combo("Stage", [(c.code, c.label) for c in codes.stages()])
        self.rag_filter = self._combo(
            "RAG",
            [
                (Rag.RED, "Overdue"),
                (Rag.AMBER, "Due soon"),
                (Rag.GREEN, "On track"),
                (Rag.GREY, "Exception"),
                (Rag.NONE, "Closed"),
            ],
        )
        self.need_filter = self._combo("Need", [(c.code, c.code) for c in codes.primary_needs()])
        self.worker_filter = self._combo("Caseworker", [(w.id, w.name) for w in self.caseworkers])
        self.overdue_filter = self._check("&Overdue")
        self.week_filter = self._check("Due this &week")
        self.contact_filter = self._check("No contact &14+ days")
        save = QPushButton("Sa&ve view…")
        save.setAccessibleName("Save these filters as a view")
        save.clicked.connect(self.save_view)

        row = QHBoxLayout()
        combos: tuple[tuple[str, QComboBox], ...] = (
            ("Stage", self.stage_filter),
            ("RAG", self.rag_filter),
            ("Need", self.need_filter),
            ("Caseworker", self.worker_filter),
        )
        for label, combo in combos:
            caption = QLabel(label)
            caption.setBuddy(combo)
            row.addWidget(caption)
            row.addWidget(combo)
        for widget in (self.overdue_filter, self.week_filter, self.contact_filter):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(save)
        layout = QVBoxLayout()
        layout.addWidget(self.search)
        layout.addLayout(row)
        return layout

    def _combo(self, name: str, items: list[tuple[object, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(f"Filter by {name.lower()}")
        combo.addItem("Any", None)
        for value, label in items:
            combo.addItem(label, value)
        combo.currentIndexChanged.connect(self._on_filter_widgets_changed)
        return combo

    def _check(self, text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setAccessibleName(text.replace("&", ""))
        box.toggled.connect(self._on_filter_widgets_changed)
        return box

    def _views(self) -> list[View]:
        me = self.ctx.settings.me_caseworker_id
        # Nobody chosen: the views show the whole team, and say so.
        views = [
            View("My week" if me else "Team's week", None),
            View(
                "My caseload" if me else "Team's open cases",
                CaseFilter(caseworker_id=me, open_only=True) if me else CaseFilter(open_only=True),
            ),
            View("All cases", CaseFilter()),
        ]
        views += [
            View(v.name, CaseFilter.from_dict(v.filters), saved_index=i)
            for i, v in enumerate(self.ctx.settings.saved_views)
        ]
        return views

    def rebuild_sidebar(self) -> None:
        current = self.sidebar.currentRow()
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        for view in self._views():
            item = QListWidgetItem(view.name)
            item.setData(ViewRole, view)
            self.sidebar.addItem(item)
        self.sidebar.blockSignals(False)
        self.model.set_views(self._counted_views())  # counts a view saved since asked
        self._update_counts()
        if 0 <= current < self.sidebar.count():
            self.sidebar.setCurrentRow(current)

    def _update_counts(self) -> None:
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            view: View = item.data(ViewRole)
            if view.case_filter is None:
                count: int | None = self.week_model.rowCount()
            else:
                count = self.model.count_matching(view.case_filter)
            if count is None:  # not counted yet (a view saved since the last count)
                item.setText(view.name)
                continue
            item.setText(f"{view.name}  ({count:,})")
            item.setToolTip(f"{view.name}: {how_many(count, 'case', 'cases')}")

    def _on_view_chosen(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is None:
            return
        view: View = item.data(ViewRole)
        if view.case_filter is None:
            self.pages.setCurrentIndex(0)
            self.week_table.setFocus()
        else:
            self.pages.setCurrentIndex(1)
            self._show_filter(view.case_filter)
        self._update_count()

    def _show_filter(self, case_filter: CaseFilter) -> None:
        widgets = (
            self.stage_filter,
            self.rag_filter,
            self.need_filter,
            self.worker_filter,
            self.overdue_filter,
            self.week_filter,
            self.contact_filter,
        )
        for widget in widgets:
            widget.blockSignals(True)
        for combo, value in (
            (self.stage_filter, case_filter.stage),
            (self.rag_filter, case_filter.rag),
            (self.need_filter, case_filter.primary_need),
            (self.worker_filter, case_filter.caseworker_id),
        ):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self.overdue_filter.setChecked(case_filter.overdue)
        self.week_filter.setChecked(case_filter.due_this_week)
        self.contact_filter.setChecked(case_filter.no_contact_14)
        for widget in widgets:
            widget.blockSignals(False)
        self._open_only = case_filter.open_only
        self.model.set_filter(case_filter)

    def show_cases(self, case_filter: CaseFilter) -> None:
        """All cases, narrowed by this filter (e.g. the cases behind a board cell)."""
        self.sidebar.setCurrentRow(2)
        self._show_filter(case_filter)
        self._update_count()

    def current_filter(self) -> CaseFilter:
        return CaseFilter(
            caseworker_id=self.worker_filter.currentData(),
            stage=self.stage_filter.currentData(),
            rag=self.rag_filter.currentData(),
            primary_need=self.need_filter.currentData(),
            overdue=self.overdue_filter.isChecked(),
            due_this_week=self.week_filter.isChecked(),
            no_contact_14=self.contact_filter.isChecked(),
            open_only=self._open_only,
        )

    def _on_filter_widgets_changed(self, *_args) -> None:
        self.model.set_filter(self.current_filter())

    def _on_search(self, text: str) -> None:
        self.model.set_query(text)

    def save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "Save view", "Name for this view:")
        name = name.strip()
        if not ok or not name:
            return
        views = [v for v in self.ctx.settings.saved_views if v.name != name]
        views.append(SavedView(name, self.current_filter().to_dict()))
        self.ctx.settings.saved_views = views
        self.ctx.settings_store.save(self.ctx.settings)
        self.rebuild_sidebar()
        self.sidebar.setCurrentRow(self.sidebar.count() - 1)

    def remove_view(self) -> None:
        item = self.sidebar.currentItem()
        view: View | None = item.data(ViewRole) if item else None
        if view is None or view.saved_index is None:
            QMessageBox.information(self, "Remove view", "Choose one of your saved views first.")
            return
        del self.ctx.settings.saved_views[view.saved_index]
        self.ctx.settings_store.save(self.ctx.settings)
        self.sidebar.setCurrentRow(2)
        self.rebuild_sidebar()

    def _watch_paint(self) -> None:
        """A search's first page is shown: its whole list is read once the list has painted
        it (watched for that one paint only: a filter on every event would cost more)."""
        self.table.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.model.painted)  # once this paint is done
            return False
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._when_listed(self._enter_results)
            return True
        return super().eventFilter(watched, event)

    def _when_listed(self, then: Callable[[], None]) -> None:
        """Act on the list for what was typed last: now, or once the database has answered
        (Enter straight after typing must not open the match for the letters before)."""
        if self.model.busy:
            self._then = then
        else:
            then()

    def _enter_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(max(0, self.table.currentIndex().row()))

    def _open_first_result(self) -> None:
        """Enter in the search box opens the match: the only one, or the first shown."""
        self._when_listed(self._open_first)

    def _open_first(self) -> None:
        if self.model.rowCount():
            self.case_wanted.emit(self.model.case_id_at(0), "")

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reload my week, then the case list, without blocking the window. My week comes
        first: it is the page the window opens on, and takes a fraction of the time."""
        if self._loading:
            self._again = True  # e.g. a save during a load: load again once this one ends
            return
        self._loading = True
        self.status.emit("Loading cases…")
        me = self.ctx.settings.me_caseworker_id
        week = self.ctx.week()
        # Bound methods, not lambdas: Qt drops them if the window is gone when the job ends.
        self._job = run_in_background(lambda: week.my_week(me), self._week_done, self._failed)

    def _week_done(self, week: MyWeek) -> None:
        self._job = None
        self.week_model.set_week(week)
        self._show_week_summary()
        self.model.reload(self._counted_views())
        self.week_loaded.emit()  # after the list's load has started: a handler may wait for it

    def _counted_views(self) -> list[CaseFilter]:
        return [v.case_filter for v in self._views() if v.case_filter is not None]

    def _show_week_summary(self) -> None:
        items = self.week_model.rows()
        overdue = sum(1 for i in items if i.rag == Rag.RED)
        me = self.ctx.settings.me_name if self.ctx.settings.me_caseworker_id else None
        whose = (
            f"{me}'s week: "
            if me
            else "The whole team's week (you have not said which caseworker you are: "
            "File → Settings → Who I am): "
        )
        self.week_summary.setText(
            whose + f"{how_many(len(items), 'thing', 'things')} to do in the next 7 days — "
            f"{overdue:,} overdue. Double-click a line to open the case."
        )

    def _on_listed(self) -> None:
        self._update_counts()
        self._update_count()
        then, self._then = self._then, None
        if then is not None:
            then()
        if not self._loading or self._job is not None:
            return  # a listing asked before the load's (my week is still being read)
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()  # `loaded` comes when that one ends
            return
        self.loaded.emit()

    def update_cases(self, case_ids: Collection[int]) -> set[int] | None:
        """After a save: put right only what these cases show — their rows in the list (and
        their families' other cases) at once, then the list's order and the sidebar's counts
        asked again off the window's thread; their lines in my week.
        Returns the cases put right (None: everything is being reloaded instead)."""
        if self._loading or self.model.today is None:
            self.refresh()  # a load is under way (it loads again when it ends) or none has ended
            return None
        me = self.ctx.settings.me_caseworker_id
        rows = self.ctx.cases().rows_for(case_ids)
        if rows.today != self.model.today:
            self.refresh()  # a new day: every case's days left and colour have moved
            return None
        touched = set(case_ids) | {row.case_id for row in rows.rows}
        self.model.update_cases(touched, rows.rows)
        self.week_model.update_cases(touched, self.ctx.week().my_week(me, touched))
        self._show_week_summary()
        self._update_counts()
        return touched

    def _failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._then = None  # Enter pressed for a search that failed opens nothing later
        was_loading, self._loading, self._again = self._loading, False, False
        self.status.emit("Could not load cases")
        if was_loading:
            self.loaded.emit()
        QMessageBox.critical(self, "Could not load cases", f"{exc}\n\n{details[-2000:]}")

    def _update_count(self) -> None:
        if self.pages.currentIndex() == 0:
            text = how_many(self.week_model.rowCount(), "thing", "things") + " to do"
        else:
            shown, total = self.model.rowCount(), self.model.total
            text = how_many(total, "case", "cases")
            if self.model.partial:  # a search's first page, the rest still being read
                text = f"Searching {text}… the first {shown:,} found shown"
            elif shown != total:
                text = f"{shown:,} of {text} shown"
        self.status.emit(text)

    def wait_loaded(self, timeout_ms: int = 30_000) -> None:
        """For tests, screenshots and the self-test: wait until the load, and any listing
        asked for since (a search, a filter, a sort, a save's), has been shown."""
        if self._loading:
            wait_for(self.loaded, timeout_ms)
        self.model.wait_listed(timeout_ms)

    def _open_week_item(self, index) -> None:
        item = self.week_model.item_at(index.row())
        if item.kind == "updates":  # no case: the families due an update beyond those listed
            self.queue_wanted.emit()
            return
        self.case_wanted.emit(item.case_id, item.tab)
        if item.kind == "update":  # the update itself, drafted, over the case
            self.update_wanted.emit(item.case_id, item.child_name)

    def selected_rows(self) -> list:
        """The cases selected in the list, in the order shown (none while my week shows)."""
        if self.pages.currentIndex() != 1:
            return []
        rows = sorted(r.row() for r in self.table.selectionModel().selectedRows())
        return self.model.rows_at(rows)

    def set_caseworkers(self, caseworkers: list[CaseworkerInfo]) -> None:
        """After the team changed: the caseworker filter offers the team as it is now."""
        self.caseworkers = list(caseworkers)
        held = self.worker_filter.currentData()
        self.worker_filter.blockSignals(True)
        while self.worker_filter.count() > 1:  # keep "Any"
            self.worker_filter.removeItem(1)
        for worker in self.caseworkers:
            self.worker_filter.addItem(worker.name, worker.id)
        self.worker_filter.setCurrentIndex(max(0, self.worker_filter.findData(held)))
        self.worker_filter.blockSignals(False)
