"""A letter on council paper: letterhead, an address that shows through a DL window
envelope, the subject, the body and the sign-off. Domain and reportlab only, never Qt.

Page 1 is laid out in absolute positions (millimetres from the top-left corner of the A4
sheet) so that, folded in three, the recipient's address sits in the window of a standard
DL envelope (window about 20 mm from the left and 15 mm from the bottom, 90 x 35 mm): the
address block runs from 50 mm to at most 82 mm down the page, 25 mm from the left, clear of
the protective marking above it. The body text has 25 mm and 20 mm side margins.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
)

from caseload_app.domain.templates import Block, blocks
from caseload_app.reports.content import LetterData
from caseload_app.reports.pdf import BOLD, FONT, MARGIN, Imprint, render, styles

NAVY = colors.HexColor("#1f3a5f")
GREY = colors.HexColor("#444444")
PAGE_W, PAGE_H = A4

TEXT_LEFT = 25 * mm  # body text and address window
TEXT_RIGHT = PAGE_W - 20 * mm
INFO_LEFT = 120 * mm  # the right-hand column of the letterhead
COUNCIL_WIDTH = 90 * mm  # the council's name wraps onto two lines within this
RULE_AT = 44 * mm
ADDRESS_TOP = 50 * mm
ADDRESS_WIDTH = 85 * mm
ADDRESS_LINES = 7  # 7 lines at 13 pt leading end above 82 mm
LETTERHEAD_BOTTOM = 90 * mm
LOGO_BOX = (70 * mm, 20 * mm)
FRAME_PADDING = 6  # reportlab's default Frame padding, in points
FRAME_TOP = 16 * mm  # pdf.render's top margin


_COUNCIL_STYLE = ParagraphStyle(
    "council", fontName=BOLD, fontSize=15, leading=18, textColor=NAVY, alignment=TA_LEFT
)


def build_letter(data: LetterData, imprint: Imprint) -> bytes:
    """The letter as PDF bytes, with the shared marking and printed-by footer."""
    # The footer repeats a short title so it never runs into the printed-by text.
    return render(_story(data), imprint, f"Letter {data.reference}")


# --------------------------------------------------------------------------- styles
def _letter_styles() -> dict[str, ParagraphStyle]:
    base = styles()["body"]
    indent = TEXT_LEFT - MARGIN - FRAME_PADDING
    right = PAGE_W - MARGIN - FRAME_PADDING - TEXT_RIGHT
    text = ParagraphStyle(
        "letter",
        parent=base,
        fontName=FONT,
        fontSize=10.5,
        leading=14.5,
        spaceAfter=7,
        leftIndent=indent,
        rightIndent=right,
        alignment=TA_LEFT,
    )
    return {
        "text": text,
        "subject": ParagraphStyle(
            "subject",
            parent=text,
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=2,
            spaceAfter=2,
            textColor=NAVY,
        ),
        "reference": ParagraphStyle("reference", parent=text, spaceAfter=10, textColor=GREY),
        "heading": ParagraphStyle(
            "heading",
            parent=text,
            fontName=BOLD,
            spaceBefore=5,
            spaceAfter=3,
            keepWithNext=True,
            textColor=NAVY,
        ),
        "bullet": ParagraphStyle("bullet", parent=text, leftIndent=0, spaceAfter=2),
        "signature": ParagraphStyle("signature", parent=text, fontName=BOLD, spaceAfter=0),
        "signoff": ParagraphStyle("signoff", parent=text, spaceAfter=0),
    }


# --------------------------------------------------------------------------- story
def _story(data: LetterData) -> list:
    st = _letter_styles()
    story: list = [LetterHead(data)]
    body = blocks(data.body)
    if body and body[0].kind == "para" and body[0].lines[0].startswith("Dear "):
        story.append(Paragraph(_typeset(body[0].lines[0]), st["text"]))
        body = body[1:]
    story.append(Paragraph(_typeset(data.title), st["subject"]))
    if data.about():
        story.append(Paragraph(escape(data.about()), st["reference"]))
    story.extend(_block(b, st) for b in body)
    story.append(_sign_off(data, st))
    return story


_DATE = re.compile(
    r"\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?\d{1,2} "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b"
)


def _typeset(text: str) -> str:
    """Escaped for reportlab's markup, with typographic apostrophes and dates that never break
    across lines ("Tue 24 / Nov 2026" is easy to misread)."""
    text = _DATE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text.replace("'", "\u2019"))
    return escape(text)


def _block(block: Block, st: dict[str, ParagraphStyle]) -> Flowable:
    if block.kind == "heading":
        return Paragraph(_typeset(block.lines[0]), st["heading"])
    if block.kind == "bullets":
        items = [ListItem(Paragraph(_typeset(line), st["bullet"])) for line in block.lines]
        return ListFlowable(
            items,
            bulletType="bullet",
            start="•",
            bulletFontName=FONT,
            bulletFontSize=10,
            leftIndent=st["text"].leftIndent + 6 * mm,
            bulletDedent=5 * mm,
            rightIndent=st["text"].rightIndent,
            spaceAfter=7,
        )
    return Paragraph(_typeset(block.lines[0]), st["text"])


def _sign_off(data: LetterData, st: dict[str, ParagraphStyle]) -> Flowable:
    return KeepTogether(
        [
            Spacer(1, 2 * mm),
            Paragraph("Yours sincerely", st["signoff"]),
            Spacer(1, 14 * mm),
            Paragraph(escape(data.caseworker), st["signature"]),
            Paragraph(escape(data.team), st["signoff"]),
            Paragraph(escape(data.council_name), st["signoff"]),
        ]
    )


# --------------------------------------------------------------------------- page-1 header
class LetterHead(Flowable):
    """Letterhead, reference column and recipient address, drawn at fixed page positions."""

    def __init__(self, data: LetterData) -> None:
        super().__init__()
        self.data = data

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.height = LETTERHEAD_BOTTOM - FRAME_TOP - FRAME_PADDING
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        # Work in page coordinates, measured down from the top edge.
        ox, oy = canv.absolutePosition(0, 0)
        canv.saveState()
        canv.translate(-ox, -oy)
        self._council(canv)
        self._contact_column(canv)
        self._recipient(canv)
        canv.restoreState()

    def _council(self, canv) -> None:
        data = self.data
        top = 16 * mm
        if data.logo and Path(data.logo).is_file():
            reader = ImageReader(str(data.logo))
            iw, ih = reader.getSize()
            scale = min(LOGO_BOX[0] / iw, LOGO_BOX[1] / ih)
            w, h = iw * scale, ih * scale
            canv.drawImage(reader, TEXT_LEFT, PAGE_H - top - h, w, h, mask="auto")
        else:
            name = Paragraph(escape(data.council_name), _COUNCIL_STYLE)
            _, h = name.wrapOn(canv, COUNCIL_WIDTH, 40 * mm)
            name.drawOn(canv, TEXT_LEFT, PAGE_H - top - h)
        y = top + h + 5 * mm
        canv.setFillColor(GREY)
        canv.setFont(FONT, 9.5)
        canv.drawString(TEXT_LEFT, PAGE_H - y, "Special Educational Needs and Disabilities")
        canv.drawString(TEXT_LEFT, PAGE_H - y - 4.4 * mm, data.team)
        canv.setStrokeColor(NAVY)
        canv.setLineWidth(0.8)
        canv.line(TEXT_LEFT, PAGE_H - RULE_AT, TEXT_RIGHT, PAGE_H - RULE_AT)

    def _contact_column(self, canv) -> None:
        data = self.data
        width = TEXT_RIGHT - INFO_LEFT
        canv.setFillColor(colors.black)
        y = 18 * mm
        for line in data.council_address[:6]:
            _fit_text(canv, line, INFO_LEFT, y, FONT, 8.5, width)
            y += 3.8 * mm
        rows = data.details()
        label_w = max(stringWidth(label, BOLD, 8.5) for label, _ in rows) + 3 * mm
        y = ADDRESS_TOP + 3.5 * mm
        for label, value in rows:
            canv.setFont(BOLD, 8.5)
            canv.drawString(INFO_LEFT, PAGE_H - y, label)
            _fit_text(canv, value, INFO_LEFT + label_w, y, FONT, 8.5, width - label_w)
            y += 4.6 * mm

    def _recipient(self, canv) -> None:
        lines = _address_lines(self.data.recipient)
        canv.setFillColor(colors.black)
        y = ADDRESS_TOP + 3.5 * mm
        for i, line in enumerate(lines):
            font = BOLD if i == 0 else FONT
            _fit_text(canv, line, TEXT_LEFT, y, font, 10.5, ADDRESS_WIDTH)
            y += 13  # points: the address leading


def _address_lines(recipient: tuple[str, ...]) -> list[str]:
    lines = [" ".join(line.split()) for line in recipient if line.strip()]
    if len(lines) > ADDRESS_LINES:  # keep the postcode last and inside the window
        head = lines[: ADDRESS_LINES - 2]
        lines = [*head, ", ".join(lines[ADDRESS_LINES - 2 : -1]), lines[-1]]
    return lines


def _fit_text(canv, text: str, x: float, y_from_top: float, font: str, size: float, width: float):
    """Draw one line, shrinking the type (to 75%) and then trimming so it fits `width`."""
    fitted = size
    while stringWidth(text, font, fitted) > width and fitted > size * 0.75:
        fitted -= 0.25
    while stringWidth(text, font, fitted) > width and len(text) > 1:
        text = text[:-2] + "…"
    canv.setFont(font, fitted)
    canv.drawString(x, PAGE_H - y_from_top, text)
