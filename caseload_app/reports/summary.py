"""The case summary: one child's case on A4, for a meeting pack or the paper file. (Long on
purpose: one document's layout, section by section, in reading order.)

Takes the small dataclasses of reports/content.py (filled in by services/printing.py), so
reports depend on the domain only: never on services, the database or Qt. Every user-typed
value goes into a Paragraph (escaped, wrapped, never cut off); every table repeats its header
row on each page and may split a very tall row across pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Deadline, Rag, rag_for
from caseload_app.domain.text import clean_lines
from caseload_app.domain.validators import ValidationError, age_on, format_nhs_number
from caseload_app.reports.content import (
    AdviceRow,
    AssignmentRow,
    ChildDetails,
    CommunicationRow,
    ContactRow,
    DisagreementRow,
    EventRow,
    ExceptionRow,
    FamilyDetails,
    ReviewRow,
    SummaryData,
    TaskRow,
)
from caseload_app.reports.pdf import (
    ACCENT,
    MARKING,
    RULE,
    TABLE_STYLE,
    Capped,
    Imprint,
    one_line,
    render,
    styles,
    text_markup,
)

__all__ = [
    "AdviceRow",
    "AssignmentRow",
    "ChildDetails",
    "CommunicationRow",
    "ContactRow",
    "DisagreementRow",
    "EventRow",
    "ExceptionRow",
    "FamilyDetails",
    "ReviewRow",
    "SummaryData",
    "TaskRow",
    "build_summary",
    "summary_story",
    "summary_title",
]


# --------------------------------------------------------------------------- entry points
def summary_title(data: SummaryData) -> str:
    return f"Case summary — {one_line(data.child.name)}"


def build_summary(data: SummaryData, imprint: Imprint, *, page_total: bool = True) -> bytes:
    """The case summary as PDF bytes; with `page_total` the footer says "Page N of M".

    The council's name heads the first page rather than the footer, where beside the child's
    name and the imprint it would run into the "Printed by" text.
    """
    title = summary_title(data)
    story = summary_story(data, imprint.council)
    footer = replace(imprint, council="")
    return render(story, footer, title, page_total=page_total)


def summary_story(data: SummaryData, council: str = "") -> list[Flowable]:
    """The flowables, in meeting-pack order: the long communication log comes last."""
    sections: Sequence[Callable[[SummaryData], list[Flowable]]] = (
        _status_panel,
        _child_and_family,
        _deadlines,
        _exceptions,
        _advice,
        _reviews,
        _disagreements,
        _tasks,
        _events,
        _assignments,
        _communications,
    )
    return [*_heading(data, council), *(f for section in sections for f in section(data))]


# --------------------------------------------------------------------------- look
PANEL = colors.HexColor("#f3f6fa")
MUTED = colors.HexColor("#555f6d")
DASH = "—"
D = 28.5  # mm: the widest date, "Wed 13 May 2026", with its padding
DEADLINE_WIDTHS = (45, 29, D, D, 43)
RAG_WORDS: dict[str, str] = {  # by Rag, which is a str
    Rag.RED: "Red — overdue",
    Rag.AMBER: "Amber — due within 14 days",
    Rag.GREEN: "Green — on track",
    Rag.GREY: "Grey — exception applies; the date still stands",
    Rag.NONE: "No RAG — nothing due",
}
RAG_FILL: dict[str, colors.Color] = {
    Rag.RED: colors.HexColor("#f6d5d5"),
    Rag.AMBER: colors.HexColor("#fbe5b6"),
    Rag.GREEN: colors.HexColor("#d6ead8"),
    Rag.GREY: colors.HexColor("#e1e1e1"),
}


@cache
def _styles() -> StyleSheet1:
    base = styles()
    sheet = StyleSheet1()
    for name in ("body", "cell", "cellbold", "title", "h2", "small"):
        sheet.add(base[name])
    sheet.add(ParagraphStyle("meta", parent=base["small"], textColor=MUTED))
    sheet.add(ParagraphStyle("council", parent=base["cellbold"], fontSize=9.5, textColor=ACCENT))
    sheet.add(ParagraphStyle("head", parent=base["cellbold"], textColor=ACCENT))
    sheet.add(ParagraphStyle("key", parent=base["cell"], textColor=MUTED))
    sheet.add(ParagraphStyle("cellmuted", parent=base["cell"], textColor=MUTED))
    sheet.add(ParagraphStyle("panelhead", parent=base["cellbold"], fontSize=9, textColor=ACCENT))
    return sheet


def _text(value: object) -> str:
    """Paragraph markup for a user-typed value: cleaned of control and invisible characters,
    escaped, line breaks kept, blank → a dash. Never cut: tables split tall rows."""
    text = "" if value is None else clean_lines(str(value))
    return text_markup(text) if text else DASH


def _cell(value: object, style: str = "cell") -> Paragraph:
    return Paragraph(_text(value), _styles()[style])


# A fact beside the child's or family's others (a nested table, which cannot split across
# pages) stays this short: eight of them and their labels always fit on one page.
FACT_HEIGHT = 52  # points: five lines of a cell
ADDRESS_HEIGHT = 130  # thirteen lines, for an address or a family's other children


def _fact(value: object, style: str = "cell", height: float = FACT_HEIGHT) -> Flowable:
    text = "" if value is None else str(value)
    return Capped(text if clean_lines(text) else DASH, _styles()[style], height)


def _markup(markup: str, style: str = "cell") -> Paragraph:
    """A cell from markup this module built (its parts already escaped)."""
    return Paragraph(markup, _styles()[style])


def _date(d: date | None) -> str:
    return format_date(d) if d else DASH


def _when(at: datetime) -> str:
    return f"{format_date(at.date())}<br/>{at:%H:%M}"


def _note(label: str, d: date | None) -> str:
    """A muted second line such as "due Wed 16 Apr 2025" (empty when there is no date)."""
    return f'<br/><font color="#555f6d">{label} {format_date(d)}</font>' if d else ""


def _plural(n: int, word: str = "day") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def days_text(days: int) -> str:
    """34 days overdue / due today / 1 day left."""
    if days < 0:
        return f"{_plural(-days)} overdue"
    return "due today" if days == 0 else f"{_plural(days)} left"


def _nhs(number: str | None) -> str | None:
    if not number:
        return None
    try:
        return format_nhs_number(number)
    except ValidationError:
        return number  # legacy data: show what is stored rather than hide it


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def _section(title: str, room: float = 32 * mm) -> list[Flowable]:
    """A heading that never sits alone at the foot of a page."""
    return [CondPageBreak(room), Paragraph(escape(title), _styles()["h2"])]


def _none(what: str) -> list[Flowable]:
    return [Paragraph(escape(what), _styles()["meta"])]


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    extra: Sequence[tuple] = (),
) -> Table:
    """A ruled table in mm widths; the header repeats on every page it flows onto."""
    head = [_markup(escape(h), "head") for h in header]
    table = Table(
        [head, *rows],
        colWidths=[w * mm for w in widths],
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle([*TABLE_STYLE, *extra]))
    return table


def _facts(pairs: Sequence[tuple[str, Flowable]], key_mm: float, value_mm: float) -> Table:
    """Label/value rows without a header: the child's and family's details."""
    rows = [[_markup(escape(key), "key"), value] for key, value in pairs]
    table = Table(rows, colWidths=[key_mm * mm, value_mm * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ]
        )
    )
    return table


# --------------------------------------------------------------------------- sections
def _heading(data: SummaryData, council: str) -> list[Flowable]:
    st = _styles()
    meta = " · ".join(
        (
            f"Case {data.case_id}",
            f"child {data.child_id}",
            f"as at {format_date(data.today)}",
            f"caseworker {escape(one_line(data.caseworker) or 'not allocated')}",
        )
    )
    letterhead = [Paragraph(escape(one_line(council, 200)), st["council"])] if council else []
    return [
        *letterhead,
        Paragraph(escape(summary_title(data)), st["title"]),
        Paragraph(meta, st["meta"]),
        Paragraph(
            f"{MARKING}: special-category personal data about a child. Keep it secure, share "
            "it only with people who need it, and destroy it when it is no longer needed.",
            st["meta"],
        ),
        Spacer(1, 3 * mm),
    ]


def _next_step_cells(data: SummaryData) -> tuple[str, str, str]:
    step = data.status.next_step
    if step is None:
        reason = "none: the case is closed" if not data.is_open else "no date to count from"
        return reason, DASH, DASH
    days = DASH if data.status.days_left is None else days_text(data.status.days_left)
    label = f"{escape(one_line(step.label))} ({escape(one_line(step.regulation))})"
    return label, format_date(step.due), days


def _status_panel(data: SummaryData) -> list[Flowable]:
    step, due, days = _next_step_cells(data)
    # A boxed panel cannot split across pages: every stored value in it is kept short.
    source = f" from {escape(one_line(data.request_source))}" if data.request_source else ""
    stage = escape(one_line(data.stage)) + ("" if data.is_open else " (closed)")
    exception = "Applies — see exceptions below" if data.exception_limits else "None recorded"
    caseworker = escape(one_line(data.caseworker) or "Not allocated")
    rows = [
        ("Stage", stage, "Caseworker", caseworker),
        ("Next step", step, "Due", due),
        ("Timing", days, "RAG", escape(one_line(RAG_WORDS.get(data.status.rag, data.status.rag)))),
        (
            escape(one_line(data.request_date_label)),
            format_date(data.request_received) + source,
            "Exception",
            exception,
        ),
    ]
    if data.phase_transfer:
        transfer = escape(one_line(data.phase_transfer)) + _note(
            "— amended plan by", data.phase_transfer_due
        )
        rows.append(("Phase transfer", transfer, "", ""))
    if data.status.note:
        rows.append(("Note", escape(one_line(data.status.note, 400)), "", ""))
    return [*_section("Where the case is"), _panel(rows, data.status.rag)]


def _panel(rows: Sequence[tuple[str, str, str, str]], rag: str) -> Table:
    cells = [
        [_markup(k1, "key"), _markup(v1, "cellbold"), _markup(k2, "key"), _markup(v2, "cellbold")]
        for k1, v1, k2, v2 in rows
    ]
    table = Table(cells, colWidths=[30 * mm, 67 * mm, 22 * mm, 55 * mm], hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, -1), PANEL),
        ("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    if rag in RAG_FILL:
        style.append(("BACKGROUND", (3, 2), (3, 2), RAG_FILL[rag]))
    style += [("SPAN", (1, i), (3, i)) for i, row in enumerate(rows) if not row[2]]
    table.setStyle(TableStyle(style))
    return table


def _child_and_family(data: SummaryData) -> list[Flowable]:
    child, family = data.child, data.family
    age = age_on(child.date_of_birth, data.today)
    child_facts = [
        ("Name", _fact(child.name, "cellbold")),
        ("Date of birth", _fact(f"{format_date(child.date_of_birth)} (age {age})")),
        ("UPN", _fact(child.upn)),
        ("NHS number", _fact(_nhs(child.nhs_number))),
        ("Setting", _fact(child.setting)),
        ("Year group", _fact(child.year_group)),
        ("Primary need", _fact(child.primary_need)),
        ("Secondary need", _fact(child.secondary_need)),
    ]
    family_facts = [
        ("Parent / carer", _fact(family.parent_carer_name, "cellbold")),
        ("Address", _fact(family.address, height=ADDRESS_HEIGHT)),
        ("Postcode", _fact(family.postcode)),
        ("Phone", _fact(family.phone)),
        ("Email", _fact(family.email)),
        ("Prefers", _fact(family.preferred_channel)),
        ("Language", _fact(family.language)),
        ("Interpreter", _fact(_yes_no(family.interpreter_needed))),
    ]
    if family.other_children:
        others = "\n".join(family.other_children)
        family_facts.append(("Other children", _fact(others, height=ADDRESS_HEIGHT)))
    st = _styles()
    side_by_side = Table(
        [
            [Paragraph("Child", st["panelhead"]), "", Paragraph("Family", st["panelhead"])],
            [_facts(child_facts, 25, 59), "", _facts(family_facts, 25, 59)],
        ],
        colWidths=[85 * mm, 4 * mm, 85 * mm],
        hAlign="LEFT",
    )
    side_by_side.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (0, 0), 0.8, ACCENT),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, ACCENT),
            ]
        )
    )
    return [*_section("Child and family", 70 * mm), side_by_side, *_contacts(family)]


def _contacts(family: FamilyDetails) -> list[Flowable]:
    if not family.contacts:
        return [Spacer(1, 2 * mm), *_none("No other contacts recorded.")]
    rows = [
        [
            _cell(c.name),
            _cell(c.relation),
            _cell(c.phone),
            _cell(c.email),
            _cell(c.preferred_channel),
            _cell(c.language),
            _cell(_yes_no(c.interpreter_needed)),
        ]
        for c in family.contacts
    ]
    header = ("Other contact", "Relation", "Phone", "Email", "Prefers", "Language", "Interpreter")
    return [Spacer(1, 3 * mm), _table(header, rows, (30, 22, 24, 38, 17, 21, 22))]


def deadline_status(d: Deadline, today: date) -> str:
    """A statutory deadline's state in words, with its RAG where it is still open."""
    if d.done_on is not None:
        return "Met" if d.met else f"Late by {_plural((d.done_on - d.due).days)}"
    if d.key == "comments_end":
        return "Family's comment period (information only)"
    days = (d.due - today).days
    if d.met is False:
        text = f"Missed — {_plural(-days)} overdue"
    elif d.rag in RAG_FILL:
        text = f"Open — {days_text(days)}"
    else:
        return "No date recorded"
    if d.rag == Rag.GREY:
        return f"{text}; exception applies (grey)"
    return f"{text} ({d.rag})" if d.rag in RAG_FILL else text


