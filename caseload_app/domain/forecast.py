"""The 20-week forecast: from what is open now and how the recent past went, the plans
expected to be issued in each of the coming weeks, and how many of them within 20 weeks.

The method, in plain words (README "The 20-week forecast" says the same to users):

1. An EHC needs assessment runs through four steps: the decision whether to assess (A), the
   advice (B), writing and serving the draft (C) and finalising the plan (D). How long each
   step took in the last 12 months is read from the cases' own dates; how long each advice
   provider took from the advice requests.
2. For a case part-way through a step, only past cases that took at least as long as this
   one has so far are compared with it. That gives, for every open case, the chance of each
   day being the day its next step ends, and by adding the later steps, the chance of each
   day being the day its final plan is issued.
3. Drafting and finalising need a caseworker. The most the team has done of each in four
   weeks (in the last six months), per full-time caseworker, is each caseworker's weekly
   capacity, scaled by their FTE and nothing on the days they are recorded away. Work
   beyond that waits, first come first served.
4. The chances are added up per week: the expected plans issued, and within 20 weeks of
   the request. The range is where the count falls four times in five if each case went
   its own way. New requests arrive at the recent weekly rate.

Every figure is arithmetic on the data: the same data gives the same forecast. Rules:
docs/statutory-rules.md (Reg 13(2): the final plan within 20 weeks of the request).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from caseload_app.domain import deadlines

HISTORY_DAYS = 365  # the steps' durations: the last 12 months
CAPACITY_DAYS = 182  # the team's capacity: the busiest four weeks of the last six months
ARRIVAL_WEEKS = 12  # the recent rate of new requests
MIN_SAMPLES = 10  # fewer finished steps than this in 12 months: no forecast
MIN_PROVIDER_SAMPLES = 5  # fewer: the provider is read as its service (or all advice)
AT_RISK = 0.5  # a case with less chance than this of its plan in 20 weeks is at risk
RANGE_Z = 1.2816  # the 10th-90th percentile of a normal count: four times in five
STEPS = ("decide", "advice", "draft", "final")
STEP_NAMES = {
    "decide": "the decision whether to assess",
    "advice": "the assessment (advice) where no advice requests are recorded",
    "draft": "writing and serving the draft plan",
    "final": "finalising the plan after the draft",
}


# --------------------------------------------------------------------------- input records


class CaseRecord(NamedTuple):
    """One EHC needs assessment's dates: enough to say where it stood on any past day."""

    case_id: int
    caseworker_id: int | None
    request_received: date
    assess_decision_date: date | None = None
    assess_decision: str | None = None  # agreed / refused
    issue_decision_date: date | None = None
    issue_decision: str | None = None  # issue / not_issue
    draft_served: date | None = None
    final_issued: date | None = None
    # The day the request left the pipeline without a plan for a reason not dated above
    # (withdrawn, or closed): None while it is open.
    ended: date | None = None
    is_open: bool = True


class AdviceRecord(NamedTuple):
    case_id: int
    provider: str  # a provider key: the service code, or "service/name" where recorded
    received_by_adviser: date
    due: date
    received: date | None = None

    @property
    def service(self) -> str:
        return self.provider.split("/", 1)[0]


@dataclass(frozen=True)
class Worker:
    id: int
    name: str
    fte: float
    absences: tuple[tuple[date, date], ...] = ()


# --------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIf:
    """One or more changes the lead tries: nothing in the data is changed.

    provider_days: service -> (days a week now, days added): waits shrink in proportion.
    agency: (FTE, weeks) of an agency caseworker from today, shared over the team's queues.
    leaving: (caseworker id, last day): from the next day their cases go to the rest of the
    team in proportion to FTE. moves: (case ids, caseworker id) given to someone else now.
    surge: (percent more new requests, weeks). away: (caseworker id, from, to) absences.
    """

    provider_days: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    agency: tuple[float, int] | None = None
    leaving: tuple[int, date] | None = None
    moves: tuple[tuple[tuple[int, ...], int], ...] = ()
    surge: tuple[float, int] | None = None
    away: tuple[tuple[int, date, date], ...] = ()

    def is_empty(self) -> bool:
        return self == WhatIf()

    def describe(self, names: Mapping[int, str]) -> list[str]:
        """Each change in plain words, for the side-by-side heading."""
        out = []
        for service, (now, add) in sorted(self.provider_days.items()):
            out.append(f"{service}: {_num(add)} more day(s) a week (from {_num(now)})")
        if self.agency:
            out.append(
                f"an agency caseworker ({_num(self.agency[0])} FTE) for {self.agency[1]} weeks"
            )
        if self.leaving:
            who, last = self.leaving
            out.append(f"{names.get(who, f'caseworker {who}')} leaving after {last:%d %b %Y}")
        for cases, to in self.moves:
            out.append(f"{len(cases)} case(s) moved to {names.get(to, f'caseworker {to}')}")
        if self.surge:
            out.append(f"{_num(self.surge[0])}% more new requests for {self.surge[1]} weeks")
        for who, start, end in self.away:
            out.append(f"{names.get(who, f'caseworker {who}')} away {start:%d %b}–{end:%d %b %Y}")
        return out


def _num(x: float) -> str:
    return f"{x:g}"


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class ForecastWeek:
    starts: date
    expected: float  # plans expected to be issued this week
    low: int
    high: int
    within_20: float  # of which within 20 weeks of the request
    within_low: int
    within_high: int


@dataclass(frozen=True)
class AtRisk:
    case_id: int
    caseworker_id: int | None
    request_received: date
    deadline: date  # the 20-week day
    chance: float  # of the final plan by the deadline
    reasons: tuple[str, ...]
    remedies: tuple[str, ...]


@dataclass(frozen=True)
class Inputs:
    """What the forecast was made from, shown with it (no black box)."""

    step_medians: dict[str, float]  # days
    step_samples: dict[str, int]
    provider_medians: dict[str, float]
    provider_samples: dict[str, int]
    agree_rate: float
    issue_rate: float
    drafts_per_fte_week: float
    finals_per_fte_week: float
    requests_per_week: float
    team_fte: float


@dataclass(frozen=True)
class Forecast:
    made_on: date
    weeks: tuple[ForecastWeek, ...]
    at_risk: tuple[AtRisk, ...]
    open_cases: int
    already_late: int  # open, past the 20-week day with no final plan
    inputs: Inputs | None
    missing: tuple[str, ...] = ()  # why no forecast could be made (too little history)

    @property
    def ok(self) -> bool:
        return not self.missing

    def total(self) -> float:
        return sum(w.expected for w in self.weeks)

    def total_within(self) -> float:
        return sum(w.within_20 for w in self.weeks)


# --------------------------------------------------------------------------- history


@dataclass
class _Samples:
    """Finished steps as (end day, duration) ordinals sorted by end, to slice any window."""

    ends: np.ndarray
    durations: np.ndarray

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> _Samples:
        arr = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
        order = np.argsort(arr[:, 0], kind="stable")
        return cls(arr[order, 0], arr[order, 1])

    def window(self, last: int, days: int) -> np.ndarray:
        lo = np.searchsorted(self.ends, last - days, side="right")
        hi = np.searchsorted(self.ends, last, side="right")
        return self.durations[lo:hi]


class History:
    """Every finished step in the records, to read the recent past as of any day."""

    def __init__(self, cases: Sequence[CaseRecord], advice: Sequence[AdviceRecord]) -> None:
        by_case: dict[int, list[AdviceRecord]] = {}
        for a in advice:
            by_case.setdefault(a.case_id, []).append(a)
        steps: dict[str, list[tuple[int, int]]] = {k: [] for k in STEPS}
        events: dict[str, list[int]] = {
            k: [] for k in ("agreed", "refused", "issue", "not_issue", "request")
        }
        # Drafts and final plans per caseworker who holds the case now: the team's output.
        self._done: dict[str, dict[int | None, list[int]]] = {"draft": {}, "final": {}}
        for c in cases:
            req = c.request_received.toordinal()
            events["request"].append(req)
            if c.assess_decision_date:
                decided = c.assess_decision_date.toordinal()
                steps["decide"].append((decided, decided - req))
                events["agreed" if c.assess_decision == "agreed" else "refused"].append(decided)
            if c.issue_decision_date:
                kind = "issue" if c.issue_decision == "issue" else "not_issue"
                events[kind].append(c.issue_decision_date.toordinal())
            ready = _ready_day(c, by_case.get(c.case_id, ()))
            if ready is not None and c.assess_decision_date:
                r = ready.toordinal()
                steps["advice"].append((r, r - c.assess_decision_date.toordinal()))
            if c.draft_served:
                d = c.draft_served.toordinal()
                self._done["draft"].setdefault(c.caseworker_id, []).append(d)
                if ready is not None:
                    steps["draft"].append((d, max(0, d - ready.toordinal())))
            if c.final_issued:
                f = c.final_issued.toordinal()
                self._done["final"].setdefault(c.caseworker_id, []).append(f)
                if c.draft_served:
                    steps["final"].append((f, f - c.draft_served.toordinal()))
        self.steps = {k: _Samples.of(v) for k, v in steps.items()}
        by_provider: dict[str, list[tuple[int, int]]] = {}
        for a in advice:
            if a.received is not None:
                pair = (
                    a.received.toordinal(),
                    a.received.toordinal() - a.received_by_adviser.toordinal(),
                )
                by_provider.setdefault(a.provider, []).append(pair)
                if "/" in a.provider:
                    by_provider.setdefault(a.service, []).append(pair)
                by_provider.setdefault("", []).append(pair)
        self.providers = {k: _Samples.of(v) for k, v in by_provider.items()}
        self.events = {k: _sorted(v) for k, v in events.items()}
        self.done = {
            kind: {w: _sorted(v) for w, v in per.items()} for kind, per in self._done.items()
        }

    def count(self, event: str, first: int, last: int) -> int:
        """Events on days first..last inclusive (ordinals)."""
        return _between(self.events[event], first, last)

    def worked_between(self, worker: int, first: int, last: int) -> bool:
        """Did this caseworker serve a draft or issue a plan on days first..last?"""
        return any(
            _between(per[worker], first, last) for per in self.done.values() if worker in per
        )

    def busiest_four_weeks(self, kind: str, last: int, workers: Iterable[int]) -> float:
        """The most drafts (or final plans) these caseworkers made in any four weeks ending
        in the last six months, a week: the output of the team as it is now. (On the demo's
        history the busiest spell forecast better than the median or the 75th percentile.)"""
        per = self.done[kind]
        days = _sorted([d for w in workers if w in per for d in per[w].tolist()])
        spells = range(last, last - CAPACITY_DAYS + 27, -7)
        return max(_between(days, end - 27, end) for end in spells) / 4


