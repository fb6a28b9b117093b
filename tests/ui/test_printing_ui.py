"""Printing from the window: summary, letters, reprint, bulk output, template editing."""

from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QDialog, QInputDialog

from caseload_app.paths import resources_dir
from caseload_app.services.demo import generate_demo
from caseload_app.services.letters import LetterService
from caseload_app.services.settings import (
    CouncilDetails,
    LocalSettings,
    LocalSettingsStore,
    TeamSettingsService,
)
from caseload_app.services.template_files import TemplateLibrary
from caseload_app.services.trash import TrashService
from caseload_app.ui.dialogs import printing as printing_module
from caseload_app.ui.dialogs.printing import LetterDialog, TemplatesDialog
from caseload_app.ui.window import printing as main_window_module
from tests.helpers import TODAY

pytestmark = pytest.mark.gui


@pytest.fixture
def window(db, open_window, monkeypatch):
    generate_demo(db, children=60, seed=9, today=TODAY)
    TeamSettingsService(db).set_council(CouncilDetails("BCP Council", "Civic Centre\nBH2 6DY"))
    LetterService(db, "Asha Patel").set_mediation_adviser("Mediation Ltd, 0300 000 0000")
    win = open_window(db)
    win.sidebar.setCurrentRow(2)
    shown = []
    monkeypatch.setattr(
        main_window_module,
        "show_pdf",
        lambda _p, pdf, title, name: shown.append((pdf, title, name)),
    )
    monkeypatch.setattr(
        printing_module, "show_pdf", lambda _p, pdf, title, name: shown.append((pdf, title, name))
    )
    win.shown_pdfs = shown
    return win


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_print_summary_of_the_open_case(window, monkeypatch, tmp_path):
    row = window.model.row_at(0)
    window.open_case(row.case_id)
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (5, True))
    window.print_summary()
    pdf, title, filename = window.shown_pdfs[-1]
    assert title == f"Case summary — {row.child_name}"
    assert filename.endswith("-summary.pdf")
    text = text_of(pdf, tmp_path)
    assert row.child_name in text
    assert "Printed by Asha Patel" in text


def test_issue_a_letter_logs_it_and_it_can_be_reprinted_exactly(window, monkeypatch, tmp_path):
    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "draft_issued"
    )
    view = window.open_case(row.case_id)

    def issue_draft_cover(dialog):
        dialog.template.setCurrentIndex(dialog.template.findData("draft_plan_cover"))
        dialog.issue()
        return dialog.result()

    monkeypatch.setattr(LetterDialog, "exec", issue_draft_cover)
    before = len(view.detail.communications)
    window.write_letter()
    issued_pdf = window.shown_pdfs[-1][0]
    assert "15 days" in text_of(issued_pdf, tmp_path)
    assert len(view.detail.communications) == before + 1
    logged = view.detail.communications[0]
    assert logged.channel == "letter"
    assert logged.has_letter
    view.show_tab("communications")
    view.communications.table.select_row(0)
    window.reprint_letter()
    assert window.shown_pdfs[-1][0] == issued_pdf


def test_a_letter_missing_a_value_is_refused_before_printing(window, monkeypatch):
    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "request_received"
    )
    window.open_case(row.case_id)
    messages = []
    monkeypatch.setattr(
        printing_module, "show_user_error", lambda _p, _t, exc: messages.append(str(exc))
    )

    def try_decision_letter(dialog):
        dialog.template.setCurrentIndex(dialog.template.findData("decision_to_assess"))
        dialog.issue()
        return dialog.result()

    monkeypatch.setattr(LetterDialog, "exec", try_decision_letter)
    window.write_letter()
    assert messages
    assert "date_agreed_to_assess" in messages[0]
    assert window.shown_pdfs == []


def test_bulk_summaries_write_one_pdf_per_selected_case(qtbot, window, monkeypatch, tmp_path):
    window.table.selectRow(0)
    window.table.selectionModel().select(
        window.model.index(1, 0),
        window.table.selectionModel().SelectionFlag.Select
        | window.table.selectionModel().SelectionFlag.Rows,
    )
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(main_window_module, "choose_folder", lambda *a: out)
    told = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window.bulk_summaries()
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    # says where the files went (it used to say only "done.")
    assert told == [f"Printing case summaries: done. 2 files saved in {out}."]
    assert len(list(out.glob("*-summary.pdf"))) == 2


