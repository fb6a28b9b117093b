"""The 20-week forecast in the window: the strip under the workload board, and the view with
the weeks ahead (chart and table), the cases most at risk, a what-if beside the forecast, how
good the forecast has been (the back-test) and how it is worked out.

Everything is read off the window's thread (ForecastService); a what-if saves nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from caseload_app import logs
from caseload_app.domain import forecast as forecast_module
from caseload_app.domain.backtest import BackTest, BackTestPoint, LeadError
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.forecast import AtRisk, Forecast, ForecastWeek, WhatIf
from caseload_app.domain.status import Rag
from caseload_app.domain.text import how_many
from caseload_app.services.forecast import ForecastResult, ForecastService
from caseload_app.ui.errors import USER_ERRORS, show_failure
from caseload_app.ui.models.rows import Column, RowsModel
from caseload_app.ui.widgets.forecast_chart import Bar, ForecastChart, WeekBars
from caseload_app.ui.worker import Job, Progress, run_in_background

log = logging.getLogger(__name__)

WEEKS = 12
GUIDE_HEADING = "The 20-week forecast"


# --------------------------------------------------------------------------- shared words


def week_label(starts: date) -> str:
    return f"{starts.day} {starts:%b}"


def _bar(w: ForecastWeek) -> Bar:
    return Bar(w.expected, w.low, w.high, w.within_20)


def week_bars(base: Forecast, alt: Forecast | None = None) -> list[WeekBars]:
    return [
        WeekBars(week_label(w.starts), _bar(w), None if alt is None else _bar(alt.weeks[n]))
        for n, w in enumerate(base.weeks)
    ]


def headline(f: Forecast) -> str:
    """One line: the plans expected over the weeks, within 20 weeks, and those already late."""
    if not f.ok:
        return "No forecast can be made yet: " + "; ".join(f.missing) + "."
    return (
        f"About {f.total():.0f} plans expected in the next {len(f.weeks)} weeks, "
        f"{f.total_within():.0f} of them within 20 weeks; "
        f"{how_many(f.already_late, 'request', 'requests')} already past 20 weeks "
        f"(of {f.open_cases:,} open)."
    )


def method_text() -> str:
    """'How this is worked out': the engine's own plain-words account (its docstring)."""
    doc = forecast_module.__doc__ or ""
    body = doc.split("users):", 1)[-1].strip()
    paragraphs = [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]
    steps: list[str] = []
    for p in paragraphs:  # the numbered steps are one block: one paragraph each
        parts = [s.strip() for s in _split_numbered(p)]
        steps.extend(parts)
    return "\n\n".join(steps).replace("docs/statutory-rules.md ", "the statutory rules ")


def _split_numbered(paragraph: str) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    for word in paragraph.split(" "):
        if word.rstrip(".").isdigit() and word.endswith(".") and current:
            out.append(" ".join(current))
            current = []
        current.append(word)
    out.append(" ".join(current))
    return out


# --------------------------------------------------------------------------- the board's strip


class ForecastStrip(QWidget):
    """Under the workload board: the weeks ahead in one small chart and one line, and a
    button to the forecast view. It never holds the board up: loaded after it."""

    wanted = Signal()  # "Forecast…": open the view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: ForecastResult | None = None
        self.line = QLabel("20-week forecast: loading…")
        self.line.setTextFormat(Qt.TextFormat.PlainText)
        self.line.setWordWrap(True)
        self.chart = ForecastChart(compact=True)
        self.chart.setAccessibleName("20-week forecast, plans issued each week")
        self.chart.setMaximumHeight(120)
        self.button = QPushButton("F&orecast…")
        self.button.setAccessibleName("Open the 20-week forecast")
        self.button.clicked.connect(self.wanted)
        top = QHBoxLayout()
        top.addWidget(self.line, 1)
        top.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.chart)

    def loading(self) -> None:
        if self.result is None:
            self.line.setText("20-week forecast: loading…")

    def show_result(self, result: ForecastResult) -> None:
        self.result = result
        f = result.baseline
        self.chart.setVisible(f.ok)
        if not f.ok:
            self.line.setText("20-week forecast: " + headline(f))
            return
        self.line.setText(
            f"20-week forecast, weeks from tomorrow: {headline(f)} Each bar: plans expected that "
            "week (darker: within 20 weeks), the line its range."
        )
        self.chart.set_weeks("Plans expected each week", week_bars(f))

    def failed(self, exc: Exception) -> None:
        if not isinstance(exc, USER_ERRORS):  # a bug: in the log, the board left as it is
            logs.log_crash(type(exc), exc, exc.__traceback__)
        why = str(exc) if isinstance(exc, USER_ERRORS) else "something went wrong (logged)"
        self.line.setText(f"20-week forecast: not loaded — {why}")
        if self.result is None:
            self.chart.hide()


