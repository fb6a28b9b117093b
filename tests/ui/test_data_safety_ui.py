"""In the window: a refused save keeps the typing; a form saved twice is one record."""

import sqlite3
from datetime import datetime

import pytest

from caseload_app.ui.case import CaseView
from tests.helpers import add_person, disk_full, new_case

pytestmark = pytest.mark.gui


def open_log_dialog(qtbot, db):
    case_id, work = new_case(db)
    view = CaseView(work, case_id, work.caseworkers())
    qtbot.addWidget(view)
    view.show()
    view.log_contact()
    view.dialog.set_values(
        occurred_at=datetime(2026, 11, 23, 9, 15), summary="Asked about the EP visit " * 400
    )
    return view


def test_a_full_disk_keeps_the_dialog_open_with_the_typing(qtbot, db, messages):
    view = open_log_dialog(qtbot, db)
    dialog = view.dialog
    with disk_full(db):
        dialog.accept()
    assert len(messages) == 1
    assert "disk holding the database is full" in messages[0]
    assert view.dialog is dialog
    assert dialog.isVisible()
    assert dialog.values()["summary"].startswith("Asked about the EP visit")
    assert view.work.get_case(view.case_id).communications == ()
    dialog.accept()  # space again: the same Save now works
    assert view.dialog is None
    assert len(view.work.get_case(view.case_id).communications) == 1


def test_save_pressed_twice_logs_one_contact(qtbot, db, messages):
    view = open_log_dialog(qtbot, db)
    dialog = view.dialog
    dialog._try_submit()  # the first press saves…
    dialog._try_submit()  # …and a second press before the dialog closes finds it
    assert messages == []
    assert len(view.work.get_case(view.case_id).communications) == 1


# --------------------------------------------------------------------------- the data dialogs
@pytest.fixture
def window(db, open_window, tmp_path):
    new_case(db)
    win = open_window(db)
    win.ctx.backups_folder = tmp_path / "backups"
    return win


@pytest.fixture
def say_yes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)


def reason(monkeypatch, text="entered by mistake"):
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (text, True))


def test_delete_a_task_then_restore_it_from_the_trash(qtbot, db, messages, monkeypatch):
    from caseload_app.ui.dialogs.data_dialogs import TrashDialog

    case_id, work = new_case(db)
    work.add_task(case_id, "Ring school", None, None)
    view = CaseView(work, case_id, work.caseworkers())
    qtbot.addWidget(view)
    view.tasks.table.select_row(0)
    reason(monkeypatch)
    view.tasks.delete_button.click()
    assert view.detail.tasks == ()
    refreshed = []
    dialog = TrashDialog(work.trash(), lambda: refreshed.append(1))
    qtbot.addWidget(dialog)
    assert dialog.table.rows_model.text(0, "Details") == "Task: Ring school"
    assert dialog.table.rows_model.text(0, "Why") == "entered by mistake"
    dialog.table.select_row(0)
    dialog.restore_button.click()
    assert dialog.table.rows_model.rowCount() == 0
    assert refreshed == [1]
    view.reload()
    assert [t.title for t in view.detail.tasks] == ["Ring school"]


def test_delete_the_open_case_from_the_case_menu(qtbot, window, monkeypatch, messages):
    window.sidebar.setCurrentRow(2)
    window.table.selectRow(0)
    window.open_selected()
    assert window.tabs.count() == 2
    reason(monkeypatch)
    window.delete_case()
    window.wait_loaded()
    assert window.tabs.count() == 1
    assert window.model.rowCount() == 0
    assert len(window.ctx.trash().items()) == 1


def back_up_now(qtbot, dialog) -> None:
    """Back up now, and wait for it (it is taken beside the window)."""
    dialog.backup_now()
    assert not dialog.backup_button.isEnabled()
    qtbot.waitUntil(dialog.backup_button.isEnabled, timeout=20_000)


