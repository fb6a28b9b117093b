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


@pytest.mark.parametrize("how", ["tab", "click", "select all"])
def test_typing_over_a_filled_date_replaces_it_however_the_field_was_entered(qtbot, how):
    """It was silently ignored after a click into the year or Ctrl+A."""
    from datetime import date as day

    from PySide6.QtCore import Qt

    from caseload_app.ui.widgets.dates import DateEdit, OptionalDateEdit

    for field in (DateEdit(day(2026, 1, 1)), OptionalDateEdit(day(2026, 1, 1))):
        qtbot.addWidget(field)
        field.show()
        if how == "tab":
            field.setFocus(Qt.FocusReason.TabFocusReason)
        elif how == "click":
            line = field.lineEdit()
            qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=line.rect().center())
        else:
            field.setFocus()
            qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(field, "05032015")
        assert field.value() == day(2015, 3, 5)
