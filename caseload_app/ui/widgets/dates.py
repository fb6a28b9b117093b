"""Date entry that says the weekday and converts to datetime.date."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget


class DateEdit(QDateEdit):
    """A calendar-popup date field in UK order with the weekday shown (Wed 16/04/2025)."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("ddd dd/MM/yyyy")
        self.set_date(value or date.today())

    def set_date(self, value: date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> date:
        return self.date().toPython()


class OptionalDateEdit(DateEdit):
    """A date that may be left blank (shown as '—'), e.g. 'received' for advice not yet in."""

    BLANK = QDate(1900, 1, 1)

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(None, parent)
        self.setMinimumDate(self.BLANK)
        self.setSpecialValueText("—")
        if value is None:
            self.setDate(self.BLANK)
        else:
            self.set_date(value)

    def value(self) -> date | None:  # type: ignore[override]
        return None if self.date() == self.BLANK else self.date().toPython()