def test_back_up_now_and_restore_with_a_preview(qtbot, window, say_yes, messages):
    from caseload_app.ui.dialogs.data_dialogs import BackupsDialog

    dialog = BackupsDialog(window.ctx.backups(), window._restore_backup, window)
    qtbot.addWidget(dialog)
    back_up_now(qtbot, dialog)
    assert dialog.table.rows_model.rowCount() == 1
    assert dialog.table.rows_model.text(0, "Children") == "1"
    new_case(window.ctx.db, first_name="Ann", upn="", nhs_number="")  # saved after the backup
    window.refresh()
    window.wait_loaded()
    window.sidebar.setCurrentRow(2)
    assert window.model.rowCount() == 2
    dialog.table.select_row(0)
    dialog.restore()
    window.wait_loaded()
    assert messages == []
    assert window.model.rowCount() == 1  # back to what the backup held
    kept = window.ctx.backups().list_backups()
    assert any("pre-restore" in b.path.name and b.children == 2 for b in kept)


def test_an_unusable_backup_is_a_message_not_a_crash(qtbot, window, say_yes, messages):
    """The backup service's DatabaseError was not among the window's user errors, so a damaged
    backup showed the crash dialog ("a problem it did not expect")."""
    from caseload_app.ui.dialogs.data_dialogs import BackupsDialog

    dialog = BackupsDialog(window.ctx.backups(), window._restore_backup, window)
    qtbot.addWidget(dialog)
    back_up_now(qtbot, dialog)
    dialog.table.select_row(0)
    backup = dialog.table.selected().path
    backup.write_bytes(backup.read_bytes()[:4096])  # cut short: not a usable database
    before = window.ctx.db
    dialog.restore()
    window.wait_loaded()
    assert len(messages) == 1
    assert messages[0].startswith("Not restored: the backup is not usable.")
    assert window.ctx.db is before  # refused before the database was closed: still open
    window.sidebar.setCurrentRow(2)
    assert window.model.rowCount() == 1  # nothing lost
    window.ctx.db.dispose()


def test_audit_trail_filters_and_exports(qtbot, window, tmp_path, messages):
    from caseload_app.ui.dialogs.data_dialogs import AuditDialog

    dialog = AuditDialog(window.ctx.audit(), window)
    qtbot.addWidget(dialog)
    total = dialog.table.rows_model.rowCount()
    assert total >= 1
    assert dialog.count.text() == (f"{total:,} entries" if total > 1 else "1 entry")
    dialog.case.setText("x")
    dialog.search()
    assert messages == ["The case number is a whole number, e.g. 1234."]
    dialog.case.setText("")
    dialog.text.setText("new request")
    dialog.search()
    assert dialog.table.rows_model.rowCount() == 1
    dialog.export_to(tmp_path / "audit.csv")
    # the new request, and the search for "new request" (each search is recorded)
    assert dialog.count.text() == "Exported 2 entries to audit.csv"
    assert (tmp_path / "audit.csv").read_text(encoding="utf-8-sig").count("\n") == 3


def test_what_the_window_shows_or_copies_of_everyone_is_recorded(qtbot, window, messages):
    """Back up now, the audit trail and the retention review each leave an audit entry."""
    from datetime import date

    from sqlalchemy import select

    from caseload_app.db.models import AuditEntry
    from caseload_app.ui.dialogs.data_dialogs import AuditDialog, BackupsDialog, RetentionDialog

    db = window.ctx.db
    old, work = new_case(
        db, first_name="Old", upn="", nhs_number="", request_received=date(2018, 1, 8)
    )
    work.record_action(old, work.get_case(old).version, "assess_refused", date(2018, 2, 1), "x")
    backups = BackupsDialog(window.ctx.backups(), window._restore_backup, window)
    qtbot.addWidget(backups)
    back_up_now(qtbot, backups)
    audit = AuditDialog(window.ctx.audit(), window)  # it searches as it opens
    qtbot.addWidget(audit)
    retention = RetentionDialog(window.ctx.team(), window.ctx.trash(), window.open_case, window)
    qtbot.addWidget(retention)
    with db.read() as s:
        recorded = s.execute(
            select(AuditEntry.action, AuditEntry.record_type).where(
                AuditEntry.action.in_(("backup", "search", "view")), AuditEntry.case_id.is_(None)
            )
        ).all()
    assert [tuple(r) for r in recorded] == [
        ("backup", "database"),
        ("search", "audit_entry"),
        ("view", "retention_review"),
    ]
    assert messages == []