# --------------------------------------------------------------------------- rows and columns


@dataclass(frozen=True)
class WeekRow:
    base: ForecastWeek
    alt: ForecastWeek | None = None


def _range(low: int, high: int) -> str:
    return f"{low}–{high}"


def _diff(x: float) -> str:
    return "0" if round(x, 1) == 0 else f"{x:+.1f}"


BASE_WEEK_COLUMNS = (
    Column("Week from", lambda r: format_date(r.base.starts), lambda r: r.base.starts),
    Column("Plans expected", lambda r: f"{r.base.expected:.1f}", lambda r: r.base.expected),
    Column("Range", lambda r: _range(r.base.low, r.base.high), lambda r: r.base.low),
    Column("Within 20 weeks", lambda r: f"{r.base.within_20:.1f}", lambda r: r.base.within_20),
    Column(
        "Range (within)",
        lambda r: _range(r.base.within_low, r.base.within_high),
        lambda r: r.base.within_low,
    ),
)


def _alt(r: WeekRow) -> ForecastWeek:
    assert r.alt is not None
    return r.alt


WHAT_IF_WEEK_COLUMNS = (
    Column("What-if plans", lambda r: f"{_alt(r).expected:.1f}", lambda r: _alt(r).expected),
    Column(
        "Difference",
        lambda r: _diff(_alt(r).expected - r.base.expected),
        lambda r: _alt(r).expected - r.base.expected,
    ),
    Column(
        "What-if within 20 weeks",
        lambda r: f"{_alt(r).within_20:.1f}",
        lambda r: _alt(r).within_20,
    ),
    Column(
        "Difference (within)",
        lambda r: _diff(_alt(r).within_20 - r.base.within_20),
        lambda r: _alt(r).within_20 - r.base.within_20,
    ),
)


@dataclass(frozen=True)
class RiskRow:
    risk: AtRisk
    child: str
    caseworker: str
    what_if: float | None  # the chance with the what-if, if it is among its cases at risk

    @property
    def case_id(self) -> int:
        return self.risk.case_id


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _chance_rag(chance: float) -> str:
    return Rag.RED if chance < 0.25 else Rag.AMBER


RISK_COLUMNS = (
    Column("Child", lambda r: r.child),
    Column("Case", lambda r: str(r.case_id), lambda r: r.case_id),
    Column("Caseworker", lambda r: r.caseworker),
    Column("20 weeks on", lambda r: format_date(r.risk.deadline), lambda r: r.risk.deadline),
    Column(
        "Chance in 20 weeks",
        lambda r: _pct(r.risk.chance),
        lambda r: r.risk.chance,
        rag=lambda r: _chance_rag(r.risk.chance),
    ),
    Column("Why", lambda r: "; ".join(r.risk.reasons)),
    Column("What would help", lambda r: "; ".join(r.risk.remedies)),
)
WHAT_IF_RISK_COLUMN = Column(
    "Chance with the what-if",
    lambda r: "—" if r.what_if is None else _pct(r.what_if),
    lambda r: -1.0 if r.what_if is None else r.what_if,
    tooltip=lambda r: "Not among the what-if's cases most at risk" if r.what_if is None else None,
)


def _share(e: LeadError) -> str:
    rel = e.relative
    return "–" if rel is None else _pct(rel)


BACK_TEST_COLUMNS = (
    Column("Weeks ahead", lambda e: str(e.lead), lambda e: e.lead),
    Column("Weeks checked", lambda e: str(e.weeks), lambda e: e.weeks),
    Column("Plans in a typical week", lambda e: f"{e.mean_actual:.1f}", lambda e: e.mean_actual),
    Column("Average error (plans a week)", lambda e: f"{e.mean_error:.1f}", lambda e: e.mean_error),
    Column("Error as a share of a typical week", _share, lambda e: e.relative or 0.0),
    Column(
        "Bias",
        lambda e: _diff(e.bias),
        lambda e: e.bias,
        tooltip=lambda e: "Above 0: the forecast was too high on average; below 0, too low.",
    ),
    Column("Actual count in the range", lambda e: _pct(e.in_range), lambda e: e.in_range),
    Column("Error, within 20 weeks", lambda e: f"{e.within_error:.1f}", lambda e: e.within_error),
)


