"""File → Export: the case list and the SEN2 return as CSV, chosen with a file chooser and
written off the window's thread (each export is audited by its service)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.text import how_many
from caseload_app.ui import crash
from caseload_app.ui.dialogs.case_dialogs import plain_label
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.errors import USER_ERRORS
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import run_in_background


class CensusDateDialog(FieldsFirst, QDialog):
    """The SEN2 census date the return describes (the council's January census day)."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SEN2 return")
        self.census = DateEdit(today)
        self.census.setAccessibleName("Census date")
        form = QFormLayout()
        form.addRow("&Census date", self.census)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "A person-level CSV in the shape of the DfE's SEN2 return, for every child "
                "with a request or plan on that day (see docs/SEN2.md for the fields)."
            )
        )
        layout.addLayout(form)
        layout.addWidget(buttons)

    def value(self) -> date:
        return self.census.value()


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
