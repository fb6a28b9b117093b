"""The window, started on a database it cannot use, says why in its own words and makes nothing."""

import pytest
from PySide6.QtWidgets import QMessageBox

from caseload_app.cli import main

pytestmark = pytest.mark.gui


@pytest.fixture
def shown(qapp, monkeypatch):
    """The critical messages the window shows, as (title, text)."""
    messages = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda _parent, title, text: messages.append((title, text))
    )
    return messages


@pytest.mark.parametrize("typo", ["typo.sqlite3", "nonexistent/x.sqlite3"])
def test_the_window_on_a_misspelt_db_says_there_is_none_and_makes_nothing(
    shown, tmp_path, monkeypatch, typo
):
    from caseload_app import app as app_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_module, "_first_run", lambda path: None)  # never offered: Quit
    assert main(["--db", typo]) == 1
    [(title, text)] = shown
    assert title == "There is no database there"
    assert text.startswith(f"No database at {typo}")
    assert list(tmp_path.iterdir()) == []


def test_the_window_with_create_offers_a_first_start(shown, tmp_path, monkeypatch):
    from caseload_app import app as app_module

    asked = []
    monkeypatch.setattr(app_module, "_first_run", lambda path: asked.append(path))  # Quit
    assert main(["--db", str(tmp_path / "new.sqlite3"), "--create"]) == 0
    assert asked == [tmp_path / "new.sqlite3"]
    assert shown == []


def _a_database(folder):
    from caseload_app.db.engine import open_database

    open_database(folder / "caseload.sqlite3").dispose()


def test_a_database_in_a_read_only_folder_is_not_called_damaged(shown, tmp_path):
    from tests.helpers import read_only_folder

    folder = tmp_path / "ro"
    with read_only_folder(folder, _a_database):
        assert main(["--db", str(folder / "caseload.sqlite3")]) == 1
    [(title, text)] = shown
    assert title == "caseload cannot write there"
    assert text.startswith(f"caseload cannot write in {folder} (")
    assert "damaged" not in text
    assert "Errno" not in text


def test_a_default_data_folder_that_cannot_be_made_is_said_so(shown, tmp_path, monkeypatch):
    from tests.helpers import read_only_folder

    folder = tmp_path / "ro"
    with read_only_folder(folder):
        monkeypatch.setenv("CASELOAD_HOME", str(folder / "caseload"))
        assert main([]) == 1
    [(title, text)] = shown
    assert title == "caseload cannot write there"
    assert "Errno" not in text


def test_a_spreadsheet_given_as_the_database_is_not_called_damaged(shown, tmp_path):
    sheet = tmp_path / "caseload.csv"
    sheet.write_text("child_first_name,child_last_name\nAmelia,Smith\n", encoding="utf-8")
    before = sheet.read_bytes()
    assert main(["--db", str(sheet)]) == 1
    [(title, text)] = shown
    assert title == "Not a caseload database"
    assert text.startswith(f"{sheet} is not a caseload database (it looks like a CSV/text file)")
    assert sheet.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["caseload.csv"]


def test_a_start_that_the_system_refuses_is_told_in_words_not_an_errno(shown, tmp_path):
    _a_database(tmp_path)
    (tmp_path / "caseload.sqlite3.lock").mkdir()  # the lock file cannot be made
    assert main(["--db", str(tmp_path / "caseload.sqlite3")]) == 1
    [(_, text)] = shown
    assert "caseload.sqlite3.lock" in text
    assert "[Errno" not in text
