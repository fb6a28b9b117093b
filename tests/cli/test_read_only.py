"""A folder caseload cannot write in, or a file that is not a database, each gets its own plain
message (never "damaged", never a traceback or a bare [Errno]) and nothing is touched."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseload_app.db.engine import open_database
from caseload_app.db.location import plain_os_error
from caseload_app.services.demo import generate_demo
from tests.helpers import file_digest, read_only_folder, write_csv

GOOD = (
    "Amelia,Smith,2015-03-02,L837201500012,401 023 2137,bh1 1aa,ASD,Asha Patel,"
    "2025-03-05,plan_issued,2025-07-20,,Ms Jo Smith,01202 123456,jo@example.org"
)


def caseload(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "caseload_app", *map(str, argv)],
        capture_output=True,
        text=True,
        env={**os.environ, "CASELOAD_HOME": str(tmp_path / "home")},
    )


def a_database(folder: Path) -> None:
    db = open_database(folder / "caseload.sqlite3")
    generate_demo(db, children=5, seed=1)
    db.dispose()


def plainly_refused(done: subprocess.CompletedProcess, folder: Path) -> str:
    assert done.returncode == 1, done.stdout
    err = done.stderr
    assert f"caseload cannot write in {folder} (" in err, err
    assert "read-only" in err or "no permission" in err
    for wrong in ("damaged", "Traceback", "Errno", "sqlalchemy", "OperationalError"):
        assert wrong not in err, err
    return err


@pytest.fixture
def sheet(tmp_path):
    return write_csv(tmp_path / "in.csv", GOOD)


@pytest.mark.parametrize(
    "argv",
    [
        ["board"],
        ["export", "-o", "{out}/x.csv"],
        ["import", "{sheet}"],
        ["backup"],
        ["demo", "--children", "5"],  # into the database that is there: refused all the same
    ],
    ids=lambda a: a[0],
)
def test_a_database_in_a_read_only_folder_is_not_called_damaged(tmp_path, sheet, argv):
    folder = tmp_path / "ro"
    with read_only_folder(folder, a_database):
        before = {p.name: file_digest(p) for p in folder.iterdir()}
        filled = [a.format(out=tmp_path, sheet=sheet) for a in argv]
        done = caseload(tmp_path, filled[0], "--db", folder / "caseload.sqlite3", *filled[1:])
        plainly_refused(done, folder)
        assert {p.name: file_digest(p) for p in folder.iterdir()} == before


@pytest.mark.parametrize(
    "argv",
    [["demo", "--children", "5"], ["import", "--create", "{sheet}"], ["board", "--create"]],
    ids=lambda a: a[0],
)
def test_a_new_database_in_a_read_only_folder_is_refused_without_a_traceback(tmp_path, sheet, argv):
    folder = tmp_path / "ro"
    with read_only_folder(folder):
        filled = [a.format(sheet=sheet) for a in argv]
        done = caseload(tmp_path, filled[0], "--db", folder / "new.sqlite3", *filled[1:])
        plainly_refused(done, folder)
        assert list(folder.iterdir()) == []


def test_a_default_data_folder_that_cannot_be_made_is_said_so(tmp_path):
    folder = tmp_path / "ro"
    with read_only_folder(folder):
        done = subprocess.run(
            [sys.executable, "-m", "caseload_app", "board"],
            capture_output=True,
            text=True,
            env={**os.environ, "CASELOAD_HOME": str(folder / "caseload")},
        )
        plainly_refused(done, folder)


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"child_first_name,child_last_name,upn\r\nAmelia,Smith,L837201500012\r\n", "a CSV"),
        (b"Notes about Amelia\n", "a text file"),
        (b"PK\x03\x04" + bytes(60), "a ZIP file or an Excel workbook"),
        (b"%PDF-1.4\n" + bytes(60), "a PDF"),
    ],
    ids=["csv", "text", "xlsx", "pdf"],
)
def test_a_file_that_is_not_a_database_is_named_for_what_it_looks_like(
    tmp_path, content, looks_like
):
    wrong = tmp_path / "caseload.csv"
    wrong.write_bytes(content)
    wrong.chmod(0o644)
    done = caseload(tmp_path, "board", "--db", wrong)
    assert done.returncode == 1
    assert f"{wrong} is not a caseload database (it looks like {looks_like}" in done.stderr
    assert "damaged" not in done.stderr
    assert "Traceback" not in done.stderr
    assert wrong.read_bytes() == content
    assert (wrong.stat().st_mode & 0o777) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["caseload.csv"]


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (PermissionError(13, "Permission denied", "/x/caseload.sqlite3.lock"), "no permission"),
        (OSError(30, "Read-only file system", "/x/caseload.sqlite3.lock"), "read-only drive"),
        (OSError(28, "No space left on device", "/x/out.csv"), "is full"),
    ],
)
def test_an_operating_system_error_is_put_in_words(err, words):
    text = plain_os_error(err)
    assert words in text
    assert "/x/" in text
    assert "Errno" not in text
