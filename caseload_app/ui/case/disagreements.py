"""The Disagreements tab: mediation and Tribunal appeals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import (
    DisagreementDialog,
    DisagreementUpdateDialog,
    action_button,
    button,
    command,
    plain_label,
)
from caseload_app.ui.models.case_models import DISAGREEMENT_COLUMNS
from caseload_app.ui.widgets.blocks import RowTable, button_row

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class DisagreementsTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(DISAGREEMENT_COLUMNS, "Disagreements", stretch="Outcome")
        self.add_action = command(self, "&Add disagreement…", self.add)
        self.add_button = action_button(self.add_action, "Add disagreement")
        self.update_button = button("&Update…", "Update disagreement", self.update_row)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(button_row(self.add_button, self.update_button))
        layout.addWidget(self.table, 1)
        layout.addWidget(
            plain_label(
                "Mediation and appeals: the mediation certificate is due within 3 working days "
                "of mediation ending; the appeal deadline is the later of 2 months from the "
                "decision letter and 1 month from the certificate."
            )
        )

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.disagreements)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.update_button.setEnabled(self.table.selected() is not None)

    def add(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.add_disagreement(
                d.case_id, v["decision"], v["decision_letter"], token=v["token"]
            )

        self.view.open_dialog(DisagreementDialog(d.today, submit, self.view))

    def update_row(self) -> None:
        row = self.table.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.update_disagreement(row.id, row.version, v)

        dialog = DisagreementUpdateDialog(self.view.detail.today, submit, self.view)
        values = {k: getattr(row, k) for k in dialog.form.fields}
        dialog.load(values | {"outcome": row.outcome or ""})
        self.view.open_dialog(dialog)