def _deadlines(data: SummaryData) -> list[Flowable]:
    if not data.deadlines:
        return [*_section("Statutory deadlines"), *_none("No statutory deadlines yet.")]
    rows, extra = [], []
    for i, d in enumerate(data.deadlines, start=1):
        rows.append(
            [
                _cell(d.label),
                _cell(d.regulation, "cellmuted"),
                _cell(_date(d.due)),
                _cell(_date(d.done_on)),
                _cell(deadline_status(d, data.today)),
            ]
        )
        if d.done_on is None and d.rag in RAG_FILL:
            extra.append(("BACKGROUND", (4, i), (4, i), RAG_FILL[d.rag]))
    header = ("Step", "Regulation", "Due", "Done", "Status")
    return [*_section("Statutory deadlines"), _table(header, rows, DEADLINE_WIDTHS, extra)]


def _exceptions(data: SummaryData) -> list[Flowable]:
    title = "Exceptions to the time limits"
    if not data.exceptions:
        return [*_section(title), *_none("No exceptions recorded.")]
    rows = [
        [
            _markup(
                f"{_text(e.ground)}<br/>Covers {_text(e.limits)}" if e.limits else _text(e.ground)
            ),
            _markup(f"{_date(e.period_start)}<br/>to {_date(e.period_end)}"),
            _cell(_date(e.family_told)),
            _cell(e.recorded_by),
            _cell(e.note),
        ]
        for e in data.exceptions
    ]
    header = ("Ground", "Period", "Family told", "Recorded by", "Note")
    return [*_section(title), _table(header, rows, (44, 33, D, 27, 41.5))]


