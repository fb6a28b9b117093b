"""A misspelt --db never makes a database: every command says there is none and makes nothing
(no file, no folder, no lock); only the default location or an explicit --create starts one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from tests.helpers import write_csv

GOOD = (
    "Amelia,Smith,2015-03-02,L837201500012,401 023 2137,bh1 1aa,ASD,Asha Patel,"
    "2025-03-05,plan_issued,2025-07-20,,Ms Jo Smith,01202 123456,jo@example.org"
)

# Every command that works on a database, as someone would type it (inputs exist).
COMMANDS = [
    ["import", "{inputs}/in.csv"],
    ["import", "--dry-run", "{inputs}/in.csv"],
    ["export", "-o", "{out}/x.csv"],
    ["report", "summary", "--child", "1", "-o", "{out}/s.pdf"],
    ["chronology", "--case", "1", "-o", "{out}/c.pdf"],
    ["weekly-report", "--week-ending", "2026-11-27", "-o", "{out}/w.pdf"],
    ["letter", "--child", "1", "--template", "draft_plan_cover", "-o", "{out}/l.pdf"],
    ["board"],
    ["rebalance"],
    ["sen2", "--census-date", "2027-01-21", "-o", "{out}/s.csv"],
    ["backup"],
    ["restore", "{inputs}/backup.sqlite3"],
    ["audit"],
    ["trash"],
    ["retention"],
    ["admin", "users"],
    ["admin", "init", "--admin", "dee", "--name", "Dee Admin", "--no-password"],
    ["admin", "add-user", "asha", "--name", "Asha Patel", "--role", "caseworker"],
    ["admin", "set-role", "asha", "team_lead"],
    ["admin", "disable-user", "asha"],
]


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A working folder (the current directory) and the inputs, kept apart from it."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    write_csv(inputs / "in.csv", GOOD)
    open_database(inputs / "backup.sqlite3").dispose()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return inputs, work


def _argv(command: list[str], db: str, inputs: Path, out: Path) -> list[str]:
    filled = [part.format(inputs=inputs, out=out) for part in command]
    split = 2 if filled[0] in ("report", "admin") else 1
    return [*filled[:split], "--db", db, *filled[split:]]


@pytest.mark.parametrize("typo", ["typo.sqlite3", "nonexistent/x.sqlite3", "caseload_test_4056_45"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_misspelt_db_is_refused_and_nothing_is_created(place, capsys, command, typo):
    inputs, work = place
    before = _tree(work)
    code = main(_argv(command, typo, inputs, work))
    err = capsys.readouterr().err
    assert code != 0
    assert f"No database at {typo}" in err, err
    assert "check the name" in err
    assert _tree(work) == before  # no file, no folder, no lock, no -wal


def test_a_bare_name_is_told_how_a_team_database_is_given(place, capsys):
    assert main(["board", "--db", "caseload_test_4056_45"]) == 1
    assert "postgresql://SERVER/caseload_test_4056_45" in capsys.readouterr().err


def test_create_starts_a_new_database_where_asked(place, capsys):
    inputs, work = place
    code = main(["import", "--db", "new.sqlite3", "--create", str(inputs / "in.csv")])
    assert code == 0, capsys.readouterr().err
    assert (work / "new.sqlite3").is_file()
    assert main(["board", "--db", "new.sqlite3"]) == 0  # and is used from then on
    assert main(["board", "--db", "new-folder/c.sqlite3", "--create"]) == 0
    assert (work / "new-folder" / "c.sqlite3").is_file()


def test_the_default_location_is_started_on_first_use(place, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CASELOAD_HOME", str(tmp_path / "home"))
    assert main(["board"]) == 0
    assert (tmp_path / "home" / "data" / "caseload.sqlite3").is_file()


def test_demo_writes_a_new_file_but_makes_no_folder(place, capsys):
    _, work = place
    assert main(["demo", "--db", "demo.sqlite3", "--children", "5"]) == 0
    assert (work / "demo.sqlite3").is_file()
    code = main(["demo", "--db", "nonexistent/demo.sqlite3", "--children", "5"])
    assert code == 1
    assert "there is no folder nonexistent" in capsys.readouterr().err
    assert not (work / "nonexistent").exists()


def test_the_command_line_says_so_from_a_real_process(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "caseload_app", "weekly-report", "--db", "typo.sqlite3"]
        + ["--week-ending", "2026-11-27", "-o", "report.pdf"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "CASELOAD_HOME": str(tmp_path / "home")},
    )
    assert out.returncode == 1
    assert out.stderr.startswith("caseload weekly-report: No database at typo.sqlite3;")
    assert "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # the log folder only


def test_migrating_to_a_bare_name_makes_no_laptop_file(place, capsys):
    inputs, work = place
    code = main(
        ["admin", "migrate", "--from", str(inputs / "backup.sqlite3"), "--to", "caseload_x"]
    )
    assert code == 1
    assert "must be a team database" in capsys.readouterr().err
    assert _tree(work) == set()
