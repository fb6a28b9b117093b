import pytest

from caseload_app.ui import errors as ui_errors
from tests.helpers import open_main_window


@pytest.fixture
def messages(monkeypatch):
    """Messages the window would have shown in a message box (never a blocking box in tests)."""
    shown: list[str] = []
    monkeypatch.setattr(ui_errors, "show_user_error", lambda _p, _t, exc: shown.append(str(exc)))
    return shown


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Open the main window on a database as Asha Patel (caseworker 1), loaded and shown."""
    return lambda db: open_main_window(qtbot, db, tmp_path)