def advice_status(a: AdviceRow, today: date) -> str:
    if a.received is not None:
        late = (a.received - a.due).days
        return "Received on time" if late <= 0 else f"Received {_plural(late)} late"
    return f"Awaited — {days_text((a.due - today).days)}"


def _chases(a: AdviceRow) -> str:
    if not a.chases:
        return "None"
    last = f", last<br/>{format_date(a.last_chased)}" if a.last_chased else ""
    return f"{a.chases}{last}"


def _advice(data: SummaryData) -> list[Flowable]:
    if not data.advice:
        return [*_section("Advice requests"), *_none("No advice requested.")]
    rows, extra = [], []
    for i, a in enumerate(data.advice, start=1):
        chases = _chases(a)
        rows.append(
            [
                _cell(a.advice_type),
                _markup(
                    f"{_date(a.requested)}<br/>adviser had it {_date(a.received_by_adviser)}"
                    if a.received_by_adviser not in (None, a.requested)
                    else _date(a.requested)
                ),
                _cell(_date(a.due)),
                _cell(_date(a.received)),
                _markup(chases),
                _cell(advice_status(a, data.today)),
            ]
        )
        if a.received is None and a.due < data.today:
            extra.append(("BACKGROUND", (5, i), (5, i), RAG_FILL[Rag.RED]))
    header = ("Advice", "Requested", "Due", "Received", "Chases", "Status")
    return [*_section("Advice requests"), _table(header, rows, (30, D, D, D, D, 30), extra)]


