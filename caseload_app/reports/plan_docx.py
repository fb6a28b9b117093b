"""The EHC plan as a Word file (.docx), written with python-docx from plan_content's blocks.

Accessible by construction: real heading styles (a navigation pane and screen readers see the
sections), table header rows marked to repeat on each page, the document's title and
language set, page numbers in the footer, and "DRAFT" in the header of every page of a draft.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from caseload_app.reports.plan_content import Block, PlanHeader, plan_title

__all__ = ["plan_docx"]

INK = RGBColor(0x1F, 0x3A, 0x5F)


def plan_docx(blocks: list[Block], header: PlanHeader) -> bytes:
    doc = Document()
    _setup(doc, header)
    for block in blocks:
        _add(doc, block)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _setup(doc, header: PlanHeader) -> None:
    props = doc.core_properties
    props.title = f"{plan_title(header)}: {header.child_name}"[:250]
    props.author = header.council[:250]
    props.language = "en-GB"
    props.subject = "OFFICIAL-SENSITIVE"
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"  # a plain sans face, as councils' accessibility guides ask
    normal.font.size = Pt(11)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4, not Letter
    section.left_margin = section.right_margin = Mm(15)
    top = section.header.paragraphs[0]
    label = "OFFICIAL-SENSITIVE"
    if header.status == "draft":
        label = "DRAFT · " + label
    run = top.add_run(label)
    run.bold = True
    run.font.color.rgb = RGBColor(0x8B, 0, 0)
    foot = section.footer.paragraphs[0]
    foot.add_run(f"{header.child_name} · {plan_title(header)} · Page ")
    _field(foot, "PAGE")
    foot.add_run(" of ")
    _field(foot, "NUMPAGES")


def _field(paragraph, code: str) -> None:
    """A Word field (page number, page count) that Word and LibreOffice fill in."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _add(doc, block: Block) -> None:
    if block.kind == "title":
        doc.add_heading(block.text, level=0)
    elif block.kind == "heading":
        doc.add_heading(block.text, level=1)
    elif block.kind == "subheading":
        doc.add_heading(block.text, level=2)
    elif block.kind == "quote":
        p = doc.add_paragraph(style="Quote")
        p.add_run(f"“{block.text}”")
        by = doc.add_paragraph(f"— {block.by}")
        by.runs[0].font.size = Pt(9)
    elif block.kind == "note":
        p = doc.add_paragraph()
        run = p.add_run(block.text)
        run.italic = True
        run.font.color.rgb = INK
    elif block.kind == "table":
        _table(doc, block.rows, block.widths)
    else:
        for line in block.text.split("\n\n"):
            doc.add_paragraph(line)


def _table(doc, rows: tuple[tuple[str, ...], ...], widths: tuple[float, ...]) -> None:
    head, *body = rows
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        _cell(cell, text, bold=True)
    _repeat_header(table.rows[0])
    for values in body:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            _cell(cell, text)
    for n, width in enumerate(widths):  # Word reads each cell's width, LibreOffice the grid's
        table.columns[n].width = Mm(width)
        for cell in table.columns[n].cells:
            cell.width = Mm(width)
    doc.add_paragraph()


def _cell(cell, text: str, *, bold: bool = False) -> None:
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    run.font.size = Pt(9)  # tables of eight columns need a smaller face than the body


def _repeat_header(row) -> None:
    """Mark the row as the table's header: repeated on each page, announced by readers."""
    props = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    props.append(flag)
