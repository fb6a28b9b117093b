"""The case list model: rows from CaseListService; search and sort done over plain lists.

Why not a QSortFilterProxyModel: at 50,000 rows its C++ filter still calls our Python
data() once per row per keystroke (~5 µs each), far over a 50 ms budget; a substring test
over the precomputed search keys in a list comprehension takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import fold, matches
from caseload_app.services.caselist import CaseFilter, CaseList, CaseRow

SortRole = Qt.ItemDataRole.UserRole + 1
RagRole = Qt.ItemDataRole.UserRole + 2
SearchRole = Qt.ItemDataRole.UserRole + 3
CaseIdRole = Qt.ItemDataRole.UserRole + 4

RAG_TEXT = {
    "red": "● Overdue",
    "amber": "▲ Due soon",
    "green": "✓ On track",
    "grey": "‖ Exception",
    "none": "Closed",
}
RAG_RANK = {"red": 0, "amber": 1, "green": 2, "grey": 3, "none": 4}
RAG_COLOUR = {
    "red": QColor("#f8d0d0"),
    "amber": QColor("#fbe6b8"),
    "green": QColor("#d5ecd4"),
    "grey": QColor("#e3e3e3"),
}
FAR = date.max


def _days(n: int | None) -> str:
    return "" if n is None else str(n)


@dataclass(frozen=True)
class Column:
    title: str
    display: Callable[[CaseRow], str]
    sort_key: Callable[[CaseRow], object]
    tooltip: Callable[[CaseRow], str] | None = None


def _days_since(row: CaseRow) -> str:
    return "" if row.days_since_contact is None else str(row.days_since_contact)


COLUMNS: tuple[Column, ...] = (
    Column("Child", lambda r: r.child_name, lambda r: fold(r.child_name)),
    Column("Family", lambda r: r.family_name, lambda r: fold(r.family_name)),
    Column("Setting", lambda r: r.setting or "", lambda r: r.setting or ""),
    Column("Need", lambda r: r.primary_need or "", lambda r: r.primary_need or ""),
    Column("Stage", lambda r: r.stage_label, lambda r: r.stage_label),
    Column("Next step", lambda r: r.next_step_label, lambda r: r.next_step_label),
    Column(
        "Due",
        lambda r: format_date(r.next_due) if r.next_due else "",
        lambda r: r.next_due or FAR,
    ),
    Column(
        "Days left",
        lambda r: _days(r.days_left),
        lambda r: r.days_left if r.days_left is not None else 10**9,
    ),
    Column(
        "RAG",
        lambda r: RAG_TEXT[r.rag],
        lambda r: (RAG_RANK[r.rag], r.next_due or FAR),
        tooltip=lambda r: (
            "Exception applies: the deadline keeps its date" if r.rag == "grey" else ""
        ),
    ),
    Column("Caseworker", lambda r: r.caseworker, lambda r: r.caseworker),
    Column(
        "Last contact",
        lambda r: format_date(r.last_contact) if r.last_contact else "Never",
        lambda r: r.last_contact or date.min,
    ),
    Column(
        "Days since",
        _days_since,
        lambda r: r.days_since_contact if r.days_since_contact is not None else 10**9,
    ),
)
COLUMN_WIDTHS = (135, 140, 140, 45, 195, 175, 120, 60, 95, 110, 110)


class CaseTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[CaseRow] = []
        self._keys: list[str] = []
        self._base: list[int] = []  # rows passing the structured filter
        self._visible: list[int] = []  # of those, rows matching the search text
        self._filter = CaseFilter()
        self._query = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # --- data in -------------------------------------------------------------------------
    def set_cases(self, cases: CaseList) -> None:
        self.beginResetModel()
        self._rows = cases.rows
        self._keys = [r.search_text for r in cases.rows]
        self._base = self._filtered(self._filter)
        self._visible = self._matching(self._query)
        self._apply_sort()
        self.endResetModel()

    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter == self._filter:
            return
        self.beginResetModel()
        self._filter = case_filter
        self._base = self._filtered(case_filter)
        self._visible = self._matching(self._query)
        self._apply_sort()
        self.endResetModel()

    def _filtered(self, case_filter: CaseFilter) -> list[int]:
        if case_filter.is_empty():
            return list(range(len(self._rows)))
        rows = self._rows
        return [i for i in range(len(rows)) if case_filter.matches(rows[i])]

    def count_matching(self, case_filter: CaseFilter) -> int:
        """How many cases a view would show (for the sidebar counts)."""
        return len(self._filtered(case_filter))

    def set_query(self, text: str) -> None:
        query = fold(text).strip()
        if query == self._query:
            return
        self.beginResetModel()
        self._query = query
        self._visible = self._matching(query)
        self._apply_sort()
        self.endResetModel()

    def _matching(self, query: str) -> list[int]:
        if not query:
            return list(self._base)
        keys = self._keys
        if " " in query:
            return [i for i in self._base if matches(query, keys[i])]
        return [i for i in self._base if query in keys[i]]  # the common, fastest case

    # --- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if not index.isValid():
            return None
        row = self._rows[self._visible[index.row()]]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(row)
        if role == SortRole:
            return column.sort_key(row)
        if role == RagRole:
            return row.rag
        if role == SearchRole:
            return row.search_text
        if role == CaseIdRole:
            return row.case_id
        if role == Qt.ItemDataRole.BackgroundRole and column.title == "RAG":
            colour = RAG_COLOUR.get(row.rag)
            return QBrush(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row) or None
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [self._visible[p.row()] for p in persistent]
        self._sort = (column, order)
        self._apply_sort()
        # Keep selections and other persistent indexes on the same case after the sort.
        position = {source: n for n, source in enumerate(self._visible)}
        moved = [self.index(position[s], p.column()) for s, p in zip(held, persistent, strict=True)]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        column, order = self._sort
        key = COLUMNS[column].sort_key
        rows = self._rows
        self._visible.sort(
            key=lambda i: key(rows[i]), reverse=order == Qt.SortOrder.DescendingOrder
        )

    # --- helpers for views -----------------------------------------------------------------
    def row_at(self, row: int) -> CaseRow:
        return self._rows[self._visible[row]]

    @property
    def total(self) -> int:
        """Cases in the current view before the search text narrows them."""
        return len(self._base)

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter
