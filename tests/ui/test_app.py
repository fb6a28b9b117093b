import gc
import sqlite3

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from caseload_app.app import run_gui
from caseload_app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_demo_opens_on_temporary_data_and_never_touches_the_real_database(
    qapp, tmp_path, monkeypatch
):
    from caseload_app import app as app_module

    real = tmp_path / "real.sqlite3"
    seen = {}
    asked = []
    monkeypatch.setattr(app_module, "_choose_me", lambda window: asked.append(window))

    def close_when_loaded():
        windows = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and w.isVisible()  # not an earlier test's window
        ]
        if windows and windows[0].model.rowCount() > 0:
            seen["status"] = windows[0].db_status.text()
            seen["all"] = windows[0].sidebar.item(2).text()
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_loaded)

    QTimer.singleShot(50, close_when_loaded)
    gc.unfreeze()
    assert run_gui(db_path=real, demo=True, demo_children=40) == 0
    # What the start built is out of the full collections that stopped the window 110 ms.
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
    assert seen["status"].startswith("Demo data (temporary): ")
    assert seen["all"] == "All cases  (40)"
    assert len(asked) == 1  # a demo asks who you are too (it never did)
    assert not real.exists()


def test_a_damaged_database_offers_the_newest_good_backup(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from caseload_app import app as app_module
    from caseload_app.db.engine import open_database
    from caseload_app.paths import backups_dir
    from caseload_app.services.backup import BackupService
    from caseload_app.services.demo import generate_demo

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=10, seed=1)
    db.dispose()
    BackupService(path, backups_dir()).backup_now("auto")
    path.write_bytes(path.read_bytes()[:5000])  # a crash mid-copy, a bad disk…
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes
    )
    problem = app_module._check_in_background(path)()  # as run_gui starts it
    assert "damaged" in problem
    assert app_module._usable_or_restored(path, problem) is True
    assert "Restore the newest good backup" in asked[0]
    assert "(10 children)" in asked[0]
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM child").fetchone() == (10,)


def test_a_database_open_elsewhere_is_refused_with_who_has_it(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from caseload_app.app import run_gui
    from caseload_app.db.lock import InstanceLock

    path = tmp_path / "new-folder" / "caseload.sqlite3"
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: shown.append(a[2]))
    path.parent.mkdir()
    with InstanceLock(path):  # the other copy (same process stands in for it, pid alive)
        assert run_gui(db_path=path) == 1
    assert "already open by" in shown[0]
    assert not path.exists()  # nothing was created or written


def test_a_full_disk_opens_the_caseload_with_a_warning_and_no_partial_backup(
    qapp, tmp_path, monkeypatch
):
    import subprocess

    from PySide6.QtWidgets import QMessageBox

    from caseload_app import app as app_module
    from caseload_app.db.engine import open_database
    from caseload_app.services.demo import generate_demo

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=40, seed=1)
    db.dispose()
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)]).returncode:
        pytest.skip("cannot mount a small file system here")
    warned, seen = [], {}
    monkeypatch.setattr(app_module.paths, "backups_dir", lambda: full)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)  # who-am-I: not here

    def close_when_loaded():
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        if windows and windows[0].model.rowCount() > 0 and warned:
            seen["rows"] = windows[0].model.rowCount()
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_loaded)

    try:
        QTimer.singleShot(50, close_when_loaded)
        assert run_gui(db_path=path) == 0
        assert seen["rows"] == 40  # the caseload opened, with everything in it
        assert "No backup could be taken today" in warned[0]
        assert list(full.iterdir()) == []  # no 0-byte or partial backup left
    finally:
        subprocess.run(["umount", str(full)], check=True)