def review_step_status(due: date | None, done: date | None, today: date) -> str:
    """A review step in words: met or late once done, else the time left or overdue."""
    if done is not None:
        if due is None or done <= due:
            return "Done"
        return f"Late by {_plural((done - due).days)}"
    if due is None:
        return "Date set once the meeting is booked"
    days = (due - today).days
    return f"Missed — {_plural(-days)} overdue" if days < 0 else f"Open — {days_text(days)}"


def _review_steps(r: ReviewRow) -> list[tuple[str, str, date | None, date | None]]:
    """(step, regulation, due by, done) for one review, in the order of the process."""
    steps = [
        ("Hold the review meeting", "CFA 2014 s44", r.due, r.meeting_date),
        ("Send invitations", "Reg 20(3)", r.invitations_by, r.invitations_sent),
        ("Circulate advice and information", "Reg 20(4)", r.papers_by, r.papers_sent),
        ("Send the review report", "Reg 20(7)", r.report_due, r.report_sent),
        ("Decide: maintain, amend or cease", "Reg 20(10)", r.decision_due, r.decision_date),
    ]
    if r.amendment_notice or r.amended_plan_due:
        steps += [
            ("Serve amendment notice", "Reg 22(2)", r.decision_due, r.amendment_notice),
            ("Comments on amendments close", "Reg 22(2)", r.amendment_comments_end, None),
            ("Issue final amended plan", "Reg 22(3)", r.amended_plan_due, r.final_amended_issued),
        ]
    return steps