def test_bulk_letters_say_how_many_were_issued_and_where_the_copies_went(
    qtbot, window, monkeypatch, tmp_path
):
    window.table.selectRow(0)
    out = tmp_path / "letters"
    out.mkdir()
    monkeypatch.setattr(main_window_module, "choose_folder", lambda *a: out)
    offered = []

    def pick(_parent, _title, _label, items, *_a):
        offered.extend(items)
        return "Your new caseworker (to the family)", True

    monkeypatch.setattr(QInputDialog, "getItem", pick)
    told = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    window.bulk_letters()
    qtbot.waitUntil(lambda: bool(told), timeout=20_000)
    assert len(list(out.glob("*-change_of_caseworker.pdf"))) == 1
    assert told == [f"Done. 1 letter issued (kept and logged on each case); copies saved in {out}."]
    # Plain names, and no letter that needs something typed (a subject, an adviser).
    assert "Letter to the family (write your own)" not in offered
    assert not any("{" in item or "_" in item for item in offered)


def test_bulk_job_stops_between_cases_when_cancelled():
    done = []
    job = printing_module.BulkJob([(1, "a"), (2, "b"), (3, "c")], lambda cid, n: done.append(cid))
    results = []
    job.signals.finished.connect(lambda problems, cancelled: results.append(cancelled))
    job.cancel.set()
    job.run()
    assert done == []
    assert results == [True]


def test_template_editor_rejects_a_broken_template_and_saves_a_good_one(
    qtbot, tmp_path, monkeypatch
):
    library = TemplateLibrary(tmp_path / "admin", resources_dir() / "templates")
    dialog = TemplatesDialog(library)
    qtbot.addWidget(dialog)
    assert dialog.list.count() >= 9
    messages = []
    monkeypatch.setattr(
        "caseload_app.ui.errors.show_user_error", lambda _p, _t, exc: messages.append(str(exc))
    )
    dialog.list.setCurrentRow(0)
    name = dialog.current_name()
    dialog.editor.setPlainText("Title: Broken\nTo: family\n\nDear {{salutaton}},\n")
    dialog.save()
    assert messages
    assert "salutation" in messages[0]
    assert not (tmp_path / "admin").exists() or not list((tmp_path / "admin").iterdir())
    good = (
        "Title: Reminder\nTo: family\n\nDear {{salutation}},\n\nA reminder about {{child_name}}.\n"
    )
    dialog.editor.setPlainText(good)
    dialog.save()
    assert (tmp_path / "admin" / f"{name}.txt").read_text() == good
    assert any(i.origin.startswith("admin") for i in library.list_templates() if i.name == name)


def test_a_word_template_is_listed_read_only_and_never_saved_over(qtbot, tmp_path, monkeypatch):
    from tests.helpers import word_template

    word_template(tmp_path / "admin" / "aaa_visit.docx", ["Dear {{salutation}}"], title="Visit")
    library = TemplateLibrary(tmp_path / "admin", resources_dir() / "templates")
    dialog = TemplatesDialog(library)
    qtbot.addWidget(dialog)
    messages = []
    monkeypatch.setattr(
        "caseload_app.ui.errors.show_user_error", lambda _p, _t, exc: messages.append(str(exc))
    )
    dialog.list.setCurrentRow(0)
    assert dialog.current_name() == "aaa_visit"
    assert dialog.editor.isReadOnly()
    assert "open aaa_visit.docx in Word" in dialog.editor.toPlainText()
    dialog.save()
    assert "'aaa_visit' is a Word template" in messages[0]
    assert not (tmp_path / "admin" / "aaa_visit.txt").exists()
    dialog.list.setCurrentRow(1)  # a text template is edited here as before
    assert not dialog.editor.isReadOnly() and dialog.editor.toPlainText().startswith("Title:")