def test_a_retention_list_that_cannot_be_recorded_is_not_shown(qtbot, window, messages):
    from datetime import date

    from caseload_app.services.trash import TrashService
    from caseload_app.ui.dialogs.data_dialogs import RetentionDialog
    from tests.services.test_exports_are_audited import opened_read_only

    db = window.ctx.db
    old, work = new_case(
        db, first_name="Old", upn="", nhs_number="", request_received=date(2018, 1, 8)
    )
    work.record_action(old, work.get_case(old).version, "assess_refused", date(2018, 2, 1), "x")
    read_only = opened_read_only(db.path)  # the file as a read-only share opens it
    try:
        trash = TrashService(read_only, window.ctx.user)
        dialog = RetentionDialog(window.ctx.team(), trash, window.open_case, window)
        qtbot.addWidget(dialog)
    finally:
        read_only.dispose()
    assert dialog.table.rows_model.rowCount() == 0
    assert dialog.count.text() == "The list could not be shown."
    assert len(messages) == 1
    assert "read-only" in messages[0]


def test_the_audit_trail_is_refused_to_a_non_administrator(qtbot, window, messages):
    add_person(window.ctx.db, "dee.admin", "Dee Admin", "administrator")
    window.open_audit()
    assert len(messages) == 1
    assert messages[0].startswith("You cannot read and export the audit trail")


def test_retention_review_lists_and_sets_the_period(qtbot, window, messages):
    from datetime import date

    from caseload_app.ui.dialogs.data_dialogs import RetentionDialog

    db = window.ctx.db
    old, work = new_case(
        db, first_name="Old", upn="", nhs_number="", request_received=date(2018, 1, 8)
    )
    work.record_action(old, work.get_case(old).version, "assess_refused", date(2018, 2, 1), "x")
    dialog = RetentionDialog(window.ctx.team(), window.ctx.trash(), window.open_case, window)
    qtbot.addWidget(dialog)
    assert dialog.years.value() == 6
    assert dialog.table.rows_model.rowCount() == 1
    assert dialog.table.rows_model.text(0, "Closed") == "01 Feb 2018"
    assert dialog.count.text().startswith("1 closed case is past the 6-year")
    dialog.years.setValue(9)
    dialog.save_years()
    assert window.ctx.team().retention_years() == 9
    assert dialog.table.rows_model.rowCount() == 0  # 2018 + 9 years is still ahead
    dialog.years.setValue(3)
    dialog.save_years()
    assert window.ctx.team().retention_years() == 3
    assert messages == []
    dialog.table.select_row(0)
    dialog.open_selected()
    assert window.tabs.count() == 2
    assert window.tabs.currentWidget().case_id == old


def test_the_retention_period_is_refused_to_a_non_administrator(qtbot, window, messages):
    from caseload_app.ui.dialogs.data_dialogs import RetentionDialog

    add_person(window.ctx.db, "dee.admin", "Dee Admin", "administrator")
    dialog = RetentionDialog(window.ctx.team(), window.ctx.trash(), window.open_case, window)
    qtbot.addWidget(dialog)
    dialog.years.setValue(2)
    dialog.save_years()
    assert len(messages) == 1
    assert messages[0].startswith("You cannot change team settings")
    assert window.ctx.team().retention_years() == 6