def _table(model: RowsModel, name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    return table


def _fit(table: QTableView, widest: int = 360) -> None:
    for column in range(table.model().columnCount()):
        table.resizeColumnToContents(column)
        table.setColumnWidth(column, min(table.columnWidth(column), widest))


# --------------------------------------------------------------------------- the view


class ForecastView(QWidget):
    open_case = Signal(int)
    guide_wanted = Signal()
    loaded = Signal()  # a forecast is shown (or its making failed)
    tested = Signal()  # the back-test ended: shown, cancelled or failed

    def __init__(self, service: ForecastService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.result: ForecastResult | None = None
        self.names: dict[int, str] = {}  # the children at risk, read once (an audited look)
        self.what_if: WhatIf | None = None
        self.back: BackTest | None = None
        self._job: Job | None = None
        self._test_job: Job | None = None
        self._cancelled = False
        self._build()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.summary = QLabel("Making the forecast…")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.changes = QLabel()
        self.changes.setTextFormat(Qt.TextFormat.PlainText)
        self.changes.setWordWrap(True)
        self.changes.hide()
        self.what_if_button = QPushButton("&What if…")
        self.what_if_button.setAccessibleName("Try a what-if beside the forecast")
        self.what_if_button.clicked.connect(self.ask_what_if)
        self.clear_button = QPushButton("&Clear what-if")
        self.clear_button.clicked.connect(self.clear_what_if)
        self.clear_button.setEnabled(False)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.hide()
        self.chart = ForecastChart()
        self.chart.setAccessibleName("Plans expected each week")
        self.weeks_model = RowsModel(BASE_WEEK_COLUMNS, self)
        self.weeks_table = _table(self.weeks_model, "The weeks ahead")
        self.risk_model = RowsModel(RISK_COLUMNS, self)
        self.risk_table = _table(self.risk_model, "Cases most at risk of missing 20 weeks")
        self.risk_table.setSortingEnabled(True)
        self.risk_table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # least chance first
        self.risk_table.doubleClicked.connect(
            lambda index: self.open_case.emit(self.risk_model.row_at(index.row()).case_id)
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.weeks_table, "The &weeks")
        self.tabs.addTab(self._risk_page(), "Cases most at &risk")
        self.tabs.addTab(self._back_test_page(), "How &good has it been")
        self.tabs.addTab(self._method_page(), "How this is worked &out")
        buttons = QHBoxLayout()
        for button in (self.what_if_button, self.clear_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(self.tabs)
        split.setSizes([300, 360])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.changes)
        layout.addWidget(self.progress)
        layout.addWidget(split, 1)

    def _risk_page(self) -> QWidget:
        note = QLabel(
            "The open requests least likely to have their final plan within 20 weeks, with "
            "why and what would help. Double-click to open the case; select cases and use "
            "What if… to try moving them to someone else."
        )
        note.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(note)
        layout.addWidget(self.risk_table, 1)
        return page

    def _back_test_page(self) -> QWidget:
        self.test_button = QPushButton("&Check against the last 26 weeks")
        self.test_button.setAccessibleName("How good has the forecast been: run the back-test")
        self.test_button.clicked.connect(self.run_back_test)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_back_test)
        self.cancel_button.hide()
        self.test_progress = QProgressBar()
        self.test_progress.setAccessibleName("Back-test progress")
        self.test_progress.hide()
        self.test_summary = QLabel(
            "What the forecast would have said 4, 8 and 12 weeks before each of the last 26 "
            "weeks, from only what was recorded by then, against the plans actually issued. "
            "It takes a few seconds."
        )
        self.test_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.test_summary.setWordWrap(True)
        self.test_model = RowsModel(BACK_TEST_COLUMNS, self)
        self.test_table = _table(self.test_model, "How good the forecast has been")
        self.test_table.setMinimumHeight(5 * self.test_table.verticalHeader().defaultSectionSize())
        self.test_chart = ForecastChart()
        self.test_chart.setAccessibleName("Forecast 4 weeks ahead against what happened")
        self.test_chart.hide()
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.test_progress, 1)
        row.addWidget(self.cancel_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(row)
        layout.addWidget(self.test_summary)
        layout.addWidget(self.test_table, 1)
        layout.addWidget(self.test_chart, 2)
        return page

    def _method_page(self) -> QWidget:
        self.method = QLabel(method_text())
        self.method.setTextFormat(Qt.TextFormat.PlainText)
        self.method.setWordWrap(True)
        self.method.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.method.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        guide = QPushButton("More in the &guide…")
        guide.clicked.connect(self.guide_wanted)
        self.inputs = QLabel()
        self.inputs.setTextFormat(Qt.TextFormat.PlainText)
        self.inputs.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.method)
        layout.addWidget(self.inputs)
        row = QHBoxLayout()
        row.addWidget(guide)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    # ------------------------------------------------------------------ the forecast
    def refresh(self) -> None:
        self.make(self.what_if)

    def make(self, what_if: WhatIf | None) -> None:
        """The forecast (and the what-if beside it) off the window's thread: 1-2 s at
        50,000 children."""
        if self._job is not None:
            return
        self._busy(True)
        self._job = run_in_background(
            # The children by name once, when the forecast is looked at (an audited look);
            # a what-if only adds its column to the same children (nothing written).
            lambda: self.service.forecast(WEEKS, what_if, named=not self.names),
            lambda result: self._show(result, what_if),
            self._failed,
        )

    def show_result(self, result: ForecastResult) -> None:
        """A forecast already made (the board's), shown at once; then made again with the
        children at risk named (the board's names none)."""
        if self._job is None:
            self._show(result, None)
            if not self.names:
                self.make(None)

    def _show(self, result: ForecastResult, what_if: WhatIf | None) -> None:
        self._job = None
        self._busy(False)
        self.names.update(result.children)
        self.result, self.what_if = result, what_if
        base, alt = result.baseline, result.scenario
        self.summary.setText(headline(base) + _alt_line(base, alt))
        self.changes.setVisible(alt is not None)
        self.changes.setText("What-if (nothing is saved): " + "; ".join(result.what_if) + ".")
        self.clear_button.setEnabled(alt is not None)
        columns = BASE_WEEK_COLUMNS + (WHAT_IF_WEEK_COLUMNS if alt is not None else ())
        rows = [WeekRow(w, None if alt is None else alt.weeks[n]) for n, w in enumerate(base.weeks)]
        self.weeks_model.set_rows(rows, columns)
        _fit(self.weeks_table)
        title = "Plans expected each week (week from)"
        self.chart.set_weeks(
            title + (": the forecast and the what-if" if alt else ""), week_bars(base, alt)
        )
        self._show_risks(result)
        self.inputs.setText(_inputs_text(base))
        self.loaded.emit()

    def _show_risks(self, result: ForecastResult) -> None:
        alt = result.scenario
        chances = {} if alt is None else {r.case_id: r.chance for r in alt.at_risk}
        rows = [
            RiskRow(
                r,
                self.names.get(r.case_id, f"case {r.case_id}"),
                result.caseworkers.get(r.caseworker_id or 0, "Unallocated"),
                chances.get(r.case_id),
            )
            for r in result.baseline.at_risk
        ]
        columns = RISK_COLUMNS[:5] + ((WHAT_IF_RISK_COLUMN,) if alt else ()) + RISK_COLUMNS[5:]
        self.risk_model.set_rows(rows, columns)
        _fit(self.risk_table)

    def _failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._busy(False)
        self._report("Forecast not made", exc)
        if self.result is None:
            self.summary.setText("The forecast could not be made.")
        self.loaded.emit()

    # ------------------------------------------------------------------ what-if
    def selected_cases(self) -> tuple[int, ...]:
        rows = self.risk_table.selectionModel().selectedRows()
        return tuple(sorted({self.risk_model.row_at(i.row()).case_id for i in rows}))

    def ask_what_if(self) -> None:
        from caseload_app.ui.dialogs.what_if_dialog import WhatIfDialog

        if self.result is None:
            return
        dialog = WhatIfDialog(
            self.result.caseworkers, self.selected_cases(), self.service.today(), self
        )
        if dialog.exec():
            self.make(dialog.what_if)

    def clear_what_if(self) -> None:
        self.make(None)

    # ------------------------------------------------------------------ the back-test
    def run_back_test(self) -> None:
        """The back-test off the window's thread (about 10 s at 50,000 children), with
        progress and Cancel."""
        if self._test_job is not None:
            return
        self._cancelled = False
        progress = Progress(self)
        progress.moved.connect(self._test_moved)

        def step(done: int, total: int) -> bool:
            progress.moved.emit(done, total)
            return not self._cancelled

        self.test_button.setEnabled(False)
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.test_progress.setRange(0, 0)
        self.test_progress.setFormat("Reading…")
        self.test_progress.show()
        self._test_job = run_in_background(
            lambda: self.service.back_test(progress=step), self._tested, self._test_failed
        )

    def cancel_back_test(self) -> None:
        self._cancelled = True
        self.cancel_button.setEnabled(False)
        self.test_progress.setFormat("Cancelling…")

    def _test_moved(self, done: int, total: int) -> None:
        self.test_progress.setRange(0, total)
        self.test_progress.setValue(done)
        self.test_progress.setFormat(f"Past forecasts made: {done} of {total}")

    def _test_ended(self) -> None:
        self._test_job = None
        self.test_button.setEnabled(True)
        self.cancel_button.hide()
        self.test_progress.hide()

    def _tested(self, back: BackTest) -> None:
        self._test_ended()
        if self._cancelled:
            self.test_summary.setText("The check was cancelled: nothing to show.")
            self.tested.emit()
            return
        self.back = back
        self.test_model.set_rows(list(back.leads))
        _fit(self.test_table)
        self.test_summary.setText(back_test_text(back))
        points = [p for p in back.points if p.lead == 4]
        self.test_chart.setVisible(bool(points))
        self.test_chart.set_weeks(
            "Plans a week: forecast 4 weeks before (blue, with its range) and what happened",
            [_point_bars(p) for p in points],
            second="what happened",
        )
        self.tested.emit()

    def _test_failed(self, exc: Exception, details: str) -> None:
        self._test_ended()
        self._report("Back-test not run", exc)
        self.tested.emit()

    # ------------------------------------------------------------------ helpers
    def _busy(self, busy: bool) -> None:
        for button in (self.what_if_button, self.refresh_button):
            button.setEnabled(not busy)
        if busy:
            self.clear_button.setEnabled(False)
            self.progress.setRange(0, 0)
            self.progress.setFormat("Making the forecast…")
        self.progress.setVisible(busy)

    def _report(self, title: str, exc: Exception) -> None:
        show_failure(self, title, exc)


