"""Keeping families informed, in the window (issue 25): View → Families due an update lists
the families owed an update (mine, or the whole team's), overdue in red; the update drafted
from the case is read, edited and sent in a click, by e-mail through a real mail server on
127.0.0.1 or as a letter kept on the case file; either is logged, and the family leaves the
queue and My week. Nothing goes while a [bracketed] gap is left, and the gaps are named."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from caseload_app.services.casework import CaseworkService
from caseload_app.services.document_files import extract_text, sniff
from caseload_app.services.documents import DocumentService
from caseload_app.services.mail import MailService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.team import TeamService
from caseload_app.ui.case import CaseView
from caseload_app.ui.dialogs import printing
from caseload_app.ui.dialogs.print_preview import PrintPreviewDialog
from caseload_app.ui.models.rows import RAG_COLOUR
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_mail import parsed, team_mail, text_of

pytestmark = pytest.mark.gui

GAPS = ["[the reason for the delay]", "[what the council is doing]", "[the new expected date]"]
FILLED = {
    "[the reason for the delay]": "we are short of educational psychologists",
    "[what the council is doing]": "we have engaged two locum psychologists",
    "[the new expected date]": "Friday 11 December",
}


@pytest.fixture
def families(db) -> dict[str, int]:
    """Zoë (Asha's; her mother likes e-mail, in Polish, with an interpreter) and Emily (Ben's;
    no e-mail address): both requests came on 1 Jul 2026 and no family has heard since, so
    both are long overdue an update, and both decisions to assess are late."""
    team = TeamService(db, "Lee Lead", today=lambda: TODAY, now=lambda: NOW)
    asha, ben = team.add_caseworker("Asha Patel"), team.add_caseworker("Ben Okafor")
    zoe, _ = new_case(
        db, caseworker_id=asha, email="jo@example.org", preferred_channel="email",
        language="Polish", interpreter_needed=True, address="1 Parsonage Lane\nHaworth",
    )  # fmt: skip
    emily, _ = new_case(
        db, first_name="Emily", last_name="Shaw", parent_carer_name="Mr Sam Shaw", upn="",
        nhs_number="", caseworker_id=ben,
    )  # fmt: skip
    return {"zoe": zoe, "emily": emily}


def work(db) -> CaseworkService:
    return CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def filled(text: str) -> str:
    for gap, words in FILLED.items():
        text = text.replace(gap, words)
    return text


def queue(window):
    view = window.open_update_queue()
    view.wait_loaded()
    return view


def test_the_queue_lists_the_families_due_an_update_mine_or_the_teams(
    families, db, open_window, qtmodeltester
):
    window = open_window(db)
    view = queue(window)
    assert window.open_update_queue() is view  # one tab, brought forward
    view.wait_loaded()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Families due an update"
    model = view.table.rows_model
    qtmodeltester.check(model, force_py=True)
    # On a laptop nobody is set up, so Asha may lead: the whole team comes first.
    assert view.whose.currentData() is None
    assert [d.child_name for d in view.rows()] == ["Emily Shaw", "Zoë Brontë"]
    zoe = model.find(lambda d: d.case_id == families["zoe"])
    assert model.text(zoe, "Due") == "Wed 29 Jul 2026 · 118 days overdue"
    due = model.index(zoe, model.column_of("Due"))
    assert model.data(due, Qt.ItemDataRole.BackgroundRole).color() == RAG_COLOUR["red"]
    assert model.text(zoe, "Why") == "Every 4 weeks: no update since the request (Wed 1 Jul 2026)"
    assert model.text(zoe, "How they like to hear") == "Email"
    assert model.text(zoe, "Language") == "Language: Polish; an interpreter is needed"
    emily = model.find(lambda d: d.case_id == families["emily"])
    assert model.text(emily, "How they like to hear") == "Letter"
    assert view.summary.text().startswith("2 families due an update in the next 7 days, 2 overdue")
    assert "0 of 2 families with an open case (0%) are not overdue one" in view.summary.text()

    view.whose.setCurrentIndex(view.whose.findData(1))  # Asha's own families
    view.wait_loaded()
    assert [d.case_id for d in view.rows()] == [families["zoe"]]
    qtmodeltester.check(model, force_py=True)

    view.table.selectRow(0)
    view.open_button.click()
    case = window.current_case()
    assert case is not None and case.case_id == families["zoe"]
    assert case.current_tab() == "communications"


def test_the_draft_refuses_to_go_with_brackets_left_and_names_them(
    families, db, open_window, messages, qtbot
):
    window = open_window(db)
    view = queue(window)
    row = view.table.rows_model.find(lambda d: d.case_id == families["zoe"])
    view.table.activated.emit(view.table.rows_model.index(row, 0))  # Enter or a double-click
    dialog = window.update_dialog
    assert dialog is not None and dialog.case_id == families["zoe"]
    view.table.activated.emit(view.table.rows_model.index(row, 0))
    assert window.update_dialog is dialog  # asked again: the same one, brought forward
    assert dialog.windowTitle() == "Update for the family — Zoë Brontë"
    assert dialog.to.text() == "Ms Jo Brontë <jo@example.org>"
    assert dialog.channel.text() == "Email"
    assert dialog.language.text() == "Language: Polish; an interpreter is needed"
    assert dialog.subject.text().startswith("Sorry for the delay: an update on Zoë's")
    assert dialog.unfilled() == GAPS
    assert dialog.left.text() == "Still to write in: " + ", ".join(GAPS)
    # Each gap is marked in the message as it stands.
    text = dialog.message.toPlainText()
    block = dialog.message.document().findBlock(text.index(GAPS[0]))
    gap = (text.index(GAPS[0]) - block.position(), len(GAPS[0]))
    qtbot.waitUntil(lambda: gap in [(f.start, f.length) for f in block.layout().formats()])
    assert dialog.message.textCursor().selectedText() == GAPS[0]  # it opens on the first gap
    assert not dialog.email_button.isEnabled()  # the team's e-mail is not set up
    assert "E-mail is not set up for this team" in dialog.how.text()

    dialog.message.setPlainText(text.replace(GAPS[0], "staff shortages"))
    assert dialog.unfilled() == GAPS[1:]
    dialog.letter_button.click()
    dialog.send_email()
    expected = (
        f"Write in what is still in square brackets: {GAPS[1]}, {GAPS[2]}. Replace each with "
        "your own words; nothing has been sent."
    )
    assert messages == [expected, expected]
    assert dialog.isVisible() and dialog.issued is None and dialog.outcome is None
    assert work(db).get_case(families["zoe"]).communications == ()
    assert MailService(db, "Asha Patel").outbox(families["zoe"]) == []

    dialog.message.setPlainText(filled(text))
    assert dialog.left.text() == "Nothing is left in square brackets."
    dialog.subject.setText("Sorry for the delay [child]")
    dialog.letter_button.click()
    assert messages[-1].startswith("Write in what is still in square brackets: [child].")
    dialog.close_button.click()
    assert window.update_dialog is None

    # A family with no e-mail address: only a letter can go, and the dialog says why.
    emily = window.draft_update(families["emily"], "Emily Shaw")
    assert emily.to.text() == "Mr Sam Shaw (no e-mail address on record)"
    assert emily.language.text() == "No language need recorded"
    assert "no e-mail address on record" in emily.how.text()
    assert not emily.email_button.isEnabled() and emily.letter_button.isEnabled()
    emily.reject()


def test_issued_as_a_letter_it_is_logged_kept_on_file_and_the_family_leaves_the_queue(
    families, db, open_window, qtbot, messages, monkeypatch
):
    monkeypatch.setattr(printing, "show_user_error", lambda _p, _t, exc: messages.append(str(exc)))
    TeamSettingsService(db, "Asha Patel", now=lambda: NOW).set_council(
        CouncilDetails("Bournemouth, Christchurch and Poole Council", "Civic Centre\nBH2 6DY")
    )
    window = open_window(db)
    view = queue(window)
    mine = [i.case_id for i in window.week_model.rows() if i.kind == "update"]
    assert mine == [families["zoe"]]  # Asha's week: Zoë's family is owed an update
    case_view = window.open_case(families["zoe"], "communications")
    case_view.communications.update_button.click()  # from the case's Communications tab
    dialog = window.update_dialog
    assert dialog is not None and dialog.child_name == "Zoë Brontë"
    dialog.subject.setText("Zoë's assessment: where it stands")
    dialog.message.setPlainText(filled(dialog.message.toPlainText()))
    dialog.letter_button.click()
    assert messages == []
    assert dialog.issued is not None and not dialog.isVisible()

    detail = work(db).get_case(families["zoe"])
    (letter,) = detail.communications
    assert (letter.channel, letter.direction) == ("letter", "out")
    assert letter.summary == "Letter: Zoë's assessment: where it stands"
    assert letter.id == dialog.issued.communication_id
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    (kept,) = [d for d in docs.documents(families["zoe"]) if d.kind == "letter_sent"]
    assert kept.communication_id == letter.id
    pdf = docs.content(kept.id)
    assert pdf == dialog.issued.pdf
    words = " ".join(extract_text(pdf, sniff(pdf, "update.pdf")).text.split())
    assert "we are short of educational psychologists" in words
    assert "Dear Ms Brontë" in words

    # The PDF is shown to print, as the letter dialog shows it.
    (preview,) = [w for w in window.findChildren(PrintPreviewDialog) if w.isVisible()]
    assert preview.windowTitle() == (
        "Print preview — Zoë's assessment: where it stands — Zoë Brontë"
    )
    preview.close()
    # The open case shows the letter, and the queue and My week no longer list the family.
    assert len(case_view.detail.communications) == 1
    view.wait_loaded()
    assert [d.case_id for d in view.rows()] == [families["emily"]]
    window.wait_loaded()
    assert [i for i in window.week_model.rows() if i.kind == "update"] == []


def test_sent_by_email_it_arrives_as_edited_is_logged_and_the_family_leaves_the_queue(
    families, db, open_window, qtbot, servers, mailbox
):
    team_mail(db, servers, "none")  # a relay on this computer: no sign-in
    window = open_window(db)
    view = queue(window)
    window.wait_loaded()
    row = window.week_model.find(
        lambda i: i.kind == "update" and i.case_id == families["zoe"]
    )  # My week's line opens the case, and the update over it
    window.week_table.doubleClicked.emit(window.week_model.index(row, 0))
    dialog = window.update_dialog
    assert dialog is not None and dialog.case_id == families["zoe"]
    assert window.current_case().case_id == families["zoe"]
    assert dialog.email_button.isEnabled()
    assert dialog.how.text().startswith(f"E-mail goes through 127.0.0.1:{servers.plain}")
    dialog.subject.setText("Zoë's assessment: where it stands")
    message = filled(dialog.message.toPlainText()) + "\n\nPS: the EP visits on Monday."
    dialog.message.setPlainText(message)

    mailbox.delay = 0.5  # the server takes its time to answer: the dialog waits, busy
    dialog.email_button.click()
    assert dialog.sending() and dialog.busy.isVisible()
    assert not dialog.letter_button.isEnabled() and not dialog.close_button.isEnabled()
    assert dialog.status.text().startswith("Sending to jo@example.org…")
    dialog.reject()  # Escape while it is being sent: the answer must be shown
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20_000)
    assert dialog.outcome.status == "sent"
    assert dialog.status.text() == (
        "Sent to Ms Jo Brontë <jo@example.org>. It is logged on the case's Communications tab "
        "and kept on its file."
    )
    assert not dialog.email_button.isEnabled() and dialog.message.isReadOnly()

    (got,) = mailbox.received
    assert got.rcpt_tos == ["jo@example.org"]
    mail = parsed(got.content)
    assert mail["subject"] == "OFFICIAL-SENSITIVE: Zoë's assessment: where it stands"
    body = text_of(mail)
    assert body.startswith("Dear Ms Brontë,\n\nWe received the request")
    assert "The reason is we are short of educational psychologists." in body
    assert "we have engaged two locum psychologists" in body
    assert "PS: the EP visits on Monday." in body
    assert "[" not in body and body.rstrip().endswith("SEND Team")

    (logged,) = work(db).get_case(families["zoe"]).communications
    assert (logged.channel, logged.direction) == ("email", "out")
    assert logged.summary == "E-mail: OFFICIAL-SENSITIVE: Zoë's assessment: where it stands"
    case = window.current_case()
    assert isinstance(case, CaseView) and len(case.detail.communications) == 1
    view.wait_loaded()
    assert [d.case_id for d in view.rows()] == [families["emily"]]
    window.wait_loaded()
    assert window.week_model.find(lambda i: i.kind == "update" and i.case_id == families["zoe"]) < 0
    dialog.close_button.click()
    assert window.update_dialog is None


def test_an_email_the_server_cannot_take_now_is_kept_to_try_again_and_not_logged(
    families, db, open_window, qtbot, servers, mailbox
):
    team_mail(db, servers, "none", port=servers.closed)  # nothing listens there
    window = open_window(db)
    view = queue(window)
    dialog = window.draft_update(families["zoe"], "Zoë Brontë")
    dialog.message.setPlainText(filled(dialog.message.toPlainText()))
    dialog.email_button.click()
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=20_000)
    assert dialog.outcome.status == "retry"
    assert dialog.status.text().startswith("Kept in the outbox. Not sent yet: ")
    assert "Next try at 10:31 (tried 1 time)." in dialog.status.text()
    assert mailbox.received == []
    assert work(db).get_case(families["zoe"]).communications == ()
    view.wait_loaded()
    assert families["zoe"] in [d.case_id for d in view.rows()]  # not told yet
