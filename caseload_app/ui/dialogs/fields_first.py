"""How every data-entry dialog meets the keyboard: it opens on its first field, Enter in a
one-line field moves on to the next field (it never saves a half-filled form by accident),
Enter on a focused button presses it, and Ctrl+Enter saves from anywhere."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

FIELD_TYPES = (
    QLineEdit,
    QAbstractSpinBox,
    QComboBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractButton,  # a check box or radio button can be a form's first field
    QAbstractItemView,
)
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def first_field(dialog: QWidget) -> QWidget | None:
    """The first widget in the tab order that takes typing (not a push button)."""
    widget = dialog.nextInFocusChain()
    while widget is not None and widget is not dialog:
        if (
            isinstance(widget, FIELD_TYPES)
            and not isinstance(widget, QPushButton)
            and widget.isEnabled()
            and widget.isVisibleTo(dialog)
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            return widget
        widget = widget.nextInFocusChain()
    return None


class FieldsFirst:
    """Mixed into a QDialog (listed before it). `start_field()` may name another field."""

    _fields_first_done = False

    def start_field(self) -> QWidget | None:
        return first_field(self)  # type: ignore[arg-type]

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)  # type: ignore[misc]
        if not self._fields_first_done:
            self._fields_first_done = True
            for button in self.findChildren(QPushButton):  # type: ignore[attr-defined]
                # Qt makes the first auto-default button the default, which Enter presses
                # from any field (and may take the focus): no button is, here.
                button.setAutoDefault(False)
                button.setDefault(False)
            if (field := self.start_field()) is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() not in ENTER:
            super().keyPressEvent(event)  # type: ignore[misc]
            return
        focus = self.focusWidget()  # type: ignore[attr-defined]
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            save = _accept_button(self)  # type: ignore[arg-type]
            if save is not None:
                save.click()
        elif isinstance(focus, QPushButton):
            focus.click()
        else:
            self.focusNextChild()  # type: ignore[attr-defined]
        event.accept()


def _accept_button(dialog: QDialog) -> QPushButton | None:
    for box in dialog.findChildren(QDialogButtonBox):
        for button in box.buttons():
            if box.buttonRole(button) in (
                QDialogButtonBox.ButtonRole.AcceptRole,
                QDialogButtonBox.ButtonRole.YesRole,
                QDialogButtonBox.ButtonRole.ApplyRole,
            ) and isinstance(button, QPushButton):
                return button
    return None
