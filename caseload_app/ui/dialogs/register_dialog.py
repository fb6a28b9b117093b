"""Importing the DfE's register of establishments in the window: choose the GIAS file, watch
it go in (Cancel keeps nothing), then see what changed and which lines were skipped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.errors import Stopped
from caseload_app.services.establishments import EstablishmentService, RegisterImport
from caseload_app.ui import crash
from caseload_app.ui.dialogs.case_dialogs import button, plain_label
from caseload_app.ui.errors import USER_ERRORS
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.worker import Job, StagedProgress, run_in_background

SKIPPED_COLUMNS = (
    Column("Line", lambda s: str(s[0]), lambda s: s[0]),
    Column("Why it was skipped", lambda s: s[1], tooltip=lambda s: s[1]),
)

INTRO = (
    "The DfE's register of schools, colleges and other settings, from Get Information About "
    "Schools → Downloads → 'Establishment fields CSV'. Unzip what it gives and choose the "
    "edubasealldata….csv inside.\n\nImporting again later updates names and marks closed "
    "schools closed; no establishment is ever removed, so every child's placement keeps its "
    "link. Nothing changes until the whole file is in, and Cancel keeps nothing."
)
PHASES = {"reading": "Reading the file…", "writing": "Bringing the register up to date…"}


class RegisterImportDialog(QDialog):
    """One import at a time, off the window's thread."""

    def __init__(
        self,
        service: EstablishmentService,
        on_imported: Callable[[RegisterImport], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import the register of establishments")
        self.setAccessibleName("Import the register of establishments")
        self.service = service
        self.on_imported = on_imported
        self.path: Path | None = None
        self.result_: RegisterImport | None = None
        self._job: Job | None = None
        self._cancel = threading.Event()
        self._progress = StagedProgress(self)
        self._progress.moved.connect(self._moved)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("How far the import has got")
        self.bar.setRange(0, 1000)
        self.bar.hide()
        self.status = plain_label("No file chosen yet.")
        self.status.setAccessibleName("What the import did")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.skipped = RowTable(SKIPPED_COLUMNS, "Lines skipped", stretch="Why it was skipped")
        self.skipped.hide()
        self.choose_button = button(
            "&Choose the GIAS file…", "Choose the register file to import", self.choose
        )
        self.cancel_button = button("Ca&ncel", "Stop the import: nothing changes", self.cancel)
        self.cancel_button.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(INTRO))
        layout.addLayout(button_row(self.choose_button))
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.skipped, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.rejected.connect(self.reject)
        layout.addLayout(button_row("stretch", self.cancel_button, close))
        self.resize(760, 480)

    # ------------------------------------------------------------------ what the buttons do
    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "The register of establishments", "", "CSV files (*.csv);;All files (*)"
        )
        if name:
            self.start(Path(name))

    def start(self, path: Path) -> None:
        """Import `path` in the background (the file dialog's choice, or a test's)."""
        self.path, self.result_ = path, None
        self._cancel.clear()
        service, report, cancel = self.service, self._progress.moved.emit, self._cancel
        self.status.setText(f"{path.name}: {PHASES['reading']}")
        self.skipped.load([])
        self.skipped.hide()
        self.bar.setValue(0)
        self.bar.show()
        self._job = run_in_background(
            lambda: service.import_register(path, progress=report, cancelled=cancel.is_set),
            self._done,
            self._failed,
        )
        self._busy_buttons()

    def cancel(self) -> None:
        if self.busy():
            self._cancel.set()
            self.status.setText("Stopping… nothing will change.")
            self.cancel_button.setEnabled(False)

    # ------------------------------------------------------------------ in the background
    def _moved(self, phase: str, done: int, total: int) -> None:
        if self.busy() and not self._cancel.is_set() and self.path is not None:
            self.bar.setValue(round(1000 * done / total) if total else 0)
            self.status.setText(f"{self.path.name}: {PHASES.get(phase, '')}")

    def _done(self, result: RegisterImport) -> None:
        self._finished()
        self.result_ = result
        name = self.path.name if self.path is not None else "the file"
        text = f"Imported the register from {name}: {result.summary()}."
        if result.skipped:
            text += " The lines skipped are listed below (the header is line 1)."
            self.skipped.load(result.skipped)
            self.skipped.show()
        self.status.setText(text)
        if self.on_imported is not None:
            self.on_imported(result)

    def _failed(self, exc: Exception, _details: str) -> None:
        self._finished()
        name = self.path.name if self.path is not None else "the file"
        if isinstance(exc, Stopped):
            self.status.setText("Stopped: the register was not imported, nothing changed.")
        elif isinstance(exc, USER_ERRORS):
            self.status.setText(f"Nothing was imported. {exc}")
        elif isinstance(exc, OSError):
            self.status.setText(
                f"Nothing was imported: {name} could not be read "
                f"({exc.strerror or type(exc).__name__}). Is it open in another program?"
            )
        else:
            self.status.setText("Nothing was imported: caseload met a problem it did not expect.")
            crash.report(exc, self)

    def _finished(self) -> None:
        self._job = None
        self.bar.hide()
        self._busy_buttons()

    def _busy_buttons(self) -> None:
        busy = self.busy()
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.choose_button.setEnabled(not busy)

    # ------------------------------------------------------------------ closing
    def busy(self) -> bool:
        return self._job is not None

    def reject(self) -> None:
        if self.busy():  # Escape or Close while busy stops the import; the dialog waits
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.busy():
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
