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

from caseload_app.domain.status import Rag

SortRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2
RagRole = Qt.ItemDataRole.UserRole + 3

RAG_COLOUR: dict[str, QColor] = {
    Rag.RED: QColor("#f8d0d0"),
    Rag.AMBER: QColor("#fbe6b8"),
    Rag.GREEN: QColor("#d5ecd4"),
    Rag.GREY: QColor("#e3e3e3"),
}
RAG_TEXT: dict[str, str] = {
    Rag.RED: "● Overdue",
    Rag.AMBER: "▲ Due soon",
    Rag.GREEN: "✓ On track",
    Rag.GREY: "‖ Exception applies",
    Rag.NONE: "",
}
INK = QColor("#1a1a1a")  # dark text on the pale RAG colours, whatever the desktop theme


@dataclass(frozen=True)
class Column:
    title: str
    display: Callable[[Any], str]
    sort_key: Callable[[Any], Any] | None = None
    rag: Callable[[Any], str | None] | None = None  # colours the cell: "red", "amber", ...
    tooltip: Callable[[Any], str | None] | None = None

    @property
    def order_key(self) -> Callable[[Any], Any]:
        """What the column sorts by: its sort key, else the text it shows."""
        return self.sort_key or self.display


LONG_CELL = 14  # characters: a longer cell gets its own text as a tooltip


class ColumnsModel(QAbstractTableModel):
    """A table described by column specs: its headings, and a cell's text by its heading."""

    columns: tuple[Column, ...]

    def column_of(self, title: str) -> int:
        return next(n for n, c in enumerate(self.columns) if c.title == title)

    def text(self, row: int, title: str) -> str:
        return self.data(self.index(row, self.column_of(title)))

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


