"""Section J's facts for the SEN2 return: a personal budget taken up, organised arrangements,
direct payments (SEN2's <PB>, <OA>, <DP>), above the section's own words."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QWidget

from caseload_app.domain import codes
from caseload_app.domain.plan import Budget
from caseload_app.ui.dialogs.case_dialogs import choice_combo, code_choices, read, write


class BudgetBox(QWidget):
    """The two ticks and the direct payments' choice. Organised arrangements and direct
    payments are parts of a budget taken up: they wait for that tick and go with it."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.taken_up = QCheckBox("A personal budget was taken up")
        self.organised = QCheckBox(
            "Some of it through organised arrangements (the council or a third party holds it)"
        )
        self.direct = choice_combo(code_choices(codes.sen2_direct_payments(), blank="(none)"))
        self.taken_up.setAccessibleName("Personal budget taken up")
        self.organised.setAccessibleName("Organised arrangements")
        self.direct.setAccessibleName("Direct payments")
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow(self.taken_up)
        layout.addRow(self.organised)
        layout.addRow("Direct payments for", self.direct)
        self.taken_up.toggled.connect(self._taken_up_toggled)
        self.organised.toggled.connect(lambda _on: self.changed.emit())
        self.direct.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self._enable()

    def value(self) -> Budget:
        return Budget(
            taken_up=self.taken_up.isChecked(),
            organised=self.organised.isChecked(),
            direct_payments=str(read(self.direct) or ""),
        )

    def set_value(self, budget: Budget) -> None:
        """Show a saved plan's facts (no change is signalled: nothing was typed)."""
        for widget in (self.taken_up, self.organised, self.direct):
            widget.blockSignals(True)
        try:
            self.taken_up.setChecked(budget.taken_up)
            self.organised.setChecked(budget.organised)
            write(self.direct, budget.direct_payments)
        finally:
            for widget in (self.taken_up, self.organised, self.direct):
                widget.blockSignals(False)
        self._enable()

    def _taken_up_toggled(self, on: bool) -> None:
        if not on:  # no budget, so none of its parts
            for widget in (self.organised, self.direct):
                widget.blockSignals(True)
            self.organised.setChecked(False)
            write(self.direct, "")
            for widget in (self.organised, self.direct):
                widget.blockSignals(False)
        self._enable()
        self.changed.emit()

    def _enable(self) -> None:
        on = self.taken_up.isChecked()
        self.organised.setEnabled(on)
        self.direct.setEnabled(on)