def _review_title(r: ReviewRow) -> str:
    meeting = f"meeting {format_date(r.meeting_date)}" if r.meeting_date else "meeting not booked"
    outcome = f" · outcome: {escape(one_line(r.outcome))}" if r.outcome else ""
    return f"Annual review due {format_date(r.due)} · {meeting}{outcome}"


def _reviews(data: SummaryData) -> list[Flowable]:
    if not data.reviews:
        return [*_section("Annual reviews"), *_none("No annual reviews recorded.")]
    rows: list[list[Flowable | str]] = []
    extra: list[tuple] = []
    for r in reversed(data.reviews):  # the latest review first
        rows.append([_markup(_review_title(r), "cellbold"), "", "", "", ""])
        group = len(rows)
        extra += [("SPAN", (0, group), (-1, group)), ("BACKGROUND", (0, group), (-1, group), PANEL)]
        for label, regulation, due, done in _review_steps(r):
            information = label.startswith("Comments")  # the family's period, not an LA duty
            status = "Family's comment period" if information else None
            rows.append(
                [
                    _cell(label),
                    _cell(regulation, "cellmuted"),
                    _cell(_date(due)),
                    _cell(_date(done)),
                    _cell(status or review_step_status(due, done, data.today)),
                ]
            )
            rag = rag_for(due, data.today) if done is None and due and not information else None
            if rag in RAG_FILL:
                extra.append(("BACKGROUND", (4, len(rows)), (4, len(rows)), RAG_FILL[rag]))
    header = ("Step", "Regulation", "Due by", "Done", "Status")
    return [*_section("Annual reviews"), _table(header, rows, DEADLINE_WIDTHS, extra)]


def _labelled(label: str, d: date | None) -> str:
    """A small muted label above a date, for cells holding several dates."""
    if d is None:
        return ""
    return f'<font size="7" color="#555f6d">{escape(label)}</font><br/>{format_date(d)}'


