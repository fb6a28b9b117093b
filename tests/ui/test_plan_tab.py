"""The Plan tab: a plan written through its dialogs, checked as it is written, saved, exported
as Word and issued, against a real SQLite file."""

from __future__ import annotations

import pytest
from docx import Document
from PySide6.QtWidgets import QFileDialog, QMessageBox

from caseload_app.domain.plan import SECTIONS
from tests.helpers import TODAY, new_case
from tests.ui.test_case_view import fill, open_view

pytestmark = pytest.mark.gui


def section(view, letter: str):
    view.show_tab("plan")  # the plan is read when its tab is first shown
    tab = view.plan
    tab.sections.setCurrentRow(SECTIONS.index(letter))
    return tab.editors[letter]


def rules(view) -> set[tuple[str, str]]:
    return {(f.rule, f.item) for f in view.plan.findings.rows_model.rows()}


def write_a_plan(view) -> None:
    section(view, "A").add_button.click()
    fill(view, who="child", name="Zoë", how="drawing", text="I like drawing horses.")
    section(view, "B").add_button.click()
    fill(view, text="Zoë reads at the level expected in Year 1.")
    section(view, "E").add_button.click()
    fill(view, text="Zoë will read 40 words a minute", by_when="by July 2028")
    section(view, "F").add_button.click()
    fill(view, text="Access to phonics", who="trained TA", how_often="daily",
         how_long="15 minutes", group="1:1", reviewed_by="SENCo", needs=("N1",),
         outcomes=("O1",))  # fmt: skip


def test_a_plan_written_through_the_dialogs_is_checked_as_it_goes_and_saved(
    qtbot, db, qtmodeltester, messages
):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    view.show_tab("plan")
    tab = view.plan
    assert tab.status.text().startswith("Version 1 · Draft plan · working copy, not saved yet")
    assert ("a_empty", "") in rules(view)
    section(view, "B").add_button.click()
    fill(view, text="Zoë reads at the level expected in Year 1.")
    assert view.tabs.tabText(view.TABS.index("plan")) == "Plan *"
    assert view.has_unsaved_changes()
    assert ("need_no_provision", "N1") in rules(view)
    write_a_plan(view)
    assert [n.key for n in tab.plan.needs] == ["N1", "N2"]
    found = rules(view)
    assert ("vague_access", "P1") in found  # flagged the moment the dialog saved it
    assert ("need_no_provision", "N2") in found and ("need_no_provision", "N1") not in found
    assert "⚠" in tab.sections.item(SECTIONS.index("F")).text()
    qtmodeltester.check(tab.findings.rows_model, force_py=True)
    qtmodeltester.check(tab.editors["F"].table.rows_model, force_py=True)
    tab.save_button.click()
    assert messages == []
    assert view.tabs.tabText(view.TABS.index("plan")) == "Plan"
    saved = work.plans().working(case_id)
    assert saved.version_id is not None
    assert [p.text for p in saved.plan.provision] == ["Access to phonics"]
    assert saved.plan.provision[0].needs == ("N1",)


def test_an_empty_item_is_refused_beside_its_field(qtbot, db, messages):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    section(view, "B").add_button.click()
    dialog = fill(view, text="   ")
    assert dialog.form.error("text") == "Write something, or Cancel."
    assert view.plan.plan.needs == ()


def test_removing_a_need_takes_its_links_with_it(qtbot, db, messages):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    write_a_plan(view)
    editor = section(view, "B")
    editor.table.select_row(0)
    editor.remove_button.click()
    assert view.plan.plan.needs == ()
    assert view.plan.plan.provision[0].needs == ()
    assert ("provision_no_need", "P1") in rules(view)


def test_notes_and_section_i_are_typed_in_place(qtbot, db, messages):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    editor = section(view, "I")
    qtbot.keyClicks(editor.school, "Hillside Primary")
    qtbot.waitUntil(lambda: ("i_in_draft", "") in rules(view), timeout=2000)  # s38(5) CFA 2014
    notes = section(view, "B").notes
    notes.setPlainText("Assessed in October.")
    assert view.plan.plan.notes == {"B": "Assessed in October."}
    assert view.plan.plan.placement.name == "Hillside Primary"


def test_section_j_records_the_budget_sen2_asks_about(qtbot, db, messages):
    from caseload_app.domain.plan import Budget

    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    box = section(view, "J").budget_box
    assert not box.organised.isEnabled()  # parts of a budget wait for the budget
    assert not box.direct.isEnabled()
    box.taken_up.click()
    assert box.organised.isEnabled()
    box.organised.click()
    box.direct.setCurrentIndex(box.direct.findData("H"))
    assert box.direct.currentText() == "Health only"
    assert view.plan.plan.budget == Budget(taken_up=True, organised=True, direct_payments="H")
    box.taken_up.click()  # no budget after all: its parts go with it
    assert view.plan.plan.budget == Budget()
    assert not box.organised.isChecked()
    box.taken_up.click()
    box.direct.setCurrentIndex(box.direct.findData("E"))
    view.plan.save_button.click()
    assert messages == []
    saved = work.plans().working(case_id)
    assert saved.plan.budget == Budget(taken_up=True, direct_payments="E")


