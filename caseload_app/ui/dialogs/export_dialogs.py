"""File → Export: the case list and the calendar, chosen with a file chooser and
written off the window's thread (each export is audited by its service)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from caseload_app.domain.text import how_many
from caseload_app.ui import crash
from caseload_app.ui.errors import USER_ERRORS
from caseload_app.ui.worker import run_in_background


def save_as(
    parent: QWidget, title: str, suggested: str, kind: tuple[str, str] = ("CSV files", ".csv")
) -> Path | None:
    label, suffix = kind
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, f"{label} (*{suffix})")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def run_export(
    parent: QWidget,
    title: str,
    work: Callable[[], int],
    path: Path,
    counted: tuple[str, str] = ("child", "children"),
) -> object:
    """Write in the background behind a busy bar; then say how many children (or what is
    `counted`) went where. (The file is written whole or not at all, so there is nothing to
    cancel half-way.)"""
    # No text for the cancel button: no cancel button (the stubs do not know None).
    progress = QProgressDialog(f"{title}…", None, 0, 0, parent)  # type: ignore[call-overload]
    progress.setWindowTitle(title)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(0)
    progress.show()

    def done(count: int) -> None:
        progress.close()
        QMessageBox.information(parent, title, f"Exported {how_many(count, *counted)} to {path}.")

    def failed(exc: Exception, _details: str) -> None:
        progress.close()
        if isinstance(exc, USER_ERRORS):
            QMessageBox.warning(parent, title, f"Nothing was exported. {exc}")
        elif isinstance(exc, OSError):
            why = exc.strerror or type(exc).__name__
            QMessageBox.warning(parent, title, f"Nothing was exported: {path} ({why}).")
        else:
            crash.report(exc, parent)

    return run_in_background(work, done, failed)
