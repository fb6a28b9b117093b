"""The window's work beside the person's: the published calendar written at start and again
after a change (debounced, off the window's thread), a folder that has gone said quietly in
the status bar; the outbox sent at start through a real mail server with the password kept
on this computer, its state in the status bar, and closing waiting for an e-mail being
handed over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import select

from caseload_app.db.models import AuditEntry, Caseworker, OutboxMessage
from caseload_app.services.calendar import CalendarService
from caseload_app.services.mail import MailService, Outgoing
from caseload_app.services.mail_settings import MailSettingsService
from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from tests import smtp_server
from tests.helpers import NOW, TODAY, new_case, open_main_window, services
from tests.services.test_calendar import events
from tests.services.test_mail import family_case, team_mail

pytestmark = pytest.mark.gui
WHO = "Asha Patel"


@pytest.fixture
def ring():
    """This computer's keyring, in memory."""
    import keyring

    from tests.pg.test_signin import MemoryKeyring

    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(before)


def menu(window, text: str) -> QAction:
    return next(a for a in window.findChildren(QAction) if a.text() == text)


@pytest.fixture
def no_dialogs(monkeypatch):
    """Every message box the window would show, recorded instead (none is expected)."""
    shown: list[str] = []
    for kind in ("information", "warning", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, _k=kind: shown.append(_k))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: shown.append("password"))
    return shown


def published(db) -> list[str]:
    with db.read() as s:
        query = select(AuditEntry.detail).where(AuditEntry.record_type == "calendar")
        return list(s.scalars(query.order_by(AuditEntry.id)))


def asha_case(db) -> int:
    with db.uow() as s:
        s.add(Caseworker(name=WHO))
    return new_case(db, caseworker_id=1)[0]


def test_the_calendar_is_published_at_start_and_after_a_change(qtbot, db, tmp_path, no_dialogs):
    case_id = asha_case(db)
    target = tmp_path / "asha.ics"
    settings = LocalSettings(me_caseworker_id=1, me_name=WHO, calendar_file=str(target))
    window = open_main_window(qtbot, db, tmp_path, settings=settings)
    qtbot.waitUntil(target.exists, timeout=10_000)
    before = len(events(target.read_bytes()))
    services(db)[1].add_task(case_id, "Chase the EP advice", TODAY + timedelta(days=3), None)
    window.cases_changed({case_id})
    window.cases_changed({case_id})  # a burst of saves: written once
    qtbot.waitUntil(lambda: len(events(target.read_bytes())) == before + 1, timeout=15_000)
    qtbot.waitUntil(lambda: not window._publish_busy, timeout=5_000)
    details = published(db)
    assert details[0] == f"Published calendar of {WHO}: {before} dates, to asha.ics"
    assert details[-1] == f"Published calendar of {WHO}: {before + 1} dates, to asha.ics"
    assert len(details) <= 3  # at start, (a reload's, unchanged: not written), the change
    assert not window.calendar_status.isVisible()
    assert no_dialogs == []


def test_a_folder_that_has_gone_is_a_quiet_note_and_chosen_again_it_is_written(
    qtbot, db, tmp_path, no_dialogs, monkeypatch
):
    asha_case(db)
    gone = tmp_path / "offline-drive" / "asha.ics"
    settings = LocalSettings(me_caseworker_id=1, me_name=WHO, calendar_file=str(gone))
    window = open_main_window(qtbot, db, tmp_path, settings=settings)
    qtbot.waitUntil(window.calendar_status.isVisible, timeout=10_000)
    assert window.calendar_status.text() == "Calendar not published"
    assert "cannot be reached now" in window.calendar_status.toolTip()
    assert (published(db), no_dialogs) == ([], [])  # no dialog storm, nothing written
    chosen = tmp_path / "mine"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(chosen), ""))
    menu(window, "&Publish my calendar to…").trigger()
    qtbot.waitUntil((tmp_path / "mine.ics").exists, timeout=10_000)
    qtbot.waitUntil(lambda: not window.calendar_status.isVisible(), timeout=5_000)
    kept = LocalSettingsStore(tmp_path / "settings.json").load()  # this computer's setting
    assert kept.calendar_file == str(tmp_path / "mine.ics")
    stop = next(
        a for a in window.findChildren(QAction) if a.text() == "Stop p&ublishing my calendar"
    )
    stop.trigger()
    assert LocalSettingsStore(tmp_path / "settings.json").load().calendar_file == ""


