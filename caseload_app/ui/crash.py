"""Uncaught exceptions in the window: a friendly message, and the details in the log."""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from caseload_app import logs


def crash_message(kind: type[BaseException], exc: BaseException) -> str:
    where = logs.log_file()
    told = (
        f"The details are in the log, for IT or whoever supports caseload:\n{where}"
        if where
        else "The log could not be written, so the details are below."
    )
    return (
        "caseload met a problem it did not expect, and what you just asked for may not "
        "have finished.\n\n"
        "Everything saved before is safe: each save is made whole or not at all.\n\n"
        f"{told}\n\n({kind.__name__}: {exc})"
    )


def _show(kind: type[BaseException], exc: BaseException, parent: QWidget | None) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Something went wrong",
        crash_message(kind, exc),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def report(exc: BaseException, parent: QWidget | None = None) -> None:
    """An unexpected error caught on the way (e.g. from a background job): log and tell."""
    logs.log_crash(type(exc), exc, exc.__traceback__)
    _show(type(exc), exc, parent)


def install() -> Callable[[], None]:
    """Show and log anything uncaught from now on; returns how to put the old hook back."""
    previous = sys.excepthook

    def hook(kind, exc, tb) -> None:
        logs.log_crash(kind, exc, tb)
        if QApplication.instance() is None:
            previous(kind, exc, tb)
            return
        try:
            _show(kind, exc, QApplication.activeWindow())
        except Exception:  # the message itself failed: fall back to the terminal
            previous(kind, exc, tb)

    sys.excepthook = hook
    return lambda: setattr(sys, "excepthook", previous)