def _sorted(values: Iterable[int]) -> np.ndarray:
    return np.sort(np.array(list(values), dtype=np.int64))


def _between(days: np.ndarray, first: int, last: int) -> int:
    return int(np.searchsorted(days, last, "right") - np.searchsorted(days, first, "left"))


def _ready_day(c: CaseRecord, advice: Sequence[AdviceRecord]) -> date | None:
    """The day the draft could be started: the last advice in (of what came by the draft,
    if it was served), else the decision to issue; None while advice is still awaited."""
    if c.assess_decision_date is None:
        return None
    if c.draft_served is not None:
        got = [a.received for a in advice if a.received and a.received <= c.draft_served]
    elif advice and all(a.received for a in advice):
        got = [a.received for a in advice if a.received]
    elif advice:
        return None
    else:
        got = []
    if got:
        return max(max(got), c.assess_decision_date)
    return c.issue_decision_date


class _Step:
    """How long a step takes, and how much longer for one already `e` days under way."""

    def __init__(self, durations: np.ndarray, n_days: int) -> None:
        self.n = n_days
        durations = durations.clip(0)  # a date out of order recorded: the same day
        self.samples = len(durations)
        top = int(durations.max()) if len(durations) else 0
        self.hist = np.bincount(durations.clip(0), minlength=top + 1).astype(float)
        # surv[e]: how many took e days or more
        self.surv = np.concatenate([np.cumsum(self.hist[::-1])[::-1], [0.0]])
        self.median = float(np.median(durations)) if len(durations) else math.nan
        self._fallback = self._tail()
        self._cache: dict[int, np.ndarray] = {}

    def _tail(self) -> np.ndarray:
        """A case already longer than (nearly) all recent ones: as long again as the slowest
        tenth took beyond their 90th percentile (at least a day)."""
        row = np.zeros(self.n)
        if not self.samples:
            return row
        cum = np.cumsum(self.hist)
        q90 = int(np.searchsorted(cum, 0.9 * self.samples))
        excess = self.hist[q90:]
        excess = excess / excess.sum()
        excess = np.concatenate([[0.0], excess])  # not today: a day at least
        k = min(len(excess), self.n)
        row[:k] = excess[:k]
        return row

    def fresh(self) -> np.ndarray:
        """The whole step from its first day (a same-day end is day 0)."""
        row = np.zeros(self.n)
        k = min(len(self.hist), self.n)
        row[:k] = self.hist[:k] / max(self.samples, 1)
        return row

    def rows(self, elapsed: np.ndarray) -> np.ndarray:
        """For each case e days under way and not finished: the chance it ends t days on."""
        out = np.zeros((len(elapsed), self.n))
        for e in np.unique(elapsed):
            out[elapsed == e] = self.residual(int(e))
        return out

    def residual(self, e: int) -> np.ndarray:
        row = self._cache.get(e)
        if row is None:
            row = self._cache[e] = self._residual(e)
        return row

    def _residual(self, e: int) -> np.ndarray:
        if e < 0:
            return self.fresh()
        longer = self.surv[e + 1] if e + 1 < len(self.surv) else 0.0
        if longer < MIN_PROVIDER_SAMPLES:
            return self._fallback
        row = np.zeros(self.n)
        part = self.hist[e + 1 : e + self.n]  # ends 1..n-1 days from now
        row[1 : 1 + len(part)] = part / longer
        return row


