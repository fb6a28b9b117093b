"""How the window reports problems: a person's mistake gets a plain message, a bug a log."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from caseload_app.services.errors import ACTIONABLE

log = logging.getLogger(__name__)

# Errors a caseworker can act on (a storage failure such as an unusable backup among them);
# anything else is a bug.
USER_ERRORS = ACTIONABLE


def show_user_error(parent: QWidget | None, title: str, exc: Exception) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, str(exc), QMessageBox.StandardButton.Ok, parent
    )
    box.setTextFormat(Qt.TextFormat.PlainText)  # what people typed is never markup
    box.exec()


def show_failure(parent: QWidget | None, title: str, exc: Exception) -> None:
    """Background work that failed: a user error as a message, anything else as a bug (the
    crash dialog, which logs it with nothing identifying)."""
    if isinstance(exc, USER_ERRORS):
        show_user_error(parent, title, exc)
        return
    from caseload_app.ui import crash  # the crash dialog imports this module

    crash.report(exc, parent)


def run_action(parent: QWidget | None, title: str, action) -> bool:
    """Run a service call; show a user error as a message. True when it succeeded."""
    try:
        action()
    except USER_ERRORS as exc:
        show_user_error(parent, title, exc)
        return False
    return True
