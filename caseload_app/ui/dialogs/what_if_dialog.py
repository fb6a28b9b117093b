"""The forecast's what-if: one or more changes to try beside the forecast. Nothing is saved."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain import codes
from caseload_app.domain.forecast import WhatIf
from caseload_app.domain.text import how_many
from caseload_app.ui.dialogs.fields_first import FieldsFirst
from caseload_app.ui.widgets.dates import DateEdit


def _spin(low: float, high: float, value: float, step: float, name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(1)
    spin.setValue(value)
    spin.setAccessibleName(name)
    return spin


def _weeks(name: str, value: int = 8) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(1, 52)
    spin.setValue(value)
    spin.setSuffix(" weeks")
    spin.setAccessibleName(name)
    return spin


class WhatIfDialog(FieldsFirst, QDialog):
    """Each change in its own box, ticked to try it; OK makes the what-if."""

    def __init__(
        self,
        caseworkers: Mapping[int, str],
        selected: tuple[int, ...],
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("What if…")
        self.caseworkers, self.selected, self.today = dict(caseworkers), selected, today
        self.what_if: WhatIf | None = None
        note = QLabel(
            "Tick the changes to try. The forecast with them is shown beside the forecast "
            "as things are; nothing is saved or changed."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        for box in (
            self._provider_box(),
            self._agency_box(),
            self._leaving_box(),
            self._moves_box(),
            self._surge_box(),
            self._away_box(),
        ):
            layout.addWidget(box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Try it")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # ------------------------------------------------------------------ the boxes
    def _box(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        box.setCheckable(True)
        box.setChecked(False)
        return box, QFormLayout(box)

    def _worker_combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for worker_id, who in sorted(self.caseworkers.items(), key=lambda kv: kv[1]):
            combo.addItem(who, worker_id)
        return combo

    def _provider_box(self) -> QGroupBox:
        self.provider, form = self._box("More days a week for an advice &service")
        self.service = QComboBox()
        self.service.setAccessibleName("Advice service")
        for code in codes.advice_types():
            self.service.addItem(code.label, code.code)
        self.days_now = _spin(0.5, 7, 5, 0.5, "Days a week now")
        self.days_added = _spin(-7, 7, 1, 0.5, "Days a week added")
        form.addRow("Service", self.service)
        form.addRow("Days a week now", self.days_now)
        form.addRow("Days added (less than 0: fewer)", self.days_added)
        return self.provider

    def _agency_box(self) -> QGroupBox:
        self.agency, form = self._box("An &agency caseworker from today")
        self.agency_fte = _spin(0.1, 10, 1, 0.1, "Agency caseworker's FTE")
        self.agency_weeks = _weeks("Agency caseworker for")
        form.addRow("Full-time equivalent", self.agency_fte)
        form.addRow("For", self.agency_weeks)
        return self.agency

    def _leaving_box(self) -> QGroupBox:
        self.leaving, form = self._box("A caseworker &leaving")
        self.leaver = self._worker_combo("Caseworker leaving")
        self.last_day = DateEdit(self.today + timedelta(days=28))
        self.last_day.setAccessibleName("Last day")
        form.addRow("Who", self.leaver)
        form.addRow("Last day", self.last_day)
        form.addRow(QLabel("Their cases go to the rest of the team, in proportion to FTE."))
        return self.leaving

    def _moves_box(self) -> QGroupBox:
        count = how_many(len(self.selected), "case", "cases")
        self.moves, form = self._box(f"&Move the {count} selected to a caseworker")
        self.move_to = self._worker_combo("Move the cases to")
        form.addRow("To", self.move_to)
        if not self.selected:
            self.moves.setEnabled(False)
            self.moves.setTitle("Move cases to a caseworker (select cases at risk first)")
        return self.moves

    def _surge_box(self) -> QGroupBox:
        self.surge, form = self._box("A s&urge of new requests")
        self.surge_percent = _spin(-100, 1000, 25, 5, "Percent more new requests")
        self.surge_percent.setSuffix("%")
        self.surge_weeks = _weeks("Surge for")
        form.addRow("More new requests (less than 0: fewer)", self.surge_percent)
        form.addRow("For", self.surge_weeks)
        return self.surge

    def _away_box(self) -> QGroupBox:
        self.away, form = self._box("A caseworker a&way")
        self.away_who = self._worker_combo("Caseworker away")
        self.away_from = DateEdit(self.today + timedelta(days=7))
        self.away_from.setAccessibleName("Away from")
        self.away_to = DateEdit(self.today + timedelta(days=20))
        self.away_to.setAccessibleName("Away until")
        form.addRow("Who", self.away_who)
        form.addRow("From", self.away_from)
        form.addRow("Until (inclusive)", self.away_to)
        return self.away

    # ------------------------------------------------------------------ reading it
    def problem(self) -> str | None:
        """What is wrong with the changes as set, in words; None when they can be tried."""
        ticked = [self.provider, self.agency, self.leaving, self.moves, self.surge, self.away]
        if not any(b.isChecked() and b.isEnabled() for b in ticked):
            return "Tick at least one change to try."
        if self.provider.isChecked() and self.days_now.value() + self.days_added.value() <= 0:
            return (
                f"{self.service.currentText()}: the days a week now plus the days added must "
                "come to more than 0."
            )
        if self.leaving.isChecked() and self.last_day.value() < self.today:
            return "The last day of the caseworker leaving is before today: choose today or later."
        if self.away.isChecked() and self.away_to.value() < self.away_from.value():
            return "The caseworker's absence ends before it starts: check 'From' and 'Until'."
        if self.away.isChecked() and self.away_to.value() < self.today:
            return "The absence is over before today: choose dates from today on."
        return None

    def values(self) -> WhatIf:
        """The ticked changes as a WhatIf (check `problem()` first)."""
        provider_days = (
            {self.service.currentData(): (self.days_now.value(), self.days_added.value())}
            if self.provider.isChecked()
            else {}
        )
        return WhatIf(
            provider_days=provider_days,
            agency=(self.agency_fte.value(), self.agency_weeks.value())
            if self.agency.isChecked()
            else None,
            leaving=(self.leaver.currentData(), self.last_day.value())
            if self.leaving.isChecked()
            else None,
            moves=((self.selected, self.move_to.currentData()),)
            if self.moves.isChecked() and self.selected
            else (),
            surge=(self.surge_percent.value(), self.surge_weeks.value())
            if self.surge.isChecked()
            else None,
            away=((self.away_who.currentData(), self.away_from.value(), self.away_to.value()),)
            if self.away.isChecked()
            else (),
        )

    def _accept(self) -> None:
        problem = self.problem()
        if problem is not None:
            QMessageBox.information(self, "What-if not tried", problem)
            return
        self.what_if = self.values()
        self.accept()