def _damage_an_index(path) -> None:
    """Damage that SQLite's quick check (run at every start) does not see and its full
    integrity check does: an index whose entries no longer match its table."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA writable_schema = ON")
    con.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_child_family_id ON child (first_name)'"
        " WHERE name = 'ix_child_family_id'"
    )
    con.close()


@pytest.mark.parametrize("answer", ["Yes", "No"])
def test_damage_only_the_full_check_sees_offers_the_newest_good_backup(
    qapp, tmp_path, monkeypatch, answer
):
    """The daily backup's copy gets the full integrity check: damage it finds is handled
    as damage found by the whole-file check beside the window (restore offered; refused,
    the window closes), not reported as a backup that could not be taken."""
    from datetime import datetime, timedelta

    from PySide6.QtWidgets import QMessageBox

    from caseload_app import app as app_module
    from caseload_app.db import safety
    from caseload_app.db.engine import open_database
    from caseload_app.paths import backups_dir
    from caseload_app.services.backup import BackupService
    from caseload_app.services.demo import generate_demo
    from tests.helpers import file_digest

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=10, seed=1)
    db.dispose()
    yesterday = datetime.now() - timedelta(days=1)
    BackupService(path, backups_dir(), now=lambda: yesterday).backup_now("auto")
    _damage_an_index(path)
    assert safety.problem_with(path) is None  # the start's quick check passes it
    before = file_digest(path)
    asked, warned = [], []
    reply = getattr(QMessageBox.StandardButton, answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or reply)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)

    def close_when_loaded():
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        if windows and asked and not windows[0]._restoring:  # restored: the window goes on
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_loaded)

    if answer == "Yes":
        QTimer.singleShot(50, close_when_loaded)
    code = run_gui(db_path=path)
    assert code == 0
    assert "missing from index ix_child_family_id" in asked[0]
    assert "Restore the newest good backup" in asked[0]
    assert "(10 children)" in asked[0]
    assert not any("No backup could be taken" in w for w in warned)
    if answer == "No":  # the window closed: left as it was found, for IT to look at
        assert safety.problem_with(path, backup=True)
        assert "caseload-damaged" not in " ".join(p.name for p in backups_dir().iterdir())
    else:
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = list(backups_dir().glob("caseload-damaged-*.sqlite3"))
        assert len(kept) == 1
        assert file_digest(kept[0]) == before  # the damaged file is kept


@pytest.mark.parametrize("answer", ["Yes", "No"])
def test_damage_in_the_case_file_is_found_once_the_window_shows(
    qapp, tmp_path, monkeypatch, answer
):
    """The start leaves the case file's tables (most of a file with documents) to a check
    of the whole file beside the window; damage there is offered the newest good backup,
    and refused, the window closes so nothing more is written to the damaged file."""
    from PySide6.QtWidgets import QMessageBox

    from caseload_app import app as app_module
    from caseload_app.db import safety
    from caseload_app.paths import backups_dir
    from caseload_app.services.backup import BackupService
    from tests.db.test_case_file_check import add_documents, damage_the_documents

    path = tmp_path / "caseload.sqlite3"
    add_documents(path)
    BackupService(path, backups_dir()).backup_now("auto")  # today's: none is taken at start
    damage_the_documents(path)
    assert safety.problem_with(path, whole=False) is None  # the start's check passes it
    asked, seen = [], {}
    reply = getattr(QMessageBox.StandardButton, answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or reply)
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)

    def close_when_restored():
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        if windows and asked and not windows[0]._restoring:  # restored beside the window
            windows[0].wait_loaded()
            seen["rows"] = windows[0].model.rowCount()
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_restored)

    if answer == "Yes":
        QTimer.singleShot(50, close_when_restored)
    assert run_gui(db_path=path) == 0
    assert "is damaged" in asked[0] and "Restore the newest good backup" in asked[0]
    if answer == "Yes":
        assert seen["rows"] == 1  # the window goes on, on the restored database
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA quick_check").fetchone() == ("ok",)
            assert con.execute("SELECT count(*) FROM document").fetchone() == (40,)
        assert list(backups_dir().glob("caseload-damaged-*.sqlite3"))
    else:
        assert safety.problem_with(path)  # left as it was found, for IT to look at


# --- today's backup: beside the window, never before it ------------------------------------
def _visible_window():
    windows = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
    ]
    return windows[0] if windows else None


def _laptop(tmp_path, monkeypatch, children=20):
    from caseload_app import app as app_module
    from caseload_app.db.engine import open_database
    from caseload_app.services.demo import generate_demo

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=children, seed=1)
    db.dispose()
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)
    return path


def test_the_window_opens_before_the_days_backup_which_follows(qapp, tmp_path, monkeypatch):
    from caseload_app.db import safety
    from caseload_app.paths import backups_dir
    from caseload_app.services.backup import BackupService

    path = _laptop(tmp_path, monkeypatch)
    seen: dict = {"at start": None}
    taking = BackupService.take_daily_backup

    def take(service, run):
        window = _visible_window()
        seen["at start"] = (window is not None, window and window.model.rowCount())
        return taking(service, run)

    monkeypatch.setattr(BackupService, "take_daily_backup", take)

    def ready(window):  # my week is shown: no backup yet, not even begun
        seen["backups when ready"] = list(backups_dir().glob("*.sqlite3*"))

    def close_when_backed_up():
        window = _visible_window()
        message = window.statusBar().currentMessage() if window else ""
        if "backup is taken" in message:
            seen["message"] = message
            window.close()
        else:
            QTimer.singleShot(20, close_when_backed_up)

    QTimer.singleShot(20, close_when_backed_up)
    assert run_gui(db_path=path, on_ready=ready) == 0
    assert seen["at start"] == (True, 20)  # shown, its list loaded, before the backup began
    assert seen["backups when ready"] == []
    (info,) = BackupService(path, backups_dir()).list_backups()
    assert info.path.name.endswith(".sqlite3.zst") and info.children == 20
    assert safety.problem_with(info.path, backup=True) is None
    assert "Today's backup is taken and checked" in seen["message"]


def test_a_contact_waits_for_the_check_beside_the_window_then_saves(qapp, tmp_path, monkeypatch):
    """The start leaves the contact log and the case file to the check beside the window:
    until it passes a contact is refused, in words, and the rest of the file is written as
    ever; once it has, the same contact saves."""
    import threading

    from caseload_app.db import safety
    from caseload_app.db.engine import StorageError
    from tests.helpers import NOW

    path = _laptop(tmp_path, monkeypatch)
    go, seen = threading.Event(), {}
    checking = safety.later_tables_problem

    def held_open(where, running=None, passed=None):  # the check waits for the test
        go.wait(30)
        return checking(where, running, passed)

    monkeypatch.setattr(safety, "later_tables_problem", held_open)

    def ready(window):
        work = window.ctx.work()
        case_id = window.ctx.cases().list_cases().rows[0].case_id
        try:
            work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
            seen["first"] = "saved"
        except StorageError as exc:
            seen["first"] = str(exc)
        child = work.get_case(case_id).child
        work.update_child(child.id, child.version, {"setting": "Elm Academy"})  # not held
        go.set()

        def when_checked(tries=1500):  # 30 s at most
            if window.ctx.db.hold.holding and tries:
                QTimer.singleShot(20, lambda: when_checked(tries - 1))
                return
            work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
            seen["then"] = "saved"
            window.close()

        when_checked()

    assert run_gui(db_path=path, on_ready=ready) == 0
    assert "still being checked after the start" in seen["first"]
    assert seen["then"] == "saved"
    with sqlite3.connect(path) as con:
        rang = con.execute("SELECT count(*) FROM communication WHERE summary = 'Rang back'")
        assert rang.fetchone() == (1,)


def test_the_outbox_sends_as_soon_as_the_check_beside_the_window_passes(
    qapp, tmp_path, monkeypatch
):
    """An e-mail due at start waits while the contact log is checked (its record would be
    refused); once the check passes, the outbox sends at once, not at its next round three
    minutes on."""
    import threading

    from caseload_app.db import safety
    from caseload_app.ui.main_window import MainWindow

    path = _laptop(tmp_path, monkeypatch)
    go, rounds = threading.Event(), []
    checking = safety.later_tables_problem

    def held_open(where, running=None, passed=None):  # the check waits for the test
        go.wait(30)
        return checking(where, running, passed)

    monkeypatch.setattr(safety, "later_tables_problem", held_open)
    sending = MainWindow.send_outbox

    def send_outbox(window):
        rounds.append(window.ctx.db.held())
        sending(window)

    monkeypatch.setattr(MainWindow, "send_outbox", send_outbox)

    def ready(window):
        go.set()

        def when_sent(tries=1500):  # 30 s at most
            if rounds[-1] and tries:
                QTimer.singleShot(20, lambda: when_sent(tries - 1))
                return
            window.close()

        when_sent()

    assert run_gui(db_path=path, on_ready=ready) == 0
    assert rounds[0] and rounds[-1] is False  # held at start; sent once it passed


def test_a_failed_backup_beside_the_window_warns_no_backup_today(qapp, tmp_path, monkeypatch):
    """Any failure to take it (here a backups folder that is a file): the window is up,
    and says so with the warning and "No backup today" kept in the status bar."""
    from PySide6.QtWidgets import QLabel, QMessageBox

    from caseload_app import app as app_module

    path = _laptop(tmp_path, monkeypatch)
    blocked = tmp_path / "backups-is-a-file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(app_module.paths, "backups_dir", lambda: blocked)
    warned, seen = [], {}
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))

    def close_when_warned():
        window = _visible_window()
        if window is not None and warned:
            labels = window.statusBar().findChildren(QLabel)
            seen["status"] = [label.text() for label in labels if label.isVisible()]
            seen["rows"] = window.model.rowCount()
            window.close()
        else:
            QTimer.singleShot(20, close_when_warned)

    QTimer.singleShot(20, close_when_warned)
    assert run_gui(db_path=path) == 0
    assert seen["rows"] == 20
    assert "No backup could be taken today" in warned[0]
    assert "No backup today" in seen["status"]


def test_closing_while_the_backup_runs_stops_it_and_lists_nothing(qapp, tmp_path, monkeypatch):
    """The window closes in the middle of compressing: the backup stops between two
    chunks, removes what it wrote, and the exit does not wait for it to finish."""
    import threading
    import time

    from caseload_app.db import compressed
    from caseload_app.paths import backups_dir
    from caseload_app.services.backup import BackupService
    from caseload_app.ui.window.data_safety import DAILY_BACKUP_CLOSE_WAIT_S

    path = _laptop(tmp_path, monkeypatch)
    compressing = threading.Event()
    real = compressed.compress

    def slow(source, dest, label, progress=None):
        def slowly(done, total):
            compressing.set()
            for _ in range(500):  # up to 10 s a chunk, unless stopped
                progress(done, total)  # raises once the window has stopped it
                time.sleep(0.02)

        return real(source, dest, label, slowly)

    monkeypatch.setattr(compressed, "compress", slow)

    def close_when_compressing():
        window = _visible_window()
        if window is not None and compressing.is_set():
            window.close()
        else:
            QTimer.singleShot(20, close_when_compressing)

    QTimer.singleShot(20, close_when_compressing)
    began = time.monotonic()
    assert run_gui(db_path=path) == 0
    assert time.monotonic() - began < DAILY_BACKUP_CLOSE_WAIT_S + 5
    assert BackupService(path, backups_dir()).list_backups() == []
    assert [p.name for p in backups_dir().iterdir()] == []  # no half-written file left
