"""The main window: the case list with search-as-you-type, loaded off the UI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.caselist import CaseList, CaseListService
from caseload_app.ui.models.case_table import COLUMNS, CaseTableModel
from caseload_app.ui.worker import run_in_background


class MainWindow(QMainWindow):
    def __init__(self, cases: CaseListService, db_label: str) -> None:
        super().__init__()
        self._cases = cases
        self._db_label = db_label
        self._job = None
        self.setWindowTitle("caseload — EHCP caseload manager")
        self.resize(1280, 720)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, UPN, NHS number, postcode or phone  (Ctrl+F)")
        self.search.setAccessibleName("Search cases")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)

        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 230, 200, 115, 70, 105, 125)):
            header.resizeSection(column, width)
        self.table.sortByColumn(
            COLUMNS.index(next(c for c in COLUMNS if c.title == "Due")), Qt.SortOrder.AscendingOrder
        )

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setCentralWidget(central)

        self.db_status = QLabel(db_label)
        self.db_status.setTextFormat(Qt.TextFormat.PlainText)
        self.count_status = QLabel("Loading cases…")
        self.statusBar().addWidget(self.db_status, 1)
        self.statusBar().addPermanentWidget(self.count_status)
        self._build_menus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        refresh = QAction("&Refresh", self, shortcut=QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        find = QAction("&Find…", self, shortcut=QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        view_menu.addActions([find, refresh])

    def refresh(self) -> None:
        """Reload the list from the database without blocking the window."""
        if self._job is not None:
            return
        self.count_status.setText("Loading cases…")
        self._job = run_in_background(self._cases.list_cases, self._loaded, self._failed)

    def _loaded(self, cases: CaseList) -> None:
        self._job = None
        self.model.set_cases(cases)
        self._update_count()

    def _failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self.count_status.setText("Could not load cases")
        QMessageBox.critical(self, "Could not load cases", f"{exc}\n\n{details[-2000:]}")

    def _on_search(self, text: str) -> None:
        self.model.set_query(text)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        text = f"{total:,} cases" if shown == total else f"{shown:,} of {total:,} cases shown"
        self.count_status.setText(text)

    def wait_loaded(self, timeout_ms: int = 30_000) -> None:
        """For tests and the self-test: process events until the first load has finished."""
        QTimer.singleShot(0, lambda: None)
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self._job is not None and not deadline.hasExpired():
            QCoreApplication.processEvents()
