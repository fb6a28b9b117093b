from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateTimeEdit

from caseload_app.ui.widgets.dates import DateEdit, OptionalDateEdit

pytestmark = pytest.mark.gui


def test_a_date_can_be_typed_and_shows_its_weekday(qtbot):
    edit = DateEdit(date(2026, 11, 24))
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.DaySection)  # as Tab into the field does
    qtbot.keyClicks(edit, "16042025")
    assert edit.value() == date(2025, 4, 16)
    assert edit.text() == "16/04/2025 Wed"


def test_a_blank_optional_date_accepts_typing_and_delete_clears_it(qtbot):
    edit = OptionalDateEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    assert (edit.value(), edit.text()) == (None, "—")
    qtbot.keyClicks(edit, "05032015")
    assert edit.value() == date(2015, 3, 5)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert edit.value() is None
