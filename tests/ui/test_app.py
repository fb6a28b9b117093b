import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from caseload_app.app import run_gui
from caseload_app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def test_demo_opens_on_temporary_data_and_never_touches_the_real_database(qapp, tmp_path):
    real = tmp_path / "real.sqlite3"
    seen = {}

    def close_when_loaded():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
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
    assert not real.exists()
