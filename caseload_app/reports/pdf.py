"""Shared look of every PDF: A4, an embedded TrueType font, the protective marking, and who
printed it when (DOMAIN.md: prints name who made them). Imports domain only, never Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from caseload_app.paths import resources_dir

MARKING = "OFFICIAL-SENSITIVE"
FONT, BOLD = "CaseloadSans", "CaseloadSans-Bold"
MARGIN = 18 * mm


@cache
def register_fonts() -> None:
    """DejaVu Sans, shipped in resources/fonts, so names like Zoë or Łukasz print the same
    everywhere (the built-in PDF fonts have no Ł)."""
    folder = Path(resources_dir()) / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@cache
def styles() -> StyleSheet1:
    register_fonts()
    sheet = StyleSheet1()
    sheet.add(ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5))
    sheet.add(ParagraphStyle("small", parent=sheet["body"], fontSize=8, leading=10))
    sheet.add(ParagraphStyle("cell", parent=sheet["body"], fontSize=8, leading=10))
    sheet.add(ParagraphStyle("cellbold", parent=sheet["cell"], fontName=BOLD))
    sheet.add(
        ParagraphStyle(
            "title", parent=sheet["body"], fontName=BOLD, fontSize=16, leading=20, spaceAfter=4
        )
    )
    sheet.add(
        ParagraphStyle(
            "h2",
            parent=sheet["body"],
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=9,
            spaceAfter=3,
            textColor=colors.HexColor("#1f3a5f"),
        )
    )
    return sheet


@dataclass(frozen=True)
class Imprint:
    """Who printed the document and when, for the footer of every page."""

    printed_by: str
    printed_at: datetime
    council: str = ""


def _decorate(canvas, doc, imprint: Imprint, title: str) -> None:
    width, height = A4
    canvas.saveState()
    canvas.setFont(BOLD, 8.5)
    canvas.setFillColor(colors.HexColor("#8b0000"))
    canvas.drawCentredString(width / 2, height - 10 * mm, MARKING)
    canvas.drawCentredString(width / 2, 7 * mm, MARKING)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 7.5)
    left = f"{imprint.council + ' · ' if imprint.council else ''}{title}"
    canvas.drawString(MARGIN, 12 * mm, left)
    printed = f"Printed by {imprint.printed_by} on {imprint.printed_at:%d %b %Y at %H:%M}"
    canvas.drawRightString(width - MARGIN, 12 * mm, f"{printed} · Page {doc.page}")
    canvas.restoreState()


def render(story: list, imprint: Imprint, title: str) -> bytes:
    """Lay the flowables out on A4 pages with the marking and imprint; return the PDF bytes."""
    register_fonts()
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=imprint.printed_by,
        subject=MARKING,
        creator="caseload",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates(
        [PageTemplate("page", [frame], onPage=lambda c, d: _decorate(c, d, imprint, title))]
    )
    doc.build(story)
    return buffer.getvalue()
