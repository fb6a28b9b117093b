"""The History tab: every change to the case, old → new, who and when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.models.case_models import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
)
from caseload_app.ui.widgets.blocks import RowTable, group

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class HistoryTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.assignments = RowTable(ASSIGNMENT_COLUMNS, "Assignment history", stretch="Why")
        self.changes = RowTable(CHANGE_COLUMNS, "Every change", stretch="Detail")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(group("Caseworker assignments", self.assignments))
        split.addWidget(group("Every change to this case (newest first)", self.changes))
        split.setSizes([160, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def load(self, d: CaseDetail) -> None:
        self.assignments.load(d.assignments)
        self.changes.load(d.changes)