def test_letter_dialog_only_shows_what_the_letter_needs_typed(qtbot, db):
    generate_demo(db, children=5, seed=1, today=TODAY)
    dialog = LetterDialog(LetterService(db, "Asha Patel", today=lambda: date(2026, 11, 24)), 1, "X")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.template.setCurrentIndex(dialog.template.findData("advice_chase"))
    assert dialog.advice.isVisible()
    assert not any(w.isVisible() for w in dialog.texts.values())
    dialog.template.setCurrentIndex(dialog.template.findData("generic"))
    assert not dialog.advice.isVisible()
    assert dialog.texts["subject"].isVisible()
    assert dialog.texts["message"].isVisible()
    assert not dialog.texts["decision_reason"].isVisible()
    dialog.texts["decision_reason"].setPlainText("typed, then hidden")
    assert "decision_reason" not in dialog.choice()["extra"]  # a hidden box sends nothing
    dialog.template.setCurrentIndex(dialog.template.findData("decision_not_to_assess"))
    assert dialog.texts["decision_reason"].isVisible()
    assert not dialog.advice.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_letter_picker_offers_plain_names_that_fit_the_stage_first(qtbot, db):
    """It showed "Reminder: {{advice_type}} advice for {{child_name}} (advice_chase)" and all
    ten letters at every stage."""
    from sqlalchemy import select

    from caseload_app.db.models import EhcpCase

    generate_demo(db, children=60, seed=3, today=TODAY)
    letters = LetterService(db, "Asha Patel", today=lambda: TODAY)
    by_stage = {}
    with db.read() as s:
        for case_id, stage in s.execute(select(EhcpCase.id, EhcpCase.stage)):
            by_stage.setdefault(stage, case_id)
    dialog = LetterDialog(letters, by_stage["draft_issued"], "X")
    qtbot.addWidget(dialog)
    items = [dialog.template.itemText(i) for i in range(dialog.template.count())]
    assert items[0] == "Draft plan, with 15 days for comments"
    assert items[1:3] == [
        "Letter to the family (write your own)",
        "Your new caseworker (to the family)",
    ]
    assert items[3] == ""  # the separator before letters for other stages
    assert "Final plan, with appeal rights (another stage)" in items
    assert not any("{" in item or "(advice_chase)" in item for item in items)
    assert dialog.template.currentData() == "draft_plan_cover"
    assessing = LetterDialog(letters, by_stage["assessment"], "Y", template="advice_request")
    qtbot.addWidget(assessing)
    assert assessing.template.currentData() == "advice_request"
    first = [assessing.template.itemData(i) for i in range(3)]
    assert first == ["decision_to_assess", "advice_chase", "advice_request"]  # by plain name


def test_the_first_letter_asks_for_the_council_details_once(qtbot, db, monkeypatch):
    """The first letter failed on missing council fields the first start never asks for."""
    from caseload_app.ui.dialogs.settings_dialog import CouncilDetailsDialog

    generate_demo(db, children=5, seed=1, today=TODAY)
    team = TeamSettingsService(db)
    team.set_council(CouncilDetails("", ""))
    letters = LetterService(db, "Asha Patel", today=lambda: TODAY)
    asked = []

    def fill(dialog):
        asked.append(1)
        dialog.group.name.setText("BCP Council")
        dialog.group.address.setPlainText("Civic Centre\nBH2 6DY")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(CouncilDetailsDialog, "exec", fill)
    shown = []
    monkeypatch.setattr(
        printing_module, "show_pdf", lambda _p, pdf, title, name: shown.append(title)
    )
    dialog = LetterDialog(letters, 1, "X", template="change_of_caseworker", council=team)
    qtbot.addWidget(dialog)
    dialog.preview()
    assert asked == [1]
    assert shown == ["Preview (not issued) — Your new caseworker (to the family)"]
    assert team.council().name == "BCP Council"
    dialog.preview()
    assert asked == [1]  # asked once: the details are kept


def test_settings_dialog_saves_the_mediation_adviser_for_letters(qtbot, db, tmp_path):
    from caseload_app.ui.dialogs.settings_dialog import SettingsDialog

    team = TeamSettingsService(db)
    store = LocalSettingsStore(tmp_path / "s.json")
    dialog = SettingsDialog(store, LocalSettings(), team, [])
    qtbot.addWidget(dialog)
    dialog.council_name.setText("BCP Council")
    dialog.mediation.setPlainText("Mediation Ltd\n0300 000 0000")
    dialog.save()
    council = team.council()
    assert (council.name, council.mediation_adviser) == (
        "BCP Council",
        "Mediation Ltd\n0300 000 0000",
    )


