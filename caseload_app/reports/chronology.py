"""The case chronology as a PDF: who the child is and the range covered at the top, then one
table, Date | What | Who | Summary, whose header repeats on every page. Imports the domain and
reportlab only (plus the shared look)."""

from __future__ import annotations

from dataclasses import replace
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from caseload_app.domain.chronology import Chronology, Entry
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import how_many
from caseload_app.reports.pdf import TABLE_STYLE, Capped, Imprint, one_line, render, styles

__all__ = ["build_chronology", "chronology_story", "chronology_title"]

HEADER = ("Date", "What", "Who", "Summary")
WIDTHS = (31, 23, 30, 90)  # mm: 174 across, A4 inside the margins
# A table row cannot split across pages: a stored text far longer than any typed today (a
# summary saved before the length limits) is cut, and says so, rather than break the layout.
CELL_HEIGHT = 300  # points: about 30 lines of a cell


def chronology_title(chronology: Chronology) -> str:
    return f"Chronology — {one_line(chronology.child_name)}"


def build_chronology(chronology: Chronology, imprint: Imprint) -> bytes:
    """The PDF bytes. The council heads the first page rather than the footer, where beside
    the child's name and the imprint it would run into the "Printed by" text."""
    footer = replace(imprint, council="")
    return render(chronology_story(chronology), footer, chronology_title(chronology))


def chronology_story(chronology: Chronology) -> list[Flowable]:
    sheet = styles()
    council = one_line(chronology.council)
    facts = f"Born {format_date(chronology.date_of_birth)} · case {chronology.case_id}" + (
        f" · {council}" if council else ""
    )
    count = how_many(len(chronology.entries), "entry", "entries")
    story: list[Flowable] = [
        Paragraph(escape(chronology_title(chronology)), sheet["title"]),
        Paragraph(escape(facts), sheet["body"]),
        Paragraph(f"<b>{escape(chronology.range_text)}</b> · {escape(count)}", sheet["body"]),
        Spacer(1, 3 * mm),
    ]
    if not chronology.entries:
        story.append(Paragraph("Nothing was recorded on the case in this range.", sheet["body"]))
        return story
    story.append(_table(chronology.entries))
    return story


def _table(entries: tuple[Entry, ...]) -> Table:
    sheet = styles()
    head = [Paragraph(escape(h), sheet["cellbold"]) for h in HEADER]
    rows = [
        [_plain(_when(e)), _plain(e.kind), _cell(e.who or "—"), _cell(e.summary)] for e in entries
    ]
    table = Table([head, *rows], colWidths=[w * mm for w in WIDTHS], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(list(TABLE_STYLE)))
    return table


def _when(entry: Entry) -> str:
    day = format_date(entry.on)
    return f"{day} {entry.time_text}" if entry.time_text else day


def _plain(text: str) -> Flowable:
    """A cell of the app's own short words (a date, a kind): no stored text to cap."""
    return Paragraph(escape(text), styles()["cell"])


def _cell(text: str) -> Flowable:
    """A cell of stored text (a name, a summary), capped in height."""
    return Capped(text, styles()["cell"], CELL_HEIGHT)
