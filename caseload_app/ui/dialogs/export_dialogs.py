"""File → Export: the case list, the calendar and the inspection list, chosen with a file
chooser and written off the window's thread (each export is audited by its service)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.inspection import inspection_columns
from caseload_app.domain.text import how_many
from caseload_app.services.errors import Stopped
from caseload_app.ui import crash
from caseload_app.ui.dialogs.case_dialogs import buddy, plain_label
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.errors import USER_ERRORS
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import COUNT, bar_steps, run_in_background


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


# --------------------------------------------------------------------------- inspection list
class InspectionListDialog(FieldsFirst, QDialog):
    """The inspection list: the day, the columns (ticked as last chosen, else the code
    list's defaults), the CSV and, if wanted, a PDF summary beside it."""

    def __init__(
        self,
        today: date,
        remembered: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inspection list (area SEND inspection)")
        self.setMinimumWidth(560)  # room for a whole path
        self.on = DateEdit(today)
        self.on.setAccessibleName("The list as on")
        self._today = today
        self.columns = QListWidget()
        self.columns.setAccessibleName("Columns")
        self.columns.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.columns.setToolTip("Tick the columns wanted; drag one to change the order")
        self._fill(remembered)
        defaults = QPushButton("&Defaults")
        defaults.setToolTip("Tick the usual columns again, in their usual order")
        defaults.clicked.connect(lambda: self._fill(()))
        self.csv_path = QLineEdit()
        self.csv_path.setAccessibleName("CSV file")
        csv_choose = QPushButton("C&hoose…")
        csv_choose.clicked.connect(self._choose_csv)
        self.want_pdf = QCheckBox("Also a &PDF summary (counts and the list, to print)")
        self.pdf_path = QLineEdit()
        self.pdf_path.setAccessibleName("PDF file")
        pdf_choose = QPushButton("Ch&oose…")
        pdf_choose.clicked.connect(self._choose_pdf)
        self.want_pdf.toggled.connect(self._pdf_wanted)
        self._pdf_widgets = (self.pdf_path, pdf_choose)
        self._pdf_wanted(False)
        self.problem = plain_label()
        self.problem.setStyleSheet("color: #8b0000")
        self.problem.hide()

        form = QFormLayout()
        form.addRow("&The list as on", self.on)
        form.addRow(buddy("Co&lumns", self.columns), self.columns)
        form.addRow("", defaults)
        form.addRow(buddy("&CSV file", self.csv_path), _beside(self.csv_path, csv_choose))
        form.addRow("", self.want_pdf)
        form.addRow(buddy("PDF &file", self.pdf_path), _beside(self.pdf_path, pdf_choose))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("E&xport")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Every child and young person with an EHC plan or a request for one on the "
                "day, by placement type, with their names: what an Ofsted/CQC area SEND "
                "inspection asks for. Exporting it is recorded in the audit trail."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _fill(self, keys: Sequence[str]) -> None:
        """Tick `keys` in their order, then the other columns unticked; no keys: defaults."""
        every = {c.key: c for c in inspection_columns()}
        chosen = [k for k in keys if k in every]
        if not chosen:
            chosen = [c.key for c in inspection_columns() if c.default]
        order = [*chosen, *(k for k in every if k not in chosen)]
        self.columns.clear()
        for key in order:
            column = every[key]
            item = QListWidgetItem(column.label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(column.description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = key in chosen
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.columns.addItem(item)

    def chosen_columns(self) -> list[str]:
        """The ticked columns' keys, in the list's order."""
        items = (self.columns.item(i) for i in range(self.columns.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def _suggested(self, suffix: str) -> str:
        return f"inspection-list-{self.on.value():%Y-%m-%d}{suffix}"

    def _choose_csv(self) -> None:
        path = save_as(self, "Save the inspection list", self._suggested(".csv"))
        if path is not None:
            self.csv_path.setText(str(path))
            if self.want_pdf.isChecked() and not self.pdf_path.text().strip():
                self.pdf_path.setText(str(path.with_suffix(".pdf")))

    def _choose_pdf(self) -> None:
        path = save_as(self, "Save the PDF summary", self._suggested(".pdf"), ("PDF files", ".pdf"))
        if path is not None:
            self.pdf_path.setText(str(path))

    def _pdf_wanted(self, wanted: bool) -> None:
        for widget in self._pdf_widgets:
            widget.setEnabled(wanted)
        csv_text = self.csv_path.text().strip()
        if wanted and csv_text and not self.pdf_path.text().strip():
            self.pdf_path.setText(str(Path(csv_text).with_suffix(".pdf")))

    def _accept(self) -> None:
        problem = self._problem()
        if problem:
            self.problem.setText(problem)
            self.problem.show()
            return
        self.accept()

    def _problem(self) -> str:
        if not self.chosen_columns():
            return "Tick at least one column."
        if not self.csv_path.text().strip():
            return "Choose where to save the CSV file."
        if self.want_pdf.isChecked() and not self.pdf_path.text().strip():
            return "Choose where to save the PDF, or untick the PDF summary."
        return ""

    def value(self) -> InspectionChoice:
        csv_path = Path(self.csv_path.text().strip())
        if csv_path.suffix.lower() != ".csv":
            csv_path = csv_path.with_name(csv_path.name + ".csv")
        pdf = None
        if self.want_pdf.isChecked():
            pdf = Path(self.pdf_path.text().strip())
            if pdf.suffix.lower() != ".pdf":
                pdf = pdf.with_name(pdf.name + ".pdf")
        return InspectionChoice(self.on.value(), self.chosen_columns(), csv_path, pdf)


@dataclass(frozen=True)
class InspectionChoice:
    on: date
    columns: list[str]
    csv_path: Path
    pdf_path: Path | None


def _beside(field: QWidget, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row


class BarProgress(QObject):
    """Carries a service's progress from the worker thread to the bar on the window's thread
    (a slot of an object living there, so Qt queues each call to it)."""

    moved = Signal(str, COUNT, COUNT)

    def __init__(self, bar: QProgressDialog) -> None:
        super().__init__(bar)
        self._bar = bar
        self.moved.connect(self._show)

    def _show(self, phase: str, done: int, total: int) -> None:
        self._bar.setLabelText(f"{phase}…" + (f" {done:,} of {total:,}" if total > 1 else ""))
        step, steps = bar_steps(min(done, total), max(total, 0))
        self._bar.setRange(0, steps)
        self._bar.setValue(step)


@dataclass(frozen=True)
class StoppableBar:
    """A bar that moves for work on another thread, with Stop: `report` carries the work's
    progress to it, and `cancel` is set when the person stops it."""

    bar: QProgressDialog
    report: Callable[[str, int, int], None]
    cancel: threading.Event


def stoppable_bar(parent: QWidget, title: str) -> StoppableBar:
    cancel = threading.Event()
    bar = QProgressDialog(f"{title}…", "&Stop", 0, 0, parent)
    bar.setWindowTitle(title)
    bar.setWindowModality(Qt.WindowModality.WindowModal)
    bar.setMinimumDuration(0)
    bar.setAutoClose(False)
    bar.setAutoReset(False)
    bar.canceled.connect(cancel.set)
    reporter = BarProgress(bar)
    bar.show()
    return StoppableBar(bar, reporter.moved.emit, cancel)


def run_stoppable_export(
    parent: QWidget,
    title: str,
    work: Callable[[Callable[[str, int, int], None], threading.Event], int],
    where: str,
) -> object:
    """`run_export` for a long export that reports its progress and can be stopped: a bar
    that moves, and a Stop button (a stopped export leaves no file and no record)."""
    stoppable = stoppable_bar(parent, title)
    progress = stoppable.bar

    def done(count: int) -> None:
        progress.close()
        QMessageBox.information(
            parent, title, f"Exported {how_many(count, 'child', 'children')} to {where}."
        )

    def failed(exc: Exception, _details: str) -> None:
        progress.close()
        if isinstance(exc, Stopped):
            QMessageBox.information(parent, title, str(exc))
        elif isinstance(exc, USER_ERRORS):
            QMessageBox.warning(parent, title, f"Nothing was exported. {exc}")
        elif isinstance(exc, OSError):
            why = exc.strerror or type(exc).__name__
            QMessageBox.warning(parent, title, f"Nothing was exported: {where} ({why}).")
        else:
            crash.report(exc, parent)

    return run_in_background(lambda: work(stoppable.report, stoppable.cancel), done, failed)