def test_backups_are_for_administrators_once_people_are_set_up(qtbot, window, messages):
    add_person(window.ctx.db, "dee.admin", "Dee Admin", "administrator")
    window.open_backups()  # Asha is not an administrator: refused before any dialog
    assert len(messages) == 1
    assert messages[0].startswith("You cannot back up and restore")


def test_a_lost_connection_keeps_the_form_and_saves_by_itself_when_back(qtbot, messages):
    from PySide6.QtWidgets import QLineEdit

    from caseload_app.db.engine import StorageError
    from caseload_app.ui.dialogs.case_dialogs import FormDialog

    tries: list[dict] = []

    def flaky(values):
        tries.append(values)
        if len(tries) < 3:
            raise StorageError("Not saved: the connection was lost.", retryable=True)
        return 42

    dialog = FormDialog("Log a contact", flaky)
    dialog.RETRY_MS = 20
    dialog.add("summary", "&Summary", QLineEdit("Mum rang"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.waiting.isVisible()  # kept open, saying so
    assert "Saving again by itself" in dialog.waiting.text()
    assert messages == []
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)
    assert dialog.result_value == 42
    assert len(tries) == 3
    assert len({t["token"] for t in tries}) == 1  # the same form each time: saved once
    assert [t["summary"] for t in tries] == ["Mum rang"] * 3


def test_a_refusal_that_will_not_pass_is_shown_not_retried(qtbot, messages):
    from caseload_app.db.engine import StorageError
    from caseload_app.ui.dialogs.case_dialogs import FormDialog

    def full(_values):
        raise StorageError("Not saved: the disk is full.")

    dialog = FormDialog("Log a contact", full)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert messages == ["Not saved: the disk is full."]
    assert dialog._retry_timer is None


def test_the_idle_lock_hides_the_cases_until_unlocked(qtbot, window):
    from caseload_app.ui.idle import IdleWatch

    clock = [0.0]
    called = []
    watch = IdleWatch(15, lambda: called.append(1), clock=lambda: clock[0])
    clock[0] = 14 * 60
    watch.check()
    assert called == []
    clock[0] = 15 * 60
    watch.check()
    watch.check()
    assert called == [1]  # once per idle spell
    window.open_case(1)  # the window fixture's case
    from PySide6.QtGui import QAction

    lock_now = next(a for a in window.findChildren(QAction) if a.text() == "&Lock now")
    lock_now.trigger()  # View → Lock now: not "after 15 minutes without use"
    assert window.locked
    assert not window.tabs.isVisible()
    assert window.lock_note.text().startswith("Locked: children's details are hidden.")
    assert not window.menuBar().isEnabled()
    from PySide6.QtGui import QAction

    new_request = next(a for a in window.findChildren(QAction) if a.text() == "&New request…")
    assert not new_request.isEnabled()  # no shortcut opens a form over the lock
    window.unlock()
    assert new_request.isEnabled()  # a laptop: the computer's own lock guards the session
    assert not window.locked
    assert window.tabs.isVisible()
    assert window.tabs.count() == 2
    assert window.idle.minutes == 15  # the default setting
    window.lock_idle()
    assert window.lock_note.text().startswith("Locked after 15 minutes without use: children")
    window.unlock()


def test_people_and_roles_in_the_window(qtbot, window, messages, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from caseload_app.domain.access import Role
    from caseload_app.ui.dialogs.people_dialog import PeopleDialog, PersonDialog

    people = window.ctx.people()
    dialog = PeopleDialog(people, window._caseworkers, on_server=False, parent=window)
    qtbot.addWidget(dialog)
    assert dialog.table.rows_model.rowCount() == 0
    add = PersonDialog(people, window._caseworkers, on_server=False, parent=dialog)
    qtbot.addWidget(add)
    add.login.setText("asha")
    add.name.setText("Asha Patel")
    add.roles.boxes[Role.ADMIN].setChecked(True)
    add.save()
    assert messages == []
    assert add.result() == QDialog.DialogCode.Accepted
    dialog.load()
    assert dialog.table.rows_model.text(0, "Roles") == "Administrator, Caseworker"
    bad = PersonDialog(people, window._caseworkers, on_server=False, parent=dialog)
    qtbot.addWidget(bad)
    bad.login.setText("Not A Login")
    bad.name.setText("X")
    bad.save()
    assert len(messages) == 1
    assert "lower-case letters" in messages[0]
    assert bad.result() != QDialog.DialogCode.Accepted  # stays open with the typing
    add_person(window.ctx.db, "ben", "Ben Okafor", "caseworker", by="Asha Patel")
    dialog.load()
    dialog.table.select_where(lambda p: p.login == "ben")
    assert dialog.enable_button.text() == "&Disable"
    dialog.toggle_active()
    assert [p.active for p in people.people() if p.login == "ben"] == [False]
    assert dialog.enable_button.text() == "&Enable"


def test_people_and_roles_is_for_administrators(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    add_person(window.ctx.db, "dee", "Dee Admin", "administrator")
    window.open_people()
    assert told
    assert told[0].startswith("Only an administrator manages people")


def test_input_in_the_window_or_a_dialog_restarts_the_idle_count(qtbot, window):
    from PySide6.QtCore import QEvent, QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialog

    clock = [100.0]
    window.idle._clock = lambda: clock[0]
    window.idle.reset()
    clock[0] = 500.0
    # Input as the system delivers it: to the top-level window first.
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Shift)
    assert window.idle.last_input == 500.0
    clock[0] = 700.0
    widget_event_only = QEvent(QEvent.Type.Paint)
    QApplication.sendEvent(window.tabs, widget_event_only)  # not input: no restart
    assert window.idle.last_input == 500.0
    dialog = QDialog(window)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWindow() is dialog.windowHandle())
    QTest.mouseMove(dialog.windowHandle(), QPoint(5, 5))
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_A)
    assert window.idle.last_input == 700.0
    dialog.close()


