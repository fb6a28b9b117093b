"""Building blocks shared by the case view and the dialogs: a read-only table that keeps
its selection across reloads, a titled group, a row of buttons, mnemonics, a banner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caseload_app.ui.dialogs.case_dialogs import plain_label
from caseload_app.ui.models.rows import Column, RowsModel

FIT_ROWS = 30
MAX_COLUMN_WIDTH = 440


def read_only_table(table: QTableView, name: str, *, many: bool = False) -> QTableView:
    """Set up a table people read and pick rows from: whole rows, one (or `many`) at a time,
    never edited in place, no row numbers."""
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    single = QAbstractItemView.SelectionMode.SingleSelection
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if many else single)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    return table


class RowTable(QTableView):
    """A read-only table over a RowsModel that keeps the selected row across reloads."""

    def __init__(
        self,
        columns: Sequence[Column],
        name: str,
        *,
        stretch: str | None = None,
        sortable: bool = False,
        key: Callable[[Any], object] = lambda row: getattr(row, "id", row),
    ) -> None:
        super().__init__()
        self.rows_model = RowsModel(columns, self)
        self.setModel(self.rows_model)
        self._key = key
        self._fit_pending = False
        read_only_table(self, name)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self._stretch = self.rows_model.column_of(stretch) if stretch else None
        header = self.horizontalHeader()
        # Widths from the first rows, not all of them: a case with 300 contacts opens in
        # a fraction of the time (Qt's default reads 1,000 rows per column).
        header.setResizeContentsPrecision(FIT_ROWS)
        header.setStretchLastSection(self._stretch is None)
        if self._stretch is not None:
            header.setSectionResizeMode(self._stretch, QHeaderView.ResizeMode.Stretch)
        if sortable:
            header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
            self.setSortingEnabled(True)

    def load(self, rows: Sequence[Any], columns: Sequence[Column] | None = None) -> None:
        held = self.selected()
        self.rows_model.set_rows(rows, columns)
        # A table on a tab not shown yet is fitted when it is first shown: opening a case
        # fits one tab's tables, not thirteen.
        self._fit_pending = not self.isVisible()
        if not self._fit_pending:
            self._fit_columns()
        if held is not None:
            self.select_where(lambda row: self._key(row) == self._key(held))

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._fit_pending:
            self._fit_pending = False
            self._fit_columns()

    def _fit_columns(self) -> None:
        self.resizeColumnsToContents()
        for column in range(self.rows_model.columnCount()):
            if column != self._stretch and self.columnWidth(column) > MAX_COLUMN_WIDTH:
                self.setColumnWidth(column, MAX_COLUMN_WIDTH)

    def selected(self) -> Any | None:
        rows = self.selectionModel().selectedRows()
        return self.rows_model.row_at(rows[0].row()) if rows else None

    def select_row(self, row: int) -> None:
        if 0 <= row < self.rows_model.rowCount():
            self.selectRow(row)

    def select_where(self, match: Callable[[Any], bool]) -> None:
        self.select_row(self.rows_model.find(match))

    def fit_height(self, extra_rows: int = 0) -> None:
        """Tall enough for every row (for short tables such as the deadlines)."""
        rows = self.rows_model.rowCount() + extra_rows
        height = (
            self.horizontalHeader().height() + self.verticalHeader().defaultSectionSize() * rows
        )
        self.setFixedHeight(height + 2 * self.frameWidth() + 2)


def group(title: str, *widgets: QWidget, layout: QHBoxLayout | None = None) -> QGroupBox:
    box = QGroupBox(title)
    column = QVBoxLayout(box)
    if layout is not None:
        column.addLayout(layout)
    for widget in widgets:
        column.addWidget(widget)
    return box


def button_row(*items: QWidget | str) -> QHBoxLayout:
    """Buttons left to right; the string "stretch" pushes what follows to the right."""
    row = QHBoxLayout()
    for item in items:
        if isinstance(item, str):  # "stretch"
            row.addStretch(1)
        else:
            row.addWidget(item)
    if "stretch" not in items:
        row.addStretch(1)
    return row


def mnemonic(label: str, used: set[str]) -> str:
    """`label` with & before its first letter not already taken by another button."""
    for n, ch in enumerate(label):
        if ch.isalpha() and ch.lower() not in used:
            used.add(ch.lower())
            return f"{label[:n]}&{label[n:]}"
    return label


def banner(text: str, style: str) -> QLabel:
    label = plain_label(text)
    label.setStyleSheet(style)
    label.setAccessibleName(text)
    return label
