"""The weekly leadership board's measures: the one place their definitions live.

Pure functions over plain rows (no database): each measure says which cases it counts, so every
figure can be traced to the cases behind it (``Trace``, one CSV row per case per measure).

"The week ending W" is the 7 days W-6 … W, both included. Dates are compared as calendar dates.

Event measures (something happened in the week):

- ``requests_received``: cases whose request was received in the week.
- ``assess_decisions``: decisions whether to assess (agreed or refused) dated in the week
  (denominator); of those, decided on or before ``decision_to_assess_due(request received)``,
  6 weeks after the request (numerator).
- ``plans_issued_20wk``: final plans issued in the week (denominator); of those, issued on or
  before ``final_plan_due(request received)``, 20 weeks after the request (numerator). Counted
  including every case, and again as ``plans_issued_20wk_excl`` leaving out, from numerator
  and denominator, cases with an exception to the 20-week limit (Reg 13(3); SEN2's Week20
  flag, not an exception to another limit) and cases where mediation or a tribunal appeal took
  place, each as recorded by W, as DfE timeliness does.
- ``reviews_due``: annual reviews whose due date falls in the week.
- ``reviews_held``: annual reviews whose meeting was held in the week.
- ``review_decisions_4wk``: review decisions (maintain/amend/cease) dated in the week for a
  review with a meeting date (denominator); of those, made on or before
  ``review_decision_due(meeting)``, 4 weeks after the meeting (numerator).

Position measures (the caseload at the end of the week: whether a case was open, its stage,
next step and last review as its dates recorded on or before W say, so a past week's figures
stay as they were when the case moves on; the caseworker is the one holding it now):

- ``open_cases``: open cases whose request was received on or before W. Those before a plan
  by stage and by days from the request to W, cut at the statutory points (≤ 42 days, the
  decision whether to assess; ≤ 112, a decision not to issue; ≤ 140, the final plan; then
  over 20 weeks). Maintained plans by time since the plan was made or last reviewed (in the
  last 6 months; 6 to 12 months; over 12 months, the review overdue).
- ``advice_overdue``: advice requests on open cases not received by W (no date, or a date
  after W) and due before W, by advice type (one row per advice request).
- ``reviews_overdue``: open cases with a plan whose next step is the annual review and whose
  review was due before W.
- ``tribunal_steps_overdue``: steps of Tribunal orders (Reg 44) and unopposed appeals (Reg 45)
  due before W and not done by W (one row per step), whether or not the case is open: an
  order to assess follows a refusal.
- ``reassessment_steps_overdue``: steps of re-assessments (the decision, Reg 25(1); the
  re-assessed plan, Reg 27(2)) on cases open at W, due before W and not done by W (one row
  per step).
- ``families_no_contact``: families with at least one open case and no communication logged in
  the 14 days W-13 … W (one row per family, naming its first open case).
- ``families_informed``: cases open at W whose family is not overdue an update under the
  keep-in-touch promise (``domain.updates.update_due``: a week after a change of stage they
  were not told of, and every few weeks) — one row per case, counted or not.
- ``caseworker_load``: open cases per caseworker and their weighted load
  (``workload.case_load``: stage weight, times the urgency multiplier when the next step is
  overdue or due within the urgency window, counted from W).

Trend: for each of the 12 weeks ending W: requests received, plans issued and the % within 20
weeks including exceptions, by the same definitions.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from math import fsum
from typing import NamedTuple

from caseload_app.domain import updates
from caseload_app.domain.deadlines import (
    annual_review_due,
    decision_to_assess_due,
    final_plan_due,
    months_starting_with,
    review_decision_due,
)
from caseload_app.domain.plan_audit import QaFigures, QaRow, qa_figures
from caseload_app.domain.reassessment import steps as reassessment_steps
from caseload_app.domain.status import CaseDates, closed_on, next_step
from caseload_app.domain.tribunal import order_steps
from caseload_app.domain.workload import Weights, case_load, stage_load

__all__ = [
    "AGE_BUCKETS",
    "PLAN_AGES",
    "AdviceRow",
    "CaseRow",
    "MEASURES",
    "Ratio",
    "Positions",
    "ReviewRow",
    "Trace",
    "TrendPoint",
    "WeeklyFigures",
    "WorkerFigure",
    "WorkerRow",
    "add_quality",
    "age_bucket",
    "compute",
    "week_of",
]

TREND_WEEKS = 12
NO_CONTACT_DAYS = 14
# Cases before a plan, by days since the request, cut at the statutory points: the decision
# whether to assess (6 weeks, Reg 5(1)), a decision not to issue (16 weeks, Reg 10(1)) and the
# final plan (20 weeks, Reg 13(2)). Whole weeks rounded down put days 43-48 in "0-6".
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("≤ 6 wk", 0, 42),
    ("6–16 wk", 43, 112),
    ("16–20 wk", 113, 140),
    ("> 20 wk", 141, None),
)
# Maintained plans, by time since the plan was made or last reviewed (s44: 12 months).
PLAN_AGES = ("reviewed in the last 6 months", "6 to 12 months", "over 12 months: review overdue")
# Measure keys, as they appear in the CSV's "measure" column, with a short label.
MEASURES: Mapping[str, str] = {
    "requests_received": "Requests received",
    "assess_decisions_6wk": "Decisions to assess within 6 weeks",
    "plans_issued_20wk": "Plans issued within 20 weeks (incl. exceptions)",
    "plans_issued_20wk_excl": "Plans issued within 20 weeks (excl. exceptions and disputes)",
    "open_cases": "Open cases",
    "advice_overdue": "Advice overdue",
    "reviews_due": "Annual reviews due",
    "reviews_held": "Annual reviews held",
    "review_decisions_4wk": "Review decisions within 4 weeks of the meeting",
    "reviews_overdue": "Annual reviews overdue",
    "tribunal_steps_overdue": "Tribunal order steps overdue",
    "reassessment_steps_overdue": "Re-assessment steps overdue",
    "families_no_contact": "Families with no contact in 14 days",
    "families_informed": "Families kept informed",
    "plans_audited": "Plans audited for quality",
    "caseworker_load": "Load per caseworker",
}


# --------------------------------------------------------------------------- inputs
class CaseRow(NamedTuple):
    """A case as the measures see it. NamedTuples here (and for Trace): immutable, and built
    several times faster than frozen dataclasses: a report handles 50,000 cases and
    100,000 traces."""

    case_id: int
    child_id: int
    child_name: str
    family_id: int
    caseworker_id: int | None
    caseworker: str  # "" when unallocated
    request_received: date
    stage: str
    is_open: bool
    assess_decision_date: date | None = None
    assess_decision: str | None = None
    final_issued: date | None = None
    # When an exception to the 20-week limit (Reg 13(3), SEN2's Week20 flag) was first
    # recorded, and when mediation or an appeal on the case first happened: each counts for
    # a week only from that date, so a past week's figures stay as they were.
    week20_exception_on: date | None = None
    disputed_on: date | None = None
    next_step: str | None = None
    next_due: date | None = None
    last_review: date | None = None
    # For the position at W (``as_of``): the other dates a stage follows from, and the last
    # review meeting on or before W where ``last_review`` is a later one.
    issue_decision: str | None = None
    issue_decision_date: date | None = None
    draft_served: date | None = None
    ceased_date: date | None = None
    review_before: date | None = None
    withdrawn_date: date | None = None  # the request withdrawn before its outcome


@dataclass(frozen=True, slots=True)
class AdviceRow:
    case_id: int
    advice_type: str
    requested: date
    due: date
    received: date | None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    case_id: int
    due: date
    meeting_date: date | None
    decision_date: date | None


@dataclass(frozen=True, slots=True)
class OrderRow:
    """A Tribunal order (Reg 44) or unopposed appeal (Reg 45), with the day each step was done
    (domain.tribunal step keys)."""

    case_id: int
    order_date: date
    kind: str
    unopposed: bool
    done: Mapping[str, date | None]


@dataclass(frozen=True, slots=True)
class ReassessmentRow:
    """A re-assessment (s44; Regs 25(1), 27(2)) with its decision and the days recorded."""

    case_id: int
    requested: date
    requested_by: str
    decision: str | None
    decided: date | None
    plan_finalised: date | None


@dataclass(frozen=True, slots=True)
class WorkerRow:
    id: int
    name: str
    capacity: float


class Positions(NamedTuple):
    """The open cases at W that nothing has happened to since W (their stored stage, next
    step and last review are W's), counted by the database in the groups each position
    figure reads, so that a report need not read them one by one. ``compute`` counts every
    other case itself, and adds these."""

    counted: frozenset[int]  # of the cases given to compute, those counted here
    open_cases: int
    before_plan: Mapping[tuple[str, int], int]  # (stage, AGE_BUCKETS index): cases
    plan_ages: Sequence[int]  # plans, by PLAN_AGES index (none with no day to age them by)
    loads: Mapping[tuple[int | None, str, bool], int]  # (caseworker, stage, urgent at W)
    reviews_overdue: int
    informed: Ratio  # the families kept informed, a case each
    no_contact: int  # families holding one, with no contact in the 14 days up to W
    families: frozenset[int]  # of the other open cases' families, those holding one too
    open_ids: frozenset[int]  # of the cases advice and re-assessments name, those here
    # The trend's earlier weeks, counted by day: requests received, and final plans issued
    # by (issued, request received); the cases read one by one are then this week's only.
    requests_by_day: Mapping[date, int] = {}
    plans_by_days: Mapping[tuple[date, date], int] = {}


# --------------------------------------------------------------------------- outputs
class Trace(NamedTuple):
    """One case counted in one measure: a row of the CSV."""

    week_ending: date
    measure: str
    case_id: int
    child_id: int
    child_name: str
    caseworker: str
    counted_in: str  # numerator | denominator | count
    detail: str


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.numerator / self.denominator if self.denominator else None

    def text(self) -> str:
        pct = self.percent
        return "–" if pct is None else f"{pct:.0f}% ({self.numerator} of {self.denominator})"


@dataclass(frozen=True, slots=True)
class WorkerFigure:
    name: str
    capacity: float | None  # None for the "Unallocated" row
    open_cases: int
    load: float

    @property
    def load_per_fte(self) -> float | None:
        return self.load / self.capacity if self.capacity else None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week_ending: date
    requests_received: int
    plans_issued: int
    within_20: Ratio


@dataclass
class WeeklyFigures:
    week_ending: date
    requests_received: int = 0
    assess_decisions: Ratio = Ratio(0, 0)
    plans_incl: Ratio = Ratio(0, 0)
    plans_excl: Ratio = Ratio(0, 0)
    open_cases: int = 0
    open_by_stage_age: dict[str, list[int]] = field(default_factory=dict)  # before a plan
    plans_by_review_age: list[int] = field(default_factory=lambda: [0] * len(PLAN_AGES))
    advice_overdue: dict[str, int] = field(default_factory=dict)
    reviews_due: int = 0
    reviews_held: int = 0
    review_decisions: Ratio = Ratio(0, 0)
    reviews_overdue: int = 0
    tribunal_steps_overdue: int = 0
    reassessment_steps_overdue: int = 0
    families_no_contact: int = 0
    families_informed: Ratio = Ratio(0, 0)
    workers: list[WorkerFigure] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    # False: the figures were counted partly in groups (``Positions``), and ``traces`` does
    # not name every case behind them; the CSV is made from a traced count.
    traced: bool = True
    # Plan quality audits decided in the week, and in its month up to the week's end.
    quality_week: QaFigures | None = None
    quality_month: QaFigures | None = None

    @property
    def week_start(self) -> date:
        return week_of(self.week_ending)[0]

    @property
    def plans_issued(self) -> int:
        return self.plans_incl.denominator


def add_quality(fig: WeeklyFigures, rows: Sequence[QaRow]) -> None:
    """The plan audits decided in the week and in its month to date (``rows``: every audit
    decided from six months before the week's end), each of the week's traced in the CSV."""
    start, end = fig.week_start, fig.week_ending
    fig.quality_week = qa_figures(rows, start, end)
    fig.quality_month = qa_figures(rows, end.replace(day=1), end)
    for r in fig.quality_week.rows:
        shown = f"{r.score}%" if r.score is not None else "not scored"
        detail = f"{r.outcome.replace('_', ' ')} by {r.auditor} on {r.decided_on}, {shown}"
        fig.traces.append(
            Trace(
                end,
                "plans_audited",
                r.case_id,
                r.child_id,
                r.child_name,
                r.caseworker,
                "count",
                detail,
            )  # fmt: skip
        )


# --------------------------------------------------------------------------- helpers
def week_of(week_ending: date) -> tuple[date, date]:
    """First and last day (both included) of the week ending ``week_ending``."""
    return week_ending - timedelta(days=6), week_ending


def _in(d: date | None, start: date, end: date) -> bool:
    return d is not None and start <= d <= end


_BUCKET_LOWS = [low for _label, low, _high in AGE_BUCKETS]  # the buckets run on, no gaps


def age_bucket(days: int) -> int:
    """Index into AGE_BUCKETS for an age in days since the request."""
    # 0 for a request dated after W, which never reaches here (not open at W).
    return max(0, bisect_right(_BUCKET_LOWS, days) - 1)


def plan_age(base: date, w: date) -> int:
    """Index into PLAN_AGES for a plan made or last reviewed on ``base``, at ``w``."""
    if w <= months_starting_with(base, 6):
        return 0
    return 1 if w <= annual_review_due(base) else 2


def age_edges(w: date) -> list[date]:
    """For each age bucket after the first, the latest request day in it at ``w``: a request
    received after edge i is in a bucket before i + 1 (``age_bucket``), so the database can
    bucket cases by comparing days."""
    return [w - timedelta(days=low) for low in _BUCKET_LOWS[1:]]


def plan_age_edges(w: date) -> list[date]:
    """For each PLAN_AGES index but the last, the earliest day a plan made or last reviewed
    on or after is that age or younger at ``w`` (``plan_age`` grows as the day goes back: a
    period of months starting with a later day never ends sooner)."""
    edges = []
    base = w
    for age in range(len(PLAN_AGES) - 1):
        while plan_age(base - timedelta(days=1), w) <= age:
            base -= timedelta(days=1)
        edges.append(base)
    return edges


class _Tracer:
    def __init__(self, cases: Mapping[int, CaseRow], on: bool = True) -> None:
        self.cases = cases
        self.on = on  # off: figures counted partly in groups name no cases
        self.rows: list[Trace] = []

    def add(self, week: date, measure: str, case_id: int, counted_in: str, detail: str) -> None:
        if not self.on:
            return
        c = self.cases[case_id]
        self.rows.append(
            Trace(week, measure, c.case_id, c.child_id, c.child_name, c.caseworker, counted_in,
                  detail)
        )  # fmt: skip


def _requests(cases: Iterable[CaseRow], week: date, tr: _Tracer) -> int:
    start, end = week_of(week)
    n = 0
    for c in cases:
        if _in(c.request_received, start, end):
            n += 1
            tr.add(week, "requests_received", c.case_id, "count",
                   f"request received {c.request_received}")  # fmt: skip
    return n


def _timeliness(
    cases: Iterable[CaseRow],
    week: date,
    measure: str,
    when,
    due,
    tr: _Tracer,
    what: str,
    keep=lambda c: True,
) -> Ratio:
    """Events dated in the week (denominator) and those on or before their due date (numerator)."""
    start, end = week_of(week)
    num = den = 0
    for c in cases:
        happened = when(c)
        if not _in(happened, start, end) or not keep(c):
            continue
        limit = due(c)
        den += 1
        detail = f"request received {c.request_received}; {what} {happened}; due by {limit}"
        if _by(c.week20_exception_on, end):
            detail += f"; 20-week exception recorded {c.week20_exception_on}"
        if _by(c.disputed_on, end):
            detail += f"; mediation or appeal from {c.disputed_on}"
        tr.add(week, measure, c.case_id, "denominator", detail)
        if happened <= limit:
            num += 1
            tr.add(week, measure, c.case_id, "numerator", detail)
    return Ratio(num, den)


def _plans(cases: Iterable[CaseRow], week: date, tr: _Tracer, measure: str, excl: bool) -> Ratio:
    return _timeliness(
        cases,
        week,
        measure,
        lambda c: c.final_issued,
        lambda c: final_plan_due(c.request_received),
        tr,
        "final plan issued",
        (lambda c: not _left_out_of_dfe(c, week)) if excl else (lambda c: True),
    )


def _by(on: date | None, end: date) -> bool:
    return on is not None and on <= end


def _left_out_of_dfe(c: CaseRow, week: date) -> bool:
    """DfE 20-week timeliness leaves out cases with a 20-week exception (SEN2 Week20) and
    cases where mediation or a tribunal took place, as known by the week's end."""
    end = week_of(week)[1]
    return _by(c.week20_exception_on, end) or _by(c.disputed_on, end)


# --------------------------------------------------------------------------- compute
def compute(
    week_ending: date,
    cases: Sequence[CaseRow],
    advice: Iterable[AdviceRow] = (),
    reviews: Iterable[ReviewRow] = (),
    last_contact: Mapping[int, datetime | date] | None = None,
    workers: Sequence[WorkerRow] = (),
    weights: Weights | None = None,
    advice_labels: Mapping[str, str] | None = None,
    stage_labels: Mapping[str, str] | None = None,
    orders: Iterable[OrderRow] = (),
    reassessments: Iterable[ReassessmentRow] = (),
    informed: Informed | None = None,
    positions: Positions | None = None,
) -> WeeklyFigures:
    """Every figure on the board for the week ending ``week_ending`` (see the module docstring).

    ``cases`` must hold every case any measure may count (open ones, and those with a request,
    decision or final plan in the trend's 12 weeks, and those the review and order rows refer
    to);
    ``last_contact`` maps a family id to its latest communication on or before W;
    ``informed`` what the keep-in-touch promise needs; ``positions`` the open cases the
    database counted in groups (those of ``cases`` it names are not counted again), and
    then the figures are not traced case by case. One function per measure, called in the
    order of the trace CSV's rows."""
    w = week_ending
    by_id = {c.case_id: c for c in cases}
    reviews = [r for r in reviews if r.case_id in by_id]
    orders = [o for o in orders if o.case_id in by_id]
    tr = _Tracer(by_id, on=positions is None)
    fig = WeeklyFigures(week_ending=w)
    fig.requests_received = _requests(cases, w, tr)
    fig.assess_decisions = _assess_decisions(cases, w, tr)
    fig.plans_incl = _plans(cases, w, tr, "plans_issued_20wk", excl=False)
    fig.plans_excl = _plans(cases, w, tr, "plans_issued_20wk_excl", excl=True)
    grouped = positions or _NO_POSITIONS
    open_cases = [
        p for c in cases if c.case_id not in grouped.counted and (p := as_of(c, w)) is not None
    ]
    fig.open_cases = len(open_cases) + grouped.open_cases
    before_plan = [c for c in open_cases if c.stage != "plan_issued"]
    fig.open_by_stage_age = _open_by_stage_age(before_plan, w, tr, stage_labels or {})
    for (stage, bucket), n in grouped.before_plan.items():
        fig.open_by_stage_age.setdefault(stage, [0] * len(AGE_BUCKETS))[bucket] += n
    plans = [c for c in open_cases if c.stage == "plan_issued"]
    fig.plans_by_review_age = _plans_by_review_age(plans, w, tr)
    for age, n in enumerate(grouped.plan_ages):
        fig.plans_by_review_age[age] += n
    open_ids = {c.case_id for c in open_cases} | grouped.open_ids
    fig.advice_overdue = _advice_overdue(advice, open_ids, w, tr, advice_labels or {})
    fig.reviews_due, fig.reviews_held = _reviews_due_and_held(reviews, w, tr)
    fig.review_decisions = _review_decisions(reviews, w, tr)
    fig.reviews_overdue = _reviews_overdue(open_cases, w, tr) + grouped.reviews_overdue
    fig.tribunal_steps_overdue = _tribunal_steps_overdue(orders, w, tr)
    fig.reassessment_steps_overdue = _reassessment_steps_overdue(
        (r for r in reassessments if r.case_id in open_ids), w, tr
    )
    fig.families_no_contact = grouped.no_contact + _families_no_contact(
        [c for c in open_cases if c.family_id not in grouped.families], last_contact or {}, w, tr
    )
    told = _families_informed(open_cases, informed or Informed(), w, tr)
    fig.families_informed = Ratio(
        told.numerator + grouped.informed.numerator,
        told.denominator + grouped.informed.denominator,
    )
    fig.workers = _caseworker_load(open_cases, workers, weights or Weights(), w, tr, grouped.loads)
    if positions is None:
        fig.trend = _trend(cases, fig, tr)
    else:
        fig.trend = _trend_by_day(fig, positions.requests_by_day, positions.plans_by_days)
    fig.traces = tr.rows
    fig.traced = positions is None
    return fig


_NO_POSITIONS = Positions(
    frozenset(), 0, {}, [0] * len(PLAN_AGES), {}, 0, Ratio(0, 0), 0, frozenset(), frozenset()
)


def _assess_decisions(cases: Iterable[CaseRow], w: date, tr: _Tracer) -> Ratio:
    return _timeliness(
        cases,
        w,
        "assess_decisions_6wk",
        lambda c: c.assess_decision_date,
        lambda c: decision_to_assess_due(c.request_received),
        tr,
        "decision to assess",
    )


def _stage_at(c: CaseRow, by) -> str:
    """The stage the case's dates say it was at: the most advanced step done by W. Where the
    current stage's own date was never recorded (an old import), that stage is all there is."""
    own = {"plan_issued": c.final_issued, "draft_issued": c.draft_served,
           "assessment": c.assess_decision_date}  # fmt: skip
    if c.stage in own and own[c.stage] is None:
        return c.stage
    if by(c.final_issued):
        return "plan_issued"
    if by(c.draft_served):
        return "draft_issued"
    if by(c.assess_decision_date) and c.assess_decision != "refused":
        return "assessment"
    if not any((c.final_issued, c.draft_served, c.assess_decision_date)):
        # No date says where it was (an imported plan, since ceased): the stage its
        # closing implies it was at.
        return _BEFORE_CLOSING.get(c.stage, "request_received")
    return "request_received"


# The stage a case must have been at to be closed so (for a case with no dates to say).
_BEFORE_CLOSING = {"ceased": "plan_issued", "not_issued": "assessment"}


def as_of(c: CaseRow, w: date) -> CaseRow | None:
    """The case as it stood at the end of W (None: not open then): its stage, next step and
    last review from the dates recorded on or before W, so a past week's position does not
    change as the case moves on. The caseworker is the one holding the case now."""
    if c.request_received > w:
        return None
    closed = closed_on(c)
    if (closed is not None and closed <= w) or (not c.is_open and closed is None):
        return None
    dates = (c.assess_decision_date, c.issue_decision_date, c.draft_served, c.final_issued,
             c.last_review)  # fmt: skip
    if closed is None and all(d is None or d <= w for d in dates):
        return c  # nothing has happened since W: the stored position is W's

    def by(d: date | None) -> date | None:
        return d if d is not None and d <= w else None

    last_review = by(c.last_review) or c.review_before
    stage = _stage_at(c, by)
    step = next_step(
        CaseDates(
            request_received=c.request_received,
            stage=stage,
            assess_decision_date=by(c.assess_decision_date),
            issue_decision_date=by(c.issue_decision_date),
            issue_decision=c.issue_decision if by(c.issue_decision_date) else None,
            draft_served=by(c.draft_served),
            final_issued=by(c.final_issued),
            last_review=last_review,
        )
    )
    return c._replace(
        stage=stage,
        is_open=True,
        final_issued=by(c.final_issued),
        last_review=last_review,
        next_step=step.key if step else None,
        next_due=step.due if step else None,
    )


def _open_by_stage_age(
    open_cases: Iterable[CaseRow], w: date, tr: _Tracer, stage_labels: Mapping[str, str]
) -> dict[str, list[int]]:
    """Open cases before a plan at W, by stage and by days since the request."""
    table: dict[str, list[int]] = {}
    for c in open_cases:
        days = (w - c.request_received).days
        bucket = age_bucket(days)
        table.setdefault(c.stage, [0] * len(AGE_BUCKETS))[bucket] += 1
        tr.add(w, "open_cases", c.case_id, "count",
               f"stage {stage_labels.get(c.stage, c.stage)}; request received "
               f"{c.request_received}; {days} days ({AGE_BUCKETS[bucket][0]})")  # fmt: skip
    return table


def _plans_by_review_age(plans: Iterable[CaseRow], w: date, tr: _Tracer) -> list[int]:
    """Maintained plans at W by time since the plan was made or last reviewed (not since the
    request, which put every plan in the oldest column)."""
    counts = [0] * len(PLAN_AGES)
    for c in plans:
        base = c.last_review or c.final_issued  # as domain.status counts the annual review
        if base is None:  # an imported plan with neither date: nothing to age it by
            tr.add(w, "open_cases", c.case_id, "count", "plan with no date to age it by")
            continue
        age = plan_age(base, w)
        counts[age] += 1
        tr.add(w, "open_cases", c.case_id, "count",
               f"plan made or last reviewed {base}; {PLAN_AGES[age]}")  # fmt: skip
    return counts


def _advice_overdue(
    advice: Iterable[AdviceRow],
    open_ids: set[int],
    w: date,
    tr: _Tracer,
    advice_labels: Mapping[str, str],
) -> dict[str, int]:
    """Advice on open cases due before W and not received by W, by advice type."""
    overdue: Counter[str] = Counter()
    for a in advice:
        if a.case_id not in open_ids or a.due >= w:
            continue
        if a.received is not None and a.received <= w:
            continue
        label = advice_labels.get(a.advice_type, a.advice_type)
        overdue[label] += 1
        tr.add(w, "advice_overdue", a.case_id, "count",
               f"{label} requested {a.requested}; due {a.due}; "
               f"{'not received' if a.received is None else f'received {a.received}'}")  # fmt: skip
    return dict(sorted(overdue.items()))


def _reviews_due_and_held(reviews: Iterable[ReviewRow], w: date, tr: _Tracer) -> tuple[int, int]:
    start, end = week_of(w)
    due = held = 0
    for r in reviews:
        if _in(r.due, start, end):
            due += 1
            tr.add(w, "reviews_due", r.case_id, "count", f"review due {r.due}")
        if _in(r.meeting_date, start, end):
            held += 1
            tr.add(w, "reviews_held", r.case_id, "count",
                   f"review due {r.due}; meeting held {r.meeting_date}")  # fmt: skip
    return due, held


def _review_decisions(reviews: Iterable[ReviewRow], w: date, tr: _Tracer) -> Ratio:
    """Review decisions dated in the week, and those within 4 weeks of the meeting."""
    start, end = week_of(w)
    num = den = 0
    for r in reviews:
        if r.meeting_date is None or r.decision_date is None:
            continue
        if not _in(r.decision_date, start, end):
            continue
        limit = review_decision_due(r.meeting_date)
        detail = f"meeting {r.meeting_date}; decision {r.decision_date}; due by {limit}"
        den += 1
        tr.add(w, "review_decisions_4wk", r.case_id, "denominator", detail)
        if r.decision_date <= limit:
            num += 1
            tr.add(w, "review_decisions_4wk", r.case_id, "numerator", detail)
    return Ratio(num, den)


def _tribunal_steps_overdue(orders: Iterable[OrderRow], w: date, tr: _Tracer) -> int:
    """Steps of Tribunal orders due before W and not done by W, on any case: an order to
    assess follows a refusal, one to make a plan a decision not to issue (closed cases)."""
    n = 0
    for o in orders:
        if o.order_date > w:
            continue
        by_w = {k: d if d is not None and d <= w else None for k, d in o.done.items()}
        for step in order_steps(o.order_date, o.kind, by_w, w, unopposed=o.unopposed):
            if step.done_on is None and step.met is False:
                n += 1
                tr.add(w, "tribunal_steps_overdue", o.case_id, "count",
                       f"order of {o.order_date} ({o.kind}): {step.label} due {step.due} "
                       f"({step.regulation})")  # fmt: skip
    return n


def _reassessment_steps_overdue(rows: Iterable[ReassessmentRow], w: date, tr: _Tracer) -> int:
    """Steps of re-assessments on cases open at W, due before W and not done by W: what was
    decided or finalised after W had not been done at W."""
    n = 0
    for r in rows:
        if r.requested > w:
            continue
        decided = r.decided if r.decided is not None and r.decided <= w else None
        decision = r.decision if decided is not None else None
        plan = r.plan_finalised if r.plan_finalised is not None and r.plan_finalised <= w else None
        for step in reassessment_steps(r.requested, r.requested_by, decision, decided, plan, w):
            if step.done_on is None and step.met is False:
                n += 1
                tr.add(w, "reassessment_steps_overdue", r.case_id, "count",
                       f"re-assessment asked {r.requested}: {step.label} due {step.due} "
                       f"({step.regulation})")  # fmt: skip
    return n


def _reviews_overdue(open_cases: Iterable[CaseRow], w: date, tr: _Tracer) -> int:
    n = 0
    for c in open_cases:
        if c.next_step == "annual_review" and c.next_due is not None and c.next_due < w:
            n += 1
            tr.add(w, "reviews_overdue", c.case_id, "count",
                   f"annual review due {c.next_due}")  # fmt: skip
    return n


def _families_no_contact(
    open_cases: Iterable[CaseRow],
    last_contact: Mapping[int, datetime | date],
    w: date,
    tr: _Tracer,
) -> int:
    """Families with open cases and no contact in the 14 days up to W (one trace each)."""
    since = w - timedelta(days=NO_CONTACT_DAYS - 1)
    families: dict[int, list[CaseRow]] = defaultdict(list)
    for c in open_cases:
        families[c.family_id].append(c)
    n = 0
    for family_id in sorted(families):
        last = last_contact.get(family_id)
        last_day = last.date() if isinstance(last, datetime) else last
        if last_day is not None and since <= last_day <= w:
            continue
        members = families[family_id]
        detail = f"family {family_id}; last contact {last_day or 'none recorded'}"
        if len(members) > 1:
            detail += f"; also cases {', '.join(str(c.case_id) for c in members[1:])}"
        n += 1
        tr.add(w, "families_no_contact", members[0].case_id, "count", detail)
    return n


class Informed(NamedTuple):
    """For the keep-in-touch promise, up to W: each family's last contact going out, each
    case's last change of stage, the team's number of weeks, and the day each case imported
    or transferred in came to this caseload."""

    last_update: Mapping[int, datetime | date] = {}
    last_change: Mapping[int, date] = {}
    every_weeks: int = updates.DEFAULT_EVERY_WEEKS
    entered: Mapping[int, date] = {}


def _families_informed(
    open_cases: Iterable[CaseRow], informed: Informed, w: date, tr: _Tracer
) -> Ratio:
    told = total = 0
    for c in open_cases:
        last = informed.last_update.get(c.family_id)
        due = updates.update_due(
            opened=c.request_received,
            last_update=last.date() if isinstance(last, datetime) else last,
            last_change=informed.last_change.get(c.case_id),
            every_weeks=informed.every_weeks,
            entered=informed.entered.get(c.case_id),
        )
        total += 1
        detail = f"next update due {due.due}: {due.reason}"
        tr.add(w, "families_informed", c.case_id, "denominator", detail)
        if due.due >= w:  # not overdue at the week's end
            told += 1
            tr.add(w, "families_informed", c.case_id, "numerator", detail)
    return Ratio(told, total)


def _caseworker_load(
    open_cases: Iterable[CaseRow],
    workers: Sequence[WorkerRow],
    weights: Weights,
    w: date,
    tr: _Tracer,
    groups: Mapping[tuple[int | None, str, bool], int],
) -> list[WorkerFigure]:
    """Open cases and weighted load per caseworker, urgency counted from W; ``groups``
    counts more open cases by (caseworker, stage, urgent at W)."""
    names = {wk.id: wk for wk in workers}
    counts: Counter[int | None] = Counter()
    # Each case's weight, summed exactly once rounded (fsum): the same total however the
    # cases came, one by one or in groups.
    loads: dict[int | None, list[float]] = defaultdict(list)
    for c in open_cases:
        days = (c.next_due - w).days if c.next_due else None
        load = case_load(c.stage, days, weights)
        key = c.caseworker_id if c.caseworker_id in names else None
        counts[key] += 1
        loads[key].append(load)
        tr.add(w, "caseworker_load", c.case_id, "count",
               f"{c.caseworker or 'unallocated'}; stage {c.stage}; next due "
               f"{c.next_due or 'none'}; weight {load:g}")  # fmt: skip
    for (worker_id, stage, urgent), n in groups.items():
        key = worker_id if worker_id in names else None
        counts[key] += n
        loads[key].extend([stage_load(stage, urgent, weights)] * n)

    def load_of(key: int | None) -> float:
        return round(fsum(loads[key]), 2)

    figures = [
        WorkerFigure(wk.name, wk.capacity, counts[wk.id], load_of(wk.id))
        for wk in sorted(workers, key=lambda x: x.name)
    ]
    if counts[None]:
        figures.append(WorkerFigure("Unallocated", None, counts[None], load_of(None)))
    return figures


def _trend(cases: Sequence[CaseRow], fig: WeeklyFigures, tr: _Tracer) -> list[TrendPoint]:
    """12 weeks to W; the earlier weeks' cases go in the trace under their own week ending.
    Only cases with a request or a final plan in those weeks can count: found once."""
    w = fig.week_ending
    first = w - timedelta(days=7 * TREND_WEEKS - 1)
    recent = [
        c for c in cases if _in(c.request_received, first, w) or _in(c.final_issued, first, w)
    ]

    def earlier(week: date) -> TrendPoint:
        requests = _requests(recent, week, tr)
        plans = _plans(recent, week, tr, "plans_issued_20wk", excl=False)
        return TrendPoint(week, requests, plans.denominator, plans)

    return _trend_points(fig, earlier)


def _trend_points(fig: WeeklyFigures, earlier) -> list[TrendPoint]:
    """The 12 weeks to W, oldest first: this week's as already counted, each earlier one
    as ``earlier(week ending)`` counts it."""
    w = fig.week_ending
    this_week = TrendPoint(w, fig.requests_received, fig.plans_issued, fig.plans_incl)
    return [
        earlier(w - timedelta(days=7 * back)) if back else this_week
        for back in range(TREND_WEEKS - 1, -1, -1)
    ]


def _trend_by_day(
    fig: WeeklyFigures,
    requests_by_day: Mapping[date, int],
    plans_by_days: Mapping[tuple[date, date], int],
) -> list[TrendPoint]:
    """The trend as ``_trend`` counts it, from the days the database counted the earlier
    weeks' requests and plans by."""

    def earlier(week: date) -> TrendPoint:
        start, end = week_of(week)
        requests = sum(n for day, n in requests_by_day.items() if start <= day <= end)
        issued = within = 0
        for (on, received), n in plans_by_days.items():
            if start <= on <= end:
                issued += n
                within += n if on <= final_plan_due(received) else 0
        return TrendPoint(week, requests, issued, Ratio(within, issued))

    return _trend_points(fig, earlier)
