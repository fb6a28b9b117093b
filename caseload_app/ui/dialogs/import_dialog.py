"""Importing a caseload spreadsheet in the window: choose a CSV, see every problem in it
with its row number, and import once all of it is right (all rows or none)."""

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

from caseload_app.domain.text import how_many
from caseload_app.services.importer import (
    COLUMNS,
    REQUIRED,
    Importer,
    ImportFileError,
    ImportResult,
    write_template,
)
from caseload_app.ui import crash
from caseload_app.ui.dialogs.case_dialogs import button, plain_label
from caseload_app.ui.errors import USER_ERRORS
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row
from caseload_app.ui.worker import Job, StagedProgress, run_in_background

PROBLEM_COLUMNS = (
    Column("Row", lambda p: str(p.row), lambda p: p.row),
    Column("Column", lambda p: p.column),
    Column("Problem", lambda p: p.message, tooltip=lambda p: p.message),
)

INTRO = (
    "Bring in your existing cases from a spreadsheet saved as CSV (in Excel: File → Save As → "
    "'CSV UTF-8'). Each row is one child. The first row names the columns: "
    + ", ".join(COLUMNS)
    + ". These must be filled in: "
    + ", ".join(REQUIRED)
    + ".\n\nEvery row is checked first. Nothing is imported until the whole file is right, "
    "so you can fix the spreadsheet and check it again as often as you need."
)


def _children_in_families(result: ImportResult) -> str:
    children = how_many(result.children, "child", "children")
    return f"{children} in {how_many(result.families, 'family', 'families')}"


def checked_text(result: ImportResult) -> str:
    """What a check found, in words: ready (and how much), or why not."""
    if result.problem_count:
        problems = how_many(result.problem_count, "problem", "problems")
        listed = (
            f"the first {len(result.problems):,} are listed below"
            if result.problem_count > len(result.problems)
            else "listed below"
        )
        return (
            f"Nothing can be imported yet: {problems} in "
            f"{how_many(result.problem_rows, 'row', 'rows')}, {listed}. Row numbers are as "
            "your spreadsheet shows them (the header is row 1). Put them right, save the "
            "file, and press Check again."
        )
    if not result.children:
        return "The file has its header row but no children in it, so there is nothing to import."
    ready = f"Ready to import {_children_in_families(result)}."
    if result.new_caseworkers:
        ready += " New caseworkers will be added: " + ", ".join(result.new_caseworkers) + "."
    return ready


PHASES = {"checking": "Checking every row…", "writing": "Importing…"}


