"""My week: one row per thing to do, from MyWeekService."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from caseload_app.domain.deadlines import format_date
from caseload_app.services.myweek import MyWeek, WeekItem
from caseload_app.ui.models.case_table import RAG_COLOUR, RAG_TEXT, RagRole

HEADERS = ("To do", "Child", "What", "Due", "Days left", "RAG")


def _cells(item: WeekItem) -> tuple[str, ...]:
    return (
        item.kind_label,
        item.child_name,
        item.what,
        format_date(item.due) if item.due else "",
        "" if item.days_left is None else str(item.days_left),
        RAG_TEXT[item.rag],
    )


class WeekModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[WeekItem] = []

    def set_week(self, week: MyWeek) -> None:
        self.beginResetModel()
        self._items = list(week.items)
        self.endResetModel()

    def item_at(self, row: int) -> WeekItem:
        return self._items[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(item)[index.column()]
        if role == RagRole:
            return item.rag
        if role == Qt.ItemDataRole.BackgroundRole and index.column() == len(HEADERS) - 1:
            colour = RAG_COLOUR.get(item.rag)
            return QBrush(colour) if colour else None
        return None