def test_a_restore_never_replaces_the_file_under_todays_backup(
    qtbot, window, messages, monkeypatch
):
    """Today's backup copies the open file with a connection of its own (a step of it 16 MB,
    seconds on a slow disk). A restore asked for meanwhile replaced the file under it once
    the 5 s wait ran out, and, when the backup did stop in time, today's backup was silently
    never taken if the restore was then refused. Now the restore is refused, nothing
    changed, while the backup runs; the backup is taken; the restore works after it."""
    import os
    import threading
    import time

    from caseload_app.db import safety
    from caseload_app.ui.errors import run_action
    from caseload_app.ui.window import data_safety

    service = window.ctx.backups()
    chosen = service.backup_to(window.ctx.backups_folder.parent / "chosen.sqlite3")
    monkeypatch.setattr(data_safety, "DAILY_BACKUP_CLOSE_WAIT_S", 0.1)
    copying, seen = threading.Event(), {}
    real = safety._copy_progress

    def slow(run):  # a slow disk: one step of the copy outlasts the wait
        report = real(run)

        def progress(status, remaining, total):
            seen["before"] = os.stat(service.db_path).st_ino
            copying.set()
            time.sleep(1.5)
            seen["after"] = os.stat(service.db_path).st_ino
            report(status, remaining, total)

        return progress

    monkeypatch.setattr(safety, "_copy_progress", slow)
    run = safety.BackupRun()

    def take(progress):
        run.progress = progress
        return service.take_daily_backup(run)

    window.take_daily_backup(take, run.stop)
    qtbot.waitUntil(copying.is_set, timeout=5000)
    assert not run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    assert "today's backup is still being taken" in messages[0]
    qtbot.waitUntil(lambda: not window._daily_thread.is_alive(), timeout=10000)
    assert seen["before"] == seen["after"]  # the file was never replaced under the copy
    (today,) = service.list_backups()
    assert "auto" in today.path.name and safety.problem_with(today.path, backup=True) is None
    assert run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    window.wait_loaded()


