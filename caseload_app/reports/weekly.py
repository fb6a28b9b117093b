"""The weekly leadership report on A4: headline figures, breakdowns, a 12-week trend chart, the
forecast page and the definitions in small print. Takes domain objects only (the measures'
figures, the forecast and its back-test): no database, no Qt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caseload_app.domain.backtest import BackTest, LeadError
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.forecast import Forecast, ForecastWeek
from caseload_app.domain.measures import AGE_BUCKETS, PLAN_AGES, Ratio, WeeklyFigures
from caseload_app.reports.content import WeeklyForecast
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

__all__ = [
    "AT_RISK_SHOWN",
    "DEFINITIONS",
    "build_weekly",
    "lead_figures",
    "weekly_story",
    "weekly_title",
]

MUTED = colors.HexColor("#555f6d")
SECOND = colors.HexColor("#e07b39")
ACCENT_BAND = colors.HexColor("#c9d4e4")  # the range around ACCENT's line
SECOND_BAND = colors.HexColor("#f5d5bf")
GRID = colors.HexColor("#d5d9de")
AT_RISK_SHOWN = 10  # the cases most at risk on the forecast page
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
    forecast: WeeklyForecast | None = None,
) -> bytes:
    story = weekly_story(fig, imprint.council, stage_labels, forecast)
    return render(story, imprint, weekly_title(fig))


# --------------------------------------------------------------------------- pieces
@cache  # a cell asks for its style: 1,300 cells at 50,000 children made 1,300 sheets
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
    rows: Sequence[Sequence[Flowable | str]],
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
    fig: WeeklyFigures,
    council: str = "",
    stage_labels: Mapping[str, str] | None = None,
    forecast: WeeklyForecast | None = None,
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
    if forecast is not None:
        story += forecast_page(forecast)
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
        # The figures as plain text, set by the table (a paragraph each cost 80% of this
        # table, a row per caseworker: 900 rows at 200,000 children); the name may wrap.
        rows.append(
            [
                _p(w.name),
                "–" if w.capacity is None else f"{w.capacity:g}",
                str(w.open_cases),
                f"{w.load:.1f}",
                "–" if per is None else f"{per:.1f}",
            ]
        )
    figures = [("FONT", (1, 1), (-1, -1), FONT, 8, 10), ("ALIGN", (1, 1), (-1, -1), "RIGHT")]
    return [
        *out,
        _table(
            ("Caseworker", "FTE", "Open cases", "Weighted load", "Load per FTE"),
            rows,
            (70, 20, 26, 30, 28),
            figures,
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


# --------------------------------------------------------------------------- forecast page
METHOD = (
    "Each open request's chance of its final plan being issued on each coming day is worked "
    "out from how long each step (the decision whether to assess, the advice, the draft, "
    "finalising) took in the last 12 months, comparing a case part-way through a step only "
    "with past cases that took at least as long; advice is timed per provider.",
    "Drafting and finalising are limited to each caseworker's capacity (the team's busiest "
    "four weeks in the last six months, per full-time caseworker, scaled by FTE, and nothing "
    "on days recorded away); work beyond that waits its turn. New requests arrive at the "
    "last 12 weeks' rate.",
    "The chances are added up week by week: the plans expected, and of those the plans "
    "within 20 weeks of the request (Reg 13(2)). The range is where the count should fall "
    "four weeks in five. The same records always give the same forecast.",
    "The back-test remakes the forecast 4, 8 and 12 weeks before each of the last 26 weeks "
    "from only what was recorded by then, and compares it with the plans actually issued.",
)

BACK_TEST_HEADER = (
    "Weeks ahead",
    "Weeks checked",
    "Plans an average week",
    "Average error (plans a week)",
    "Error as % of an average week",
    "Bias",
    "Actual in the range",
)


def lead_figures(e: LeadError) -> tuple[str, ...]:
    """One lead's back-test row as printed, in BACK_TEST_HEADER's order."""
    rel = e.relative
    return (
        f"{e.lead} weeks",
        str(e.weeks),
        f"{e.mean_actual:.1f}",
        f"{e.mean_error:.1f}",
        "–" if rel is None else f"{round(100 * rel)}%",
        f"{e.bias:+.1f}",
        f"{round(100 * e.in_range)}%",
    )


def forecast_page(page: WeeklyForecast) -> list[Flowable]:
    """The next 12 weeks' plans, how well the forecast did on past weeks, the cases most
    at risk and the method; or one line saying why there is no forecast."""
    st = _st()
    if page.left_out or page.forecast is None:
        return [
            *_section("Forecast: plans issued in the coming weeks", 20 * mm),
            Paragraph(escape(page.left_out or "No forecast was made."), st["meta"]),
        ]
    f = page.forecast
    out: list[Flowable] = [
        PageBreak(),
        Paragraph(escape(_forecast_title(f)), st["h2"]),
        Paragraph(escape(_made_on(page)), st["meta"]),
        Spacer(1, 2 * mm),
    ]
    if not f.ok:
        out.append(_p("No forecast could be made from these records:", "bold"))
        out += [Paragraph(escape(f"• {why}."), st["cell"]) for why in f.missing]
        out.append(Spacer(1, 2 * mm))
        out.append(Paragraph(escape(" ".join(METHOD[:1])), st["fine"]))
        return out
    out += [
        Paragraph(escape(_summary(f)), st["cell"]),
        Spacer(1, 2 * mm),
        KeepTogether([_forecast_chart(f.weeks)]),
        Spacer(1, 2 * mm),
        _forecast_table(f.weeks),
    ]
    out += _back_test(page.back_test)
    out += _at_risk(f, page.caseworkers)
    out += [*_section("How the forecast is made", 25 * mm)]
    out += [Paragraph(escape(text), st["fine"]) for text in METHOD]
    return out


def _forecast_title(f: Forecast) -> str:
    ahead = f"the next {len(f.weeks)} weeks" if f.weeks else "the coming weeks"
    return f"Forecast: plans issued in {ahead}"


def _made_on(page: WeeklyForecast) -> str:
    return (
        f"Made on {format_date(page.made_on)}, the day this report was run, from the records "
        f"as they stood that day (not as of the week ending): a forecast is always of the "
        f"weeks from the day it is made."
    )


def _summary(f: Forecast) -> str:
    late = f" ({f.already_late} already past their 20-week day)" if f.already_late else ""
    return (
        f"{f.open_cases:,} open requests waiting for a final plan{late}. Expected in the "
        f"next {len(f.weeks)} weeks: about {f.total():,.0f} plans, {f.total_within():,.0f} of "
        f"them within 20 weeks of the request."
    )


def _forecast_table(weeks: Sequence[ForecastWeek]) -> Table:
    rows = [
        [_p(format_date(w.starts)), _p(f"{w.expected:.0f}", "num"), _p(f"{w.low}–{w.high}", "num"),
         _p(f"{w.within_20:.0f}", "num"), _p(f"{w.within_low}–{w.within_high}", "num")]
        for w in weeks
    ]  # fmt: skip
    return _table(
        ("Week starting", "Plans expected", "Range", "Within 20 weeks", "Range"),
        rows,
        (44, 32, 32, 34, 32),
    )


def _forecast_chart(weeks: Sequence[ForecastWeek]) -> Drawing:
    """Each week's expected plans as a line in its range (a band), both for all plans and
    for the plans within 20 weeks."""
    width, height = WIDTH * mm, 66 * mm
    x0, y0, w, h = 14 * mm, 13 * mm, 156 * mm, 42 * mm
    drawing = Drawing(width, height)
    top, step = _axis_top(max([wk.high for wk in weeks] + [1]))
    for k in range(0, top + 1, step):
        y = y0 + h * k / top
        drawing.add(Line(x0, y, x0 + w, y, strokeColor=GRID, strokeWidth=0.4))
        drawing.add(String(x0 - 2, y - 2, str(k), fontName=FONT, fontSize=6.5, textAnchor="end"))
    slot = w / max(len(weeks), 1)
    xs = [x0 + slot * (i + 0.5) for i in range(len(weeks))]

    def ys(values: Sequence[float]) -> list[float]:
        return [y0 + h * min(v, top) / top for v in values]

    for band, line, low, mid, high in (
        (ACCENT_BAND, ACCENT, [wk.low for wk in weeks], [wk.expected for wk in weeks],
         [wk.high for wk in weeks]),
        (SECOND_BAND, SECOND, [wk.within_low for wk in weeks], [wk.within_20 for wk in weeks],
         [wk.within_high for wk in weeks]),
    ):  # fmt: skip
        upper, lower, centre = ys(high), ys(low), ys(mid)
        points = [
            *_flat(zip(xs, upper, strict=True)),
            *_flat(zip(xs[::-1], lower[::-1], strict=True)),
        ]
        drawing.add(Polygon(points, fillColor=band, strokeColor=None, strokeWidth=0))
        drawing.add(
            PolyLine(_flat(zip(xs, centre, strict=True)), strokeColor=line, strokeWidth=1.4)
        )
        for x, y in zip(xs, centre, strict=True):
            drawing.add(Circle(x, y, 1.3, fillColor=line, strokeColor=None))
    for x, wk in zip(xs, weeks, strict=True):
        drawing.add(String(x, y0 - 9, f"{wk.starts.day} {wk.starts:%b}", fontName=FONT,
                           fontSize=6.5, textAnchor="middle"))  # fmt: skip
    drawing.add(Line(x0, y0, x0 + w, y0, strokeColor=MUTED, strokeWidth=0.6))
    drawing.add(String(x0, y0 - 12 * mm + 1, "Week starting", fontName=FONT, fontSize=6.5,
                       fillColor=MUTED))  # fmt: skip
    drawing.add(String(x0 - 10 * mm, height - 5 * mm, "Plans issued a week", fontName=FONT,
                       fontSize=8, fillColor=ACCENT))  # fmt: skip
    legend = Legend()
    legend.x, legend.y = 62 * mm, height - 4 * mm
    legend.fontName, legend.fontSize = FONT, 7
    legend.alignment = "right"
    legend.boxAnchor = "w"
    legend.columnMaximum = 1
    legend.dx = legend.dy = 6
    legend.deltax = 36 * mm
    legend.colorNamePairs = [
        (ACCENT, "All plans expected"),
        (SECOND, "Within 20 weeks"),
        (ACCENT_BAND, "Range (4 weeks in 5)"),
    ]
    drawing.add(legend)
    return drawing


def _flat(pairs) -> list[float]:
    return [v for pair in pairs for v in pair]


def _axis_top(highest: float) -> tuple[int, int]:
    """A round top for the value axis and its step: about four to eight gridlines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if highest / step <= 6:
            return step * (int(highest // step) + 1), step
    step = 10 ** len(str(int(highest)))
    return step, step // 5


def _back_test(back: BackTest | None) -> list[Flowable]:
    out = _section("How good the forecast has been: the back-test", 45 * mm)
    if back is None:
        return [*out, _p("Not tested.", "meta")]
    if not back.leads:
        return [
            *out,
            _p("No past week had enough history before it to test the forecast on.", "meta"),
        ]
    rows = [[_p(v) if i == 0 else _p(v, "num") for i, v in enumerate(lead_figures(e))]
            for e in back.leads]  # fmt: skip
    skipped = (
        f" {back.skipped} of them had too little history before them and were left out."
        if back.skipped
        else ""
    )
    note = (
        "Error: the average gap, either way, between what the forecast said that many weeks "
        "before and the plans actually issued in the week. Bias: the average of the forecast "
        "minus the actual (above 0: the forecast was too high). Actual in the range: the "
        f"share of weeks whose count fell in the forecast's range (it aims at four in five). "
        f"Checked on the last 26 weeks before {format_date(back.made_on)}.{skipped}"
    )
    return [
        *out,
        _table(BACK_TEST_HEADER, rows, (22, 20, 24, 28, 28, 20, 32)),
        Spacer(1, 1 * mm),
        Paragraph(escape(note), _st()["fine"]),
    ]


def _at_risk(f: Forecast, caseworkers: Mapping[int, str]) -> list[Flowable]:
    # Ten rows of two or three lines: the heading starts a page rather than leave one row.
    out = _section(f"The {AT_RISK_SHOWN} cases most at risk of missing 20 weeks", 90 * mm)
    if not f.at_risk:
        return [*out, _p("No open request has less than an even chance of its plan in time.")]
    st = _st()
    rows = []
    for r in f.at_risk[:AT_RISK_SHOWN]:
        who = (
            "Unallocated"
            if r.caseworker_id is None
            else caseworkers.get(r.caseworker_id, "No longer on the team")
        )
        why = "; ".join(r.reasons)
        why = why[:1].upper() + why[1:]
        help_ = "; ".join(r.remedies)
        text = f"{escape(one_line(why, 300))}. <i>Would help:</i> {escape(one_line(help_, 300))}."
        rows.append(
            [
                _p(f"EHCP/{r.case_id:06d}"),
                _p(who),
                _p(format_date(r.deadline)),
                _p(f"{round(100 * r.chance)}%", "num"),
                Paragraph(text, st["cell"]),
            ]
        )
    note = (
        f"The forecast names {len(f.at_risk)} open requests with less than an even chance of "
        "their plan within 20 weeks (at most 50), the soonest that can still be saved first. "
        "The CSV export lists them all with the children's names; this page names no child."
    )
    return [
        *out,
        _table(
            ("Case", "Caseworker", "20-week day", "Chance", "Why, and what would help"),
            rows,
            (22, 30, 27, 14, 81),
            numeric=(3,),
        ),
        Spacer(1, 1 * mm),
        Paragraph(escape(note), st["fine"]),
    ]
