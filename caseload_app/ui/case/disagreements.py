"""The Disagreements tab: mediation and Tribunal appeals, and the orders the council must
carry out (Reg 44) or the appeals it did not oppose (Reg 45), step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import (
    DisagreementDialog,
    DisagreementUpdateDialog,
    OrderStepDialog,
    TribunalOrderDialog,
    action_button,
    button,
    command,
    plain_label,
)
from caseload_app.ui.models.case_models import DISAGREEMENT_COLUMNS, order_columns
from caseload_app.ui.widgets.blocks import RowTable, button_row, group

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
        self.orders = RowTable(order_columns(view.detail.today), "Tribunal orders", stretch="Step")
        self.order_action = command(self, "Record Tribunal &order…", self.record_order)
        self.order_button = action_button(self.order_action, "Record Tribunal order")
        self.step_button = button("Step &done…", "Record the day this step was done", self.step)
        self.withdraw_order_button = button(
            "&Withdraw order…", "Withdraw the selected Tribunal order", self.withdraw_order
        )
        self.orders.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(button_row(self.add_button, self.update_button))
        column.addWidget(self.table, 1)
        column.addWidget(
            plain_label(
                "Mediation and appeals: the mediation certificate is due within 3 working days "
                "of mediation ending; the appeal deadline is the later of 2 months from the "
                "decision letter and 1 month from the certificate."
            )
        )
        buttons = button_row(
            self.order_button, self.step_button, self.withdraw_order_button, "stretch"
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(group("Tribunal orders (Reg 44, 45)", self.orders, layout=buttons))
        split.setSizes([220, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.disagreements)
        self.orders.load(d.tribunal_orders, order_columns(d.today))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.update_button.setEnabled(self.table.selected() is not None)
        step = self.orders.selected()
        self.step_button.setEnabled(step is not None and step.step.key != "maintain_due")
        self.withdraw_order_button.setEnabled(step is not None)

    def add(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.add_disagreement(
                d.case_id, v["decision"], v["decision_letter"], v["about"], token=v["token"]
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
        dialog.load(values | {"outcome": row.outcome or "", "about": row.about or ""})
        self.view.open_dialog(dialog)

    def record_order(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.record_tribunal_order(
                d.case_id, v["order_date"], v["kind"], v["unopposed"], v["note"], token=v["token"]
            )

        self.view.open_dialog(TribunalOrderDialog(d.today, submit, self.view))

    def step(self) -> None:
        row = self.orders.selected()
        if row is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.record_order_step(
                row.order_id, row.version, row.step.key, v["on"]
            )

        today = self.view.detail.today
        self.view.open_dialog(
            OrderStepDialog(row.step.label, row.step.done_on, today, submit, self.view)
        )

    def withdraw_order(self) -> None:
        row = self.orders.selected()
        if row is None:
            return
        self.view.to_trash(
            "Withdraw Tribunal order",
            f"withdraw the Tribunal order of {row.order}",
            lambda trash, why: trash.withdraw_tribunal_order(row.order_id, why),
        )
