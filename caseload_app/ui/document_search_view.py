"""Search every case's documents (team leads): the words inside PDFs, Word files and e-mails,
each hit with its child, its document and the words in context; double-click opens the case
on its Documents tab."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from caseload_app.domain.deadlines import format_date
from caseload_app.services.documents import DocumentService, Hit
from caseload_app.ui.errors import run_action
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable

COLUMNS = (
    Column("Child", lambda h: h.child_name),
    Column("Date", lambda h: format_date(h.document.dated), lambda h: h.document.dated),
    Column("Kind", lambda h: h.document.kind_label),
    Column("Title", lambda h: h.document.title, tooltip=lambda h: h.document.file_name),
    Column("Found", lambda h: h.snippet),
)


class DocumentSearchView(QWidget):
    open_case = Signal(int, str)

    def __init__(self, service: DocumentService, parent=None) -> None:
        super().__init__(parent)
        self.service = service
        self.words = QLineEdit()
        self.words.setPlaceholderText("Words inside any case's documents, then Enter…")
        self.words.setAccessibleName("Search every case's documents")
        self.words.returnPressed.connect(self.run)
        self.summary = QLabel("")
        self.table = RowTable(COLUMNS, "Documents found", stretch="Found", key=lambda h: h.id)
        self.table.doubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.words)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def run(self) -> None:
        hits: list[Hit] = []
        if run_action(self, "Search", lambda: hits.extend(self.service.search(self.words.text()))):
            self.table.load(hits)
            self.summary.setText(
                f"{len(hits)} document(s), best first (at most 50). Double-click to open the case."
            )

    def _open(self, index) -> None:
        hit: Hit = self.table.rows_model.row_at(index.row())
        self.open_case.emit(hit.document.case_id, "documents")
