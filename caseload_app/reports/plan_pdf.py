"""The EHC plan as a PDF, from the same blocks as the Word file (plan_content.py), on the
house's A4 pages (marking, footer with page N of M)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from caseload_app.reports.content import Imprint
from caseload_app.reports.pdf import TABLE_STYLE, render, styles, text_markup
from caseload_app.reports.plan_content import Block, PlanHeader, plan_title

__all__ = ["plan_pdf"]


def plan_pdf(blocks: list[Block], header: PlanHeader, imprint: Imprint) -> bytes:
    title = f"{plan_title(header)}: {header.child_name}"
    if header.status == "draft":
        title = "DRAFT · " + title
    return render([f for b in blocks for f in _flowables(b)], imprint, title)


def _flowables(block: Block) -> list:
    sheet = styles()
    if block.kind == "title":
        return [Paragraph(text_markup(block.text), sheet["title"])]
    if block.kind in ("heading", "subheading"):
        heading = ParagraphStyle("plan_h2", parent=sheet["h2"], keepWithNext=1)
        return [Paragraph(text_markup(block.text), heading)]
    if block.kind == "quote":
        quote = ParagraphStyle("quote", parent=sheet["body"], leftIndent=8 * mm)
        by = ParagraphStyle("by", parent=sheet["small"], leftIndent=8 * mm, spaceAfter=4,
                            textColor=colors.HexColor("#444444"))  # fmt: skip
        return [Paragraph(text_markup(f"“{block.text}”"), quote),
                Paragraph(text_markup(f"— {block.by}"), by)]  # fmt: skip
    if block.kind == "note":
        return [Paragraph(f"<i>{text_markup(block.text)}</i>", sheet["small"]), Spacer(1, 3)]
    if block.kind == "table":
        return [_table(block.rows, block.widths), Spacer(1, 4)]
    return [Paragraph(text_markup(p), sheet["body"]) for p in block.text.split("\n\n")]


def _table(rows: tuple[tuple[str, ...], ...], widths: tuple[float, ...]) -> Table:
    sheet = styles()
    head, *body = rows
    cells = [[Paragraph(text_markup(h), sheet["cellbold"]) for h in head]]
    cells += [[Paragraph(text_markup(c), sheet["cell"]) for c in row] for row in body]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1, splitInRow=1,
                  hAlign="LEFT")  # fmt: skip
    table.setStyle(TableStyle(list(TABLE_STYLE)))
    return table
