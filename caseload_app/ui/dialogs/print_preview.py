"""Print preview: show a PDF the services rendered, then print it or save it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caseload_app.files import write_atomically
from caseload_app.ui.widgets.pdf_pages import pages_view

PRINT_DPI = 300


class PrintPreviewDialog(QDialog):
    """A read-only view of the PDF with Print… (Ctrl+P) and Save as PDF… (Ctrl+Shift+S)."""

    def __init__(self, pdf: bytes, title: str, filename: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Print preview — {title}")
        self.resize(900, 720)
        self.pdf = pdf
        self.filename = filename
        self.saved_to: Path | None = None
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = pages_view(self.document, self)
        self.view.setAccessibleName("Page preview")
        self._build(title)

    def _build(self, title: str) -> None:
        pages = self.document.pageCount()
        info = QLabel(f"{title} — {pages} page{'s' if pages != 1 else ''}")
        info.setTextFormat(Qt.TextFormat.PlainText)
        print_button = QPushButton("&Print…")
        print_button.setAccessibleName("Print")
        print_button.clicked.connect(self.print_document)
        save_button = QPushButton("&Save as PDF…")
        save_button.setAccessibleName("Save as PDF")
        save_button.clicked.connect(self.save_as)
        close_button = QPushButton("&Close")
        close_button.setAccessibleName("Close preview")
        close_button.clicked.connect(self.reject)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_document)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, self.save_as)
        row = QHBoxLayout()
        row.addWidget(info, 1)
        for button in (print_button, save_button, close_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)

    def save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as PDF", self.filename, "PDF (*.pdf)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        """Write atomically; a full disk or locked folder gets a message, nothing half-written."""
        try:
            write_atomically(path, self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"Could not save {path}: {exc.strerror}")
            return False
        self.saved_to = path
        return True

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.filename)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            print_pdf(self.document, printer)


def print_pdf(document: QPdfDocument, printer: QPrinter) -> None:
    """Render each page at print resolution onto the printer (QtPdf has no direct print)."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    try:
        target = printer.pageLayout().paintRectPixels(printer.resolution())
        for index in range(document.pageCount()):
            if index:
                printer.newPage()
            points = document.pagePointSize(index)
            scale = PRINT_DPI / 72
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(index, size, QPdfDocumentRenderOptions())
            fitted = image.scaled(
                target.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawImage(target.topLeft(), fitted)
    finally:
        painter.end()
