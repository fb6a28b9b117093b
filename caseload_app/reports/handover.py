"""The handover pack: one compact section per case moved to a caseworker in one batch, so the
person taking the cases over sees the child, the next statutory step, open tasks, the latest
contacts and why the case moved. Imports domain and reportlab only (plus the shared look)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Rag
from caseload_app.reports.content import (
    RECENT_CONTACTS,
    HandoverCase,
    HandoverContact,
    HandoverData,
    HandoverTask,
)
from caseload_app.reports.pdf import (
    ACCENT,
    HEAD_FILL,
    RULE,
    ZEBRA,
    Capped,
    Imprint,
    one_line,
    render,
    styles,
)
from caseload_app.reports.summary import DASH, RAG_FILL, RAG_WORDS, days_text


def handover_title(caseworker: str) -> str:
    return f"Handover — {one_line(caseworker)}"


def build_handover(data: HandoverData, imprint: Imprint) -> bytes:
    return render(handover_story(data), imprint, handover_title(data.caseworker))


def handover_story(data: HandoverData) -> list[Flowable]:
    sheet = styles()
    count, moved_by = len(data.cases), one_line(data.moved_by)
    story: list[Flowable] = [
        Paragraph(escape(handover_title(data.caseworker)), sheet["title"]),
        Paragraph(
            escape(
                f"{count} case{'' if count == 1 else 's'} moved to you by {moved_by} on "
                f"{format_date(data.moved_at.date())} at {data.moved_at:%H:%M} "
                f"(change {one_line(data.batch)})."
            ),
            sheet["small"],
        ),
        Spacer(1, 2 * mm),
    ]
    for case in data.cases:
        story += _case(case, data.today)
    return story


# --------------------------------------------------------------------------- one case
def _case(case: HandoverCase, today: date) -> list[Flowable]:
    sheet = styles()
    heading = Paragraph(
        escape(f"{one_line(case.child_name)} — born {format_date(case.date_of_birth)}"), sheet["h2"]
    )
    facts = _facts(
        (
            ("Stage", _markup(escape(one_line(case.stage)))),
            ("Next step", _next_step_cell(case)),
            ("From", _markup(escape(one_line(case.from_name) or "Unallocated"))),
            ("Reason", _capped(case.reason)),
        ),
        case.rag,
    )
    return [
        CondPageBreak(45 * mm),
        KeepTogether([heading, facts]),
        Spacer(1, 1.5 * mm),
        *_tasks(case.tasks, today),
        Spacer(1, 1.5 * mm),
        *_contacts(case.communications[:RECENT_CONTACTS]),
        Spacer(1, 3 * mm),
    ]


def _next_step_cell(case: HandoverCase) -> Flowable | list[Flowable]:
    step = _markup(_next_step(case))
    return [step, _capped(case.status_note)] if case.status_note else step


def _next_step(case: HandoverCase) -> str:
    if case.next_step is None or case.next_due is None:
        text = "Nothing statutory due"
    else:
        left = days_text(case.days_left) if case.days_left is not None else ""
        text = f"<b>{escape(one_line(case.next_step))}</b> by {format_date(case.next_due)}"
        text += f" — {escape(left)}" if left else ""
    return text + f"<br/>{escape(one_line(RAG_WORDS.get(case.rag, case.rag)))}"


def _facts(pairs: Sequence[tuple[str, Flowable | list[Flowable]]], rag: str) -> Table:
    sheet = styles()
    rows = [[Paragraph(k, sheet["cellbold"]), v] for k, v in pairs]
    table = Table(rows, colWidths=[24 * mm, 150 * mm], hAlign="LEFT")
    extra = [("BACKGROUND", (1, 1), (1, 1), RAG_FILL[rag])] if rag in RAG_FILL else []
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                *extra,
            ]
        )
    )
    return table


def _tasks(tasks: Sequence[HandoverTask], today: date) -> list[Flowable]:
    if not tasks:
        return [Paragraph("No open tasks.", styles()["small"])]
    rows, extra = [], []
    for i, t in enumerate(tasks, start=1):
        overdue = t.due is not None and t.due < today
        due = (format_date(t.due) if t.due else DASH) + (" (overdue)" if overdue else "")
        rows.append([_cell(t.title), _cell(due)])
        if overdue:
            extra.append(("BACKGROUND", (1, i), (1, i), RAG_FILL[Rag.RED]))
    return [_table(("Open task", "Due"), rows, (136, 38), extra)]


def _contacts(contacts: Sequence[HandoverContact]) -> list[Flowable]:
    if not contacts:
        return [Paragraph("No communications recorded.", styles()["small"])]
    rows = [
        [
            _cell(f"{format_date(c.occurred_at.date())} {c.occurred_at:%H:%M}"),
            _cell(c.channel),
            _cell(c.summary),
        ]
        for c in contacts
    ]
    return [_table(("Latest contact", "Channel", "Summary"), rows, (38, 22, 114))]


# --------------------------------------------------------------------------- look
# A table row cannot split across pages, and the facts are kept with the child's name: every
# stored text in a row is capped in height (a value saved before the length limits would
# otherwise be taller than the page, which reportlab cannot lay out).
CELL_HEIGHT = 260  # points: about 26 lines of a cell


def _markup(markup: str) -> Paragraph:
    """A cell from markup this module built (its parts already escaped and short)."""
    return Paragraph(markup, styles()["cell"])


def _capped(value: object) -> Flowable:
    text = "" if value is None else str(value)
    return Capped(text if text.strip() else DASH, styles()["cell"], CELL_HEIGHT)


def _cell(value: object) -> Flowable:
    return _capped(value)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[Flowable]], widths: Sequence[float], extra=()
) -> Table:
    head = [Paragraph(escape(h), styles()["cellbold"]) for h in header]
    table = Table([head, *rows], colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                ("TEXTCOLOR", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), (colors.white, ZEBRA)),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, ACCENT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                *extra,
            ]
        )
    )
    return table


__all__ = [
    "RECENT_CONTACTS",
    "HandoverCase",
    "HandoverContact",
    "HandoverData",
    "HandoverTask",
    "build_handover",
    "handover_story",
    "handover_title",
]
