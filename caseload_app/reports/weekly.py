"""The weekly leadership report on A4: headline figures, breakdowns, a 12-week trend chart and
the definitions in small print. Takes domain.measures' figures only (no database, no Qt)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
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
from caseload_app.domain.measures import AGE_BUCKETS, PLAN_AGES, Ratio, WeeklyFigures
from caseload_app.reports.pdf import (
    ACCENT,
    FONT,
    MARKING,
    TABLE_STYLE,
    Imprint,
    one_line,
    render,
    styles,
)

__all__ = ["DEFINITIONS", "build_weekly", "weekly_story", "weekly_title"]

MUTED = colors.HexColor("#555f6d")
SECOND = colors.HexColor("#e07b39")
WIDTH = 174  # mm between the margins

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Week", "the 7 days ending on the week-ending date, both days included."),
    ("Requests received", "cases whose request for an EHC needs assessment was received in the "
     "week."),
    ("Decisions to assess within 6 weeks", "decisions whether to assess (agreed or refused) "
     "dated in the week; on time if made no later than 6 weeks after the request (Reg 5(1))."),
    ("Plans issued within 20 weeks", "final plans issued in the week; on time if issued no later "
     "than 20 weeks after the request (Reg 13(2)). Counted including every case, and as DfE "
     "timeliness counts it: leaving out cases with an exception to the 20-week limit (Reg "
     "13(3), SEN2's Week20 flag; an exception to another limit does not count) and cases "
     "where mediation or a tribunal appeal took place, each as recorded by the week end."),
    ("Open cases", "open cases whose request was received by the week end. Before a plan: by "
     "current stage and by days from the request, cut at 6 weeks (the decision whether to "
     "assess, Reg 5(1)), 16 weeks (a decision not to issue, Reg 10(1)) and 20 weeks (the final "
     "plan, Reg 13(2)). Plans: by time since the plan was made or last reviewed (s44)."),
    ("Advice overdue", "advice requests on open cases, due before the week end and not received "
     "by it, by type."),
    ("Annual reviews", "due: review due date in the week; held: meeting date in the week; "
     "decided within 4 weeks: decisions dated in the week made no later than 4 weeks after the "
     "meeting (Reg 20(10)); overdue: open plans whose next step is the annual review, due before "
     "the week end."),
    ("Tribunal order steps overdue", "steps of Tribunal orders (Reg 44) and of appeals the "
     "council did not oppose (Reg 45), on open cases, due before the week end and not done by "
     "it."),
    ("Re-assessment steps overdue", "re-assessments on open cases: the decision due 15 days "
     "after the request (Reg 25(1)) and the re-assessed plan due 14 weeks after the family was "
     "told (Reg 27(2)), due before the week end and not done by it."),
    ("No contact in 14 days", "families with an open case and no communication logged in the 14 "
     "days up to and including the week end."),
    ("Load per caseworker", "open cases held, and their weighted load: each case's stage weight, "
     "times the urgency multiplier when its next step is overdue or due soon at the week end "
     "(the team's workload settings)."),
    ("Position figures", "open or closed, stage, next step and last review are as the dates "
     "recorded on or before the week end say, so a past week's figures do not change as cases "
     "move on; the caseworker is the one holding the case now. Every figure is traced case by "
     "case in the CSV export (one row per case per measure)."),
    ("Plan quality", "audits of plans decided (signed off or sent back for rework) by a second "
     "person against the council's checklist; a score is the share of the most the scored items "
     "could get (met 2, partly 1, not met 0; not applicable left out)."),
)  # fmt: skip


def weekly_title(fig: WeeklyFigures) -> str:
    return f"Weekly leadership report, week ending {format_date(fig.week_ending)}"


def build_weekly(
    fig: WeeklyFigures,
    imprint: Imprint,
    stage_labels: Mapping[str, str] | None = None,
) -> bytes:
    return render(weekly_story(fig, imprint.council, stage_labels), imprint, weekly_title(fig))


# --------------------------------------------------------------------------- pieces
def _st() -> dict[str, ParagraphStyle]:
    base = styles()
    return {
        "title": base["title"],
        "h2": base["h2"],
        "cell": base["cell"],
        "bold": base["cellbold"],
        "head": ParagraphStyle("wk-head", parent=base["cellbold"], textColor=ACCENT),
        "num": ParagraphStyle("wk-num", parent=base["cell"], alignment=2),
        "bignum": ParagraphStyle(
            "wk-big", parent=base["cellbold"], fontSize=10, leading=12, alignment=2
        ),
        "meta": ParagraphStyle("wk-meta", parent=base["small"], textColor=MUTED),
        "fine": ParagraphStyle("wk-fine", parent=base["small"], fontSize=7, leading=8.6),
    }


def _p(text: object, style: str = "cell") -> Paragraph:
    """A table cell: a figure, or a name cut to one line (a table row cannot split)."""
    return Paragraph(escape(one_line(text)), _st()[style])


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[Flowable]],
    widths: Sequence[float],
    extra: Sequence[tuple] = (),
    numeric: Sequence[int] | None = None,
) -> Table:
    """A ruled table in mm widths; headers of the ``numeric`` columns (default: all but the
    first) are right-aligned like their figures."""
    numeric = range(1, len(header)) if numeric is None else numeric
    right = ParagraphStyle("wk-head-r", parent=_st()["head"], alignment=2)
    head = [
        Paragraph(escape(h), right if i in numeric else _st()["head"]) for i, h in enumerate(header)
    ]
    table = Table([head, *rows], colWidths=[w * mm for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *TABLE_STYLE,
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *extra,
            ]
        )
    )
    return table


def _section(title: str, room: float = 40 * mm) -> list[Flowable]:
    return [CondPageBreak(room), Paragraph(escape(title), _st()["h2"])]


def _pct(r: Ratio) -> str:
    return "–" if r.percent is None else f"{r.percent:.0f}%"


def _of(r: Ratio) -> str:
    return f"{r.numerator} of {r.denominator}" if r.denominator else "none in the week"


# --------------------------------------------------------------------------- story
def weekly_story(
    fig: WeeklyFigures, council: str = "", stage_labels: Mapping[str, str] | None = None
) -> list[Flowable]:
    st = _st()
    labels = dict(stage_labels or {})
    story: list[Flowable] = []
    if council:
        story.append(Paragraph(escape(one_line(council, 200)), st["bold"]))
    story += [
        Paragraph("Weekly leadership report", st["title"]),
        Paragraph(
            escape(
                f"Week ending {format_date(fig.week_ending)} "
                f"({format_date(fig.week_start)} to {format_date(fig.week_ending)}) · "
                f"{MARKING}: no child is named here; the cases behind each figure are in the "
                f"CSV export"
            ),
            st["meta"],
        ),
        Spacer(1, 3 * mm),
    ]
    story += _headline(fig)
    story += _trend(fig)
    story += _open_cases(fig, labels)
    story += _advice(fig)
    story += _workers(fig)
    story += _quality(fig)
    story += _definitions()
    return story


def _headline(fig: WeeklyFigures) -> list[Flowable]:
    advice_total = sum(fig.advice_overdue.values())
    rows = [
        ("Requests received", str(fig.requests_received), ""),
        ("Decisions to assess within 6 weeks", _pct(fig.assess_decisions),
         _of(fig.assess_decisions)),
        ("Plans issued", str(fig.plans_issued), ""),
        ("Plans within 20 weeks, including exceptions", _pct(fig.plans_incl), _of(fig.plans_incl)),
        ("Plans within 20 weeks, excl. exceptions and disputes", _pct(fig.plans_excl),
         _of(fig.plans_excl)),
        ("Open cases at week end", str(fig.open_cases), ""),
        ("Advice overdue", str(advice_total), f"{len(fig.advice_overdue)} types"
         if fig.advice_overdue else ""),
        ("Annual reviews due in the week", str(fig.reviews_due), ""),
        ("Annual reviews held in the week", str(fig.reviews_held), ""),
        ("Review decisions within 4 weeks of the meeting", _pct(fig.review_decisions),
         _of(fig.review_decisions)),
        ("Annual reviews overdue", str(fig.reviews_overdue), ""),
        ("Tribunal order steps overdue", str(fig.tribunal_steps_overdue), ""),
        ("Re-assessment steps overdue", str(fig.reassessment_steps_overdue), ""),
        ("Families with no contact in 14 days", str(fig.families_no_contact),
         "families with an open case"),
        ("Families kept informed (an update at each change of stage and every few weeks)",
         _pct(fig.families_informed), _of(fig.families_informed)),
    ]  # fmt: skip
    body = [[_p(a), _p(b, "bignum"), _p(c, "meta")] for a, b, c in rows]
    return [
        Paragraph("Headline figures", _st()["h2"]),
        _table(("Measure", "This week", "Cases counted"), body, (96, 26, 52), numeric=(1,)),
    ]


def _trend(fig: WeeklyFigures) -> list[Flowable]:
    weeks = fig.trend
    labels = [f"{w.week_ending.day} {w.week_ending:%b}" for w in weeks]
    width, height = WIDTH * mm, 62 * mm
    drawing = Drawing(width, height)

    bars = VerticalBarChart()
    bars.x, bars.y = 12 * mm, 12 * mm
    bars.width, bars.height = 98 * mm, 36 * mm
    bars.data = [
        [w.requests_received for w in weeks] or [0],
        [w.plans_issued for w in weeks] or [0],
    ]
    bars.valueAxis.valueMin = 0
    top = max([*bars.data[0], *bars.data[1], 1])
    bars.valueAxis.valueMax = top + max(1, round(top * 0.1))
    bars.valueAxis.labels.fontName = FONT
    bars.valueAxis.labels.fontSize = 6.5
    bars.categoryAxis.categoryNames = labels or [""]
    bars.categoryAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = 6
    bars.categoryAxis.labels.angle = 45
    bars.categoryAxis.labels.boxAnchor = "ne"
    bars.bars[0].fillColor = ACCENT
    bars.bars[1].fillColor = SECOND
    bars.bars.strokeWidth = 0
    bars.barSpacing = 0.5
    bars.groupSpacing = 3
    drawing.add(bars)
    drawing.add(String(12 * mm, 57 * mm, "Requests received and plans issued", fontName=FONT,
                       fontSize=8, fillColor=ACCENT))  # fmt: skip

    points = [w.within_20.percent for w in weeks]
    if sum(p is not None for p in points) < 2:  # reportlab cannot draw a line of one point
        drawing.add(String(126 * mm, 30 * mm, "Too few weeks with plans issued to draw.",
                           fontName=FONT, fontSize=7, fillColor=MUTED))  # fmt: skip
    else:
        line = HorizontalLineChart()
        line.x, line.y = 126 * mm, 12 * mm
        line.width, line.height = 46 * mm, 36 * mm
        line.data = [points]
        line.valueAxis.valueMin, line.valueAxis.valueMax, line.valueAxis.valueStep = 0, 100, 25
        line.valueAxis.labels.fontName = FONT
        line.valueAxis.labels.fontSize = 6.5
        line.valueAxis.labelTextFormat = "%d%%"
        line.categoryAxis.categoryNames = labels or [""]
        line.categoryAxis.labels.fontName = FONT
        line.categoryAxis.labels.fontSize = 5.5
        line.categoryAxis.labels.angle = 45
        line.categoryAxis.labels.boxAnchor = "ne"
        line.lines[0].strokeColor = ACCENT
        line.lines[0].strokeWidth = 1.2
        line.lines[0].symbol = makeMarker("FilledCircle", size=3)
        line.joinedLines = 1
        drawing.add(line)
    drawing.add(String(122 * mm, 57 * mm, "% of plans within 20 weeks, incl. exceptions",
                       fontName=FONT, fontSize=7.5, fillColor=ACCENT))  # fmt: skip

    legend = Legend()
    legend.x, legend.y = 14 * mm, 52.5 * mm
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.boxAnchor = "w"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 6
    legend.deltax = 26 * mm
    legend.colorNamePairs = [(ACCENT, "Requests"), (SECOND, "Plans issued")]
    drawing.add(legend)

    rows = [
        [_p(f"{format_date(w.week_ending)}"), _p(w.requests_received, "num"),
         _p(w.plans_issued, "num"), _p(_pct(w.within_20), "num"), _p(_of(w.within_20), "meta")]
        for w in weeks
    ]  # fmt: skip
    table = _table(
        ("Week ending", "Requests", "Plans issued", "In 20 wks", "Plans counted"),
        rows,
        (40, 24, 26, 24, 60),
        numeric=(1, 2, 3),
    )
    return [
        *_section("Trend: the last 12 weeks", 80 * mm),
        KeepTogether([drawing]),
        Spacer(1, 2 * mm),
        table,
    ]


def _open_cases(fig: WeeklyFigures, labels: Mapping[str, str]) -> list[Flowable]:
    order = [s for s in labels if s in fig.open_by_stage_age]
    order += sorted(s for s in fig.open_by_stage_age if s not in order)
    rows = []
    totals = [0] * len(AGE_BUCKETS)
    for stage in order:
        counts = fig.open_by_stage_age[stage]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        rows.append(
            [_p(labels.get(stage, stage)), *(_p(n, "num") for n in counts), _p(sum(counts), "num")]
        )
    rows.append(
        [_p("All cases before a plan", "bold"), *(_p(n, "bignum") for n in totals),
         _p(sum(totals), "bignum")]
    )  # fmt: skip
    header = ("Stage", *(b[0] for b in AGE_BUCKETS), "Total")
    widths = (64, *([22] * len(AGE_BUCKETS)), 20)
    plans = fig.plans_by_review_age
    plan_rows = [[_p("Plans maintained"), *(_p(n, "num") for n in plans), _p(sum(plans), "num")]]
    plan_header = ("", *PLAN_AGES, "Total")
    return [
        *_section("Open cases before a plan, by stage and by time since the request"),
        _table(header, rows, widths),
        Spacer(1, 2 * mm),
        _p("Plans, by time since the plan was made or last reviewed (12 months: s44)", "meta"),
        _table(plan_header, plan_rows, (40, 40, 34, 38, 20)),  # as wide as the table above
    ]


def _advice(fig: WeeklyFigures) -> list[Flowable]:
    out = _section("Advice overdue at week end, by type", 30 * mm)
    if not fig.advice_overdue:
        return [*out, _p("No advice overdue.", "meta")]
    rows = [[_p(k), _p(v, "num")] for k, v in fig.advice_overdue.items()]
    rows.append([_p("All types", "bold"), _p(sum(fig.advice_overdue.values()), "bignum")])
    return [*out, _table(("Advice type", "Overdue"), rows, (80, 26))]


def _workers(fig: WeeklyFigures) -> list[Flowable]:
    out = _section("Load per caseworker at week end")
    if not fig.workers:
        return [*out, _p("No caseworkers.", "meta")]
    rows = []
    for w in fig.workers:
        per = w.load_per_fte
        rows.append(
            [
                _p(w.name),
                _p("–" if w.capacity is None else f"{w.capacity:g}", "num"),
                _p(w.open_cases, "num"),
                _p(f"{w.load:.1f}", "num"),
                _p("–" if per is None else f"{per:.1f}", "num"),
            ]
        )
    return [
        *out,
        _table(
            ("Caseworker", "FTE", "Open cases", "Weighted load", "Load per FTE"),
            rows,
            (70, 20, 26, 30, 28),
        ),  # fmt: skip
    ]


def _score(value: int | None) -> str:
    return "–" if value is None else f"{value}%"


def _quality(fig: WeeklyFigures) -> list[Flowable]:
    """Plan quality: the week's audits and the month's, by section, by caseworker over six
    months, and the checklist items most often not met."""
    week, month = fig.quality_week, fig.quality_month
    out = _section("Plan quality (audits decided)", 60 * mm)
    if week is None or month is None:
        return [*out, _p("Not counted.", "meta")]
    rows = [
        ("Plans audited", week.audited, month.audited),
        ("Signed off", week.signed_off, month.signed_off),
        ("Sent back for rework", week.sent_back, month.sent_back),
        ("Average score", _score(week.average), _score(month.average)),
    ]
    body = [[_p(a), _p(b, "num"), _p(c, "num")] for a, b, c in rows]
    out.append(_table(("Measure", "This week", f"{month.start:%B} to date"), body, (80, 26, 36)))
    if not month.audited:
        return out
    sections = [[_p(k if k != "all" else "Whole plan"), _p(f"{v}%", "num")]
                for k, v in month.by_section.items()]  # fmt: skip
    out += [Spacer(1, 2 * mm), _p(f"By section, {month.start:%B} to date", "bold")]
    out.append(_table(("Section", "Average score"), sections, (40, 30)))
    months = [f"{m:%b}" for m in month.months]
    workers = [
        [_p(w.caseworker or "Unallocated"), *(_p(_score(v), "num") for v in w.monthly)]
        for w in month.by_worker
    ]
    out += [Spacer(1, 2 * mm), _p("Average score by caseworker, month by month", "bold")]
    out.append(_table(("Caseworker", *months), workers, (58, *([20] * len(months)))))
    if month.failures:
        fails = [[_p(f.section), _p(f.question), _p(f"{f.count} of {f.of}", "num")]
                 for f in month.failures]  # fmt: skip
        out += [Spacer(1, 2 * mm), _p("Commonest failures this month", "bold")]
        out.append(_table(("Section", "Checklist item", "Not met or partly"), fails, (16, 120, 30)))
    return out


def _definitions() -> list[Flowable]:
    st = _st()
    out: list[Flowable] = [*_section("Definitions", 30 * mm)]
    for term, text in DEFINITIONS:
        out.append(Paragraph(f"<b>{escape(term)}</b>: {escape(text)}", st["fine"]))
    return out
