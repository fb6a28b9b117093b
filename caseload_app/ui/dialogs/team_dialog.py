"""The team lead's list of caseworkers: add one, rename, set part-time FTE, mark a leaver
(once their cases are reallocated), and remove an absence entered by mistake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QInputDialog,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import how_many
from caseload_app.domain.workload import MAX_FTE, MIN_FTE
from caseload_app.services.team import TeamService, WorkerInfo
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import FormDialog, button, line_edit, plain_label
from caseload_app.ui.models.rows import Column
from caseload_app.ui.widgets.blocks import RowTable, button_row, group


@dataclass(frozen=True)
class WorkerRow:
    worker: WorkerInfo
    open_cases: int

    @property
    def id(self) -> int:
        return self.worker.id


@dataclass(frozen=True)
class AbsenceRow:
    id: int
    name: str
    starts: object
    ends: object
    note: str


WORKER_COLUMNS = (
    Column("Name", lambda r: r.worker.name),
    Column("FTE", lambda r: f"{r.worker.capacity:.2f}"),
    Column("Open cases", lambda r: f"{r.open_cases:,}", lambda r: r.open_cases),
    Column("Status", lambda r: "Active" if r.worker.active else "Left"),
)
ABSENCE_COLUMNS = (
    Column("Caseworker", lambda a: a.name),
    Column("From", lambda a: format_date(a.starts)),
    Column("To", lambda a: format_date(a.ends)),
    Column("Note", lambda a: a.note),
)


def fte_box(value: float = 1.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(MIN_FTE, MAX_FTE)
    box.setSingleStep(0.1)
    box.setDecimals(2)
    box.setValue(value)
    return box


class AddCaseworkerDialog(FormDialog):
    def __init__(self, team: TeamService, parent=None) -> None:
        def submit(values: dict) -> int:
            return team.add_caseworker(
                values["name"], email=values["email"], capacity=values["capacity"]
            )

        super().__init__("Add a caseworker", submit, parent)
        self.add("name", "&Name", line_edit(max_length=120))
        self.add("capacity", "&FTE (1.0 full time)", fte_box())
        self.add("email", "&E-mail (optional)", line_edit())


class TeamDialog(QDialog):
    """Changes are saved at once, each one audited; `on_changed` refreshes the window."""

    def __init__(
        self,
        team: TeamService,
        on_changed: Callable[[], None],
        on_rebalance: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caseworkers and absences")
        self.setAccessibleName("Caseworkers and absences")
        self.team, self.on_changed, self.on_rebalance = team, on_changed, on_rebalance
        self.workers = RowTable(WORKER_COLUMNS, "Caseworkers", stretch="Name")
        self.absences = RowTable(ABSENCE_COLUMNS, "Absences", stretch="Note")
        self.add_button = button("&Add caseworker…", "Add a caseworker", self.add_worker)
        self.rename_button = button("&Rename…", "Rename the selected caseworker", self.rename)
        self.fte_button = button("Set &FTE…", "Set the selected caseworker's FTE", self.set_fte)
        self.leave_button = button(
            "Mark as &leaving…", "Mark the selected caseworker as having left", self.retire
        )
        self.back_button = button(
            "&Reinstate", "Offer the selected caseworker for allocation again", self.reinstate
        )
        self.remove_button = button(
            "Re&move absence…", "Remove the selected absence", self.remove_absence
        )
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Everyone who can be allocated cases. Part-time caseworkers carry load in "
                "proportion to their FTE on the workload board. Someone leaving keeps their "
                "place in every case's history; their open cases must be reassigned first."
            )
        )
        workers_buttons = button_row(
            self.add_button, self.rename_button, self.fte_button, self.leave_button,
            self.back_button, "stretch",
        )  # fmt: skip
        layout.addWidget(group("Caseworkers", self.workers, layout=workers_buttons), 3)
        layout.addWidget(
            group("Absences", self.absences, layout=button_row(self.remove_button, "stretch")), 2
        )
        layout.addWidget(close)
        self.workers.selectionModel().selectionChanged.connect(self._update_buttons)
        self.absences.selectionModel().selectionChanged.connect(self._update_buttons)
        self.resize(760, 560)
        self.reload()

    # ------------------------------------------------------------------ showing
    def reload(self) -> None:
        counts = self.team.open_case_counts()
        people = self.team.workers(include_inactive=True)
        self.workers.load([WorkerRow(w, counts.get(w.id, 0)) for w in people])
        self.absences.load(
            [AbsenceRow(a.id, w.name, a.starts, a.ends, a.note) for w in people for a in w.absences]
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.workers.selected()
        for b in (self.rename_button, self.fte_button):
            b.setEnabled(row is not None)
        self.leave_button.setEnabled(row is not None and row.worker.active)
        self.back_button.setEnabled(row is not None and not row.worker.active)
        self.remove_button.setEnabled(self.absences.selected() is not None)

    def _changed(self) -> None:
        self.reload()
        self.on_changed()

    # ------------------------------------------------------------------ actions
    def add_worker(self) -> None:
        dialog = AddCaseworkerDialog(self.team, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._changed()
            self.workers.select_where(lambda r: r.id == dialog.result_value)

    def rename(self) -> None:
        row = self.workers.selected()
        name, ok = QInputDialog.getText(self, "Rename", "New name:", text=row.worker.name)
        if ok and self._run("Rename", lambda: self.team.rename_caseworker(row.id, name)):
            self._changed()

    def set_fte(self) -> None:
        row = self.workers.selected()
        value, ok = QInputDialog.getDouble(
            self, "Set FTE", f"{row.worker.name}'s FTE (1.0 full time, 0.6 three days):",
            row.worker.capacity, MIN_FTE, MAX_FTE, 2,
        )  # fmt: skip
        if ok and self._run("Set FTE", lambda: self.team.set_capacity(row.id, value)):
            self._changed()

    def retire(self) -> None:
        row = self.workers.selected()
        if row.open_cases:
            held = how_many(row.open_cases, "open case", "open cases")
            answer = QMessageBox.question(
                self,
                "Mark as leaving",
                f"{row.worker.name} still holds {held}, "
                "which must be reassigned before they leave. Open the workload board to "
                "rebalance them (or select them in All cases and Reassign)?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.accept()
                self.on_rebalance()
            return
        answer = QMessageBox.question(
            self,
            "Mark as leaving",
            f"Mark {row.worker.name} as having left? They will no longer be offered for "
            "allocation; every history keeps their name. Reinstate undoes this.",
        )
        if answer == QMessageBox.StandardButton.Yes and self._run(
            "Mark as leaving", lambda: self.team.retire_caseworker(row.id)
        ):
            self._changed()

    def reinstate(self) -> None:
        row = self.workers.selected()
        if self._run("Reinstate", lambda: self.team.reinstate_caseworker(row.id)):
            self._changed()

    def remove_absence(self) -> None:
        absence = self.absences.selected()
        answer = QMessageBox.question(
            self,
            "Remove absence",
            f"Remove {absence.name}'s absence from {format_date(absence.starts)} to "
            f"{format_date(absence.ends)}? (For one entered by mistake: the removal is audited.)",
        )
        if answer == QMessageBox.StandardButton.Yes and self._run(
            "Remove absence", lambda: self.team.remove_absence(absence.id)
        ):
            self._changed()

    def _run(self, title: str, call: Callable[[], object]) -> bool:
        return ui_errors.run_action(self, title, call)
