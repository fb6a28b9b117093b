"""The documents a bundle will hold, as a tree a person ticks and orders: the preset's sections
in order, each with its documents under it (all ticked at first). A document is moved one
place at a time; past the start or end of its section it goes into the section before or
after. A document that cannot be made into pages says why and cannot be ticked.

The model holds what BundleService.outline returned and never touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from caseload_app.domain.deadlines import format_date

if TYPE_CHECKING:  # the bundle's service loads reportlab: only when a bundle is made
    from caseload_app.services.bundle import BundleEntry, BundleOutline

COLUMNS = ("Document", "Dated", "Kind", "Note")
Index = QModelIndex | QPersistentModelIndex
SECTION = 0  # the internal id of a section's index; a document's is its section's row + 1


@dataclass
class _Item:
    entry: BundleEntry
    ticked: bool

    @property
    def can_go_in(self) -> bool:
        return not self.entry.why_not


@dataclass
class _Section:
    title: str
    items: list[_Item] = field(default_factory=list)

    def ticked(self) -> int:
        return sum(1 for i in self.items if i.ticked)

    def can_go_in(self) -> int:
        return sum(1 for i in self.items if i.can_go_in)


class BundleModel(QAbstractItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._sections: list[_Section] = []

    # --- data in and out -------------------------------------------------------------------
    def load(self, outline: BundleOutline) -> None:
        self.beginResetModel()
        self._sections = [_Section(title) for title in outline.sections]
        where = {s.title: s for s in self._sections}
        for entry in outline.entries:
            where[entry.section].items.append(_Item(entry, ticked=not entry.why_not))
        self.endResetModel()

    def chosen(self) -> tuple[list[int], dict[int, str]]:
        """The ticked documents in the order shown, and the section of each one moved out of
        the preset's section for it (BundleService.make's document_ids and sections)."""
        ids: list[int] = []
        moved: dict[int, str] = {}
        for section in self._sections:
            for item in section.items:
                if item.ticked:
                    ids.append(item.entry.document.id)
                    if item.entry.section != section.title:
                        moved[item.entry.document.id] = section.title
        return ids, moved

    def counts(self) -> tuple[int, int, int]:
        """(ticked, documents, documents that cannot go in)."""
        items = [i for s in self._sections for i in s.items]
        return (
            sum(1 for i in items if i.ticked),
            len(items),
            sum(1 for i in items if not i.can_go_in),
        )

    def entry_at(self, index: Index) -> BundleEntry | None:
        """The document at `index` (None for a section)."""
        item = self._item(index)
        return item.entry if item is not None else None

    def section_index(self, title: str) -> QModelIndex:
        row = next(n for n, s in enumerate(self._sections) if s.title == title)
        return self.index(row, 0)

    def first_document(self) -> QModelIndex:
        s = next((n for n, section in enumerate(self._sections) if section.items), None)
        return QModelIndex() if s is None else self.index(0, 0, self.index(s, 0))

    def find(self, document_id: int) -> QModelIndex:
        for s, section in enumerate(self._sections):
            for r, item in enumerate(section.items):
                if item.entry.document.id == document_id:
                    return self.index(r, 0, self.index(s, 0))
        return QModelIndex()

    # --- moving ----------------------------------------------------------------------------
    def move_document(self, index: Index, step: int) -> QModelIndex:
        """Move the document at `index` one place up (step -1) or down (+1). Past the start
        of its section it goes to the end of the section before; past the end, to the start
        of the one after. Its new index (invalid when it cannot move, or is a section)."""
        if self._item(index) is None:
            return QModelIndex()
        s, r = index.internalId() - 1, index.row()
        items = self._sections[s].items
        if 0 <= r + step < len(items):
            to_s, to_r = s, r + step
        elif 0 <= s + step < len(self._sections):
            to_s = s + step
            to_r = len(self._sections[to_s].items) if step < 0 else 0
        else:
            return QModelIndex()
        # Qt counts the destination before the row leaves: one further when moving down.
        child = to_r + 1 if to_s == s and step > 0 else to_r
        self.beginMoveRows(self.index(s, 0), r, r, self.index(to_s, 0), child)
        self._sections[to_s].items.insert(to_r, items.pop(r))
        self.endMoveRows()
        for section in {s, to_s}:  # their counts and ticks
            self.dataChanged.emit(self.index(section, 0), self.index(section, len(COLUMNS) - 1))
        return self.index(to_r, 0, self.index(to_s, 0))

    # --- Qt model API ----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, SECTION)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == SECTION:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, SECTION)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._sections)
        if parent.internalId() == SECTION and parent.column() == 0:
            return len(self._sections[parent.row()].items)
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        item = self._item(index)
        can_tick = item.can_go_in if item is not None else self._section(index).can_go_in() > 0
        if index.column() == 0 and can_tick:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._item(index)
        if item is None:
            return self._section_data(self._section(index), index.column(), role)
        return self._item_data(item, index.column(), role)

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        ticked = Qt.CheckState(value) == Qt.CheckState.Checked
        item = self._item(index)
        if item is not None:
            if not item.can_go_in:
                return False
            item.ticked = ticked
            self.dataChanged.emit(index, index)
            section = index.parent()
        else:
            section = self.index(index.row(), 0)
            items = self._section(index).items
            for each in items:
                each.ticked = ticked and each.can_go_in
            if items:
                last = self.index(len(items) - 1, len(COLUMNS) - 1, section)
                self.dataChanged.emit(self.index(0, 0, section), last)
        self.dataChanged.emit(section, self.index(section.row(), len(COLUMNS) - 1))
        return True

    # --- helpers ---------------------------------------------------------------------------
    def _item(self, index: Index) -> _Item | None:
        if not index.isValid() or index.internalId() == SECTION:
            return None
        return self._sections[index.internalId() - 1].items[index.row()]

    def _section(self, index: Index) -> _Section:
        return self._sections[index.row()]

    def _section_data(self, section: _Section, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return section.title
            if column == 3:
                n = len(section.items)
                return f"{section.ticked()} of {n} ticked" if n else "No documents"
        if role == Qt.ItemDataRole.CheckStateRole and column == 0 and section.can_go_in():
            ticked = section.ticked()
            if ticked == 0:
                return Qt.CheckState.Unchecked
            whole = ticked == section.can_go_in()
            return Qt.CheckState.Checked if whole else Qt.CheckState.PartiallyChecked
        if role == Qt.ItemDataRole.FontRole:
            bold = QFont()
            bold.setBold(True)
            return bold
        return None

    def _item_data(self, item: _Item, column: int, role: int):
        doc = item.entry.document
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return ("↳ " if doc.attached_to_id else "") + doc.title
            if column == 1:
                return format_date(doc.dated)
            if column == 2:
                return doc.kind_label
            return f"Cannot go in: {item.entry.why_not}" if item.entry.why_not else ""
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if item.ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return doc.file_name if column == 0 else item.entry.why_not or None
        if role == Qt.ItemDataRole.FontRole and not item.can_go_in:
            italic = QFont()
            italic.setItalic(True)
            return italic
        return None