class RowsModel(ColumnsModel):
    """Read-only rows (frozen dataclasses) shown through column specs, with sort and filter.

    New rows replace all (`set_rows`, a model reset); a few changed rows are put in place one
    by one (`_put`: the view keeps its scroll position and selection). Rows are never removed
    from `_rows` between resets, only marked gone, so every index held stays valid."""

    # The order the rows arrive in when no column is sorted, to place a changed row in it.
    arrival_order: Callable[[Any], Any] | None = None

    def __init__(self, columns: Sequence[Column], parent=None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._rows: list[Any] = []
        self._gone: set[int] = set()  # indexes of rows deleted since the last reset
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
        self._gone = set()
        self._refilter()
        self.endResetModel()

    def set_filter(self, keep: Callable[[Any], bool] | None) -> None:
        self._keep = keep
        self._reshow()

    def _reshow(self) -> None:
        """The same rows shown afresh (a new filter or search): rows gone stay gone."""
        self.beginResetModel()
        self._refilter()
        self.endResetModel()

    def _refilter(self) -> None:
        self._visible = [i for i in range(len(self._rows)) if self._shows(i)]
        self._apply_sort()

    def _shows(self, i: int) -> bool:
        return i not in self._gone and (self._keep is None or self._keep(self._rows[i]))

    # --- a few rows changed ------------------------------------------------------------------
    def _put(self, i: int | None, row: Any) -> int | None:
        """Row index i now holds `row` (None: it is gone; i None: a new row): the view moves,
        hides or shows it, and repaints it in place if it stays where it was. Returns the
        row's index (None if nothing was put)."""
        if i is None:
            if row is None:
                return None
            i = len(self._rows)
            self._rows.append(row)
        elif row is None:
            self._gone.add(i)
        else:
            self._rows[i] = row
            self._gone.discard(i)  # e.g. a deleted case restored from the trash
        self._place(i)
        return i

    def _place(self, i: int) -> None:
        """Show row index i where the sort puts it (or not at all), after its row changed."""
        visible = self._visible
        old = position_of(visible, i)
        others = visible if old is None else visible[:old] + visible[old + 1 :]
        new = insertion_point(others, i, self._comes_before()) if self._shows(i) else None
        if old is not None and new == old:
            last = self.index(old, len(self.columns) - 1)
            self.dataChanged.emit(self.index(old, 0), last)
            return
        if old is not None and new is not None:  # a move: the selection goes with the row
            # Qt counts the destination before the row leaves: one further down when moving down.
            to = new if new < old else new + 1
            self.beginMoveRows(QModelIndex(), old, old, QModelIndex(), to)
            del visible[old]
            visible.insert(new, i)
            self.endMoveRows()
            last = self.index(new, len(self.columns) - 1)
            self.dataChanged.emit(self.index(new, 0), last)
            return
        if old is not None:
            self.beginRemoveRows(QModelIndex(), old, old)
            del visible[old]
            self.endRemoveRows()
        if new is not None:
            self.beginInsertRows(QModelIndex(), new, new)
            visible.insert(new, i)
            self.endInsertRows()

    def _comes_before(self) -> Callable[[int, int], bool]:
        """Whether row index a is shown above row index b: the sort column's key (or the
        arrival order), ties in index order, as the stable list.sort of `_apply_sort`."""
        rows, reverse = self._rows, False
        if self._sort is None:
            key = self.arrival_order
        else:
            number, order = self._sort
            key = self.columns[number].order_key
            reverse = order == Qt.SortOrder.DescendingOrder
        if key is None:
            return lambda a, b: a < b

        def before(a: int, b: int) -> bool:
            first: Any = key(rows[a])  # sort keys: str, date, number or a tuple of them
            second: Any = key(rows[b])
            if first == second:
                return a < b
            return second < first if reverse else first < second

        return before

    # --- helpers for views -----------------------------------------------------------------
    def row_at(self, row: int) -> Any:
        return self._rows[self._visible[row]]

    def rows(self) -> list[Any]:
        """The visible rows, in the order shown."""
        return [self._rows[i] for i in self._visible]

    def find(self, match: Callable[[Any], bool]) -> int:
        """The visible row number of the first row that matches, or -1."""
        return next((n for n, i in enumerate(self._visible) if match(self._rows[i])), -1)

    # --- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid() or role not in CELL_ROLES:
            return None
        return cell(self.columns[index.column()], self.row_at(index.row()), role)

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
            if self.arrival_order is not None:  # rows put in place since the load keep it
                rows, key = self._rows, self.arrival_order
                self._visible.sort(key=lambda i: key(rows[i]))
            return
        number, order = self._sort
        column = self.columns[number]
        key = column.order_key
        rows = self._rows
        self._visible.sort(
            key=lambda i: key(rows[i]), reverse=order == Qt.SortOrder.DescendingOrder
        )


def position_of(indexes: list[int], i: int) -> int | None:
    try:
        return indexes.index(i)  # a C-speed scan: well under a millisecond at 50,000
    except ValueError:
        return None


def insertion_point(indexes: list[int], i: int, before: Callable[[int, int], bool]) -> int:
    """Where row index i goes in `indexes`, which is in `before` order (a binary search)."""
    low, high = 0, len(indexes)
    while low < high:
        middle = (low + high) // 2
        if before(indexes[middle], i):
            low = middle + 1
        else:
            high = middle
    return low


# The roles a cell answers. A view asks each cell for a dozen more on every paint (font,
# alignment, decoration, size...); those are turned away before the row is looked up.
CELL_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ForegroundRole,
        SortRole,
        RowRole,
        RagRole,
    }
)


def cell(column: Column, row: Any, role: int):
    """What a table shows in one cell of a row, for one role."""
    if role == Qt.ItemDataRole.DisplayRole:
        return column.display(row)
    if role == SortRole:
        return column.order_key(row)
    if role == RowRole:
        return row
    if role == RagRole:
        return column.rag(row) if column.rag else None
    if role == Qt.ItemDataRole.ToolTipRole:
        tip = column.tooltip(row) if column.tooltip else None
        # Anything long enough to be cut in a narrow column can be read whole.
        return tip or (shown if len(shown := column.display(row)) > LONG_CELL else None)
    if role not in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
        return None
    colour = RAG_COLOUR.get(column.rag(row) or "") if column.rag else None
    if colour is None:
        return None
    return QBrush(colour if role == Qt.ItemDataRole.BackgroundRole else INK)
