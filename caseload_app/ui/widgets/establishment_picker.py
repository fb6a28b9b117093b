"""Choosing a school, college or other establishment from the DfE's register as you type.

A line edit whose suggestions come from the register (EstablishmentService.search) a moment
after the typing stops. Choosing one remembers its id; a closed one can be chosen, and says
so. Text that was not chosen from the list is a setting not on the register, kept as typed:
the note under the field says which of the two it is, in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QWidget

from caseload_app.domain.establishments import EstablishmentChoice
from caseload_app.domain.text import limit_of

Search = Callable[[str], Sequence[EstablishmentChoice]]
WAIT_MS = 150  # after the last key, before asking the register
NOTE_STYLE = "color: #555;"


class EstablishmentPicker(QLineEdit):
    """The establishment chosen (`chosen`), or a setting's name typed (`typed_name`)."""

    chosen_changed = Signal()

    def __init__(self, search: Search, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self.chosen: EstablishmentChoice | None = None
        self._found: list[EstablishmentChoice] = []
        self.setMaxLength(limit_of("placement.setting_name"))
        self.setPlaceholderText("Type a name, URN, LAESTAB or postcode")
        self.suggestions = QStandardItemModel(self)
        self.completer_ = QCompleter(self.suggestions, self)
        # The register has already matched every word (of the name, URN, postcode…): the
        # completer shows what it found rather than filtering it again by prefix.
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self.note = QLabel()
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setAccessibleName("Establishment: what is chosen")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(WAIT_MS)
        self._timer.timeout.connect(self.look_up)
        self.textEdited.connect(self._typed)
        self._say()

    # --- what it holds ----------------------------------------------------------------------
    def typed_name(self) -> str:
        """The setting's name when nothing was chosen from the register ("" otherwise)."""
        return "" if self.chosen is not None else self.text().strip()

    def value(self) -> tuple[int | None, str]:
        """(the establishment's id, or None; the name of a setting not on the register)."""
        return (self.chosen.id if self.chosen else None, self.typed_name())

    def set_choice(self, choice: EstablishmentChoice | None, typed: str = "") -> None:
        self._timer.stop()
        self.chosen = choice
        self.setText(choice.label() if choice else typed)
        self._say()
        self.chosen_changed.emit()

    # --- typing and choosing ----------------------------------------------------------------
    def _typed(self, _text: str) -> None:
        if self.chosen is not None:
            self.chosen = None  # what is typed now is not the one chosen
            self.chosen_changed.emit()
        self._say()
        self._timer.start()

    def look_up(self) -> None:
        """Ask the register for what is typed and offer what it finds."""
        self._found = list(self._search(self.text()))
        self.suggestions.clear()
        for choice in self._found:
            item = QStandardItem(choice.label())
            item.setData(choice.id, Qt.ItemDataRole.UserRole)
            item.setEditable(False)
            self.suggestions.appendRow(item)
        if self._found and self.hasFocus():
            self.completer_.complete()
        elif not self._found:
            self.completer_.popup().hide()

    def _picked(self, index: QModelIndex) -> None:
        wanted = index.data(Qt.ItemDataRole.UserRole)
        choice = next((c for c in self._found if c.id == wanted), None)
        if choice is not None:
            self.set_choice(choice)

    def choose(self, row: int) -> None:
        """Choose the row-th suggestion, as clicking it in the list does."""
        self._picked(self.suggestions.index(row, 0))

    def _say(self) -> None:
        if self.chosen is not None:
            closed = "" if self.chosen.is_open else " It is closed: check this is right."
            self.note.setText(f"From the register.{closed}")
        elif self.text().strip():
            self.note.setText(
                "Not on the register: saved as typed, as a setting that is not on the DfE's "
                "register. Choose from the list if it is there."
            )
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))
