"""Help → Guide (F1) and Keyboard shortcuts: the README's day-to-day sections in the app,
searchable, and every shortcut the menus hold (read from the menus, so it never drifts)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenuBar,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.guide import headings
from caseload_app.domain.text import how_many
from caseload_app.paths import resources_dir

# Keys that belong to no menu item.
OTHER_KEYS = (
    ("Lists", "Open the selected case", "Enter"),
    ("Search box", "Move into the results / open the first match", "Down / Enter"),
    ("Forms", "Save from anywhere in the form", "Ctrl+Enter"),
    ("Forms", "Next field (Enter never saves a half-filled form)", "Enter"),
)  # F1 is Help → Guide's own shortcut: listed with the menus


def guide_text() -> str:
    return (resources_dir() / "guide" / "guide.md").read_text(encoding="utf-8")


def menu_shortcuts(bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every menu command that has a shortcut."""
    found = []
    for top in bar.actions():
        menu = top.menu()
        if menu is None:
            continue
        for action in _actions(menu):
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
                found.append((top.text().replace("&", ""), text.rstrip("…"), keys))
    return found


def _actions(menu) -> list[QAction]:
    out: list[QAction] = []
    for action in menu.actions():
        sub = action.menu()
        out.extend(_actions(sub) if sub is not None else [action])
    return out


class GuideDialog(QDialog):
    """The guide with its contents and a search box; the shortcuts on a second tab."""

    def __init__(
        self,
        shortcuts: list[tuple[str, str, str]],
        parent: QWidget | None = None,
        *,
        show_shortcuts: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("caseload guide")
        self.resize(1100, 700)
        text = guide_text()
        self.search = QLineEdit()
        self.search.setAccessibleName("Search the guide")
        self.search.setPlaceholderText("Search the guide (Enter: next match)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda: self.find_text(from_start=True))
        self.search.returnPressed.connect(lambda: self.find_text(from_start=False))
        self.found = QLabel()
        self.contents = QListWidget()
        self.contents.setAccessibleName("Contents")
        for heading in headings(text):
            item = QListWidgetItem(("    " if heading.level == 3 else "") + heading.title)
            item.setData(Qt.ItemDataRole.UserRole, heading.title)
            self.contents.addItem(item)
        self.contents.currentItemChanged.connect(self._go_to_heading)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Guide")
        self.text.setOpenLinks(False)  # the guide is read here; nothing is opened from it
        self.text.setMarkdown(text)
        split = QSplitter()
        split.addWidget(self.contents)
        split.addWidget(self.text)
        split.setSizes([280, 820])
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.found)
        guide = QWidget()
        guide_layout = QVBoxLayout(guide)
        guide_layout.addLayout(search_row)
        guide_layout.addWidget(split, 1)
        self.shortcuts = _shortcut_table(shortcuts)
        self.tabs = QTabWidget()
        self.tabs.addTab(guide, "&Guide")
        self.tabs.addTab(self.shortcuts, "&Keyboard shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        if show_shortcuts:
            self.tabs.setCurrentIndex(1)
        else:
            self.search.setFocus()

    def _go_to_heading(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        title = item.data(Qt.ItemDataRole.UserRole)
        block = self.text.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() and block.text().strip() == title:
                cursor = QTextCursor(block)
                self.text.setTextCursor(cursor)
                # Put the heading at the top, not wherever scrolling stops.
                bar = self.text.verticalScrollBar()
                bar.setValue(bar.maximum())
                self.text.ensureCursorVisible()
                return
            block = block.next()

    def matches(self) -> int:
        """How many times the search text occurs in the guide."""
        wanted = self.search.text().strip()
        if not wanted:
            return 0
        document, count = self.text.document(), 0
        cursor = document.find(wanted, 0)
        while not cursor.isNull():
            count += 1
            cursor = document.find(wanted, cursor)
        return count

    def find_text(self, *, from_start: bool) -> bool:
        """Select the next match (from the top when the search text changed), wrapping at
        the end; say how many there are."""
        wanted = self.search.text().strip()
        if not wanted:
            self.found.setText("")
            return False
        if from_start:
            self.text.moveCursor(QTextCursor.MoveOperation.Start)
        hit = self.text.find(wanted)
        if not hit:  # wrap round to the top
            self.text.moveCursor(QTextCursor.MoveOperation.Start)
            hit = self.text.find(wanted)
        count = self.matches()
        self.found.setText(how_many(count, "match", "matches") if count else "Not found")
        return hit


def _shortcut_table(rows: list[tuple[str, str, str]]) -> QTableWidget:
    every = [*rows, *OTHER_KEYS]
    table = QTableWidget(len(every), 3)
    table.setAccessibleName("Keyboard shortcuts")
    table.setHorizontalHeaderLabels(["Where", "What", "Keys"])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    for r, values in enumerate(every):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table
