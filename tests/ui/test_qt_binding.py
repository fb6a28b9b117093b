"""Guards against a Qt binding that corrupts None's reference count (PySide6 6.12.0 on
Python 3.11 drops one reference per void call and the app aborts after a few thousand)."""

import sys

import pytest
from PySide6.QtWidgets import QLineEdit

pytestmark = pytest.mark.gui


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_none_alive(qapp):
    edit = QLineEdit()
    before = sys.getrefcount(None)
    for _ in range(500):
        edit.setText("x")
        qapp.processEvents()
    assert abs(sys.getrefcount(None) - before) < 50


def test_pdf_modules_are_installed():
    from PySide6 import QtPdf, QtPdfWidgets  # noqa: F401


def test_the_app_no_longer_uses_the_deprecated_qtcharts():
    """QtCharts is deprecated since Qt 6.10; the board draws its chart with QPainter."""
    import subprocess

    code = (
        "import sys; import caseload_app.ui.main_window, caseload_app.ui.board_view; "
        "print('PySide6.QtCharts' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