def test_todays_backup_of_a_file_over_2_gb_shows_its_progress_and_is_taken(qtbot, window):
    """A laptop file at 50,000 children with their documents passes 2 GB; its backup counts
    bytes. Carried as a C++ int, 2,753,318,912 bytes arrived as -1,541,648,384 and left an
    error set on the backup's thread, and the app crashed on the first start of the day.
    Reported from the backup's own thread as the real one is, it arrives whole."""
    import threading

    from caseload_app.db import safety

    told, checked = threading.Event(), threading.Event()
    service, run = window.ctx.backups(), safety.BackupRun()
    size = 2_753_318_912

    def take(progress):
        progress("Compressing", size // 2, size)
        told.set()
        checked.wait(10)
        run.progress = progress
        return service.take_daily_backup(run)

    window.take_daily_backup(take, run.stop)
    qtbot.waitUntil(told.is_set, timeout=5000)
    qtbot.waitUntil(lambda: window.backup_status.text() == "Today's backup: compressing 50%")
    checked.set()
    qtbot.waitUntil(lambda: not window._daily_thread.is_alive(), timeout=10000)
    (today,) = service.list_backups()
    assert "auto" in today.path.name


def test_a_bar_counts_bytes_past_2_gb(qtbot):
    """Bytes past what a bar (a C++ int) can count to are scaled to fit, and named whole."""
    from PySide6.QtWidgets import QWidget

    from caseload_app.ui.dialogs.export_dialogs import stoppable_bar

    parent = QWidget()
    qtbot.addWidget(parent)
    stoppable = stoppable_bar(parent, "Backing up")
    stoppable.report("Copying", 3 * 2**30, 4 * 2**30)
    qtbot.waitUntil(lambda: "3,221,225,472 of 4,294,967,296" in stoppable.bar.labelText())
    bar = stoppable.bar
    assert bar.maximum() == 2**31 - 1 and abs(bar.value() / bar.maximum() - 0.75) < 1e-6
    stoppable.bar.close()


def test_back_up_now_runs_beside_the_window_and_stop_keeps_nothing(
    qtbot, window, messages, monkeypatch
):
    """A file of a few GB takes most of a minute to copy, check and compress: Back up now
    froze the window all that time. It runs beside it now, behind a bar with Stop."""
    import threading

    from PySide6.QtWidgets import QProgressDialog, QPushButton

    from caseload_app.db import safety
    from caseload_app.ui.dialogs.data_dialogs import BackupsDialog

    copying, go = threading.Event(), threading.Event()
    real = safety._copy_progress

    def held(run):  # the copy waits, half-way, for the test
        report = real(run)

        def progress(status, remaining, total):
            copying.set()
            go.wait(10)
            report(status, remaining, total)

        return progress

    monkeypatch.setattr(safety, "_copy_progress", held)
    dialog = BackupsDialog(window.ctx.backups(), window._restore_backup, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.backup_now()  # returns at once: the copy is on another thread
    assert not dialog.backup_button.isEnabled() and not dialog.restore_button.isEnabled()
    qtbot.waitUntil(copying.is_set, timeout=5000)
    bar = dialog.findChild(QProgressDialog)
    assert bar is not None and bar.isVisible()
    bar.findChild(QPushButton).click()  # Stop
    go.set()
    qtbot.waitUntil(dialog.backup_button.isEnabled, timeout=10_000)
    assert messages == ["Stopped: no backup was taken, and nothing was kept."]
    assert window.ctx.backups().list_backups() == []
    assert list(window.ctx.backups_folder.iterdir()) == []  # not even a hidden .partial
    assert dialog.table.rows_model.rowCount() == 0
    with sqlite3.connect(window.ctx.db.path) as con:  # the trail does not claim a copy
        trail = [
            d for (d,) in con.execute("SELECT detail FROM audit_entry WHERE action = 'backup'")
        ]
    folder = window.ctx.backups_folder
    assert trail == [
        f"backup copy of the whole database into {folder}",
        f"backup copy into {folder} stopped: no copy was kept",
    ]


def test_back_up_now_into_a_folder_that_cannot_be_made_says_so(qtbot, window, messages):
    """The backups folder's place taken by a file: a message in words, not the crash
    dialog (an OSError was no user error)."""
    from caseload_app.ui.dialogs.data_dialogs import BackupsDialog

    folder = window.ctx.backups_folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")
    dialog = BackupsDialog(window.ctx.backups(), window._restore_backup, window)
    qtbot.addWidget(dialog)
    back_up_now(qtbot, dialog)
    assert len(messages) == 1 and messages[0].startswith("No backup was taken. caseload could")
    assert folder.read_text() == "not a folder"


def test_a_restore_is_made_ready_beside_the_window_and_stop_changes_nothing(
    qtbot, window, messages, monkeypatch
):
    """A restore ran on the window's thread: 40 s for a 2.7 GB file, frozen ("not
    responding"), with no way to stop it. Now it is made ready beside the window, which
    keeps painting behind a bar with Stop, no e-mail sent meanwhile (the copy kept of the
    database must be all of it); stopped, nothing changed and nothing kept. Then it is
    restored whole."""
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

    from caseload_app.db import safety
    from caseload_app.ui.errors import run_action

    service = window.ctx.backups()
    chosen = service.backup_now()
    copying, go = threading.Event(), threading.Event()
    real = safety._copy_progress

    def held(run):  # the database being kept: the copy waits, half-way, for the test
        report = real(run)

        def progress(*args):
            copying.set()
            go.wait(10)
            report(*args)

        return progress

    monkeypatch.setattr(safety, "_copy_progress", held)
    seen = []

    def meanwhile() -> None:  # on the window's thread, while the restore is made ready
        if not copying.is_set():
            QTimer.singleShot(10, meanwhile)
            return
        window.send_outbox()
        seen.append(window._outbox_busy)
        (bar,) = [
            w for w in QApplication.allWidgets() if isinstance(w, QProgressDialog) and w.isVisible()
        ]
        seen.append(bar.windowTitle())
        bar.findChild(QPushButton).click()  # Stop
        go.set()

    before = window.ctx.db
    QTimer.singleShot(0, meanwhile)
    assert not run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    assert seen == [False, "Restore"]  # the window ran meanwhile, and sent nothing
    assert "nothing was restored" in messages[0]
    assert window.ctx.db is before  # never closed
    assert [b.path for b in service.list_backups()] == [chosen]  # no pre-restore copy
    assert not window._writes_paused
    window.wait_loaded()

    assert run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    window.wait_loaded()
    assert window.ctx.db is not before
    assert len(service.list_backups()) == 2  # the replaced database kept
    assert window.model.rowCount() == 1


def _held_at(monkeypatch, module, name):
    """`module.name` (a step of the restore) waits, when first called, until the test
    lets it go: (reached, go)."""
    import threading

    reached, go = threading.Event(), threading.Event()
    real = getattr(module, name)

    def held(*args, **kwargs):
        if not reached.is_set():
            reached.set()
            go.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return reached, go


def _when(reached, then) -> None:
    """`then()` on the window's thread once `reached` is set (polled by a timer)."""
    from PySide6.QtCore import QTimer

    def look() -> None:
        if reached.is_set():
            then()
        else:
            QTimer.singleShot(10, look)

    QTimer.singleShot(0, look)


def test_a_calendar_due_while_a_restore_is_made_ready_is_written_after_it(
    qtbot, window, messages, monkeypatch, tmp_path
):
    """The published calendar writes an audit entry. Written while the restore was made
    ready, after the database was kept, it was in neither the kept copy nor the restored
    database (found by a reviewer): it waits for the restore, then is written."""
    from caseload_app.services import backup as backup_module
    from caseload_app.services.team import TeamService
    from caseload_app.ui.errors import run_action

    TeamService(window.ctx.db, "tester").add_caseworker("Asha Patel")
    service = window.ctx.backups()
    chosen = service.backup_now()
    window.ctx.settings.calendar_file = str(tmp_path / "cal.ics")
    recording, go = _held_at(monkeypatch, backup_module, "_record_restore")
    seen = []

    def meanwhile() -> None:
        window.publish_calendar()  # as its timer would, after a save
        seen.append(window._publish_busy)
        go.set()

    _when(recording, meanwhile)
    assert run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    assert seen == [False]  # not started while the restore was made ready
    qtbot.waitUntil(lambda: (tmp_path / "cal.ics").exists() and not window._publish_busy)
    with sqlite3.connect(window.ctx.db.path) as con:  # written into the restored database
        assert con.execute("SELECT count(*) FROM audit_entry WHERE record_type = 'calendar'")
    window.wait_loaded()


def test_damage_found_while_a_restore_is_made_ready_starts_no_second_restore(
    qtbot, window, messages, monkeypatch
):
    """The whole-file check reported damage (of the file being replaced) while a restore
    was made ready: its question, answered Yes, started a second restore inside the first,
    which then said "Not restored" of a database restored (found by a reviewer)."""
    from PySide6.QtWidgets import QMessageBox

    from caseload_app.services import backup as backup_module
    from caseload_app.ui.errors import run_action

    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.Yes
    )
    service = window.ctx.backups()
    chosen = service.backup_now()
    recording, go = _held_at(monkeypatch, backup_module, "_record_restore")

    def meanwhile() -> None:
        window._whole_file_checked("The whole-file check found damage (test).")
        go.set()

    _when(recording, meanwhile)
    before = window.ctx.db
    assert run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    qtbot.wait(50)  # what waited for the restore has had its turn
    assert window.ctx.db is not before and messages == [] and asked == []
    assert window.isVisible()
    window.wait_loaded()


def test_stop_pressed_while_the_restore_is_recorded_restores_nothing(
    qtbot, window, messages, monkeypatch
):
    from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

    from caseload_app.services import backup as backup_module
    from caseload_app.ui.errors import run_action

    service = window.ctx.backups()
    chosen = service.backup_now()
    recording, go = _held_at(monkeypatch, backup_module, "_record_restore")

    def meanwhile() -> None:
        (bar,) = [
            w for w in QApplication.allWidgets() if isinstance(w, QProgressDialog) and w.isVisible()
        ]
        bar.findChild(QPushButton).click()  # Stop, while the bar still offers it
        go.set()

    _when(recording, meanwhile)
    before = window.ctx.db
    assert not run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    assert window.ctx.db is before and "nothing was restored" in messages[0]
    assert [b.path for b in service.list_backups()] == [chosen]  # nothing kept
    window.wait_loaded()


def test_todays_backup_due_while_a_restore_is_made_ready_waits_for_it(
    qtbot, window, messages, monkeypatch
):
    """The start hands today's backup to the window once the contact log is checked: a
    restore asked for meanwhile was not refused for it, and the backup then copied a file
    about to be replaced (found by a reviewer). It waits for the restore, then runs."""
    from caseload_app.services import backup as backup_module
    from caseload_app.services.backup import DailyBackup
    from caseload_app.ui.errors import run_action

    service = window.ctx.backups()
    chosen = service.backup_now()
    recording, go = _held_at(monkeypatch, backup_module, "_record_restore")
    taken = []

    def take(progress):
        taken.append(window.ctx.db)  # the database it backs up
        return DailyBackup()

    def meanwhile() -> None:
        window.take_daily_backup(take, lambda: None)
        go.set()

    _when(recording, meanwhile)
    assert run_action(window, "Not restored", lambda: window._restore_backup(chosen))
    restored = window.ctx.db
    qtbot.waitUntil(lambda: bool(taken))
    assert taken == [restored]  # taken after the restore, of the restored database
    window.wait_loaded()
