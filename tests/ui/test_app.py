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
    assert run_gui(db_path=real, demo=True, demo_children=40) == 0
    assert seen["status"].startswith("Demo data (temporary): ")
    assert seen["all"] == "All cases  (40)"
    assert len(asked) == 1  # a demo asks who you are too (it never did)
    assert not real.exists()


def test_a_damaged_database_offers_the_newest_good_backup(qapp, tmp_path, monkeypatch):
    import sqlite3

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
    import sqlite3

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
    as damage found at start (restore offered, never opened for writing), not reported as
    a backup that could not be taken."""
    import sqlite3
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
        if windows and windows[0].model.rowCount() > 0:
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_loaded)

    if answer == "Yes":
        QTimer.singleShot(50, close_when_loaded)
    code = run_gui(db_path=path)
    assert "missing from index ix_child_family_id" in asked[0]
    assert "Restore the newest good backup" in asked[0]
    assert "(10 children)" in asked[0]
    assert not any("No backup could be taken" in w for w in warned)
    if answer == "No":
        assert code == 1
        assert file_digest(path) == before  # never opened for writing
    else:
        assert code == 0
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
    import sqlite3

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
    assert safety.problem_with(path, case_file=False) is None  # the start's check passes it
    asked, seen = [], {}
    reply = getattr(QMessageBox.StandardButton, answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or reply)
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)

    def close_when_restored():
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        if windows and asked:
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
