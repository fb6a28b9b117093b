"""File → Statutory return (SEN2): choose the census day and the area's designated officers,
build and check the return off the window's thread (with progress and Stop), read the list of
what to put right — a double-click opens the child — then save it as XML (or CSV to check in a
spreadsheet). Saving is refused while an error stands; warnings are allowed."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.sen2 import suggested_census_day
from caseload_app.domain.sen2_checks import Finding
from caseload_app.domain.text import how_many
from caseload_app.services.sen2_return import Officers, Prepared, Saved, Sen2ReturnService
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import choice_combo, plain_label
from caseload_app.ui.dialogs.export_dialogs import save_as
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable
from caseload_app.ui.widgets.dates import DateEdit
from caseload_app.ui.worker import Job, Progress, run_in_background

OFFICER_CHOICES = [("(not given)", None), ("Yes", "Y"), ("No", "N"), ("Recruiting", "R")]
FINDING_COLUMNS = (
    Column("", lambda f: "✖ Error" if f.is_error else "▲ Warning", lambda f: not f.is_error),
    Column("Check", lambda f: f.code),
    Column("Child", lambda f: f.name or "(the return's header)"),
    Column("Item", lambda f: f.element),
    Column("What is wrong", lambda f: f.message),
    Column("How to put it right", lambda f: f.fix),
)


class StatutoryReturnDialog(QDialog):
    """`open_case` asks the window to open a child's case (double-click on a finding)."""

    open_case = Signal(int, str)

    def __init__(self, service: Sen2ReturnService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Statutory return (SEN2)")
        self.resize(980, 620)
        self.service = service
        self.prepared: Prepared | None = None
        self._job: Job | None = None
        self._cancel = threading.Event()
        self._progress = Progress(self)
        self._progress.moved.connect(self._moved)
        self._build()
        self._set_busy(False)
        # A return built for another day or other officers' answers is not the one to save.
        self.census.dateChanged.connect(lambda *_: self._inputs_changed())
        for combo in self.officers.values():
            combo.currentIndexChanged.connect(lambda *_: self._inputs_changed())

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.census = DateEdit(suggested_census_day(self.service.today()))
        self.census.setAccessibleName("Census day")
        kept = self.service.officers()
        self.officers = {}
        form = QFormLayout()
        form.addRow("&Census day", self.census)
        for item, label in (("dmo", "Designated &Medical Officer"),
                            ("dco", "Designated C&linical Officer"),
                            ("dsco", "Designated &Social Care Officer")):  # fmt: skip
            combo = choice_combo(OFFICER_CHOICES)
            combo.setAccessibleName(label.replace("&", ""))
            combo.setCurrentIndex(max(combo.findData(getattr(kept, item)), 0))
            self.officers[item] = combo
            form.addRow(label, combo)
        self.note = plain_label(
            "The DfE sets the census day each year (usually the third Thursday of January): "
            "check it against the DfE's guide. The return covers the calendar year before it, "
            "as things stood on the census day."
        )
        self.status = plain_label()
        self.status.setAccessibleName("Return status")
        self.bar = QProgressBar()
        self.table = RowTable(FINDING_COLUMNS, "Checks to put right", stretch="What is wrong")
        self.table.activated.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        # The selected check in full: the table's cells are cut to fit.
        self.detail = plain_label()
        self.detail.setAccessibleName("The selected check")
        self.check_button = QPushButton("&Build and check")
        self.check_button.clicked.connect(self.check)
        self.stop_button = QPushButton("S&top")
        self.stop_button.clicked.connect(self.stop)
        self.xml_button = QPushButton("Save as &XML…")
        self.xml_button.clicked.connect(lambda: self.save("xml"))
        self.csv_button = QPushButton("Save as CS&V…")
        self.csv_button.clicked.connect(lambda: self.save("csv"))
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for widget in (self.check_button, self.stop_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        for widget in (self.xml_button, self.csv_button, self.close_button):
            buttons.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)

    def _inputs_changed(self) -> None:
        if self.prepared is None or self.busy():
            return
        self.prepared = None
        self.table.load([])
        self.detail.setText("")
        self.status.setText("The census day or the officers changed: build and check again.")
        self._set_busy(False)

    def chosen_officers(self) -> Officers:
        return Officers(**{item: combo.currentData() for item, combo in self.officers.items()})

    # ------------------------------------------------------------------ checking
    def check(self) -> None:
        if self.busy():
            return
        census, officers = self.census.value(), self.chosen_officers()
        report, cancelled = self._progress.moved.emit, self._cancel.is_set
        self._cancel.clear()
        self._job = run_in_background(
            lambda: self.service.prepare(census, officers, report, cancelled),
            self._checked,
            self._failed,
        )
        self.status.setText("Building the return…")
        self.bar.setRange(0, 0)
        self._set_busy(True)

    def busy(self) -> bool:
        return self._job is not None

    def stop(self) -> None:
        if self.busy():
            self._cancel.set()
            self.status.setText("Stopping…")
            self.stop_button.setEnabled(False)

    def reject(self) -> None:
        if self.busy():
            self.stop()
            return
        super().reject()

    def _moved(self, done: int, total: int) -> None:
        if self.busy() and not self._cancel.is_set():
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.status.setText(
                f"Building the return: {done:,} of {how_many(total, 'child', 'children')}…"
            )

    def _checked(self, prepared: Prepared) -> None:
        self._job = None
        self.show_prepared(prepared)
        self._set_busy(False)

    def show_prepared(self, prepared: Prepared) -> None:
        self.prepared = prepared
        built = prepared.built
        ordered = sorted(prepared.findings, key=lambda f: (not f.is_error, f.name, f.code))
        self.table.load(ordered)
        self.table.select_row(0)
        self._show_detail()
        counts = (
            f"{how_many(len(built.persons), 'child', 'children')}, "
            f"{how_many(built.requests, 'request', 'requests')}: "
            f"{how_many(prepared.errors, 'error', 'errors') if prepared.errors else 'no errors'}, "
            f"{how_many(prepared.warnings, 'warning', 'warnings')}."
        )
        if prepared.errors:
            self.status.setText(
                f"{counts} Put the errors right (double-click one to open the child), then "
                "build and check again. It cannot be saved while an error stands."
            )
        else:
            self.status.setText(f"{counts} Ready to save.")

    def _failed(self, exc: Exception, _tb: str) -> None:
        self._job = None
        self._set_busy(False)
        if isinstance(exc, InterruptedError):
            self.status.setText("Stopped: nothing was saved.")
            return
        if not isinstance(exc, ui_errors.USER_ERRORS):
            raise exc
        self.status.setText("")
        ui_errors.show_user_error(self, "Statutory return", exc)

    def _show_detail(self) -> None:
        finding: Finding | None = self.table.selected()
        if finding is None:
            self.detail.setText("")
            return
        who = finding.name or "The return's header"
        self.detail.setText(
            f"{who} — {finding.element} ({finding.code}): {finding.message} "
            f"How to put it right: {finding.fix} Double-click to open the child."
        )

    def open_selected(self) -> None:
        finding: Finding | None = self.table.selected()
        if finding is not None and finding.case_id is not None:
            self.open_case.emit(finding.case_id, "overview")

    # ------------------------------------------------------------------ saving
    def save(self, fmt: str) -> None:
        prepared = self.prepared
        if prepared is None or prepared.errors or self.busy():
            return
        census = prepared.built.header.reference_date
        kind = ("XML files", ".xml") if fmt == "xml" else ("CSV files", ".csv")
        path = save_as(self, "Save the SEN2 return", f"sen2-{census:%Y-%m-%d}{kind[1]}", kind)
        if path is None:
            return
        self._job = run_in_background(
            lambda: self.service.save(prepared, path, fmt), self._saved, self._failed
        )
        self.status.setText(f"Saving to {path.name}…")
        self.bar.setRange(0, 0)
        self._set_busy(True)
        self.stop_button.setEnabled(False)  # a file is written whole or not at all

    def _saved(self, saved: Saved) -> None:
        self._job = None
        self._set_busy(False)
        self.status.setText(
            f"Saved: {how_many(saved.persons, 'child', 'children')}, "
            f"{how_many(saved.requests, 'request', 'requests')} in {saved.path.name}."
        )

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.census, self.check_button, *self.officers.values()):
            widget.setEnabled(not busy)
        self.stop_button.setVisible(busy)
        self.stop_button.setEnabled(busy)
        self.bar.setVisible(busy)
        ready = not busy and self.prepared is not None and not self.prepared.errors
        self.xml_button.setEnabled(ready)
        self.csv_button.setEnabled(ready)
        self.close_button.setEnabled(not busy)
