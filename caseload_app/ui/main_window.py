"""The main window: my week, the case list with views and filters, and open cases as tabs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseload_app import __version__, logs
from caseload_app.domain import codes
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.services.case_read import CaseworkerInfo
from caseload_app.services.caselist import CaseFilter, CaseList
from caseload_app.services.myweek import MyWeek
from caseload_app.services.settings import SavedView
from caseload_app.ui.case import CaseView
from caseload_app.ui.context import AppContext
from caseload_app.ui.idle import IdleWatch
from caseload_app.ui.models.case_table import COLUMN_WIDTHS, COLUMNS, CaseTableModel
from caseload_app.ui.models.week_model import WeekModel
from caseload_app.ui.window.data_safety import DataSafetyCommands
from caseload_app.ui.window.lock import IdleLock
from caseload_app.ui.window.printing import PrintingCommands
from caseload_app.ui.window.team_lead import TeamLeadCommands
from caseload_app.ui.worker import run_in_background

ViewRole = Qt.ItemDataRole.UserRole + 10


def _save_details(view) -> None:
    for form in (view.overview.child_form, view.overview.family_form):
        if form.save_button.isEnabled():
            form.save()


# (menu text, shortcut, tab, what to press there): every case action is also in the menu.
CASE_COMMANDS = (
    ("&Save details", "Ctrl+S", "overview", _save_details),
    ("Record e&xception…", "Ctrl+E", "timeline", lambda v: v.timeline.exception_button.click()),
    ("Request &advice…", "Ctrl+Shift+A", "advice", lambda v: v.advice.request_button.click()),
    ("C&hase advice…", "Ctrl+Shift+C", "advice", lambda v: v.advice.chase_button.click()),
    ("Add &task…", "Ctrl+T", "tasks", lambda v: v.tasks.add_button.click()),
    ("&Book review…", "Ctrl+Shift+B", "reviews", lambda v: v.reviews.book_button.click()),
    (
        "Add &disagreement…",
        "Ctrl+Shift+D",
        "disagreements",
        lambda v: v.disagreements.add_button.click(),
    ),
    ("Add &contact…", "Ctrl+Shift+K", "overview", lambda v: v.overview.add_contact_button.click()),
)


@dataclass(frozen=True)
class View:
    """A sidebar entry: my week, or a case list with a filter."""

    name: str
    case_filter: CaseFilter | None  # None: the my-week page
    saved_index: int | None = None


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def about_text(ctx: AppContext) -> str:
    """Version and where everything is: what IT asks for first."""
    path = ctx.db.path
    if path is None:
        backups = "kept by the team database's administrator"
    else:
        backups = str(ctx.backups_folder or path.parent / "backups")
    log = logs.log_file()
    return (
        f"caseload {__version__}\n"
        "EHCP caseload manager for council SEND teams.\n\n"
        f"{ctx.db_label}\n"  # "Database: …", "Team database: …" or "Demo data …"
        f"Backups: {backups}\n"
        f"Log: {log if log else 'not being written (the log folder cannot be written)'}\n"
        f"Settings: {ctx.settings_store.path}"
    )


class MainWindow(PrintingCommands, DataSafetyCommands, TeamLeadCommands, IdleLock, QMainWindow):
    week_loaded = Signal()  # my week is shown; the case list may still be loading
    loaded = Signal()  # a refresh finished (successfully or not)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._job = None
        self._again = False  # a refresh was asked for while one was loading
        self._today: date | None = None  # the day the shown lists were worked out for
        self._open_only = False  # part of the chosen view, not shown as a filter widget
        self._caseworkers: list[CaseworkerInfo] = ctx.work().caseworkers()
        self.setWindowTitle("caseload — EHCP caseload manager")
        self.resize(1366, 740)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.addTab(self._build_caseload_page(), "Caseload")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        self.central = QStackedWidget()
        self.central.addWidget(self.tabs)
        self.central.addWidget(self._build_lock_page())
        self.setCentralWidget(self.central)
        self._hidden_while_locked: list[QWidget] = []
        self.idle = IdleWatch(ctx.settings.idle_lock_minutes, self.lock_idle, parent=self)
        app = QApplication.instance()
        if app is not None:  # this window (once shown) and every dialog that takes focus
            app.focusWindowChanged.connect(self.idle.watch)

        self.db_status = QLabel(ctx.db_label)
        self.db_status.setTextFormat(Qt.TextFormat.PlainText)
        self.user_status = QLabel()
        self.user_status.setTextFormat(Qt.TextFormat.PlainText)
        self.count_status = QLabel("Loading cases…")
        self.statusBar().addWidget(self.db_status, 1)
        self.statusBar().addPermanentWidget(self.user_status)
        self.statusBar().addPermanentWidget(self.count_status)
        self._build_menus()
        self._rebuild_sidebar()
        self._update_user_status()
        self.sidebar.setCurrentRow(0)

    # ------------------------------------------------------------------ building
    def _build_caseload_page(self) -> QWidget:
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
            lambda index: self.open_case(self.model.row_at(index.row()).case_id)
        )
        self.table.activated.connect(
            lambda index: self.open_case(self.model.row_at(index.row()).case_id)
        )
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.addLayout(self._build_filter_bar())
        list_layout.addWidget(self.table)

        self.pages = QStackedWidget()
        self.pages.addWidget(week_page)
        self.pages.addWidget(list_page)
        splitter = QSplitter()
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([165, 1195])
        return splitter

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
        self.worker_filter = self._combo("Caseworker", [(w.id, w.name) for w in self._caseworkers])
        self.overdue_filter = self._check("&Overdue")
        self.week_filter = self._check("Due this &week")
        self.contact_filter = self._check("No contact &14+ days")
        save = QPushButton("Sa&ve view…")
        save.setAccessibleName("Save these filters as a view")
        save.clicked.connect(self.save_view)

        row = QHBoxLayout()
        for label, widget in (
            ("Stage", self.stage_filter),
            ("RAG", self.rag_filter),
            ("Need", self.need_filter),
            ("Caseworker", self.worker_filter),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
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

    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut=None) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file_menu = self.menuBar().addMenu("&File")
        action(file_menu, "&New request…", self.new_request, "Ctrl+N")
        action(file_menu, "&Import a spreadsheet…", self.import_spreadsheet, "Ctrl+Shift+I")
        action(file_menu, "&Settings…", self.open_settings, "Ctrl+,")
        action(file_menu, "Letter &templates…", self.edit_templates, "Ctrl+Shift+T")
        action(file_menu, "&Weekly leadership report…", self.weekly_report, "Ctrl+Shift+W")
        export_menu = file_menu.addMenu("E&xport")
        action(export_menu, "The &case list (CSV)…", self.export_case_list, "Ctrl+Shift+E")
        action(export_menu, "The &SEN2 return (CSV)…", self.export_sen2)
        file_menu.addSeparator()
        action(file_menu, "&Backups and restore…", self.open_backups, "Ctrl+Alt+B")
        action(file_menu, "T&rash…", self.open_trash, "Ctrl+Alt+T")
        action(file_menu, "&Audit trail…", self.open_audit, "Ctrl+Alt+U")
        action(file_menu, "R&etention review…", self.open_retention, "Ctrl+Alt+R")
        action(file_menu, "&People and roles…", self.open_people, "Ctrl+Alt+P")
        action(file_menu, "&Caseworkers and absences…", self.open_team, "Ctrl+Alt+C")
        file_menu.addSeparator()
        action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        case_menu = self.menuBar().addMenu("&Case")
        action(case_menu, "&Open selected case", self.open_selected, "Ctrl+O")
        action(case_menu, "&Log contact…", self.log_contact, "Ctrl+L")
        self.stage_menu = case_menu.addMenu("Record &stage action")
        self.stage_menu.aboutToShow.connect(self._fill_stage_menu)
        for text, shortcut, tab, press in CASE_COMMANDS:
            action(case_menu, text, self._case_command(tab, press), shortcut)
        go_menu = case_menu.addMenu("&Go to tab")
        for number, tab in enumerate(CaseView.TABS, start=1):
            action(
                go_menu,
                f"&{number} {tab.capitalize()}",
                self._case_command(tab, None),
                f"Alt+{number}",
            )
        case_menu.addSeparator()
        action(
            case_menu, "&Print case summary…", self.print_summary, QKeySequence.StandardKey.Print
        )
        action(case_menu, "Write l&etter…", self.write_letter, "Ctrl+Shift+L")
        action(case_menu, "&Reprint selected letter…", self.reprint_letter, "Ctrl+Shift+P")
        action(case_menu, "Reassi&gn selected cases…", self.reassign_selected, "Ctrl+R")
        action(case_menu, "Recent &moves…", self.recent_moves)
        action(case_menu, "Print s&ummaries for selected cases…", self.bulk_summaries)
        action(case_menu, "Letter &for selected cases…", self.bulk_letters)
        case_menu.addSeparator()
        action(case_menu, "&Delete case…", self.delete_case, "Ctrl+Shift+Delete")
        action(case_menu, "&Close case tab", self.close_current_tab, "Ctrl+W")

        view_menu = self.menuBar().addMenu("&View")
        action(view_menu, "&Lock now", lambda: self.lock_screen(), "Ctrl+Alt+L")
        action(view_menu, "My &week", lambda: self.show_list(0), "Ctrl+1")
        action(view_menu, "My &caseload", lambda: self.show_list(1), "Ctrl+2")
        action(view_menu, "&All cases", lambda: self.show_list(2), "Ctrl+3")
        action(view_menu, "Workload &board", self.open_board, "Ctrl+4")
        action(view_menu, "&Phase transfers", self.open_planner, "Ctrl+5")
        view_menu.addSeparator()
        action(view_menu, "&Find…", self.focus_search, QKeySequence.StandardKey.Find)
        action(view_menu, "&Refresh", self.refresh, QKeySequence.StandardKey.Refresh)
        view_menu.addSeparator()
        action(view_menu, "&Save filters as view…", self.save_view, "Ctrl+Shift+S")
        action(view_menu, "Remove saved &view", self.remove_view)

        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "&Guide…", lambda: self.show_guide(), "F1")
        action(help_menu, "&Keyboard shortcuts…", lambda: self.show_guide(shortcuts=True))
        action(help_menu, "&About caseload…", self.show_about)

    def show_guide(self, shortcuts: bool = False) -> None:
        from caseload_app.ui.dialogs.guide_dialog import GuideDialog, menu_shortcuts

        self.guide = GuideDialog(menu_shortcuts(self.menuBar()), self, show_shortcuts=shortcuts)
        self.guide.show()

    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "About caseload",
            about_text(self.ctx),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    # ------------------------------------------------------------------ views and filters
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

    def _rebuild_sidebar(self) -> None:
        current = self.sidebar.currentRow()
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        for view in self._views():
            item = QListWidgetItem(view.name)
            item.setData(ViewRole, view)
            self.sidebar.addItem(item)
        self.sidebar.blockSignals(False)
        self._update_counts()
        if 0 <= current < self.sidebar.count():
            self.sidebar.setCurrentRow(current)

    def _update_counts(self) -> None:
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            view: View = item.data(ViewRole)
            if view.case_filter is None:
                count = self.week_model.rowCount()
            else:
                count = self.model.count_matching(view.case_filter)
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
        self._update_count()

    def _on_search(self, text: str) -> None:
        self.model.set_query(text)
        self._update_count()

    def save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "Save view", "Name for this view:")
        name = name.strip()
        if not ok or not name:
            return
        views = [v for v in self.ctx.settings.saved_views if v.name != name]
        views.append(SavedView(name, self.current_filter().to_dict()))
        self.ctx.settings.saved_views = views
        self.ctx.settings_store.save(self.ctx.settings)
        self._rebuild_sidebar()
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
        self._rebuild_sidebar()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount()
        ):
            self.table.setFocus()
            self.table.selectRow(max(0, self.table.currentIndex().row()))
            return True
        return super().eventFilter(watched, event)

    def _open_first_result(self) -> None:
        """Enter in the search box opens the match: the only one, or the first shown."""
        if self.model.rowCount():
            self.open_case(self.model.row_at(0).case_id)

    def focus_search(self) -> None:
        if self.sidebar.currentRow() == 0:
            self.sidebar.setCurrentRow(2)
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        """Reload my week, then the case list, without blocking the window. My week comes
        first: it is the page the window opens on, and takes a fraction of the time."""
        if self._job is not None:
            self._again = True  # e.g. a save during a load: load again once this one ends
            return
        self.count_status.setText("Loading cases…")
        me = self.ctx.settings.me_caseworker_id
        week = self.ctx.week()
        # Bound methods, not lambdas: Qt drops them if the window is gone when the job ends.
        self._job = run_in_background(lambda: week.my_week(me), self._week_done, self._failed)

    def _week_done(self, week: MyWeek) -> None:
        self.week_model.set_week(week)
        self._show_week_summary()
        self._job = run_in_background(self.ctx.cases().list_cases, self._list_done, self._failed)
        self.week_loaded.emit()  # after the list's load has started: a handler may wait for it

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

    def _list_done(self, cases: CaseList) -> None:
        self._job = None
        self._today = cases.today
        self.model.set_cases(cases)
        self._update_counts()
        self._update_count()
        if self._again:
            self._again = False
            self.refresh()  # `loaded` comes when that one ends
            return
        self.loaded.emit()

    def cases_changed(self, case_ids: Collection[int], source: CaseView | None = None) -> None:
        """After a save: put right only what these cases show — their rows in the list (and
        their families' other cases), their lines in my week, the sidebar's counts and any
        other open tab of theirs. A few milliseconds at 50,000 children, where reloading
        everything took about a second."""
        if self._job is not None or self._today is None:
            self.refresh()  # a load is under way (it loads again when it ends) or none has ended
            return
        me = self.ctx.settings.me_caseworker_id
        rows = self.ctx.cases().rows_for(case_ids)
        if rows.today != self._today:
            self.refresh()  # a new day: every case's days left and colour have moved
            return
        touched = set(case_ids) | {row.case_id for row in rows.rows}
        self.model.update_cases(touched, rows)
        self.week_model.update_cases(touched, self.ctx.week().my_week(me, touched))
        self._show_week_summary()
        self._update_counts()
        self._update_count()
        for index in range(1, self.tabs.count()):
            view = self.tabs.widget(index)
            if isinstance(view, CaseView) and view is not source and view.case_id in touched:
                view.reload()

    def _failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._again = False
        self.count_status.setText("Could not load cases")
        self.loaded.emit()
        QMessageBox.critical(self, "Could not load cases", f"{exc}\n\n{details[-2000:]}")

    def _update_count(self) -> None:
        if self.pages.currentIndex() == 0:
            text = how_many(self.week_model.rowCount(), "thing", "things") + " to do"
        else:
            shown, total = self.model.rowCount(), self.model.total
            text = how_many(total, "case", "cases")
            if shown != total:
                text = f"{shown:,} of {text} shown"
        self.count_status.setText(text)

    # ------------------------------------------------------------------ status
    def _update_user_status(self) -> None:
        roles = self.ctx.access().describe()
        self.user_status.setText(f"Signed in as {self.ctx.user} ({roles})")

    def wait_loaded(self, timeout_ms: int = 30_000) -> None:
        """For tests, screenshots and the self-test: wait until the load has finished."""
        if self._job is None:
            return
        loop = QEventLoop()  # a real event loop lets the loading thread have the GIL
        self.loaded.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        self.loaded.disconnect(loop.quit)

    # ------------------------------------------------------------------ cases in tabs
    def open_case(self, case_id: int, tab: str | None = None):
        for index in range(1, self.tabs.count()):
            view = self.tabs.widget(index)
            if isinstance(view, CaseView) and view.case_id == case_id:
                self.tabs.setCurrentIndex(index)
                if tab:
                    view.show_tab(tab)
                return view
        view = CaseView(self.ctx.work(), case_id, self._caseworkers, self)
        view.changed.connect(lambda case_id, v=view: self.cases_changed({case_id}, v))
        view.open_case.connect(self.open_case)
        view.decision_recorded.connect(self.offer_decision_letter)
        index = self.tabs.addTab(view, view.title())
        self.tabs.setCurrentIndex(index)
        if tab:
            view.show_tab(tab)
        return view

    def _open_week_item(self, index) -> None:
        item = self.week_model.item_at(index.row())
        self.open_case(item.case_id, item.tab)

    def open_selected(self) -> None:
        table, pick = (
            (self.week_table, lambda r: self.week_model.item_at(r).case_id)
            if self.pages.currentIndex() == 0
            else (self.table, lambda r: self.model.row_at(r).case_id)
        )
        rows = table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, "Open case", "Select a case in the list first.")
            return
        for row in rows[:10]:  # opening hundreds of tabs by accident helps nobody
            self.open_case(pick(row.row()))

    def log_contact(self) -> None:
        current = self.current_case()
        if current is not None:
            current.log_contact()
            return
        rows = self.table.selectionModel().selectedRows() if self.pages.currentIndex() else []
        if not rows:
            QMessageBox.information(
                self, "Log contact", "Open a case, or select one in the list, to log a contact."
            )
            return
        view = self.open_case(self.model.row_at(rows[0].row()).case_id, "communications")
        view.log_contact()

    def current_case(self) -> CaseView | None:
        view = self.tabs.currentWidget()
        return view if isinstance(view, CaseView) else None

    def _case_command(self, tab: str, press):
        """A menu command for the open case: show its tab, then press the tab's button."""

        def run() -> None:
            view = self.current_case()
            if view is None:
                QMessageBox.information(self, "No case open", "Open a case first.")
                return
            view.show_tab(tab)
            if press is not None:
                press(view)

        return run

    def _fill_stage_menu(self) -> None:
        self.stage_menu.clear()
        view = self.current_case()
        for key, label in view.detail.actions if view is not None else ():
            press = self._case_command(
                "timeline", lambda v, k=key: v.timeline.action_buttons[k].click()
            )
            self.stage_menu.addAction(f"{label}…").triggered.connect(press)
        if self.stage_menu.isEmpty():
            self.stage_menu.addAction("(open a case to see what can happen next)").setEnabled(False)

    def close_current_tab(self) -> None:
        if self.tabs.currentIndex() > 0:
            self.close_tab(self.tabs.currentIndex())

    def close_tab(self, index: int) -> bool:
        if index == 0:
            return False
        view = self.tabs.widget(index)
        unsaved = isinstance(view, CaseView) and view.has_unsaved_changes()
        if unsaved and not self._confirm_discard(view.title()):
            return False
        self.tabs.removeTab(index)
        view.deleteLater()
        return True

    def _confirm_discard(self, what: str) -> bool:
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"You have changed {what}'s details without saving. Close and lose the changes?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.idle.watch(self.windowHandle())  # exists once shown; focus may come later

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        unsaved = [
            self.tabs.widget(i).title()
            for i in range(1, self.tabs.count())
            if isinstance(self.tabs.widget(i), CaseView)
            and self.tabs.widget(i).has_unsaved_changes()
        ]
        if unsaved and not self._confirm_discard(", ".join(unsaved)):
            event.ignore()
            return
        event.accept()

    # ------------------------------------------------------------------ the selection
    def _selected_rows(self) -> list:
        if self.tabs.currentIndex() != 0 or self.pages.currentIndex() != 1:
            return []
        rows = sorted(r.row() for r in self.table.selectionModel().selectedRows())
        return [self.model.row_at(r) for r in rows]

    def selected_cases(self) -> list[tuple[int, str]]:
        return [(row.case_id, row.child_name) for row in self._selected_rows()]

    # ------------------------------------------------------------------ dialogs
    def new_request(self) -> None:
        from caseload_app.ui.dialogs.new_request import NewRequestDialog

        dialog = NewRequestDialog(
            self.ctx.requests(),
            self._caseworkers,
            self.ctx.settings.me_caseworker_id,
            self.ctx.today(),
            self,
        )
        accepted = dialog.exec()
        existing = getattr(dialog, "open_existing_case_id", None)
        if accepted:
            self.cases_changed({dialog.created_case_id})
            self.open_case(dialog.created_case_id, "overview")
        elif existing:
            self.open_case(existing, "overview")

    def import_spreadsheet(self) -> None:
        from caseload_app.ui.dialogs.import_dialog import ImportDialog

        ImportDialog(self.ctx.importer(), lambda _result: self.refresh(), self).exec()

    # --- data safety ------------------------------------------------------------------------

    def show_list(self, row: int) -> None:
        """My week, my caseload or all cases, brought in front of any open case tab."""
        self.tabs.setCurrentIndex(0)
        self.sidebar.setCurrentRow(row)

    def reload_caseworkers(self) -> None:
        """After the team changed: every list of caseworkers offers the team as it is now."""
        self._caseworkers = self.ctx.work().caseworkers()
        held = self.worker_filter.currentData()
        self.worker_filter.blockSignals(True)
        while self.worker_filter.count() > 1:  # keep "Any"
            self.worker_filter.removeItem(1)
        for worker in self._caseworkers:
            self.worker_filter.addItem(worker.name, worker.id)
        self.worker_filter.setCurrentIndex(max(0, self.worker_filter.findData(held)))
        self.worker_filter.blockSignals(False)
        self.refresh()

    def open_people(self) -> None:
        from caseload_app.domain.access import Can
        from caseload_app.ui.dialogs.people_dialog import PeopleDialog

        access = self.ctx.access()
        if not access.can(Can.USERS):
            QMessageBox.information(
                self,
                "People and roles",
                f"Only an administrator manages people and roles (your roles: "
                f"{access.describe()}).",
            )
            return
        on_server = not self.ctx.db.is_sqlite
        PeopleDialog(self.ctx.people(), self._caseworkers, on_server=on_server, parent=self).exec()
        self._update_user_status()

    def open_settings(self) -> None:
        from caseload_app.ui.dialogs.settings_dialog import SettingsDialog

        dialog = SettingsDialog(
            self.ctx.settings_store, self.ctx.settings, self.ctx.team(), self._caseworkers, self
        )
        if dialog.exec():
            self.apply_settings(dialog.settings)

    def apply_settings(self, settings) -> None:
        self.ctx.settings = settings
        self.idle.minutes = settings.idle_lock_minutes
        self._update_user_status()
        self._rebuild_sidebar()
        self.refresh()
