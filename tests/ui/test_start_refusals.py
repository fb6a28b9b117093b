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
    assert asked == [tmp_path / "new.sqlite3"] and shown == []