def test_the_outbox_is_sent_at_start_with_the_kept_password_and_its_state_shown(
    qtbot,
    db,
    tmp_path,
    servers,
    mailbox,
    ring,
    no_dialogs,
):
    team_mail(db, servers, "starttls")
    case_id = family_case(db)
    earlier = MailService(db, WHO, today=lambda: TODAY, now=lambda: NOW - timedelta(hours=1),
                          timeout=5)  # fmt: skip
    mailbox.drops = 2  # both wait to be tried again (due before the window's NOW)
    for n in (1, 2):
        earlier.send(Outgoing(case_id, f"Note {n}", "Hello."), password=smtp_server.PASSWORD)
    window = open_main_window(qtbot, db, tmp_path)
    qtbot.waitUntil(window.outbox_status.isVisible, timeout=10_000)
    # No password kept: nothing sent, nobody asked.
    assert window.outbox_status.text() == "2 e-mails waiting (not sent: no password kept)"
    assert "not kept on this computer" in window.outbox_status.toolTip()
    assert (mailbox.received, no_dialogs) == ([], [])
    window.sidebar.setCurrentRow(2)  # all cases, the family's row read and held
    window.wait_loaded()
    model = window.model
    assert model.row_at(model.find_case(case_id)).last_contact != NOW.date()
    MailSettingsService(db, WHO).set_password(smtp_server.PASSWORD)
    window._tick()
    qtbot.waitUntil(lambda: len(mailbox.received) == 2, timeout=15_000)
    qtbot.waitUntil(lambda: not window.outbox_status.isVisible(), timeout=5_000)
    # Each e-mail sent is a contact logged: the list (and its counts) follow at once.
    window.wait_loaded()
    assert model.row_at(model.find_case(case_id)).last_contact == NOW.date()


def test_closing_while_an_email_is_handed_over_waits_for_it(
    qtbot,
    db,
    tmp_path,
    servers,
    mailbox,
    ring,
):
    team_mail(db, servers, "starttls")
    MailSettingsService(db, WHO).set_password(smtp_server.PASSWORD)
    case_id = family_case(db)
    earlier = MailService(db, WHO, today=lambda: TODAY, now=lambda: NOW - timedelta(hours=1),
                          timeout=5)  # fmt: skip
    mailbox.drops = 1
    queued = earlier.send(Outgoing(case_id, "Note", "Hello."))
    assert queued.status == "retry"
    mailbox.delay = 2.0  # the server answers the end of the message late
    window = open_main_window(qtbot, db, tmp_path)
    qtbot.waitUntil(lambda: mailbox.seen == 1, timeout=10_000)  # being handed over now
    window.close()  # waits for it rather than leave it "may have been sent"
    with db.read() as s:
        assert s.get(OutboxMessage, queued.id).status == "sent"
    assert len(mailbox.received) == 1


def test_a_review_invitation_is_saved_from_the_reviews_tab(qtbot, db, tmp_path, monkeypatch):
    from datetime import time

    from caseload_app.ui.dialogs.invitation_dialog import InvitationDialog
    from tests.services.test_review_invitation import MEETING, review_case

    _, review_id = review_case(db)
    window = open_main_window(qtbot, db, tmp_path)
    view = window.open_case(1, "reviews")
    tab = view.reviews
    assert tab.invitation_button.isEnabled()

    def typed(dialog: InvitationDialog) -> int:
        dialog.timed.setChecked(True)
        dialog.time.setTime(time(10, 15))
        dialog.place.setText("Room 4")
        return InvitationDialog.DialogCode.Accepted

    monkeypatch.setattr(InvitationDialog, "exec", typed)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "rv"), ""))
    tab.invitation_button.click()
    (event,) = events((tmp_path / "rv.ics").read_bytes())
    assert event.decoded("DTSTART").time() == time(10, 15)
    assert event.decoded("DTSTART").date() == MEETING
    assert str(event["LOCATION"]) == "Room 4"
    again = CalendarService(db, WHO, today=lambda: TODAY, now=lambda: NOW)
    assert str(event["UID"]) in again.invitation(review_id)[1].decode()


def test_a_failure_beside_the_window_is_logged_without_what_it_said(
    qtbot, db, tmp_path, monkeypatch, caplog, no_dialogs
):
    import logging

    asha_case(db)

    said = "Sam Brontë, born 4 May 2016"  # as a driver's error quoting a row's values

    def fails(self, me, path):
        raise RuntimeError(said)

    monkeypatch.setattr(CalendarService, "publish", fails)
    settings = LocalSettings(me_caseworker_id=1, me_name=WHO, calendar_file=str(tmp_path / "a.ics"))
    caplog.set_level(logging.ERROR)
    window = open_main_window(qtbot, db, tmp_path, settings=settings)
    qtbot.waitUntil(lambda: window.calendar_status.isVisible(), timeout=10_000)
    assert "The calendar could not be published" in caplog.text
    assert "RuntimeError (message not logged)" in caplog.text
    assert "Brontë" not in caplog.text and "2016" not in caplog.text


def test_a_job_whose_listener_has_gone_ends_quietly(qapp, capfd):
    """Quitting deletes every QObject while a listing asked just before may still run: its
    answer is dropped, not printed as "Signal source has been deleted"."""
    import threading

    import shiboken6
    from PySide6.QtCore import QThreadPool

    from caseload_app.ui.worker import run_in_background

    started, go_on = threading.Event(), threading.Event()
    for fn in (lambda: go_on.wait(5), lambda: go_on.wait(5) and 1 / 0):  # answered, failed
        started.clear()
        go_on.clear()
        job = run_in_background(lambda fn=fn: started.set() or fn(), print, print)
        started.wait(5)
        shiboken6.delete(job.signals)
        go_on.set()
        QThreadPool.globalInstance().waitForDone(5000)
    assert "deleted" not in capfd.readouterr().err
