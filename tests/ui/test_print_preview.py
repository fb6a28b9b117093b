from datetime import datetime

import pytest
from reportlab.platypus import PageBreak, Paragraph

from caseload_app.reports.pdf import Imprint, render, styles
from caseload_app.ui.dialogs.print_preview import PrintPreviewDialog

pytestmark = pytest.mark.gui


def two_pages() -> bytes:
    body = styles()["body"]
    story = [Paragraph("First page", body), PageBreak(), Paragraph("Second page", body)]
    return render(story, Imprint("Asha Patel", datetime(2026, 11, 24, 10)), "Test document")


def test_preview_shows_every_page_and_saves_the_same_bytes(qtbot, tmp_path):
    pdf = two_pages()
    dialog = PrintPreviewDialog(pdf, "Test document", "test.pdf")
    qtbot.addWidget(dialog)
    assert dialog.document.pageCount() == 2
    assert dialog.save_to(tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == pdf
    assert [p.name for p in tmp_path.iterdir()] == ["copy.pdf"]  # no temporary left behind


def test_saving_into_a_missing_folder_says_so_and_writes_nothing(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    dialog = PrintPreviewDialog(two_pages(), "Test document", "test.pdf")
    qtbot.addWidget(dialog)
    assert not dialog.save_to(tmp_path / "missing" / "copy.pdf")
    assert "Could not save" in shown[0]
    assert not (tmp_path / "missing").exists()


def test_printing_renders_every_page_to_the_printer(qtbot, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    from caseload_app.ui.dialogs.print_preview import print_pdf

    dialog = PrintPreviewDialog(two_pages(), "Test document", "test.pdf")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # a file stands in for paper
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    print_pdf(dialog.document, printer)
    from pypdf import PdfReader

    assert len(PdfReader(tmp_path / "printed.pdf").pages) == 2
