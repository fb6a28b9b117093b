"""What the review's record does not hold, asked when its invitation is made: the time (or
all day, the time to be confirmed) and the place (else the child's school or setting)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from caseload_app.domain.deadlines import format_date


class InvitationDialog(QDialog):
    def __init__(self, meeting_day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Invitation to the annual review meeting")
        intro = QLabel(
            f"The meeting on {format_date(meeting_day)}. The invitation names no child: it "
            "goes into calendars that are often shared or on a phone."
        )
        intro.setWordWrap(True)
        self.timed = QCheckBox("At a &time (else all day, the time to be confirmed)")
        self.time = QTimeEdit(QTime(10, 0))
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName("Meeting time")
        self.minutes = QSpinBox()
        self.minutes.setRange(15, 480)
        self.minutes.setSingleStep(15)
        self.minutes.setValue(90)
        self.minutes.setSuffix(" minutes")
        self.minutes.setAccessibleName("How long")
        self.place = QLineEdit()
        self.place.setMaxLength(200)
        self.place.setPlaceholderText("The child's school or setting")
        self.place.setAccessibleName("Place")
        self.timed.toggled.connect(self._timed)
        self._timed(False)
        form = QFormLayout()
        form.addRow(self.timed)
        form.addRow("Ti&me:", self.time)
        form.addRow("&Lasts:", self.minutes)
        form.addRow("&Place:", self.place)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _timed(self, on: bool) -> None:
        self.time.setEnabled(on)
        self.minutes.setEnabled(on)

    def meeting(self):
        from caseload_app.services.calendar import Meeting

        at = self.time.time().toPython() if self.timed.isChecked() else None
        return Meeting(at=at, minutes=self.minutes.value(), place=self.place.text())