def _convolve(rows: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Each row's step followed by the kernel's: the day the second ends (cut at the horizon)."""
    n = rows.shape[-1]
    size = 1 << (2 * n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(rows, size) * np.fft.rfft(kernel, size), size)[..., :n]
    return out.clip(0.0)


def _scale_waits(rows: np.ndarray, factor: float) -> np.ndarray:
    """Waits shortened (or lengthened) in proportion: mass t days on moves to round(t*factor)."""
    n = rows.shape[1]
    target = np.minimum(np.maximum(np.rint(np.arange(n) * factor), 1), n).astype(int)
    target[0] = 0
    return _move_columns(rows, target)


def _move_columns(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each column's mass moved to its target column (non-decreasing; n: off the end)."""
    n = rows.shape[1]
    starts = np.flatnonzero(np.diff(target, prepend=-1))
    sums = np.add.reduceat(rows, starts, axis=1)
    out = np.zeros((rows.shape[0], n + 1))
    out[:, target[starts]] = sums
    return out[:, :n]


# --------------------------------------------------------------------------- the state


@dataclass
class _Open:
    """The open cases as of the forecast's day, by step, as arrays."""

    case_ids: list[int] = field(default_factory=list)
    workers: list[int | None] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    step: list[str] = field(default_factory=list)  # decide / advice / draft / final
    elapsed: list[int] = field(default_factory=list)
    issue_known: list[bool] = field(default_factory=list)
    waiting: list[list[tuple[str, int, int]]] = field(default_factory=list)  # key, elapsed, due


def open_as_of(
    cases: Sequence[CaseRecord],
    advice: Sequence[AdviceRecord],
    day: date,
    by_case: Mapping[int, Sequence[AdviceRecord]] | None = None,
) -> _Open:
    """Where each case stood at the end of `day`, read from its dates only."""
    t0 = day.toordinal()
    if by_case is None:
        grouped: dict[int, list[AdviceRecord]] = {}
        for a in advice:
            grouped.setdefault(a.case_id, []).append(a)
        by_case = grouped
    st = _Open()
    for c in cases:
        where = _where(c, by_case.get(c.case_id, ()), day)
        if where is None:
            continue
        step, since, waiting = where
        st.case_ids.append(c.case_id)
        st.workers.append(c.caseworker_id)
        st.requests.append(c.request_received.toordinal())
        st.step.append(step)
        st.elapsed.append(t0 - since.toordinal())
        st.issue_known.append(c.issue_decision_date is not None and c.issue_decision_date <= day)
        st.waiting.append(
            [
                (a.provider, t0 - a.received_by_adviser.toordinal(), a.due.toordinal() - t0)
                for a in waiting
            ]
        )
    return st


def _on(d: date | None, day: date) -> bool:
    return d is not None and d <= day


def _ended(c: CaseRecord) -> date | None:
    """The day a request ended without a plan: refused, not issued, withdrawn or moved."""
    if c.assess_decision_date and c.assess_decision != "agreed":
        return c.assess_decision_date
    if c.issue_decision_date and c.issue_decision != "issue":
        return c.issue_decision_date
    return c.ended


def _where(
    c: CaseRecord, advice: Sequence[AdviceRecord], day: date
) -> tuple[str, date, list[AdviceRecord]] | None:
    """The step a case was in at the end of `day` and the day it began; None if not open."""
    if c.request_received > day or _on(c.final_issued, day) or _on(_ended(c), day):
        return None
    if c.final_issued is None and not c.is_open and _ended(c) is None:
        return None  # closed on a day not recorded: left out rather than guessed
    if c.draft_served is not None and c.draft_served <= day:
        return "final", c.draft_served, []
    decided = c.assess_decision_date
    if decided is None or decided > day:
        return "decide", c.request_received, []
    asked = [a for a in advice if a.received_by_adviser <= day]
    waiting = [a for a in asked if not _on(a.received, day)]
    if waiting:
        return "advice", decided, waiting
    got = [a.received for a in asked if a.received is not None]
    if got:
        return "draft", max(max(got), decided), []
    if c.issue_decision_date is not None and c.issue_decision_date <= day:
        return "draft", c.issue_decision_date, []
    return "advice", decided, []


# --------------------------------------------------------------------------- the engine


@dataclass(frozen=True)
class _Share:
    """The cases (row numbers) one caseworker works on, and what share of each."""

    idx: np.ndarray
    weight: np.ndarray

    def rows(self, wishes: np.ndarray) -> np.ndarray:
        return wishes[self.idx] * self.weight[:, None]

    def plus(self, other: _Share) -> _Share:
        return _Share(
            np.concatenate([self.idx, other.idx]), np.concatenate([self.weight, other.weight])
        )


class Engine:
    """The forecast as of one day: built once, asked for the whole team or one case."""

    def __init__(
        self,
        history: History,
        state: _Open,
        workers: Sequence[Worker],
        made_on: date,
        weeks: int,
        what_if: WhatIf | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.labels = labels or {}
        self.made_on = made_on
        self.t0 = made_on.toordinal()
        self.weeks = weeks
        self.n = 7 * max(weeks, 21) + 7  # a case received today: its 20-week day is in range
        self.history = history
        self.what_if = what_if or WhatIf()
        self.state = state
        self.workers = {w.id: w for w in workers if w.fte > 0}
        self._cdfs: dict[tuple[str, int], np.ndarray] = {}
        self._read_history()

    # -- the recent past

    def _read_history(self) -> None:
        h, t0, n = self.history, self.t0, self.n
        self.steps = {k: _Step(h.steps[k].window(t0, HISTORY_DAYS), n) for k in STEPS}
        self.missing = tuple(
            f"fewer than {MIN_SAMPLES} cases finished {STEP_NAMES[k]} in the last 12 months"
            for k in ("decide", "draft", "final")
            if self.steps[k].samples < MIN_SAMPLES
        )
        self.providers = {k: _Step(s.window(t0, HISTORY_DAYS), n) for k, s in h.providers.items()}
        first = t0 - HISTORY_DAYS + 1
        agreed, refused = h.count("agreed", first, t0), h.count("refused", first, t0)
        issue, not_issue = h.count("issue", first, t0), h.count("not_issue", first, t0)
        self.agree_rate = agreed / (agreed + refused) if agreed + refused else 1.0
        self.issue_rate = issue / (issue + not_issue) if issue + not_issue else 1.0
        self.team_fte = sum(w.fte for w in self.workers.values())
        # The output of the team as it is now, per FTE of those who did it: a caseworker new
        # to the team (nothing in six months) adds capacity rather than diluting the record,
        # and one who has left takes their output with them.
        doers = [
            w for w in self.workers.values() if h.worked_between(w.id, t0 - CAPACITY_DAYS + 1, t0)
        ]
        fte = sum(w.fte for w in doers) or 1.0
        ids = [w.id for w in doers]
        self.drafts_per_fte = h.busiest_four_weeks("draft", t0, ids) / fte
        self.finals_per_fte = h.busiest_four_weeks("final", t0, ids) / fte
        self.requests_per_week = h.count("request", t0 - 7 * ARRIVAL_WEEKS + 1, t0) / ARRIVAL_WEEKS

    def inputs(self) -> Inputs:
        return Inputs(
            step_medians={k: s.median for k, s in self.steps.items()},
            step_samples={k: s.samples for k, s in self.steps.items()},
            provider_medians={
                self.labels.get(k, k): s.median
                for k, s in self.providers.items()
                if k and s.samples
            },
            provider_samples={
                self.labels.get(k, k): s.samples
                for k, s in self.providers.items()
                if k and s.samples
            },
            agree_rate=self.agree_rate,
            issue_rate=self.issue_rate,
            drafts_per_fte_week=self.drafts_per_fte,
            finals_per_fte_week=self.finals_per_fte,
            requests_per_week=self.requests_per_week,
            team_fte=self.team_fte,
        )

    def _provider(self, key: str) -> _Step:
        for k in (key, key.split("/", 1)[0], ""):
            step = self.providers.get(k)
            if step is not None and step.samples >= MIN_PROVIDER_SAMPLES:
                return step
        return self.steps["advice"]

    # -- each case up to the caseworker's steps

    def _all_in(self, i: int) -> np.ndarray:
        """The chance all the advice outstanding on case i is in by each day."""
        waiting = self.state.waiting[i]
        cdf = self._provider_cdf(*waiting[0][:2])
        for key, waited, _due in waiting[1:]:
            cdf = cdf * self._provider_cdf(key, waited)
        return cdf

    def _provider_cdf(self, key: str, waited: int) -> np.ndarray:
        got = self._cdfs.get((key, waited))
        if got is None:
            row = self._provider(key).residual(waited)
            days = self.what_if.provider_days.get(key.split("/", 1)[0])
            if days:
                row = _scale_waits(row[None, :], days[0] / (days[0] + days[1]))[0]
            got = self._cdfs[(key, waited)] = np.cumsum(row)
        return got

    def _draft_wishes(self, idx: np.ndarray, advice_now: bool = False) -> np.ndarray:
        """The day each case's draft would be served with no queue to wait in."""
        st, n = self.state, self.n
        if not len(idx):
            return np.zeros((0, n))
        steps = np.array(st.step)[idx]
        elapsed = np.array(st.elapsed, dtype=np.int64)[idx]
        out = np.zeros((len(idx), n))
        drafting = steps == "draft"
        if advice_now:
            drafting |= steps == "advice"
        ready = np.zeros((len(idx), n))
        deciding = steps == "decide"
        if deciding.any():
            ready[deciding] = (
                _convolve(
                    self.steps["decide"].rows(elapsed[deciding]), self.steps["advice"].fresh()
                )
                * self.agree_rate
            )
        waits = [j for j in np.flatnonzero((steps == "advice") & ~drafting)]
        for j in waits:
            if not st.waiting[idx[j]]:
                ready[j] = self.steps["advice"].residual(int(elapsed[j]))
        waited = [j for j in waits if st.waiting[idx[j]]]
        if waited:
            cdfs = np.vstack([self._all_in(idx[j]) for j in waited])
            ready[waited] = np.diff(cdfs, axis=1, prepend=0.0)
        if (~drafting).any():
            out[~drafting] = _convolve(ready[~drafting], self.steps["draft"].fresh())
        in_draft = drafting & (steps == "draft")
        if in_draft.any():
            out[in_draft] = self.steps["draft"].rows(elapsed[in_draft])
        now = drafting & (steps == "advice")
        if now.any():
            out[now] = self.steps["draft"].fresh()
        known = np.array(st.issue_known)[idx]
        out[~known] *= self.issue_rate
        return out

    # -- queues

    def _capacity(
        self, worker_id: int, per_fte: float, extra: np.ndarray | None = None
    ) -> np.ndarray:
        w = self.workers[worker_id]
        fte = w.fte
        cap = np.zeros(self.n)
        first = self.made_on + timedelta(days=1)
        away = list(w.absences) + [(s, e) for who, s, e in self.what_if.away if who == worker_id]
        leaving = self.what_if.leaving
        for d in range(1, self.n):
            day = first + timedelta(days=d - 1)
            if day.weekday() >= 5 or any(s <= day <= e for s, e in away):
                continue
            if leaving and leaving[0] == worker_id and day > leaving[1]:
                continue
            cap[d] = per_fte * fte / 5
        if extra is not None:
            cap += extra
        return cap

    def _agency(self, per_fte: float) -> np.ndarray | None:
        if not self.what_if.agency:
            return None
        fte, weeks = self.what_if.agency
        cap = np.zeros(self.n)
        for d in range(1, min(self.n, 7 * weeks + 1)):
            if (self.made_on + timedelta(days=d)).weekday() < 5:
                cap[d] = per_fte * fte / 5
        return cap

    def _assign(self, rows: int) -> dict[int | None, _Share]:
        """Which rows each caseworker works on: a case its caseworker's (after any moves);
        a case not allocated, or held by someone not working, and the new requests (the rows
        after the cases), shared by the team in proportion to FTE. None: nobody to do it."""
        st = self.state
        moved = {c: to for cases, to in self.what_if.moves for c in cases}
        owners: dict[int | None, list[int]] = {}
        pooled = list(range(len(st.case_ids), rows))
        for i, (case_id, who) in enumerate(zip(st.case_ids, st.workers, strict=True)):
            who = moved.get(case_id, who)
            if who in self.workers:
                owners.setdefault(who, []).append(i)
            else:
                pooled.append(i)
        share = {k: _Share(np.array(v), np.ones(len(v))) for k, v in owners.items()}
        total = sum(w.fte for w in self.workers.values())
        if pooled and not total:
            share[None] = _Share(np.array(pooled), np.ones(len(pooled)))
        elif pooled:
            for k, w in self.workers.items():
                part = _Share(np.array(pooled), np.full(len(pooled), w.fte / total))
                share[k] = share[k].plus(part) if k in share else part
        return share

    def _queued(
        self, wishes: np.ndarray, per_fte: float, share: dict[int | None, _Share]
    ) -> tuple[np.ndarray, dict[int | None, np.ndarray]]:
        """Each row's wished-for days pushed back by its caseworker's capacity."""
        m = wishes.shape[0]
        wishes, share = self._hand_over(wishes, share)
        out = np.zeros_like(wishes)
        maps: dict[int | None, np.ndarray] = {}
        leaver = self.what_if.leaving[0] if self.what_if.leaving else None
        # The leaver first: what they have not done by their last day is handed over too.
        if leaver is not None and leaver in share:
            rows = share[leaver].rows(wishes)
            maps[leaver] = _fluid_queue(rows.sum(axis=0), self._capacity(leaver, per_fte))
            done = rows @ maps[leaver][:, : self.n]
            if wishes.shape[0] > m:
                last = self._last_day_index()
                undone = rows.sum(axis=1) - done[:, : last + 1].sum(axis=1)
                done[:, last + 1 :] = 0.0
                wishes[share[leaver].idx + m, last + 1] += undone  # theirs the next day
            out[share[leaver].idx] += done
        # An agency caseworker's time goes where the work is waiting.
        agency = self._agency(per_fte)
        demands = {
            k: sh.rows(wishes).sum(axis=0) for k, sh in share.items() if k not in (None, leaver)
        }
        waiting = sum(float(d.sum()) for d in demands.values())
        for who, demand in demands.items():
            extra = None
            if agency is not None and waiting > 0:
                extra = agency * (float(demand.sum()) / waiting)
            maps[who] = _fluid_queue(demand, self._capacity(who, per_fte, extra))
            sh = share[who]
            out[sh.idx] += sh.rows(wishes) @ maps[who][:, : self.n]
        return out, maps  # rows with nobody to do them (share[None]) stay undone

    def _last_day_index(self) -> int:
        """The leaver's last day, days from now (their last day already past: today)."""
        assert self.what_if.leaving is not None
        return max(0, (self.what_if.leaving[1] - self.made_on).days)

    def _hand_over(
        self, wishes: np.ndarray, share: dict[int | None, _Share]
    ) -> tuple[np.ndarray, dict[int | None, _Share]]:
        """A caseworker leaving: their cases' work after their last day goes to the rest of
        the team in proportion to FTE (work before it stays theirs). The work handed over is
        stacked below the cases as rows of its own, added back by _unfold."""
        leaving = self.what_if.leaving
        if not leaving or leaving[0] not in share:
            return wishes, share
        who = leaving[0]
        cut = self._last_day_index() + 1
        others = {k: w.fte for k, w in self.workers.items() if k != who}
        if cut >= self.n or not others:
            return wishes, share
        m = wishes.shape[0]
        mine = share[who].idx
        after = np.zeros_like(wishes)
        after[mine, cut:] = wishes[mine, cut:]
        stacked = np.vstack([wishes - after, after])
        total = sum(others.values())
        new = dict(share)
        for k, fte in others.items():
            given = _Share(mine + m, np.full(len(mine), fte / total))
            new[k] = new[k].plus(given) if k in new else given
        return stacked, new

    def chances(
        self,
    ) -> tuple[np.ndarray, dict[int | None, np.ndarray], dict[int | None, np.ndarray]]:
        """The chance of a final plan on each day: a row per open case, then a row per day
        for the new requests arriving that day (their expected number, not a chance); and
        each caseworker's queues."""
        m = len(self.state.case_ids)
        wishes = np.vstack([self._draft_wishes(np.arange(m)), self._arrival_wishes()])
        rows = wishes.shape[0]
        share = self._assign(rows)
        served, draft_maps = self._queued(wishes, self.drafts_per_fte, share)
        served = self._unfold(served, rows)
        final_wish = _convolve(served, self.steps["final"].fresh())
        fin = np.flatnonzero(np.array(self.state.step) == "final")
        if len(fin):
            final_wish[fin] = self.steps["final"].rows(np.array(self.state.elapsed)[fin])
        final, final_maps = self._queued(final_wish, self.finals_per_fte, share)
        return self._unfold(final, rows), draft_maps, final_maps

    def _unfold(self, rows: np.ndarray, m: int) -> np.ndarray:
        if rows.shape[0] == m:
            return rows
        return rows[:m] + rows[m:]

    def _arrival_wishes(self) -> np.ndarray:
        """Row d: the requests expected to arrive on day d, by the day their draft would be
        served with no queue (at the average of the last 12 weeks, and any surge)."""
        fresh = _convolve(
            _convolve(self.steps["decide"].fresh(), self.steps["advice"].fresh()) * self.agree_rate,
            self.steps["draft"].fresh(),
        )
        rate = np.full(self.n, self.requests_per_week / 7)
        rate[0] = 0.0  # today's are in the records
        if self.what_if.surge:
            pct, weeks = self.what_if.surge
            rate[1 : 7 * weeks + 1] *= 1 + pct / 100
        rows = np.zeros((self.n, self.n))
        for d in range(1, self.n):
            rows[d, d:] = fresh[: self.n - d] * rate[d] * self.issue_rate
        return rows

    def run(self) -> Forecast:
        st = self.state
        if self.missing:
            return Forecast(self.made_on, (), (), len(st.case_ids), 0, self.inputs(), self.missing)
        final, draft_maps, final_maps = self.chances()
        m = len(st.case_ids)
        deadlines_ = np.array(
            [
                deadlines.final_plan_due(date.fromordinal(r)).toordinal() - self.t0
                for r in st.requests
            ]
            + [d + 140 for d in range(self.n)],  # a request arriving on day d: 140 days on
            dtype=np.int64,
        )
        days = np.arange(self.n)
        in_time = final * (days[None, :] <= deadlines_[:, None])
        weeks = []
        for k in range(self.weeks):
            sl = slice(7 * k + 1, 7 * k + 8)  # weeks from tomorrow: today is in the records
            p, q = final[:, sl].sum(axis=1), in_time[:, sl].sum(axis=1)
            # A case's count varies as a yes/no; new requests' as a count (Poisson).
            var_p = float((p[:m] * (1 - p[:m])).sum() + p[m:].sum())
            var_q = float((q[:m] * (1 - q[:m])).sum() + q[m:].sum())
            starts = self.made_on + timedelta(days=7 * k + 1)
            weeks.append(_week(starts, float(p.sum()), var_p, float(q.sum()), var_q))
        chance = in_time[:m].sum(axis=1)
        late = int((deadlines_[:m] < 0).sum())
        at_risk = self._at_risk(chance, deadlines_[:m], draft_maps, final_maps)
        return Forecast(self.made_on, tuple(weeks), at_risk, m, late, self.inputs())

    # -- why a case is at risk, and what would save it

    def _at_risk(self, chance, deadlines_, draft_maps, final_maps, limit: int = 50):
        st = self.state
        live = np.flatnonzero((deadlines_ >= 0) & (chance < AT_RISK))
        # The soonest breaches that can still be prevented first; the near-certain ones
        # (under 5% with under two weeks left) after them.
        order = sorted(
            live,
            key=lambda i: (
                _hopeless(chance[i], deadlines_[i]),
                deadlines_[i],
                chance[i],
                st.case_ids[i],
            ),
        )
        out = []
        for i in order[:limit]:
            reasons, remedies = self._why(
                int(i), float(chance[i]), int(deadlines_[i]), (draft_maps, final_maps)
            )
            out.append(
                AtRisk(
                    case_id=st.case_ids[i],
                    caseworker_id=st.workers[i],
                    request_received=date.fromordinal(st.requests[i]),
                    deadline=self.made_on + timedelta(days=int(deadlines_[i])),
                    chance=float(chance[i]),
                    reasons=tuple(reasons),
                    remedies=tuple(remedies),
                )
            )
        return tuple(out)

    def _why(self, i: int, chance: float, deadline: int, maps) -> tuple[list[str], list[str]]:
        """In plain words: what stands in case i's way, and what would change its chance."""
        st = self.state
        reasons: list[str] = []
        remedies: list[str] = []
        weeks_in = (self.t0 - st.requests[i]) // 7
        who, step = st.workers[i], st.step[i]
        if who not in self.workers:
            reasons.append("not allocated to a caseworker")
            remedies.append("allocate it now")
        if step == "decide" and weeks_in >= 6:
            reasons.append(f"no decision whether to assess at week {weeks_in} (due by week 6)")
            remedies.append("take it to the next panel")
        late = [(k, -due) for k, _w, due in st.waiting[i] if due < 0]
        if late:
            names = ", ".join(f"{self.labels.get(k, k)} ({d} days overdue)" for k, d in late)
            reasons.append(f"advice late from {names}")
            better = self._chance_with(i, deadline, maps, advice_now=True)
            if better >= chance + 0.05:
                remedies.append(f"the advice in hand now: chance {_pct(chance)} → {_pct(better)}")
        if step != "final" and weeks_in >= 14:
            reasons.append(f"draft not served by week {weeks_in} (needed by about week 16)")
        if who in self.workers:
            away = [
                (s, e)
                for s, e in self.workers[who].absences
                if e >= self.made_on and s <= self.made_on + timedelta(days=max(deadline, 0))
            ]
            if away:
                reasons.append(f"caseworker away {away[0][0]:%d %b}–{away[0][1]:%d %b}")
            free = self._chance_with(i, deadline, None)
            if free >= chance + 0.05:
                if not away:
                    work = "finalising" if step == "final" else "drafting"
                    reasons.append(f"the caseworker's {work} is queued behind their other cases")
                remedies.append(
                    f"moved to a caseworker with room: chance {_pct(chance)} → {_pct(free)}"
                )
        if not reasons:
            reasons.append(f"{STEP_NAMES[step]} usually takes longer than the days left")
        if _hopeless(chance, deadline):
            remedies.append("the 20 weeks will very likely be missed: tell the family now")
        elif not remedies:
            remedies.append("fast-track the remaining steps, or record an exception if one applies")
        return reasons, remedies

    def _chance_with(self, i: int, deadline: int, maps, advice_now: bool = False) -> float:
        """Case i's chance of its plan by the deadline: with its advice in hand now, and
        with its caseworker's queues (maps) or with none (None)."""
        who = self.state.workers[i]
        if self.state.step[i] == "final":
            final = self.steps["final"].rows(np.array([self.state.elapsed[i]]))
        else:
            wish = self._draft_wishes(np.array([i]), advice_now=advice_now)
            if maps is not None and who in maps[0]:
                wish = wish @ maps[0][who][:, : self.n]
            final = _convolve(wish, self.steps["final"].fresh())
        if maps is not None and who in maps[1]:
            final = final @ maps[1][who][:, : self.n]
        return float(final[0, : deadline + 1].sum())


def _hopeless(chance: float, deadline: int) -> bool:
    return deadline < 14 and chance < 0.05


def _fluid_queue(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """First come, first served: T[x, y] is the share of day x's work done on day y (the
    last column: not done within the horizon). Work is taken in the order it arrives, as
    much a day as the capacity allows, nothing kept back on a quiet day for a busy one."""
    n = len(demand)
    done = np.zeros(n)
    backlog = 0.0
    for d in range(n):
        take = min(backlog + demand[d], capacity[d])
        backlog = backlog + demand[d] - take
        done[d] = take
    # Day x's work is the slice (arrived[x-1], arrived[x]] of all the work in arrival order;
    # day y does the slice (served[y-1], served[y]].
    arrived = np.concatenate([[0.0], np.cumsum(demand)])
    served = np.concatenate([[0.0], np.cumsum(done), [np.inf]])
    lo = np.maximum(arrived[:-1, None], served[None, :-1])
    hi = np.minimum(arrived[1:, None], served[None, 1:])
    overlap = np.clip(hi - lo, 0.0, None)
    share = np.zeros((n, n + 1))
    busy = demand > 1e-12  # a day with (next to) no work: nothing to share out
    share[busy] = overlap[busy] / demand[busy, None]
    # Rounding in the running totals can leave a sliver of a day's work before it arrived.
    share[:, :n] = np.triu(share[:, :n])
    share[busy] /= share[busy].sum(axis=1, keepdims=True)
    share[~busy, np.flatnonzero(~busy)] = 1.0  # no work that day: nothing to move
    return share


def _week(starts: date, mean: float, var: float, mean_in: float, var_in: float) -> ForecastWeek:
    low, high = _range(mean, var)
    in_low, in_high = _range(mean_in, var_in)
    return ForecastWeek(starts, mean, low, high, mean_in, in_low, in_high)


def _range(mean: float, var: float) -> tuple[int, int]:
    spread = RANGE_Z * math.sqrt(max(var, 0.0))
    return max(0, math.floor(mean - spread)), math.ceil(mean + spread)


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def forecast(
    cases: Sequence[CaseRecord],
    advice: Sequence[AdviceRecord],
    workers: Sequence[Worker],
    made_on: date,
    weeks: int = 12,
    what_if: WhatIf | None = None,
    history: History | None = None,
    labels: Mapping[str, str] | None = None,
) -> Forecast:
    """The forecast as of the end of `made_on`, from the records only. `labels` name the
    providers in the reasons ("Educational psychology", "EP North")."""
    history = history or History(cases, advice)
    state = open_as_of(cases, advice, made_on)
    return Engine(history, state, workers, made_on, weeks, what_if, labels).run()
