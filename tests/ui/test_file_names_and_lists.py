"""Non-ASCII letters survive in file names (issue: `ukasz-Kowalski-summary.pdf`), and
Ctrl+1/2/3 bring the caseload forward over an open case tab."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtGui import QAction

from caseload_app.ui.dialogs.printing import safe_filename

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Łukasz Kowalski", "Łukasz-Kowalski"),
        ("Zoë Nowak", "Zoë-Nowak"),
        ("Nguyễn Thị Mai", "Nguyễn-Thị-Mai"),
        ("../../etc/passwd", "etc-passwd"),
        ('Ann "Con" O\'Brien: C:\\x', "Ann-Con-O-Brien-C-x"),
        ("   ", "document"),
    ],
)
def test_a_file_name_keeps_every_letter_and_nothing_a_file_system_refuses(name, expected):
    assert safe_filename(name) == expected


@given(st.text(max_size=60))
def test_any_name_gives_a_safe_file_name_with_every_letter_and_digit(name):
    result = safe_filename(name)
    assert result
    assert len(result) <= 80
    assert re.fullmatch(r"[\w-]+", result)
    assert not re.search(r"[\\/:*?\"<>|.\s]", result)
    letters = [c for c in unicodedata.normalize("NFC", name) if c.isalnum()]
    assert [c for c in result if c.isalnum()] == letters or (not letters and result == "document")


def test_ctrl_1_2_3_bring_the_lists_in_front_of_a_case_tab(qtbot, db, open_window):
    from tests.helpers import new_case

    case_id, _work = new_case(db)
    window = open_window(db)
    window.open_case(case_id)
    assert window.tabs.currentIndex() != 0
    actions = {a.shortcut().toString(): a for a in window.findChildren(QAction)}
    for keys, row in (("Ctrl+3", 2), ("Ctrl+1", 0), ("Ctrl+2", 1)):
        window.open_case(case_id)
        actions[keys].trigger()
        assert window.tabs.currentIndex() == 0
        assert window.sidebar.currentRow() == row