class ImportDialog(QDialog):
    """One file at a time: Check (a dry run) and then Import (which checks again, since the
    file may have changed in between, and writes every row or none)."""

    def __init__(
        self,
        importer: Importer,
        on_imported: Callable[[ImportResult], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a spreadsheet")
        self.setAccessibleName("Import a spreadsheet")
        self.importer = importer
        self.on_imported = on_imported
        self.path: Path | None = None
        self.checked: ImportResult | None = None
        self._job: Job | None = None
        self._cancel = threading.Event()
        self._progress = StagedProgress(self)
        self._progress.moved.connect(self._moved)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("How far the import has got")
        self.bar.setRange(0, 1000)
        self.bar.hide()
        self.file_label = plain_label("No file chosen yet.")
        self.status = plain_label("")
        self.status.setAccessibleName("What the check found")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = RowTable(PROBLEM_COLUMNS, "Problems in the file", stretch="Problem")
        self.choose_button = button("&Choose file…", "Choose the CSV file", self.choose)
        self.check_button = button("Check &again", "Check the file again", self.check_again)
        self.template_button = button(
            "Save a &blank template…", "Save an empty spreadsheet with the columns", self.template
        )
        self.import_button = button("&Import", "Import the checked file", self.import_now)
        self.cancel_button = button("Ca&ncel", "Stop checking or importing", self.cancel)
        self._lay_out()
        self._update_buttons()
        self.resize(860, 560)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(INTRO))
        layout.addLayout(button_row(self.choose_button, self.template_button))
        layout.addWidget(self.file_label)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.problems, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addLayout(
            button_row(
                "stretch", self.cancel_button, self.check_button, self.import_button, buttons
            )
        )

    # ------------------------------------------------------------------ what the buttons do
    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Import a spreadsheet", "", "CSV files (*.csv);;All files (*)"
        )
        if name:
            self.check(Path(name))

    def check(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(f"File: {path}")
        importer, report, cancel = self.importer, self._progress.moved.emit, self._cancel
        self._start(
            PHASES["checking"],
            lambda: importer.import_file(path, dry_run=True, progress=report, cancel=cancel),
        )

    def check_again(self) -> None:
        if self.path is not None:
            self.check(self.path)

    def import_now(self) -> None:
        path, importer = self.path, self.importer
        checked = self.checked
        if path is None or checked is None or not checked.ok:
            return
        report, cancel = self._progress.moved.emit, self._cancel

        def work() -> ImportResult:
            return importer.import_file(
                path, expect=checked.fingerprint, progress=report, cancel=cancel
            )

        self._start("Importing… (every row is checked again first)", work)

    def template(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save a blank template", "caseload-import.csv", "CSV files (*.csv)"
        )
        if name:
            self.save_template(Path(name))

    def save_template(self, path: Path) -> None:
        try:
            write_template(path)
        except OSError as exc:
            self.status.setText(f"The template could not be saved: {exc.strerror or exc}.")
            return
        self.status.setText(
            f"Saved a blank template to {path}. Fill in a row per child, save it as CSV, "
            "then choose it here."
        )

    # ------------------------------------------------------------------ in the background
    def cancel(self) -> None:
        """Stop the check or the import: an import stopped half-way writes nothing."""
        if self.busy():
            self._cancel.set()
            self.status.setText("Stopping… nothing will be imported.")
            self.cancel_button.setEnabled(False)

    def _start(self, busy: str, work: Callable[[], ImportResult]) -> None:
        self.checked = None
        self._cancel.clear()
        self.status.setText(busy)
        self.problems.load([])
        self.bar.setValue(0)
        self.bar.show()
        self._job = run_in_background(work, self._done, self._failed)
        self._update_buttons()

    def _moved(self, phase: str, done: int, total: int) -> None:
        if self.busy() and not self._cancel.is_set():
            self.bar.setValue(round(1000 * done / total) if total else 0)
            self.status.setText(PHASES.get(phase, self.status.text()))

    def _done(self, result: ImportResult) -> None:
        self._job = None
        self.bar.hide()
        self.checked = result
        self.problems.load(result.problems)
        if result.cancelled:
            self.checked = None
            self.status.setText("Stopped: nothing was imported.")
        elif result.written:
            self.status.setText(f"Imported {_children_in_families(result)} from {self.path.name}.")
            self.on_imported(result)
        elif result.changed:
            self.status.setText(
                f"Nothing was imported: {self.path.name} changed after it was checked. "
                + checked_text(result)
            )
        else:
            self.status.setText(checked_text(result))
        self._update_buttons()

    def _failed(self, exc: Exception, _details: str) -> None:
        self._job = None
        self.bar.hide()
        self._update_buttons()
        if isinstance(exc, (ImportFileError, *USER_ERRORS)):
            self.status.setText(f"Nothing was imported. {exc}")
        elif isinstance(exc, PermissionError):  # on Windows, Excel locks the file it has open
            self.status.setText(
                f"Nothing was imported: {self.path.name} is open in another program (Excel?) "
                "or you may not read it. Close it there and press Check again."
            )
        elif isinstance(exc, OSError):
            self.status.setText(
                f"Nothing was imported: {self.path} could not be read "
                f"({exc.strerror or type(exc).__name__})."
            )
        else:
            self.status.setText("Nothing was imported: caseload met a problem it did not expect.")
            crash.report(exc, self)

    def _update_buttons(self) -> None:
        busy = self._job is not None
        checked = self.checked
        written = checked is not None and checked.written
        ready = checked is not None and checked.ok and bool(checked.children) and not written
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy and not self._cancel.is_set())
        self.choose_button.setEnabled(not busy)
        self.template_button.setEnabled(not busy)
        # once a file is in, checking it again would only invite importing it twice
        self.check_button.setEnabled(not busy and self.path is not None and not written)
        self.import_button.setEnabled(not busy and ready)
        if ready:
            self.import_button.setText("&Import " + how_many(checked.children, "child", "children"))
            self.import_button.setDefault(True)
        else:
            self.import_button.setText("&Import")

    # ------------------------------------------------------------------ closing
    def busy(self) -> bool:
        return self._job is not None

    def reject(self) -> None:
        if self.busy():  # Escape or Close while busy stops the work; the window waits for it
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.busy():
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
