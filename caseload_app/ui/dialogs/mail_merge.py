"""Mail merge: one letter to many families at once (issue 25).

Pick the letter and the families (annual reviews due between two dates, a stage, a
caseworker, the cases selected in the list); the dialog says how many families that is.
"Check who gets it" lists who would get the letter and who would be skipped and why, issuing
nothing; "Issue letters…" issues them off the window's thread, with progress and Stop. The
report, one line per family, can be saved as CSV, and the letters issued saved as one PDF
to print in one go.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.text import how_many
from caseload_app.services.mail_merge import (
    REPORT_HEADER,
    MailMergeService,
    MergeReport,
    MergeSelection,
)
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import buddy, button, choice_combo, plain_label
from caseload_app.ui.dialogs.printing import FORMAT_CHOICES
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import Job, Progress, run_in_background


def next_month(today: date) -> tuple[date, date]:
    """The first and last days of the month after `today`'s."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


class MailMergeDialog(QDialog):
    """`issued` is emitted with the cases that got a letter, for the window's lists."""

    issued = Signal(list)

    def __init__(
        self,
        merge: MailMergeService,
        letters: dict[str, str],
        caseworkers: Sequence[tuple[str, int]],
        selected: Sequence[int] = (),
        me: int | None = None,
        parent: QWidget | None = None,
        format: str = "pdf",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mail merge")
        self.resize(860, 600)
        self.merge = merge
        self.selected = tuple(selected)
        self.report: MergeReport | None = None
        self._job: Job | None = None
        self._cancel = threading.Event()
        self._progress = Progress(self)
        self._progress.moved.connect(self._moved)
        self._count_timer = QTimer(self, singleShot=True, interval=250)
        self._count_timer.timeout.connect(self.count)
        self._counting: Job | None = None
        self._build_fields(letters, caseworkers, me)
        self.format = choice_combo(list(FORMAT_CHOICES))
        self.format.setAccessibleName("Issue as")
        self.format.setCurrentIndex(max(self.format.findData(format), 0))
        # A merge stopped and run again another day: the letters of its first day count.
        self.sent_since = DateEdit(self.merge.today())
        self.sent_since.setAccessibleName("Already sent if issued since")
        self._build_report()
        self._build_buttons()
        self._lay_out()
        self._set_busy(False)
        self.count()

    # ------------------------------------------------------------------ building
    def _build_fields(
        self, letters: dict[str, str], caseworkers: Sequence[tuple[str, int]], me: int | None
    ) -> None:
        self.letter = choice_combo(list(letters.items()))
        self.letter.setAccessibleName("Letter")
        self.reviews = QCheckBox("Annual reviews &due between")
        self.reviews.setChecked(True)
        first, last = next_month(self.merge.today())
        self.due_from, self.due_to = DateEdit(first), DateEdit(last)
        self.due_from.setAccessibleName("Reviews due from")
        self.due_to.setAccessibleName("Reviews due until")
        open_stages = [
            (c.label, c.code) for c in codes.stages() if c.code in codes.open_stage_codes()
        ]
        self.stage = choice_combo([("Any stage", None), *open_stages])
        self.stage.setAccessibleName("Stage")
        self.caseworker = choice_combo([("Anyone's cases", None), *caseworkers])
        self.caseworker.setAccessibleName("Caseworker")
        if me is not None and (at := self.caseworker.findData(me)) >= 0:
            self.caseworker.setCurrentIndex(at)
        picked = how_many(len(self.selected), "case", "cases") if self.selected else "none"
        self.only_selected = QCheckBox(f"Only the cases selected in the list ({picked})")
        self.only_selected.setEnabled(bool(self.selected))
        self.chosen = plain_label()
        self.chosen.setAccessibleName("How many families")
        for signal in (
            self.reviews.toggled,
            self.due_from.dateChanged,
            self.due_to.dateChanged,
            self.stage.currentIndexChanged,
            self.caseworker.currentIndexChanged,
            self.only_selected.toggled,
        ):
            signal.connect(self._selection_changed)
        self.reviews.toggled.connect(self.due_from.setEnabled)
        self.reviews.toggled.connect(self.due_to.setEnabled)

    def _build_report(self) -> None:
        self.table = QTableWidget(0, len(REPORT_HEADER))
        self.table.setHorizontalHeaderLabels(list(REPORT_HEADER))
        self.table.setAccessibleName("Mail merge report")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(REPORT_HEADER) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Progress of the mail merge")
        self.status = plain_label()
        self.status.setAccessibleName("Mail merge status")

    def _build_buttons(self) -> None:
        self.check_button = button("&Check who gets it", "Check who gets it", self.check)
        self.issue_button = button("&Issue letters…", "Issue the letters", self.issue)
        self.stop_button = button("&Stop", "Stop the mail merge", self.stop)
        self.save_button = button("Save &report…", "Save the report as CSV", self.save_report)
        self.pdf_button = button(
            "Save letters as one &PDF…", "Save the letters issued as one PDF", self.save_letters
        )
        self.close_button = button("Close", "Close the mail merge", self.reject)
        self.buttons = QDialogButtonBox()
        for b in (self.check_button, self.issue_button, self.stop_button):
            self.buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        for b in (self.save_button, self.pdf_button):
            self.buttons.addButton(b, QDialogButtonBox.ButtonRole.ApplyRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(buddy("&Letter:", self.letter), self.letter)
        form.addRow(buddy("Issue &as:", self.format), self.format)
        form.addRow(buddy("Already sent if issued si&nce:", self.sent_since), self.sent_since)
        dates = QHBoxLayout()
        dates.addWidget(self.due_from)
        dates.addWidget(buddy("and", self.due_to))
        dates.addWidget(self.due_to)
        dates.addStretch(1)
        form.addRow(self.reviews, dates)
        form.addRow(buddy("S&tage:", self.stage), self.stage)
        form.addRow(buddy("Case&worker:", self.caseworker), self.caseworker)
        form.addRow("", self.only_selected)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.chosen)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ choosing
    def selection(self) -> MergeSelection:
        stage, worker = self.stage.currentData(), self.caseworker.currentData()
        return MergeSelection(
            reviews_due=(self.due_from.value(), self.due_to.value())
            if self.reviews.isChecked()
            else None,
            stage=stage,
            caseworker_id=worker,
            case_ids=self.selected if self.only_selected.isChecked() else (),
        )

    def _selection_changed(self, *_args) -> None:
        self._count_timer.start()

    def count(self) -> None:
        """How many families the selection reaches, read off the window's thread."""
        if self._counting is not None:  # one at a time: the next starts when it reports
            self._count_timer.start()
            return
        selection = self.selection()
        self._counting = run_in_background(
            lambda: len(self.merge.choose(selection)),
            lambda n: self._counted(selection, n),
            lambda exc, _tb: self._counted(selection, exc),
        )

    def _counted(self, selection: MergeSelection, found: int | Exception) -> None:
        self._counting = None
        if selection != self.selection():
            return  # changed meanwhile: its own count is on the way
        if isinstance(found, ui_errors.USER_ERRORS):
            self.chosen.setText(str(found))
            self._families = 0
        elif isinstance(found, Exception):
            raise found
        else:
            self._families = found
            cases = how_many(found, "case", "cases")
            self.chosen.setText(f"{cases} chosen: one letter each, to the child's family.")
        self._set_busy(self.busy())

    _families = 0

    # ------------------------------------------------------------------ merging
    def busy(self) -> bool:
        return self._job is not None

    def check(self) -> None:
        self._start(dry=True)

    def issue(self) -> None:
        label = self.letter.currentText()
        answer = QMessageBox.question(
            self,
            "Mail merge",
            f"Issue '{label}' for {how_many(self._families, 'case', 'cases')}, one letter "
            "each to the child's family? Each letter is kept on its case file and logged; a "
            "family that cannot get it is skipped, with why, in the report.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._start(dry=False)

    def _start(self, *, dry: bool) -> None:
        if self.busy():
            return
        template, selection = self.letter.currentData(), self.selection()
        report, cancel, format = self._progress.moved.emit, self._cancel, self.format.currentData()

        since = self.sent_since.value()

        def merge() -> MergeReport:
            if dry:
                return self.merge.dry_run(
                    template, selection, progress=report, cancel=cancel, sent_since=since,
                    format=format,
                )  # fmt: skip
            return self.merge.run(
                template, selection, progress=report, cancel=cancel, format=format,
                sent_since=since,
            )  # fmt: skip

        cancel.clear()
        self._job = run_in_background(
            merge,
            self._done,
            self._failed,
        )
        self.bar.setRange(0, max(self._families, 1))
        self.bar.setValue(0)
        self.status.setText("Checking…" if dry else "Issuing the letters…")
        self._set_busy(True)

    def stop(self) -> None:
        """Stop between letters: those issued stay issued, the rest are not."""
        if self.busy():
            self._cancel.set()
            self.status.setText("Stopping after this letter…")
            self.stop_button.setEnabled(False)

    def reject(self) -> None:
        if self.busy():  # Escape or Close while merging: stop first
            self.stop()
            return
        super().reject()

    def done(self, result: int) -> None:
        """Closed: a count still being read reports to nobody."""
        if self._counting is not None:
            self._counting.signals.done.disconnect()
            self._counting.signals.failed.disconnect()
            self._counting = None
        super().done(result)

    def _moved(self, done: int, total: int) -> None:
        if self.busy() and not self._cancel.is_set():
            self.bar.setMaximum(total)
            self.bar.setValue(done)
            self.status.setText(f"{done} of {how_many(total, 'case', 'cases')}…")

    def _done(self, report: MergeReport) -> None:
        self._job = None
        self.show_report(report)
        self._set_busy(False)
        done = [line.case_id for line in report.lines if line.communication_id is not None]
        if done:
            self.issued.emit(done)

    def _failed(self, exc: Exception, _tb: str) -> None:
        self._job = None
        self._set_busy(False)
        if not isinstance(exc, ui_errors.USER_ERRORS):
            raise exc
        self.status.setText("")
        ui_errors.show_user_error(self, "Mail merge", exc)

    def show_report(self, report: MergeReport) -> None:
        self.report = report
        self.table.setRowCount(len(report.lines))
        for row, line in enumerate(report.lines):
            for column, text in enumerate(line.cells()):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.status.setText(report.summary())

    def _set_busy(self, busy: bool) -> None:
        for widget in (
            self.letter, self.format, self.sent_since, self.reviews, self.stage,
            self.caseworker, self.only_selected,
        ):  # fmt: skip
            widget.setEnabled(
                not busy and (widget is not self.only_selected or bool(self.selected))
            )
        self.due_from.setEnabled(not busy and self.reviews.isChecked())
        self.due_to.setEnabled(not busy and self.reviews.isChecked())
        idle_with_families = not busy and self._families > 0
        self.check_button.setEnabled(idle_with_families)
        self.issue_button.setEnabled(idle_with_families)
        self.stop_button.setVisible(busy)
        self.stop_button.setEnabled(busy)
        self.bar.setVisible(busy)
        has_report = not busy and self.report is not None
        self.save_button.setEnabled(has_report)
        self.pdf_button.setEnabled(has_report and bool(self.report and self.report.pdfs))
        self.close_button.setEnabled(not busy)

    # ------------------------------------------------------------------ saving
    def save_report(self) -> None:
        self._save("Save the report", "mail-merge-report.csv", "CSV files (*.csv)", ".csv",
                   self.merge.save_report)  # fmt: skip

    def save_letters(self) -> None:
        self._save("Save the letters as one PDF", "mail-merge-letters.pdf", "PDF files (*.pdf)",
                   ".pdf", self.merge.save_letters)  # fmt: skip

    def _save(
        self,
        title: str,
        name: str,
        kinds: str,
        suffix: str,
        save: Callable[[MergeReport, Path], int],
    ) -> None:
        if self.report is None:
            return
        chosen, _ = QFileDialog.getSaveFileName(self, title, name, kinds)
        if not chosen:
            return
        target = Path(chosen) if chosen.lower().endswith(suffix) else Path(chosen + suffix)
        try:
            save(self.report, target)
        except (*ui_errors.USER_ERRORS, OSError) as exc:
            ui_errors.show_user_error(self, title, exc)
            return
        self.status.setText(f"Saved {target.name}. {self.report.summary()}")


__all__ = ["MailMergeDialog", "next_month"]
