"""Date entry in UK order with the weekday shown, converting to datetime.date."""

from __future__ import annotations

from datetime import date
from typing import cast

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QCalendarWidget, QDateEdit, QDateTimeEdit, QWidget

# The weekday goes last: typed digits must land in the day, month and year sections.
DATE_FORMAT = "dd/MM/yyyy ddd"
DATETIME_FORMAT = "dd/MM/yyyy HH:mm ddd"


class DateEdit(QDateEdit):
    """A calendar-popup date field shown as 16/04/2025 Wed; type 16042025 or pick a day."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DATE_FORMAT)
        self.set_date(value or date.today())

    def set_date(self, value: date) -> None:
        self.setDate(QDate(value.year, value.month, value.day))

    def value(self) -> date:
        return cast(date, self.date().toPython())

    # Typing over a filled date replaces it from the day, wherever a click put the cursor and
    # however much Ctrl+A selected (Qt ignored the digits then): the first digit after the
    # field is entered, clicked or selected whole starts at the day section.
    _fresh = True

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self._fresh = True

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().mouseReleaseEvent(event)
        self._fresh = True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self._fresh = True
        elif event.text().isdigit() and self._fresh:
            self.setCurrentSection(QDateTimeEdit.Section.DaySection)
            self.lineEdit().setSelection(0, 2)  # the day: "dd" leads DATE_FORMAT
            self._fresh = False
        elif event.text():
            self._fresh = False
        super().keyPressEvent(event)


class OptionalDateEdit(DateEdit):
    """A date that may be left blank (shown as '—'), e.g. 'received' for advice not yet in.

    Typing a digit into a blank field starts a date at the day section; Delete blanks it.
    """

    BLANK = QDate(1900, 1, 1)

    def __init__(
        self, value: date | None = None, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(None, parent)
        self._today = today  # where a blank date's calendar opens (default: the real today)
        self.setMinimumDate(self.BLANK)
        self.setSpecialValueText("—")
        self.setToolTip("Type the date (ddmmyyyy) or pick it; Delete clears it")
        self._calendar_hooked = False
        self.set_date(value)

    def _hook_calendar(self) -> None:
        # Only when the popup may open: asking for calendarWidget() builds it (and its buttons).
        if not self._calendar_hooked:
            self.calendarWidget().installEventFilter(_OpenNearToday(self))
            self._calendar_hooked = True

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._hook_calendar()
        super().mousePressEvent(event)

    def set_date(self, value: date | None) -> None:  # type: ignore[override]
        if value is None:
            self.setDate(self.BLANK)
        else:
            super().set_date(value)

    def value(self) -> date | None:  # type: ignore[override]
        return None if self.date() == self.BLANK else cast(date, self.date().toPython())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        self._hook_calendar()
        if event.key() == Qt.Key.Key_Delete:
            self.set_date(None)
            return
        if self.value() is None and event.text().isdigit():
            # The blank value has no sections to type into: start from today's date.
            super().set_date(self._today or date.today())
            self.setSelectedSection(QDateTimeEdit.Section.DaySection)
        super().keyPressEvent(event)


class _OpenNearToday(QObject):
    """A blank date's calendar would open at January 1900: open it at this month instead."""

    def __init__(self, edit: OptionalDateEdit) -> None:
        super().__init__(edit)
        self._edit = edit

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.Show and self._edit.value() is None:
            today = self._edit._today or date.today()
            if isinstance(watched, QCalendarWidget):
                watched.setCurrentPage(today.year, today.month)
        return False
