"""Help had only About: now a searchable guide and the keyboard shortcuts."""

import re
from pathlib import Path

import pytest

from caseload_app.ui.dialogs.guide_dialog import OTHER_KEYS, GuideDialog

pytestmark = pytest.mark.gui
README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def window(db, open_window):
    return open_window(db)


def test_f1_opens_a_guide_with_contents_and_search(window, qtbot):
    [guide_action] = [
        a
        for m in window.menuBar().actions()
        if m.menu()
        for a in m.menu().actions()
        if a.text() == "&Guide…"
    ]
    assert guide_action.shortcut().toString() == "F1"
    guide_action.trigger()
    guide: GuideDialog = window.guide
    qtbot.addWidget(guide)
    titles = [guide.contents.item(i).text().strip() for i in range(guide.contents.count())]
    assert "For the team lead: workload board and rebalancing" in titles
    assert "A case" in titles
    assert "Developing" not in titles  # day-to-day sections only
    guide.search.setText("recent moves")
    assert guide.found.text().endswith(("match", "matches"))
    assert guide.matches() >= 1
    assert guide.text.textCursor().selectedText().lower() == "recent moves"
    first = guide.text.textCursor().position()
    if guide.matches() > 1:
        guide.find_text(from_start=False)
        assert guide.text.textCursor().position() > first
    guide.search.setText("no such words anywhere")
    assert guide.found.text() == "Not found"
    guide.contents.setCurrentRow(titles.index("Statutory dates"))
    block = guide.text.textCursor().block()
    assert block.text() == "Statutory dates"
    assert block.blockFormat().headingLevel() == 2


def test_every_menu_shortcut_is_listed_and_in_the_readme(window, qtbot):
    window.show_guide(shortcuts=True)
    guide = window.guide
    qtbot.addWidget(guide)
    assert guide.tabs.currentIndex() == 1
    table = guide.shortcuts
    rows = [[table.item(r, c).text() for c in range(3)] for r in range(table.rowCount())]
    keys = {row[2] for row in rows}
    assert {"Ctrl+R", "F1", "Ctrl+Shift+L", "Ctrl+,"} <= keys
    assert ["Case", "Reassign selected cases", "Ctrl+R"] in rows
    listed = [row[2] for row in rows]
    assert listed.count("F1") == 1  # once, with Help → Guide (it was listed twice)
    assert len(set(map(tuple, rows))) == len(rows)  # no line twice
    # Every shortcut in the menus is also in the README's table of shortcuts.
    tabs = re.compile(r"Alt\+[0-9]")  # README: "Alt+1 … Alt+9, Alt+0"
    menus = rows[: table.rowCount() - len(OTHER_KEYS)]
    missing = [row for row in menus if row[2] not in README and not tabs.fullmatch(row[2])]
    assert missing == [], missing
