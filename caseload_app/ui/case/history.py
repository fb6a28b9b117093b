"""The History tab: every change to the case, old → new, who and when; and the case's
chronology (everything that happened, one line each) saved as a PDF or a CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.chronology import Chronology
from caseload_app.domain.text import how_many
from caseload_app.domain.validators import ValidationError
from caseload_app.services.case_read import CaseDetail
from caseload_app.services.errors import FieldErrors
from caseload_app.ui import errors as ui_errors
from caseload_app.ui.dialogs.case_dialogs import (
    FormDialog,
    Submit,
    button,
    choice_combo,
    optional_date,
)
from caseload_app.ui.models.case_models import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
)
from caseload_app.ui.widgets.blocks import RowTable, button_row, group

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView

FORMATS = [("PDF, to print or send", "pdf"), ("CSV, for a spreadsheet", "csv")]


class ChronologyDialog(FormDialog):
    """The range (either end may be left blank) and the format; Save then asks where."""

    def __init__(self, today: date, submit: Submit, parent: QWidget | None = None) -> None:
        super().__init__(
            "Case chronology",
            submit,
            parent,
            intro="Everything that happened on the case, one line each, with who did it. "
            "Leave a date blank to start from the beginning or to go up to today.",
        )
        self.add("start", "&From", optional_date(None, today))
        self.add("end", "&To", optional_date(None, today))
        self.add("format", "F&ormat", choice_combo(FORMATS))


class HistoryTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.assignments = RowTable(ASSIGNMENT_COLUMNS, "Assignment history", stretch="Why")
        self.changes = RowTable(CHANGE_COLUMNS, "Every change", stretch="Detail")
        self.chronology_button = button(
            "Ch&ronology…", "Save the case's chronology", self.make_chronology
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(group("Caseworker assignments", self.assignments))
        split.addWidget(group("Every change to this case (newest first)", self.changes))
        split.setSizes([160, 440])
        layout = QVBoxLayout(self)
        layout.addLayout(button_row("stretch", self.chronology_button))
        layout.addWidget(split)

    def load(self, d: CaseDetail) -> None:
        self.assignments.load(d.assignments)
        self.changes.load(d.changes)

    # ------------------------------------------------------------------ the chronology
    def make_chronology(self) -> None:
        """Ask for the range and format, read the chronology, then ask where to save it."""
        service = self.view.work.chronology()
        case_id = self.view.case_id
        made: list[Chronology] = []

        def read(values: dict[str, object]) -> object:
            start, end = cast("date | None", values["start"]), cast("date | None", values["end"])
            try:
                made.append(service.entries(case_id, start, end))
            except ValidationError as exc:
                raise FieldErrors({"end": str(exc)}) from None
            return values["format"]

        dialog = ChronologyDialog(self.view.detail.today, read, self.view)
        dialog.accepted.connect(lambda: self._save(made[-1], str(dialog.result_value)))
        self.view.open_dialog(dialog, reload=False)

    def _save(self, made: Chronology, fmt: str) -> None:
        child = self.view.detail.child
        suggested = f"Chronology {child.first_name} {child.last_name} case {made.case_id}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the chronology", suggested, f"{fmt.upper()} (*.{fmt})"
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            target = target.with_name(f"{target.name}.{fmt}")
        service = self.view.work.chronology()
        saved: list[int] = []
        if ui_errors.run_action(
            self, "Save the chronology", lambda: saved.append(service.save(made, target))
        ):
            entries = how_many(saved[0], "entry", "entries")
            QMessageBox.information(
                self, "Chronology", f"Saved {entries} ({made.range_text}) in {target}."
            )
