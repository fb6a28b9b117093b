import pytest

from tests.helpers import open_main_window


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Open the main window on a database as Asha Patel (caseworker 1), loaded and shown."""
    return lambda db: open_main_window(qtbot, db, tmp_path)
