"""Phase-transfer planner: who moves phase next September, and which young people move
between post-16 institutions (Reg 18(2)), and what the plan needs by when."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.services.phase_transfer import POST16_MOVE, PhaseTransferService
from caseload_app.ui.errors import run_action, show_failure
from caseload_app.ui.models.rows import Column, RowsModel
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import Job, run_in_background

PLANNER_COLUMNS = (
    Column("Child", lambda r: r.child_name),
    Column("Caseworker", lambda r: r.caseworker or "Unallocated"),
    Column("Year", lambda r: r.year_group),
    Column("Setting", lambda r: r.setting or ""),
    Column("Moves", lambda r: r.transfer),
    Column(
        "Amended plan by",
        lambda r: r.legal_date_text,
        lambda r: r.legal_date,
        rag=lambda r: Rag.RED if r.overdue else None,
    ),
    Column(
        "Last review",
        lambda r: format_date(r.last_review) if r.last_review else "—",
        lambda r: r.last_review or r.legal_date,
    ),
    Column("Review booked", lambda r: format_date(r.review_booked) if r.review_booked else "—"),
    Column("Next step", lambda r: r.next_step),
    Column("Task", lambda r: "Yes" if r.has_review_task else ""),
)
DUE_COLUMN = 5  # "Amended plan by": the legal date, soonest first when the planner opens
MAX_WIDTH = 260  # a long setting's name is cut (its tooltip has it whole)


class PlannerView(QWidget):
    open_case = Signal(int)
    changed = Signal()
    loaded = Signal()  # the list is in (or its reading failed)

    def __init__(self, service: PhaseTransferService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self._job: Job | None = None
        self.model = RowsModel(PLANNER_COLUMNS, self)
        self.table = QTableView()
        self.table.setAccessibleName("Phase transfers")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(
            lambda index: self.open_case.emit(self.model.row_at(index.row()).case_id)
        )
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.due = DateEdit(service.today())
        self.due.setAccessibleName("Task due date")
        create = QPushButton("Create review &tasks for selected")
        create.setAccessibleName("Create review tasks for the selected children")
        create.clicked.connect(self.create_tasks)
        self.worker = QComboBox()
        self.worker.setAccessibleName("Show the children of caseworker")
        self.worker.currentIndexChanged.connect(lambda _i: self._apply_filter())
        caption = QLabel("&Caseworker:")
        caption.setBuddy(self.worker)
        row = QHBoxLayout()
        row.addWidget(caption)
        row.addWidget(self.worker)
        row.addSpacing(24)
        row.addWidget(QLabel("Tasks due:"))
        row.addWidget(self.due)
        row.addWidget(create)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        """Read off the window's thread: at 50,000 children the planner takes seconds."""
        if self._job is not None:
            return
        self.summary.setText("Reading who moves phase next September…")
        self._job = run_in_background(self.service.planner, self._show, self._failed)

    def _failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self.summary.setText("The planner could not be read.")
        show_failure(self, "Phase-transfer planner", exc)
        self.loaded.emit()

    def _show(self, rows) -> None:
        self._job = None
        self._fill_workers(rows)
        self.model.set_rows(rows)
        self._apply_filter()
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
            if self.table.columnWidth(column) > MAX_WIDTH:
                self.table.setColumnWidth(column, MAX_WIDTH)
        overdue = sum(1 for r in rows if r.overdue)
        moves = sum(1 for r in rows if r.transfer_kind == POST16_MOVE)
        post16 = (
            f" and {how_many(moves, 'young person moves', 'young people move')} between "
            "post-16 institutions"
            if moves
            else ""
        )
        self.summary.setText(
            f"{how_many(len(rows) - moves, 'child moves', 'children move')} phase next "
            f"September{post16}; {overdue:,} overdue. Double-click to open the case."
        )
        self.loaded.emit()

    def _fill_workers(self, rows) -> None:
        held = self.worker.currentData()
        self.worker.blockSignals(True)
        self.worker.clear()
        self.worker.addItem("Everyone", None)
        for name in sorted({r.caseworker or "Unallocated" for r in rows}, key=str.casefold):
            self.worker.addItem(name, name)
        self.worker.setCurrentIndex(max(0, self.worker.findData(held)))
        self.worker.blockSignals(False)

    def _apply_filter(self) -> None:
        name = self.worker.currentData()
        self.model.set_filter(
            None if name is None else (lambda r: (r.caseworker or "Unallocated") == name)
        )

    def create_tasks(self) -> None:
        ids = [
            self.model.row_at(i.row()).case_id for i in self.table.selectionModel().selectedRows()
        ]
        if not ids:
            QMessageBox.information(self, "Review tasks", "Select children in the planner first.")
            return
        made: list[int] = []
        if run_action(
            self,
            "Tasks not created",
            lambda: made.append(self.service.create_review_tasks(ids, self.due.value())),
        ):
            QMessageBox.information(
                self, "Review tasks", f"{how_many(made[0], 'task', 'tasks')} created."
            )
            self.refresh()
            self.changed.emit()
