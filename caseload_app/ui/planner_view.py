"""Phase-transfer planner: who moves phase next September and what the plan needs by when."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.services.phase_transfer import PhaseTransferService
from caseload_app.ui.errors import run_action
from caseload_app.ui.models.rows import Column, RowsModel
from caseload_app.ui.widgets.dates import DateEdit

PLANNER_COLUMNS = (
    Column("Child", lambda r: r.child_name),
    Column("Year", lambda r: r.year_group),
    Column("Setting", lambda r: r.setting or ""),
    Column("Moves", lambda r: r.transfer),
    Column(
        "Amended plan by",
        lambda r: r.legal_date_text,
        lambda r: r.legal_date,
        rag=lambda r: "red" if r.overdue else None,
    ),
    Column(
        "Last review",
        lambda r: format_date(r.last_review) if r.last_review else "—",
        lambda r: r.last_review or r.legal_date,
    ),
    Column("Review booked", lambda r: format_date(r.review_booked) if r.review_booked else "—"),
    Column("Next step", lambda r: r.next_step),
    Column("Task", lambda r: "Yes" if r.has_review_task else ""),
    Column("Caseworker", lambda r: r.caseworker or "Unallocated"),
)


class PlannerView(QWidget):
    open_case = Signal(int)
    changed = Signal()

    def __init__(self, service: PhaseTransferService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.model = RowsModel(PLANNER_COLUMNS, self)
        self.table = QTableView()
        self.table.setAccessibleName("Phase transfers")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
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
        row = QHBoxLayout()
        row.addWidget(QLabel("Tasks due:"))
        row.addWidget(self.due)
        row.addWidget(create)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        rows = self.service.planner()
        self.model.set_rows(rows)
        for column in range(self.model.columnCount()):
            self.table.resizeColumnToContents(column)
        overdue = sum(1 for r in rows if r.overdue)
        self.summary.setText(
            f"{len(rows)} children move phase next September; {overdue} overdue. "
            "Double-click to open the case."
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
            QMessageBox.information(self, "Review tasks", f"{made[0]} task(s) created.")
            self.refresh()
            self.changed.emit()
