"""The Advice tab: advice requested, chased, received, corrected or withdrawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from caseload_app.services.case_read import CaseDetail
from caseload_app.ui.dialogs.case_dialogs import (
    AdviceEditDialog,
    AdviceReceivedDialog,
    ChaseDialog,
    RequestAdviceDialog,
    action_button,
    button,
    command,
    plain_label,
)
from caseload_app.ui.models.case_models import advice_columns
from caseload_app.ui.widgets.blocks import RowTable, button_row

if TYPE_CHECKING:  # the view builds the tabs; a tab only calls back into it
    from caseload_app.ui.case.view import CaseView


class AdviceTab(QWidget):
    def __init__(self, view: CaseView) -> None:
        super().__init__()
        self.view = view
        self.table = RowTable(
            advice_columns(view.detail.today), "Advice requests", stretch="Status", sortable=True
        )
        self.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.request_action = command(self, "&Request advice…", self.request)
        self.request_button = action_button(self.request_action, "Request advice")
        self.received_button = button("&Mark received…", "Mark advice received", self.received)
        self.chase_action = command(self, "&Chase…", self.chase)
        self.chase_button = action_button(self.chase_action, "Chase advice")
        self.correct_button = button("C&orrect…", "Correct the advice request", self.correct)
        self.withdraw_button = button("&Withdraw…", "Withdraw the advice request", self.withdraw)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        layout = QVBoxLayout(self)
        layout.addLayout(
            button_row(
                self.request_button, self.received_button, self.chase_button, "stretch",
                self.correct_button, self.withdraw_button,
            )
        )  # fmt: skip
        layout.addWidget(self.table, 1)
        layout.addWidget(
            plain_label(
                "Advice is due within 6 weeks of the request (Reg 8(1)). A chase is logged "
                "in Communications."
            )
        )

    def load(self, d: CaseDetail) -> None:
        self.table.load(d.advice, advice_columns(d.today))
        self._update_buttons()

    def _update_buttons(self) -> None:
        advice = self.table.selected()
        self.received_button.setEnabled(advice is not None)
        self.chase_action.setEnabled(advice is not None and advice.received is None)
        self.correct_button.setEnabled(advice is not None)
        self.withdraw_button.setEnabled(advice is not None)

    def correct(self) -> None:
        advice, work = self.table.selected(), self.view.work
        if advice is None:
            return

        def submit(v: dict) -> object:
            return work.update_advice(advice.id, advice.version, v)

        providers = work.advice_providers(keep=advice.provider_id)
        dialog = AdviceEditDialog(self.view.detail.today, submit, self.view, providers)
        dialog.load(
            {
                "advice_type": advice.advice_type,
                "requested": advice.requested,
                "received_by_adviser": advice.received_by_adviser,
                "provider_id": advice.provider_id,
            }
        )
        self.view.open_dialog(dialog)

    def withdraw(self) -> None:
        advice = self.table.selected()
        if advice is None:
            return
        self.view.to_trash(
            "Withdraw advice request",
            f"withdraw the {advice.type_label.lower()} advice request",
            lambda trash, why: trash.withdraw_advice(advice.id, why),
        )

    def request(self) -> None:
        d = self.view.detail

        def submit(v: dict) -> object:
            return self.view.work.request_advice(
                d.case_id, v["advice_type"], v["on"], v["received_by_adviser"],
                provider_id=v.get("provider_id") or None, token=v["token"],
            )  # fmt: skip

        providers = self.view.work.advice_providers()
        self.view.open_dialog(RequestAdviceDialog(d.today, submit, self.view, providers))

    def received(self) -> None:
        advice, today = self.table.selected(), self.view.detail.today
        if advice is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.advice_received(advice.id, advice.version, v["received"])

        dialog = AdviceReceivedDialog(advice.type_label, advice.received, today, submit, self.view)
        self.view.open_dialog(dialog)

    def chase(self) -> None:
        advice, today = self.table.selected(), self.view.detail.today
        if advice is None:
            return

        def submit(v: dict) -> object:
            return self.view.work.chase_advice(advice.id, v["on"], v["note"], token=v["token"])

        self.view.open_dialog(ChaseDialog(advice.type_label, today, submit, self.view))
