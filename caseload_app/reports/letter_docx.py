"""A letter from a plain-text template as a Word file (.docx), from the same LetterData that
reports/letter.py lays out as a PDF: the council's letterhead, our reference column, the
recipient's address, the subject, the body's paragraphs, headings and bulleted lists, and the
sign-off. Domain and python-docx only, never Qt.

Word flows text rather than placing it, so the address is not measured to a window envelope
as the PDF's is; it comes first after the letterhead, at the left, as a person would type it.
The marking is in the header of every page, the reference and the page number in the footer.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from caseload_app.domain.templates import Block, blocks
from caseload_app.reports.content import Imprint, LetterData

__all__ = ["build_letter_docx"]

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x44, 0x44, 0x44)
MARKING = "OFFICIAL-SENSITIVE"


def build_letter_docx(data: LetterData, imprint: Imprint) -> bytes:
    """The letter as the bytes of a .docx file."""
    doc = Document()
    _setup(doc, data, imprint)
    _letterhead(doc, data)
    _recipient(doc, data.recipient)
    body = blocks(data.body)
    if body and body[0].kind == "para" and body[0].lines[0].startswith("Dear "):
        doc.add_paragraph(body[0].lines[0])
        body = body[1:]
    subject = doc.add_paragraph()
    _run(subject, data.title, bold=True, size=11.5, colour=NAVY)
    if data.about():
        _run(doc.add_paragraph(), data.about(), colour=GREY)
    for block in body:
        _block(doc, block)
    _sign_off(doc, data)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _setup(doc, data: LetterData, imprint: Imprint) -> None:
    props = doc.core_properties
    props.title = data.title[:250]
    props.author = imprint.printed_by[:250]
    props.subject = MARKING
    props.language = "en-GB"
    props.comments = ""
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"  # a plain sans face, as councils' accessibility guides ask
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(7)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4, not Letter
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    top = section.header.paragraphs[0]
    top.alignment = 1  # centred, as on the PDF
    _run(top, MARKING, bold=True, size=9)
    foot = section.footer.paragraphs[0]
    printed = f"Printed by {imprint.printed_by} on {imprint.printed_at:%d %b %Y at %H:%M}"
    _run(foot, f"{MARKING} · Letter {data.reference} · {printed} · Page ", size=8)
    _field(foot, "PAGE")
    _run(foot, " of ", size=8)
    _field(foot, "NUMPAGES")


def _letterhead(doc, data: LetterData) -> None:
    """Two columns: the council (its logo, or its name) and the team on the left; its address,
    the date, our reference and who to ask for on the right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    left, right = table.rows[0].cells
    for cell, width in ((left, 95), (right, 70)):
        cell.width = Mm(width)
    first = left.paragraphs[0]
    if data.logo and Path(data.logo).is_file():
        first.add_run().add_picture(str(data.logo), height=Mm(20))
    else:
        _run(first, data.council_name, bold=True, size=15, colour=NAVY)
    team = left.add_paragraph()
    _run(team, "Special Educational Needs and Disabilities", size=9.5, colour=GREY)
    team.add_run().add_break()
    _run(team, data.team, size=9.5, colour=GREY)
    address = right.paragraphs[0]
    for n, line in enumerate(data.council_address[:6]):
        if n:
            address.add_run().add_break()
        _run(address, line, size=8.5)
    rows = data.details()
    details = right.add_paragraph()
    for n, (label, value) in enumerate(rows):
        if n:
            details.add_run().add_break()
        _run(details, f"{label}: ", bold=True, size=8.5)
        _run(details, value, size=8.5)
    _rule(doc)


def _recipient(doc, recipient: tuple[str, ...]) -> None:
    lines = [" ".join(line.split()) for line in recipient if line.strip()]
    address = doc.add_paragraph()
    address.paragraph_format.space_after = Pt(18)
    for n, line in enumerate(lines):
        if n:
            address.add_run().add_break()
        _run(address, line, bold=n == 0)


def _block(doc, block: Block) -> None:
    if block.kind == "heading":
        p = doc.add_paragraph()
        p.paragraph_format.keep_with_next = True
        _run(p, block.lines[0], bold=True, colour=NAVY)
    elif block.kind == "bullets":
        for n, line in enumerate(block.lines, start=1):
            item = doc.add_paragraph(line, style="List Bullet")
            item.paragraph_format.space_after = Pt(7 if n == len(block.lines) else 2)
    else:
        doc.add_paragraph(block.lines[0])


def _sign_off(doc, data: LetterData) -> None:
    closing = doc.add_paragraph("Yours sincerely")
    closing.paragraph_format.keep_with_next = True
    closing.paragraph_format.space_after = Pt(36)  # room to sign
    signature = doc.add_paragraph()
    _run(signature, data.caseworker, bold=True)
    for line in (data.team, data.council_name):
        signature.add_run().add_break()
        signature.add_run(line)


def _run(paragraph, text: str, *, bold=False, size: float | None = None, colour=None):
    run = paragraph.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _rule(doc) -> None:
    """A navy line under the letterhead (the paragraph's bottom border)."""
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(12)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "1F3A5F")):
        bottom.set(qn(key), value)
    border.append(bottom)
    p._p.get_or_add_pPr().append(border)


def _field(paragraph, code: str) -> None:
    """A Word field (page number, page count) that Word and LibreOffice fill in, in the
    footer's size."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    props, size = OxmlElement("w:rPr"), OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # half-points: the footer's 8 pt
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)