def _alt_line(base: Forecast, alt: Forecast | None) -> str:
    if alt is None or not alt.ok or not base.ok:
        return ""
    return (
        f" With the what-if: {alt.total():.0f} plans ({_diff(alt.total() - base.total())}), "
        f"{alt.total_within():.0f} within 20 weeks "
        f"({_diff(alt.total_within() - base.total_within())})."
    )


def _point_bars(p: BackTestPoint) -> WeekBars:
    return WeekBars(
        week_label(p.week_starts),
        Bar(p.expected, p.low, p.high, p.expected_within),
        Bar(p.actual, p.actual, p.actual, p.actual_within),
    )


def back_test_text(back: BackTest) -> str:
    """The back-test in a sentence per lead, as the CLI says it."""
    lines = []
    for e in back.leads:
        share = (
            f" ({_pct(e.relative)} of a typical week's {e.mean_actual:.1f})" if e.relative else ""
        )
        lines.append(
            f"{e.lead} weeks ahead: off by {e.mean_error:.1f} plans a week on average{share}; "
            f"the actual count fell in the range in {_pct(e.in_range)} of weeks."
        )
    if back.skipped:
        lines.append(
            f"{how_many(back.skipped, 'past week', 'past weeks')} had too little history "
            "before them to forecast."
        )
    return "\n".join(lines) or "Too little history to check the forecast against."


def _inputs_text(f: Forecast) -> str:
    i = f.inputs
    if i is None:
        return ""
    medians = ", ".join(
        f"{forecast_module.STEP_NAMES[k]} {v:.0f} days"
        for k, v in i.step_medians.items()
        if v == v  # NaN: no sample
    )
    return (
        f"This forecast was made from: the typical (median) time of {medians}; "
        f"{i.requests_per_week:.1f} new requests a week; {i.team_fte:.1f} full-time "
        f"caseworkers, each drafting up to {i.drafts_per_fte_week:.2f} and finalising up to "
        f"{i.finals_per_fte_week:.2f} plans a week (full time)."
    )