def test_recording_a_decision_opens_its_letter_when_asked(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "plan_issued"
    )
    window.open_case(row.case_id)
    opened = []

    def look(dialog):
        opened.append((dialog.template.currentData(), dialog.chosen_label()))
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(LetterDialog, "exec", look)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    window.offer_decision_letter(row.case_id, "decision_to_cease")
    assert opened == []  # "not now" opens nothing
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window.offer_decision_letter(row.case_id, "decision_to_cease")
    assert opened == [("decision_to_cease", "Decision to cease the plan, with appeal rights")]


def test_a_letter_for_a_case_deleted_meanwhile_is_a_message_not_a_crash(window, monkeypatch):
    """Someone else deleted the case while it was open here: Write letter said nothing useful
    (the crash dialog)."""
    case_id = window.model.row_at(0).case_id
    window.open_case(case_id)
    TrashService(window.ctx.db, "someone else").delete_case(case_id, "entered twice")
    said: list[str] = []
    monkeypatch.setattr(
        main_window_module, "show_user_error", lambda _p, _t, e: said.append(str(e))
    )
    window.write_letter()
    assert len(said) == 1
    assert "case" in said[0].lower()


def test_letters_for_many_cases_keep_two_templates_of_one_name_apart():
    """Two templates called the same (an administrator's copy) collapsed into one choice."""
    from pathlib import Path

    from caseload_app.domain.templates import TemplateInfo
    from caseload_app.ui.window.printing import letter_choices

    def info(name, label, typed=(), problem=None):
        return TemplateInfo(name, label, "family", "shipped", Path(name), problem, label, (), typed)

    choices = letter_choices(
        [
            info("welcome", "Welcome letter"),
            info("welcome_two", "Welcome letter"),
            info("generic", "Any letter", typed=("subject", "message")),  # typed per case
            info("broken", "Broken", problem="bad brace"),
            info("refusal", "Refusal", typed=("decision_reason",)),
        ]
    )
    assert choices == {
        "Refusal": "refusal",
        "Welcome letter (welcome)": "welcome",
        "Welcome letter (welcome_two)": "welcome_two",
    }
    assert letter_choices([]) == {}


def test_a_letter_issued_in_word_is_offered_to_save_and_the_choice_is_remembered(
    window, monkeypatch, tmp_path
):
    from tests.helpers import docx_paragraphs

    row = next(
        window.model.row_at(r)
        for r in range(window.model.rowCount())
        if window.model.row_at(r).stage == "draft_issued"
    )
    view = window.open_case(row.case_id)
    saved = []

    def save(_parent, data, title, filename):
        saved.append((data, title, filename))

    monkeypatch.setattr(printing_module, "save_word", save)
    monkeypatch.setattr(main_window_module, "save_word", save)
    offered = []

    def issue_as(format):
        def issue(dialog):
            offered.append(dialog.format.currentData())
            dialog.template.setCurrentIndex(dialog.template.findData("draft_plan_cover"))
            dialog.format.setCurrentIndex(dialog.format.findData(format))
            dialog.issue()
            return dialog.result()

        return issue

    monkeypatch.setattr(LetterDialog, "exec", issue_as("both"))
    window.write_letter()
    (word, title, filename) = saved[-1]
    assert filename.endswith("-draft_plan_cover.docx") and title.endswith(row.child_name)
    assert any("15 days" in p for p in docx_paragraphs(word))
    assert "15 days" in text_of(window.shown_pdfs[-1][0], tmp_path)  # and the PDF shown
    assert window.ctx.settings.letter_format == "both"
    assert window.ctx.settings_store.load().letter_format == "both"  # kept for next time
    monkeypatch.setattr(LetterDialog, "exec", issue_as("docx"))
    shown = len(window.shown_pdfs)
    window.write_letter()
    assert offered == ["pdf", "both"]  # the last choice is offered first
    assert len(window.shown_pdfs) == shown and len(saved) == 2  # Word only: no PDF
    view.show_tab("communications")
    view.communications.table.select_row(0)
    window.reprint_letter()  # a letter kept in Word only is reprinted as the Word file
    assert saved[-1][0] == saved[-2][0] and saved[-1][2].endswith("-letter.docx")
