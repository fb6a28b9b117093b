"""The inspection list as a PDF: counts by placement type (with those out of area), by stage
and by primary need, then the list itself, a table per placement type. On A4 on its side
when the chosen columns would not fit upright. Takes domain.inspection's list only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.inspection import (
    InspectionColumn,
    InspectionList,
    cells,
    summarise,
)
from caseload_app.domain.text import how_many
from caseload_app.reports.pdf import (
    ACCENT,
    BOLD,
    FONT,
    MARGIN,
    MARKING,
    TABLE_STYLE,
    Imprint,
    one_line,
    render,
    styles,
)

__all__ = ["build_inspection_pdf", "inspection_title"]

MUTED = colors.HexColor("#555f6d")
UPRIGHT_COLUMNS = 8  # more than this and the list goes on A4 on its side
ROWS_PER_TABLE = 50  # the list in short tables: reportlab splits a long one slowly
LIST_SIZE = 7  # points, the list's type
LINES = 3  # a cell wraps to at most this many lines, then is cut with "…"
PAD = 6  # a cell's left and right padding together, points (TABLE_STYLE's)
NARROWEST = 34.0  # points: a column of words is never squeezed below this
SAMPLE = 2000  # rows measured to size the columns
# Columns of words, which wrap and give up room first when the chosen columns are many.
_WORDS = frozenset(
    {
        "first_name",
        "last_name",
        "primary_need",
        "secondary_need",
        "stage",
        "caseworker",
        "placement_type",
        "establishment",
        "recorded_setting",
        "provision",
    }
)


def inspection_title(made: InspectionList) -> str:
    return f"Inspection list on {format_date(made.on)}"


def build_inspection_pdf(
    made: InspectionList, imprint: Imprint, check: Callable[[int], None] | None = None
) -> bytes:
    """The PDF. `check(rows laid out so far)` is called as the list is laid out: it may
    raise to stop (the person pressed Stop)."""
    wide = sum(1 for c in made.columns if c.key != "placement_type") > UPRIGHT_COLUMNS
    pagesize = landscape(A4) if wide else A4
    width = pagesize[0] - 2 * MARGIN
    story = _story(made, width, check)
    return render(story, imprint, inspection_title(made), pagesize=pagesize)


# --------------------------------------------------------------------------- pieces
@cache  # made once: each cell asks for its style
def _st() -> dict[str, ParagraphStyle]:
    base = styles()
    return {
        "title": base["title"],
        "h2": base["h2"],
        "cell": base["cell"],
        "bold": base["cellbold"],
        "head": ParagraphStyle("in-head", parent=base["cellbold"], textColor=ACCENT),
        "num": ParagraphStyle("in-num", parent=base["cell"], alignment=2),
        "bignum": ParagraphStyle("in-big", parent=base["cellbold"], alignment=2),
        "meta": ParagraphStyle("in-meta", parent=base["small"], textColor=MUTED),
    }


def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(one_line(text)), _st()[style])


def _counts(
    header: Sequence[str], rows: Sequence[Sequence[object]], total: Sequence[object]
) -> Table:
    """A ruled table of counts: a name, then figures, then a bold totals row."""
    st = _st()
    right = ParagraphStyle("in-head-r", parent=st["head"], alignment=2)
    head = [Paragraph(escape(h), right if i else st["head"]) for i, h in enumerate(header)]
    body = [[_p(r[0]), *(_p(v, "num") for v in r[1:])] for r in rows]
    body.append([_p(total[0], "bold"), *(_p(v, "bignum") for v in total[1:])])
    widths = [80 * mm, *([28 * mm] * (len(header) - 1))]
    table = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([*TABLE_STYLE, ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _section(title: str, room: float = 40 * mm) -> list[Flowable]:
    return [CondPageBreak(room), Paragraph(escape(title), _st()["h2"])]


# --------------------------------------------------------------------------- story
def _story(
    made: InspectionList, width: float, check: Callable[[int], None] | None
) -> list[Flowable]:
    st = _st()
    summary = summarise(made.children)
    story: list[Flowable] = []
    if made.council:
        story.append(Paragraph(escape(one_line(made.council, 200)), st["bold"]))
    story += [
        Paragraph("Inspection list: children and young people with an EHC plan or a request "
                  "for one", st["title"]),
        Paragraph(
            escape(
                f"On {format_date(made.on)} · "
                f"{how_many(summary.total, 'child or young person', 'children and young people')}"
                f", {summary.out_of_area:,} of them placed out of area · {MARKING}: it names "
                "every child; share it only with the inspection team"
            ),
            st["meta"],
        ),
        Spacer(1, 3 * mm),
    ]  # fmt: skip
    story += _section("By placement type")
    story.append(
        _counts(
            ("Placement type", "Children", "Out of area"),
            summary.by_placement,
            ("All placements", summary.total, summary.out_of_area),
        )
    )
    story += _section("By stage")
    story.append(_counts(("Stage", "Children"), summary.by_stage, ("All stages", summary.total)))
    story += _section("By primary need")
    story.append(
        _counts(("Primary need", "Children"), summary.by_need, ("All needs", summary.total))
    )
    story += _the_list(made, width, check)
    return story


def _the_list(
    made: InspectionList, width: float, check: Callable[[int], None] | None
) -> list[Flowable]:
    # The heading above each table says the placement type: no column repeats it.
    columns = [c for c in made.columns if c.key != "placement_type"] or list(made.columns)
    out: list[Flowable] = [*_section("The list, by placement type", 30 * mm)]
    if not made.children:
        return [*out, _p("Nobody: no child had an EHC plan or a request for one that day.", "meta")]
    shown = {id(c): [one_line(v) for v in cells(c, columns)] for c in made.children}
    layout = _layout(columns, list(shown.values()), width)
    done = 0
    for kind, group in groupby(made.children, key=lambda c: c.placement_type):
        children = list(group)
        heading = f"{kind} ({how_many(len(children), 'child', 'children')})"
        out += [
            CondPageBreak(20 * mm),
            Paragraph(escape(heading), _st()["bold"]),
            Spacer(1, 1 * mm),
        ]
        for start in range(0, len(children), ROWS_PER_TABLE):
            chunk = children[start : start + ROWS_PER_TABLE]
            out.append(_list_table(columns, [shown[id(c)] for c in chunk], layout))
            done += len(chunk)
            if check is not None:
                out.append(_Checkpoint(check, done))
        out.append(Spacer(1, 3 * mm))
    return out


@dataclass(frozen=True)
class _Layout:
    """The list's columns on the page: each printed column shows one chosen column, or two,
    one above the other, when the chosen ones would not fit side by side."""

    stacks: list[tuple[int, ...]]  # indexes of the chosen columns, top first
    widths: list[float]  # points, one per printed column


def _layout(
    columns: Sequence[InspectionColumn], rows: Sequence[Sequence[str]], width: float
) -> _Layout:
    """Each column as wide as its widest cell (of a sample) or its header's longest word,
    the spare room shared among the columns of words; too many to fit side by side, they
    go in pairs, one above the other; still too many, every column is squeezed."""
    natural = []
    for i, column in enumerate(columns):
        widest = max((stringWidth(r[i], FONT, LIST_SIZE) for r in rows[:SAMPLE]), default=0.0)
        word = max(stringWidth(w, BOLD, LIST_SIZE) for w in column.label.split())
        natural.append(max(widest, word) + PAD)
    wordy = [c.key in _WORDS for c in columns]
    count = len(columns)
    singles: list[tuple[int, ...]] = [(i,) for i in range(count)]
    pairs: list[tuple[int, ...]] = [tuple(range(i, min(i + 2, count))) for i in range(0, count, 2)]
    for stacks in (singles, pairs):
        widths = _share(
            [max(natural[i] for i in s) for s in stacks],
            [any(wordy[i] for i in s) for s in stacks],
            width,
        )
        if widths is not None:
            return _Layout(stacks, widths)
    widest = [max(natural[i] for i in s) for s in pairs]
    return _Layout(pairs, [w * width / sum(widest) for w in widest])


def _share(natural: list[float], wordy: list[bool], width: float) -> list[float] | None:
    """Widths for these columns across `width`, or None if they cannot fit."""
    fixed = sum(n for n, w in zip(natural, wordy, strict=True) if not w)
    flexible = sum(n for n, w in zip(natural, wordy, strict=True) if w)
    room = width - fixed
    if room < NARROWEST * sum(wordy) or room < 0:
        return None
    if not flexible:
        return natural
    scale = room / flexible  # above 1: spare room for the columns of words; below, squeezed
    widths = [n * scale if w else n for n, w in zip(natural, wordy, strict=True)]
    return _at_least(widths, wordy, room) if scale < 1 else widths


def _at_least(widths: list[float], wordy: list[bool], room: float) -> list[float]:
    """No column of words narrower than NARROWEST: the wider ones give up what they need."""
    small = [w and x < NARROWEST for x, w in zip(widths, wordy, strict=True)]
    if not any(small):
        return widths
    left = room - NARROWEST * sum(small)
    others = sum(x for x, w, s in zip(widths, wordy, small, strict=True) if w and not s)
    return [
        NARROWEST if s else (x * left / others if w else x)
        for x, w, s in zip(widths, wordy, small, strict=True)
    ]


def _fit(text: str, room: float, font: str) -> str:
    """One line cut to fit `room`, with "…" where it was cut."""
    if stringWidth(text, font, LIST_SIZE) <= room:
        return text
    while text and stringWidth(text + "…", font, LIST_SIZE) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, room: float, font: str = FONT, lines: int = LINES) -> str:
    """A cell on up to `lines` lines (a row's height is known without laying out a
    paragraph, so 50,000 rows lay out quickly)."""
    if stringWidth(text, font, LIST_SIZE) <= room:
        return text
    split = [_fit(line, room, font) for line in simpleSplit(text, font, LIST_SIZE, room)]
    if len(split) > lines:
        # Greedy breaks: the last line kept with the next one's words never fits, so is cut.
        split = [*split[: lines - 1], _fit(split[lines - 1] + " " + split[lines], room, font)]
    return "\n".join(split)


def _list_table(
    columns: Sequence[InspectionColumn], rows: Sequence[Sequence[str]], layout: _Layout
) -> Table:
    lines = LINES if all(len(s) == 1 for s in layout.stacks) else 2
    placed = list(zip(layout.stacks, layout.widths, strict=True))
    head = [
        "\n".join(_wrap(columns[i].label, w - PAD, BOLD, 2) for i in stack) for stack, w in placed
    ]
    body = [
        ["\n".join(_wrap(row[i], w - PAD, FONT, lines) for i in stack) for stack, w in placed]
        for row in rows
    ]
    table = Table([head, *body], colWidths=layout.widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *TABLE_STYLE,
                ("FONT", (0, 0), (-1, -1), FONT, LIST_SIZE, LIST_SIZE + 1.5),
                ("FONT", (0, 0), (-1, 0), BOLD, LIST_SIZE, LIST_SIZE + 1.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), ACCENT),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


class _Checkpoint(Flowable):
    """Takes no room: tells `check` how many rows are laid out when the layout reaches it."""

    def __init__(self, check: Callable[[int], None], done: int) -> None:
        super().__init__()
        self._check, self._done = check, done

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._check(self._done)
        return 0, 0

    def draw(self) -> None:
        pass
