import pytest

from caseload_app.services.settings import LocalSettings, LocalSettingsStore
from caseload_app.ui.context import AppContext
from caseload_app.ui.main_window import MainWindow
from tests.helpers import NOW, TODAY


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Open the main window on a database as Asha Patel (caseworker 1), loaded and shown."""

    def make(db) -> MainWindow:
        ctx = AppContext(
            db=db,
            db_label="Database: test",
            settings_store=LocalSettingsStore(tmp_path / "settings.json"),
            settings=LocalSettings(me_caseworker_id=1, me_name="Asha Patel"),
            today=lambda: TODAY,
            now=lambda: NOW,  # the window's clock agrees with its calendar
        )
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        window.refresh()
        window.wait_loaded()
        return window

    return make