def test_export_to_word_and_issue_the_draft(qtbot, db, tmp_path, monkeypatch, messages):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    write_a_plan(view)
    infos: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: infos.append(text))
    view.plan.issue_button.click()
    assert infos == ["Save the plan before issuing it."]
    view.plan.save_button.click()
    target = tmp_path / "zoe.docx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view.plan.word_button.click()
    assert Document(target).paragraphs[0].text == "Draft Education, Health and Care plan"
    offered: list = []
    view.decision_recorded.connect(lambda cid, letter: offered.append((cid, letter)))
    view.plan.issue_button.click()
    fill(view, on=TODAY)
    assert offered == [(case_id, "draft_plan_cover")]  # the cover letter, with 15 days
    (issued,) = work.plans().versions(case_id)
    assert (issued.kind, issued.issued_on) == ("draft", TODAY)
    assert view.plan.status.text().startswith("Version 2 · Final plan")
    assert messages == []


def test_a_word_plan_is_imported_from_the_tab(qtbot, db, tmp_path, monkeypatch, messages):
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    doc = Document()
    doc.add_heading("Section B: Special educational needs", 1)
    doc.add_paragraph("Zoë finds reading hard.")
    source = tmp_path / "old.docx"
    doc.save(source)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    reports: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: reports.append(text))
    view.show_tab("plan")
    view.plan.import_button.click()
    assert reports[0].startswith("Sections found: B.")
    assert [n.text for n in view.plan.plan.needs] == ["Zoë finds reading hard."]
    assert not view.plan.dirty
    assert work.plans().working(case_id).version_id is not None  # saved by the import


def test_two_versions_compared_side_by_side(qtbot, db, monkeypatch, messages):
    """The draft issued, then Section I named and a frequency changed in the final: the
    comparison lists both, the old words struck through and the new ones underlined."""
    from caseload_app.ui.case.plan import CompareDialog

    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    write_a_plan(view)
    view.plan.save_button.click()
    view.plan.issue_button.click()
    fill(view, on=TODAY)
    editor = section(view, "F")
    editor.table.select_row(0)
    editor.edit_button.click()
    fill(view, how_often="3 times a week")
    qtbot.keyClicks(section(view, "I").school, "Hillside Primary")
    view.plan.save_button.click()
    view.plan.compare_button.click()
    dialog = view.plan.comparison
    assert isinstance(dialog, CompareDialog)
    assert [(c.section, c.item, c.field) for c in dialog.changes] == [
        ("F", "P1", "how_often"), ("I", "", "name"),
    ]  # fmt: skip
    html = dialog.text.toHtml()
    assert "line-through" in html and "underline" in html
    assert "daily" in dialog.text.toPlainText() and "3 times a week" in dialog.text.toPlainText()
    dialog.accept()
    assert messages == []


def test_the_familys_comments_are_recorded_and_answered(qtbot, db, messages):
    """On the page after K: what the family said about the draft, against its section, and
    the council's response; unanswered ones are flagged until answered."""
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    write_a_plan(view)
    tab = view.plan
    page = tab.editors["comments"]
    tab.sections.setCurrentRow(len(SECTIONS))
    assert tab.stack.currentWidget() is page
    page.add_button.click()
    fill(view, section="I", said="We would like Hillside named.", by="Mum")
    assert ("comment_no_response", "C1") in rules(view)
    assert "⚠ 1" in tab.sections.item(len(SECTIONS)).text()
    page.table.select_row(0)
    page.edit_button.click()
    fill(view, response="did_not")
    assert ("comment_no_reason", "C1") in rules(view)
    page.table.select_row(0)
    page.edit_button.click()
    fill(view, because="Its specialist base is full for September.")
    assert not {r for r, _ in rules(view) if r.startswith("comment_")}
    tab.save_button.click()
    (comment,) = work.plans().working(case_id).plan.comments
    assert (comment.section, comment.response, comment.by) == ("I", "did_not", "Mum")
    assert messages == []


def test_checks_the_council_switched_off_are_not_shown(qtbot, db, messages):
    """vague_access and a_no_child_voice off: a plan with "Access to" and only a parent's
    words shows neither, as it is written and once saved; the other checks still show."""
    from caseload_app.services.settings import TeamSettingsService

    team = TeamSettingsService(db, "Asha Patel")
    team.set_plan_rule("vague_access", True, "Our panel's standard wording")
    team.set_plan_rule("a_no_child_voice", True, "Recorded in the child's own form")
    case_id, work = new_case(db)
    view = open_view(qtbot, work, case_id)
    write_a_plan(view)
    section(view, "A").add_button.click()
    fill(view, who="parent", name="Mum", how="meeting", text="We would like her to read.")
    section(view, "A").table.select_row(0)
    section(view, "A").remove_button.click()  # the child's words gone: only Mum's remain
    assert [c.who for c in view.plan.plan.contributions] == ["parent"]
    section(view, "B").add_button.click()
    fill(view, text="Zoë finds loud rooms hard.")
    found = rules(view)
    assert ("need_no_provision", "N2") in found  # the checks still on are shown
    assert not {r for r, _ in found} & {"vague_access", "a_no_child_voice"}
    assert "⚠" not in view.plan.sections.item(SECTIONS.index("F")).text()
    view.plan.save_button.click()
    assert not {r for r, _ in rules(view)} & {"vague_access", "a_no_child_voice"}
    team.set_plan_rule("vague_access", False)
    again = open_view(qtbot, work, case_id)  # the case opened afresh reads the council's checks
    again.show_tab("plan")
    assert ("vague_access", "P1") in rules(again)
    assert messages == []
