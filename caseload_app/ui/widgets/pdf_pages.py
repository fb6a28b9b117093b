"""A PDF's pages in the window (QtPdf), as the document preview and the print preview show
them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QWidget


def pages_view(pdf: QPdfDocument, parent: QWidget | None = None) -> QPdfView:
    """A PDF's pages one under another, as wide as the view. Its scroll bar is always there:
    fitted to the width, a page that only just needs one would otherwise take it away and
    put it back for ever (QPdfView relays itself out endlessly at such a size, and the
    window stops answering)."""
    view = QPdfView(parent) if parent is not None else QPdfView()
    view.setDocument(pdf)
    view.setPageMode(QPdfView.PageMode.MultiPage)
    view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    return view
