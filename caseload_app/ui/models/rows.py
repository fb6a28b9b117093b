"""A read-only table model over a list of dataclass rows, described by column specs.

Every table in the app uses it: the model holds what a service returned and never touches the
database; sorting and filtering work on the Python list (fast at 50,000 rows, where a proxy
model calling back into Python per row is not). Colour is never the only signal: a coloured
cell also says in words what the colour means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
RagRole = Qt.ItemDataRole.UserRole + 3

RAG_COLOUR = {
    "red": QColor("#f8d0d0"),
    "amber": QColor("#fbe6b8"),
    "green": QColor("#d5ecd4"),
    "grey": QColor("#e3e3e3"),
}
RAG_TEXT = {
    "red": "● Overdue",
    "amber": "▲ Due soon",
    "green": "✓ On track",
    "grey": "‖ Exception applies",
    "none": "",
}
INK = QColor("#1a1a1a")  # dark text on the pale RAG colours, whatever the desktop theme


@dataclass(frozen=True)
class Column:
    title: str
    display: Callable[[Any], str]
    sort_key: Callable[[Any], object] | None = None
    rag: Callable[[Any], str | None] | None = None  # colours the cell: "red", "amber", ...
    tooltip: Callable[[Any], str | None] | None = None


LONG_CELL = 14  # characters: a longer cell gets its own text as a tooltip


class RowsModel(QAbstractTableModel):
    """Read-only rows (frozen dataclasses) shown through column specs, with sort and filter."""

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Any] = []
        self._visible: list[int] = []
        self._keep: Callable[[Any], bool] | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # --- data in -------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any], columns: Sequence[Column] | None = None) -> None:
        """New rows (and optionally new column specs with the same titles, e.g. a new today)."""
        self.beginResetModel()
        if columns is not None:
            self.columns = tuple(columns)
        self._rows = list(rows)
        self._refilter()
        self.endResetModel()

    def set_filter(self, keep: Callable[[Any], bool] | None) -> None:
        self.beginResetModel()
        self._keep = keep
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        keep = self._keep
        self._visible = [i for i, r in enumerate(self._rows) if keep is None or keep(r)]
        self._apply_sort()

    # --- helpers for views -----------------------------------------------------------------
    def row_at(self, row: int) -> Any:
        return self._rows[self._visible[row]]

    def rows(self) -> list[Any]:
        """The visible rows, in the order shown."""
        return [self._rows[i] for i in self._visible]

    def find(self, match: Callable[[Any], bool]) -> int:
        """The visible row number of the first row that matches, or -1."""
        return next((n for n, i in enumerate(self._visible) if match(self._rows[i])), -1)

    def column_of(self, title: str) -> int:
        return next(n for n, c in enumerate(self.columns) if c.title == title)

    def text(self, row: int, title: str) -> str:
        return self.data(self.index(row, self.column_of(title)))

    # --- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == SortRole:
            return (column.sort_key or column.display)(row)
        if role == RowRole:
            return row
        if role == RagRole:
            return column.rag(row) if column.rag else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = column.tooltip(row) if column.tooltip else None
            # Anything long enough to be cut in a narrow column can be read whole.
            return tip or (shown if len(shown := column.display(row)) > LONG_CELL else None)
        return self._colour(column, row, role)

    def _colour(self, column: Column, row: Any, role: int):
        if role not in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return None
        colour = RAG_COLOUR.get(column.rag(row) or "") if column.rag else None
        if colour is None:
            return None
        return QBrush(colour if role == Qt.ItemDataRole.BackgroundRole else INK)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._visible[p.row()] for p in persistent]
        self._sort = (column, order)
        self._apply_sort()
        position = {source: n for n, source in enumerate(self._visible)}
        moved = [self.index(position[s], p.column()) for s, p in zip(held, persistent, strict=True)]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        number, order = self._sort
        column = self.columns[number]
        key = column.sort_key or column.display
        rows = self._rows
        self._visible.sort(
            key=lambda i: key(rows[i]), reverse=order == Qt.SortOrder.DescendingOrder
        )
