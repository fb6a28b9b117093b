"""Shared look of every PDF: A4, an embedded TrueType font, the protective marking, and who
printed it when (docs/statutory-rules.md, "Personal data": prints name who made them).
Imports domain only, never Qt."""

from __future__ import annotations

from functools import cache, partial
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from caseload_app.domain.text import clean_line, clean_lines
from caseload_app.paths import resources_dir
from caseload_app.reports.content import Imprint  # defined there, importable without reportlab

MARKING = "OFFICIAL-SENSITIVE"

# The house palette and table look, shared by every report.
ACCENT = colors.HexColor("#1f3a5f")
RULE = colors.HexColor("#b8c2cf")
HEAD_FILL = colors.HexColor("#e3e9f1")
ZEBRA = colors.HexColor("#f5f7fa")
TABLE_STYLE = (
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), (colors.white, ZEBRA)),
    ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, ACCENT),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
    ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
)
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


def _decorate(canvas, page_label: str, imprint: Imprint, title: str) -> None:
    width, height = canvas._pagesize  # A4, upright or on its side
    canvas.saveState()
    canvas.setFont(BOLD, 8.5)
    canvas.setFillColor(colors.HexColor("#8b0000"))
    canvas.drawCentredString(width / 2, height - 10 * mm, MARKING)
    canvas.drawCentredString(width / 2, 7 * mm, MARKING)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT, 7.5)
    who = one_line(imprint.printed_by, 60)
    printed = f"Printed by {who} on {imprint.printed_at:%d %b %Y at %H:%M}"
    right = f"{printed} · Page {page_label}"
    canvas.drawRightString(width - MARGIN, 12 * mm, right)
    room = width - 2 * MARGIN - pdfmetrics.stringWidth(right, FONT, 7.5) - 6 * mm
    canvas.drawString(MARGIN, 12 * mm, _fit(_footer_left(imprint, title), room))
    canvas.restoreState()


def _footer_left(imprint: Imprint, title: str) -> str:
    council, title = one_line(imprint.council, 100), one_line(title, 200)
    return f"{council} · {title}" if council else title


def _fit(text: str, room: float) -> str:
    """Shorten the footer's left text so it never runs into the printed-by text."""
    if pdfmetrics.stringWidth(text, FONT, 7.5) <= room:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, 7.5) > room:
        text = text[:-1]
    return text.rstrip() + "…"


class _NumberedCanvas(Canvas):
    """Holds every page until the end, then draws marking and footer with "Page N of M"."""

    def __init__(self, *args, decorate, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decorate_page = decorate
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate_page(self, f"{number} of {total}")
            super().showPage()
        super().save()


def render(
    story: list,
    imprint: Imprint,
    title: str,
    *,
    page_total: bool = True,
    pagesize: tuple[float, float] = A4,
) -> bytes:
    """Lay the flowables out on A4 pages with the marking and imprint; return the PDF bytes.

    page_total: footers read "Page N of M" (pages are held until the end to count them).
    pagesize: A4 upright, or landscape(A4) for a wide table."""
    register_fonts()
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=one_line(title, 200),
        author=one_line(imprint.printed_by, 120),
        subject=MARKING,
        creator="caseload",
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")

    def decorate(canvas, label: str) -> None:
        _decorate(canvas, label, imprint, title)

    if page_total:
        doc.addPageTemplates([PageTemplate("page", [frame])])
        doc.build(story, canvasmaker=partial(_NumberedCanvas, decorate=decorate))
    else:
        on_page = lambda canvas, d: decorate(canvas, str(d.page))  # noqa: E731
        doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page)])
        doc.build(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------- any stored value
# Every printout survives any stored value: values stored before the length limits, or
# written past the app, can be thousands of characters long or hold control characters.
CUT_NOTE = " … (shortened for printing: see the record for all of it)"
LONGEST_SHOWN = 6000  # characters of one value measured at all; more is never printed whole
SHORT = 150  # characters of a name or label where a layout needs it to stay small


def one_line(value: object, limit: int = SHORT) -> str:
    """A stored value as one clean line of at most `limit` characters (cut with "…"), for
    names and labels in titles, headings, footers and fixed-size boxes. Plain text."""
    text = clean_line("" if value is None else str(value))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_markup(text: str) -> str:
    """Paragraph markup for plain text: escaped, its line breaks kept."""
    return escape(text).replace("\n", "<br/>")


class Capped(Flowable):
    """A paragraph of a stored value that is never taller than `max_height` points, for a
    cell that cannot split across pages (a nested table, a boxed panel).

    A value stored before the length limits (a 5,000-character name) would make such a row
    taller than the page, which reportlab cannot lay out (LayoutError): it is cut where it
    stops fitting, and says so. A value that fits prints whole, exactly as a Paragraph.
    Takes plain text (cut before it is marked up, so no tag or entity is ever cut)."""

    def __init__(self, text: str, style, max_height: float) -> None:
        super().__init__()
        text = clean_lines(text)
        self.text = text[:LONGEST_SHOWN]
        self.cut = len(text) > LONGEST_SHOWN
        self.style, self.max_height = style, max_height
        self._para: Paragraph | None = None

    def _paragraph(self, length: int, cut: bool) -> Paragraph:
        shown = text_markup(self.text[:length].rstrip())
        return Paragraph(shown + (escape(CUT_NOTE) if cut else ""), self.style)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        para = self._paragraph(len(self.text), self.cut)
        width, height = para.wrap(avail_width, avail_height)
        if height > self.max_height:
            para, width, height = self._cut_to_fit(avail_width, avail_height)
        self._para, self.width, self.height = para, width, height
        return width, height

    def _cut_to_fit(self, avail_width: float, avail_height: float):
        fits, too_long = 0, len(self.text)  # the longest start that fits, by bisection
        para = self._paragraph(0, True)  # if not even a word fits: the note alone
        best = (para, *para.wrap(avail_width, avail_height))
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            para = self._paragraph(middle, True)
            width, height = para.wrap(avail_width, avail_height)
            if height <= self.max_height:
                fits, best = middle, (para, width, height)
            else:
                too_long = middle
        return best

    def draw(self) -> None:
        assert self._para is not None
        self._para.drawOn(self.canv, 0, 0)

    def split(self, avail_width: float, avail_height: float) -> list:
        return []  # small enough by construction to move to the next page whole
