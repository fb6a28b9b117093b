"""The pages a bundle adds around its documents: the index, a divider per section, a page for
an e-mail's or a text file's words, a page for an image, and the page number stamped on
every page. Each returns PDF bytes (reportlab); services/bundle.py puts them together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from caseload_app.domain.deadlines import format_date
from caseload_app.reports.pdf import (
    ACCENT,
    BOLD,
    FONT,
    MARGIN,
    MARKING,
    TABLE_STYLE,
    one_line,
    register_fonts,
)

__all__ = ["IndexLine", "divider_pdf", "image_pdf", "index_pdf", "stamp_pdf", "text_pdf"]

WIDTH, HEIGHT = A4


@dataclass(frozen=True)
class IndexLine:
    section: str
    title: str
    dated: date | None
    first_page: int  # 0 while the pages are being counted
    last_page: int
    note: str = ""  # why a document is not included


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    return {
        "title": ParagraphStyle(
            "b-title", fontName=BOLD, fontSize=16, leading=20, textColor=ACCENT, spaceAfter=6
        ),  # fmt: skip
        "body": ParagraphStyle("b-body", fontName=FONT, fontSize=9.5, leading=12.5),
        "cell": ParagraphStyle("b-cell", fontName=FONT, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("b-head", fontName=BOLD, fontSize=8.5, leading=10.5),
        "section": ParagraphStyle(
            "b-section", fontName=BOLD, fontSize=22, leading=28, textColor=ACCENT
        ),  # fmt: skip
    }


def _build(story: list, title: str) -> bytes:
    out = BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=20 * mm, bottomMargin=20 * mm, title=title,
                            subject=MARKING, creator="caseload")  # fmt: skip
    doc.build(story)
    return out.getvalue()


def index_pdf(title: str, heading: Sequence[str], lines: Sequence[IndexLine]) -> bytes:
    """The index: the bundle's title, the child and case, and each document with its pages."""
    st = _styles()
    story: list = [Paragraph(escape(title), st["title"])]
    story += [Paragraph(escape(one_line(h, 200)), st["body"]) for h in heading]
    story.append(Spacer(1, 5 * mm))
    rows: list[list] = [
        [Paragraph(h, st["head"]) for h in ("Section", "Document", "Dated", "Pages")]
    ]
    for line in lines:
        pages = (
            line.note
            if line.note
            else (f"{line.first_page}" if line.first_page == line.last_page
                  else f"{line.first_page}–{line.last_page}")
        )  # fmt: skip
        rows.append(
            [
                Paragraph(escape(one_line(line.section, 60)), st["cell"]),
                Paragraph(escape(one_line(line.title, 200)), st["cell"]),
                Paragraph(format_date(line.dated) if line.dated else "", st["cell"]),
                Paragraph(escape(pages), st["cell"]),
            ]
        )
    table = Table(rows, colWidths=[38 * mm, 84 * mm, 28 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([*TABLE_STYLE, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(table)
    return _build(story, title)


def divider_pdf(section: str) -> bytes:
    st = _styles()
    return _build([Spacer(1, 80 * mm), Paragraph(escape(section), st["section"])], section)


def text_pdf(title: str, text: str) -> bytes:
    """An e-mail or a text file's words as pages."""
    st = _styles()
    story: list = [Paragraph(escape(one_line(title, 200)), st["title"])]
    for para in text.replace("\r", "").split("\n"):
        story.append(Paragraph(escape(para[:5000]) or "&nbsp;", st["body"]))
    return _build(story, title)


def image_pdf(title: str, data: bytes) -> bytes:
    """An image on its own page, fitted within the margins."""
    out = BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=A4)
    picture = ImageReader(BytesIO(data))
    w, h = picture.getSize()
    room_w, room_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN - 10 * mm
    scale = min(room_w / w, room_h / h, 1.0 if w > 200 else room_w / w)
    page.setTitle(title)
    page.drawImage(picture, MARGIN, HEIGHT - MARGIN - 10 * mm - h * scale,
                   width=w * scale, height=h * scale)  # fmt: skip
    page.showPage()
    page.save()
    return out.getvalue()


def stamp_pdf(width: float, height: float, number: int, total: int, footer: str) -> bytes:
    """One page, blank but for its footer: the page number to lay over a bundle's page."""
    register_fonts()
    out = BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=(width, height))
    page.setFont(FONT, 8)
    page.setFillColorRGB(1, 1, 1)
    label = f"Page {number} of {total}"
    text_w = page.stringWidth(label, FONT, 8)
    page.rect(width - 12 * mm - text_w - 2, 5 * mm, text_w + 4, 11, stroke=0, fill=1)
    page.setFillColorRGB(0, 0, 0)
    page.drawRightString(width - 12 * mm, 7 * mm, label)
    page.drawString(12 * mm, 7 * mm, one_line(footer, 90))
    page.showPage()
    page.save()
    return out.getvalue()