def _lines(*parts: str) -> str:
    return "<br/>".join(p for p in parts if p) or DASH


def _disagreements(data: SummaryData) -> list[Flowable]:
    if not data.disagreements:
        return []  # most cases have none; an empty "mediation" heading only adds noise
    rows = [
        [
            _cell(d.decision),
            _cell(_date(d.decision_letter)),
            _markup(
                _lines(
                    _labelled("ended", d.mediation_ended),
                    _labelled("certificate due", d.certificate_due),
                    _labelled("certificate issued", d.mediation_certificate),
                )
            ),
            _cell(_date(d.appeal_deadline)),
            _markup(
                _lines(_labelled("lodged", d.appeal_lodged), _labelled("hearing", d.hearing_date))
            ),
            _cell(d.outcome),
        ]
        for d in data.disagreements
    ]
    header = ("Decision disputed", "Letter", "Mediation", "Appeal by", "Appeal", "Outcome")
    title = "Mediation and tribunal"
    return [*_section(title), _table(header, rows, (31, D, D, D, D, 28.5))]


def _tasks(data: SummaryData) -> list[Flowable]:
    if not data.tasks:
        return [*_section("Open tasks"), *_none("No open tasks.")]
    rows, extra = [], []
    for i, t in enumerate(data.tasks, start=1):
        overdue = t.due is not None and t.due < data.today
        due = _date(t.due) + (" (overdue)" if overdue else "")
        rows.append([_cell(t.title), _cell(due), _cell(t.owner)])
        if overdue:
            extra.append(("BACKGROUND", (1, i), (1, i), RAG_FILL[Rag.RED]))
    return [*_section("Open tasks"), _table(("Task", "Due", "Owner"), rows, (104, 38, 32), extra)]


def _events(data: SummaryData) -> list[Flowable]:
    if not data.events:
        return [*_section("Stage history"), *_none("No stage actions recorded.")]
    rows = [
        [_cell(_date(e.on_date)), _cell(e.label), _cell(e.by), _cell(e.note)] for e in data.events
    ]
    header = ("Date", "Action", "By", "Note")
    return [*_section("Stage history"), _table(header, rows, (D, 50, 32, 63.5))]


def _assignments(data: SummaryData) -> list[Flowable]:
    title = "Caseworker and assignment history"
    current = _markup(
        f"Current caseworker: <b>{escape(one_line(data.caseworker) or 'not allocated')}</b>",
        "body",
    )
    if not data.assignments:
        return [*_section(title), current, Spacer(1, 1.5 * mm), *_none("No assignments recorded.")]
    rows = [
        [
            _markup(_when(a.assigned_at)),
            _cell(a.from_name or "Unallocated"),
            _cell(a.to_name or "Unallocated"),
            _cell(a.by),
            _cell(a.reason),
        ]
        for a in data.assignments
    ]
    header = ("When", "From", "To", "By", "Reason")
    return [
        *_section(title),
        current,
        Spacer(1, 2 * mm),
        _table(header, rows, (D, 30, 30, 30, 55.5)),
    ]


def _communications(data: SummaryData) -> list[Flowable]:
    shown, total = len(data.communications), max(data.communications_total, 0)
    title = "Communications"
    if not shown:
        what = "No communications recorded." if not total else "No communications requested."
        return [*_section(title), *_none(what)]
    if shown < total:
        scope = f"The {shown} most recent of {total} contacts with this family, newest first."
    else:
        scope = f"All {_plural(shown, 'contact')} with this family, newest first."
    rows = [
        [
            _markup(_when(c.occurred_at)),
            _cell(c.channel),
            _cell("In" if c.direction == "in" else "Out"),
            _cell(c.with_whom),
            _cell(c.summary),
            _cell(c.logged_by),
        ]
        for c in data.communications
    ]
    header = ("When", "Channel", "In/out", "With", "Summary", "Logged by")
    return [
        *_section(title, 45 * mm),
        Paragraph(scope, _styles()["meta"]),
        Spacer(1, 1.5 * mm),
        _table(header, rows, (D, 19, 12, 27, 62, 25.5)),
    ]


# --------------------------------------------------------------------------- page N of M
