import json
import os
import socket
import subprocess
import sys

import pytest

from caseload_app.db.lock import DatabaseInUse, InstanceLock


def test_second_copy_is_told_who_has_the_database(tmp_path):
    db = tmp_path / "caseload.sqlite3"
    with InstanceLock(db):
        # A live process (this test's parent shell stands in for "the other copy").
        holder = json.loads((tmp_path / "caseload.sqlite3.lock").read_text())
        assert holder["pid"] == os.getpid()
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "from caseload_app.db.lock import InstanceLock, DatabaseInUse\n"
                f"try:\n    InstanceLock(r'{db}').acquire()\nexcept DatabaseInUse as e:\n"
                "    print(e)\n    raise SystemExit(3)",
            ],
            capture_output=True,
            text=True,
        )
        assert other.returncode == 3
        assert "already open by" in other.stdout
        assert socket.gethostname() in other.stdout
    assert not (tmp_path / "caseload.sqlite3.lock").exists()


def test_a_lock_left_by_a_crash_is_taken_over(tmp_path):
    db = tmp_path / "caseload.sqlite3"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / "caseload.sqlite3.lock").write_text(
        json.dumps({"pid": int(dead), "host": socket.gethostname(), "user": "x", "since": ""})
    )
    with InstanceLock(db) as lock:
        assert lock.held


def test_a_lock_from_another_computer_is_respected(tmp_path):
    db = tmp_path / "caseload.sqlite3"
    (tmp_path / "caseload.sqlite3.lock").write_text(
        json.dumps(
            {"pid": 1, "host": "laptop-07", "user": "bokafor", "since": "2026-11-24T09:15:00"}
        )
    )
    with pytest.raises(
        DatabaseInUse, match="bokafor on laptop-07 \\(since Tue 24 Nov 2026 09:15\\)"
    ):
        InstanceLock(db).acquire()
