"""The child's placements on the Overview tab, driven through the dialog and the establishment
picker against a real SQLite file with the register's rows in it."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from caseload_app.ui.case.placements import PlacementDialog
from caseload_app.ui.models.case_models import PLACEMENT_COLUMNS, RowsModel
from caseload_app.ui.widgets.establishment_picker import EstablishmentPicker
from tests.helpers import TODAY, new_case
from tests.services.test_placements import (
    OAK_HILL,
    OAKWOOD,
    QUEENS,
    add_establishments,
    set_council_la,
    setting_of,
)
from tests.ui.test_case_view import open_view

pytestmark = pytest.mark.gui


@pytest.fixture
def placed(db, messages):
    case_id, work = new_case(db)
    ids = add_establishments(db)
    set_council_la(db, "839")
    return case_id, work, ids


def typed(qtbot, picker: EstablishmentPicker, text: str) -> None:
    """Type into the picker as a person does, and wait for the register's suggestions."""
    picker.setFocus()
    picker.clear()
    QTest.keyClicks(picker, text)
    qtbot.waitUntil(lambda: picker.suggestions.rowCount() > 0, timeout=2000)


def test_a_placement_is_added_through_the_dialog_choosing_from_the_register(qtbot, db, placed):
    case_id, work, ids = placed
    view = open_view(qtbot, work, case_id)
    group = view.overview.placements
    assert group.none_yet.isVisible() and not group.edit_button.isEnabled()
    group.add_button.click()
    dialog = view.dialog
    assert isinstance(dialog, PlacementDialog)
    picker = dialog.picker
    typed(qtbot, picker, "queen")
    assert picker.note.text().startswith("Not on the register")  # nothing chosen yet
    assert picker.completer_.popup().isVisible()
    assert picker.suggestions.item(0).text() == "Queen's Park Special School (URN 201113, 838/7001)"
    picker.choose(0)
    assert picker.value() == (ids[QUEENS], "")
    assert picker.note.text() == "From the register."
    dialog.set_values(starts=date(2024, 9, 2), provision="resourced", attendance="full_time")
    dialog.accept()
    assert view.dialog is None or not view.dialog.isVisible()
    [row] = view.detail.placements
    assert (row.label, row.provision, row.out_of_area) == (
        "Queen's Park Special School",
        "resourced",
        True,  # another council's school (838, not 839), worked out as none was said
    )
    shown = group.table.rows_model
    assert [shown.data(shown.index(0, c)) for c in range(6)] == [
        "Mon 2 Sep 2024",
        "Not ended",
        "Queen's Park Special School",
        "Resourced provision",
        "Full-time",
        "Yes",
    ]
    assert setting_of(db, view.detail.child.id) == "Queen's Park Special School"
    assert view.overview.child_form.form.values()["setting"] == "Queen's Park Special School"


def test_a_setting_not_on_the_register_is_kept_as_typed_and_a_closed_one_is_marked(
    qtbot, db, placed
):
    case_id, work, ids = placed
    view = open_view(qtbot, work, case_id)
    view.overview.placements.add_button.click()
    dialog = view.dialog
    picker = dialog.picker
    typed(qtbot, picker, "oakwood")
    labels = [picker.suggestions.item(r).text() for r in range(picker.suggestions.rowCount())]
    assert labels == ["Oakwood Academy (URN 113504, 839/2002) — closed"]
    picker.choose(0)
    assert picker.note.text() == "From the register. It is closed: check this is right."
    assert picker.value() == (ids[OAKWOOD], "")
    QTest.keyClick(picker, Qt.Key.Key_Backspace)  # typing again: no longer the one chosen
    assert picker.value()[0] is None
    picker.set_choice(None, "Little Acorns Nursery")
    assert picker.note.text().startswith("Not on the register: saved as typed")
    dialog.set_values(starts=date(2019, 9, 2), ends=date(2021, 7, 16))
    dialog.accept()
    [row] = view.detail.placements
    assert (row.label, row.establishment, row.out_of_area) == (
        "Little Acorns Nursery (not on the register)",
        None,
        False,
    )


def test_refusals_are_shown_beside_the_fields_and_the_dialog_stays_open(qtbot, db, placed):
    case_id, work, ids = placed
    view = open_view(qtbot, work, case_id)
    view.overview.placements.add_button.click()
    dialog = view.dialog
    dialog.set_values(starts=date(2021, 9, 1))
    dialog.accept()  # at a school, but none chosen or typed
    assert "Choose the school" in dialog.form.error("establishment_id")
    assert dialog.isVisible() and view.detail.placements == ()
    dialog.set_values(kind="ehe")
    assert not dialog.picker.isEnabled() and not dialog.provision.isEnabled()
    dialog.accept()
    assert [p.kind for p in view.detail.placements] == ["ehe"]


def test_a_placement_is_ended_corrected_and_withdrawn_from_the_overview(
    qtbot, db, placed, monkeypatch
):
    case_id, work, ids = placed
    places = work.placements()
    places.add(
        view_child(work, case_id),
        {"kind": "setting", "establishment_id": ids[OAK_HILL], "starts": date(2021, 9, 1)},
    )
    view = open_view(qtbot, work, case_id)
    group = view.overview.placements
    group.table.select_row(0)
    assert group.end_button.isEnabled()
    group.end_button.click()
    view.dialog.set_values(ends=date(2026, 7, 17))
    view.dialog.accept()
    [row] = view.detail.placements
    assert row.ends == date(2026, 7, 17) and row.version == 2
    group.table.select_row(0)
    assert not group.end_button.isEnabled()  # ended already: Edit changes its dates
    group.edit_button.click()
    dialog = view.dialog
    assert dialog.picker.value() == (ids[OAK_HILL], "")
    dialog.set_values(attendance="part_time")
    assert dialog.submitted_values() == {"attendance": "part_time"}
    dialog.accept()
    assert view.detail.placements[0].attendance == "part_time"
    monkeypatch.setattr(view, "ask_reason", lambda *_a: "recorded on the wrong child")
    group.table.select_row(0)
    group.withdraw_button.click()
    assert view.detail.placements == ()
    assert group.none_yet.isVisible()


def view_child(work, case_id: int) -> int:
    return work.get_case(case_id).child.id


def test_the_placements_table_model_passes_qt_model_tester(qtmodeltester, db, placed):
    case_id, work, ids = placed
    places = work.placements()
    child = view_child(work, case_id)
    places.add(
        child,
        {
            "kind": "setting",
            "establishment_id": ids[OAK_HILL],
            "starts": date(2021, 9, 1),
            "ends": date(2024, 7, 19),
        },
    )
    places.add(child, {"kind": "neet", "starts": date(2024, 9, 2)})
    model = RowsModel(PLACEMENT_COLUMNS)
    model.set_rows(places.placements(child))
    qtmodeltester.check(model, force_py=True)


def test_the_dialog_opens_on_its_first_field_and_enter_in_the_picker_never_saves(qtbot):
    from tests.ui.test_dialog_keys import never, opened

    dialog = opened(qtbot, lambda: PlacementDialog("Add a placement", lambda _t: [], TODAY, never))
    assert dialog.focusWidget() is dialog.form.fields["kind"]
    dialog.picker.setFocus()
    qtbot.keyClicks(dialog.picker, "Hill Top Farm School")
    qtbot.keyClick(dialog.picker, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.focusWidget() is not dialog.picker
    assert dialog.picker.value() == (None, "Hill Top Farm School")
