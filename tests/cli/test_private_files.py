"""Children's data is this user's only (Linux/macOS): after a start, demo, backup, export or
letter, every file caseload keeps is 0600 and every folder 0700, an older install's included."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")


def modes(*folders: Path) -> dict[str, str]:
    """Every file and folder under `folders` (and the folders) whose mode is not private."""
    wrong = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            wanted = 0o700 if path.is_dir() else 0o600
            if mode != wanted:
                wrong[str(path.relative_to(folder.parent))] = oct(mode)
    return wrong


def caseload(home: Path, *argv: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "caseload_app", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "CASELOAD_HOME": str(home)},
        preexec_fn=lambda: os.umask(0o022),  # an ordinary login's: files 0644, folders 0755
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_database_backups_exports_reports_and_logs_are_this_users_only(tmp_path):
    home = tmp_path / "home"
    data = home / "data"
    db = str(data / "caseload.sqlite3")
    caseload(home, "board")  # the first start, at the default location
    caseload(home, "demo", "--db", db, "--children", "20", "--as-of", "2026-11-24")
    caseload(home, "backup")
    caseload(home, "backup", "-o", str(data / "backups" / "by-hand.sqlite3"))
    caseload(home, "export", "-o", str(data / "export.csv"))
    caseload(home, "sen2", "--census-date", "2027-01-21", "--dmo", "Y", "--dco", "Y", "--dsco", "N",
             "-o", str(data / "sen2.xml"))  # fmt: skip
    caseload(home, "report", "summary", "--child", "1", "-o", str(data / "summary.pdf"))
    found = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert "data/caseload.sqlite3" in found
    assert "logs/caseload.log" in found
    assert any(f.startswith("data/backups/caseload-manual-") for f in found), found
    assert modes(data, home / "logs") == {}


def test_an_older_install_is_made_private_at_the_next_start(tmp_path):
    home = tmp_path / "home"
    caseload(home, "board")
    caseload(home, "backup")
    for path in [home, *home.rglob("*")]:  # as caseload used to leave them
        path.chmod(0o755 if path.is_dir() else 0o644)
    (home / "data" / "letters" / "3").mkdir(parents=True, mode=0o755)
    (home / "data" / "letters" / "3" / "old.pdf").write_bytes(b"%PDF")
    caseload(home, "check", "upn", "L837201500012")  # any command, even one with no database
    assert modes(home / "data", home / "logs") == {}


def test_a_database_elsewhere_and_its_sqlite_files_are_made_private(tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "team-b.sqlite3"
    caseload(home, "demo", "--db", str(db), "--children", "5")
    db.chmod(0o644)
    caseload(home, "board", "--db", str(db))
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # the folder was the person's choice
    caseload(home, "backup", "--db", str(db))  # its backups folder, beside it, is caseload's
    assert modes(folder / "backups") == {}


@pytest.mark.gui
def test_while_the_window_is_open_the_wal_and_shm_files_are_private(qapp, tmp_path, monkeypatch):
    """SQLite makes -wal and -shm itself: the window's own start must leave them private."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from caseload_app import app as app_module
    from caseload_app.cli import main
    from caseload_app.ui.main_window import MainWindow

    home = tmp_path / "home"
    monkeypatch.setenv("CASELOAD_HOME", str(home))
    os.umask(0o022)
    data = home / "data"
    data.mkdir(parents=True, mode=0o755)
    assert main(["demo", "--db", str(data / "caseload.sqlite3"), "--children", "10"]) == 0
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    os.umask(0o022)
    monkeypatch.setattr(app_module, "_choose_me", lambda window: None)
    seen = {}

    def look_then_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        shown = [w for w in windows if w.isVisible()]
        if not shown:
            QTimer.singleShot(50, look_then_close)
            return
        seen["files"] = sorted(p.name for p in data.rglob("*") if p.is_file())
        seen["wrong"] = modes(data)
        shown[0].close()

    QTimer.singleShot(50, look_then_close)
    assert main([]) == 0
    assert "caseload.sqlite3-wal" in seen["files"]
    assert "caseload.sqlite3.lock" in seen["files"]
    assert seen["wrong"] == {}
