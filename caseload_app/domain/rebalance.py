"""Deadline-aware rebalancing: moves that allocate, cover and even out the load. (One
algorithm, described below and kept in one module so the rules and their code read together.)

``propose_rebalance`` proposes moves in three passes, each a whole family's
cases held by one caseworker (a *bundle*), and never moves a bundle twice:

1. **Allocate**: cases with no caseworker, or held by someone not on the team, go to the
   eligible caseworker who already holds a sibling's case, else to the one who would be least
   loaded per FTE after taking them (ties: lowest id). Largest bundles first.
2. **Cover**: a bundle holding a case whose step is overdue or due within ``continuity_days``
   stays with its caseworker (continuity) unless that caseworker cannot do it: away today, away
   on the day it is due, or at 0 FTE. Then the whole bundle goes to an eligible caseworker
   (sibling's holder first, else least loaded after the move). Earliest due first.
3. **Balance**: bundles with no such step move between caseworkers who are in today, to lower
   the spread (max - min of load per FTE), greedily: each step takes the move that lowers the
   spread most; where caseworkers tie at the top or bottom no single move can, so a short run
   of moves that each shrink the spread or the tie is tried and kept only if it then lowers
   the spread enough. A run is at most ``RUN_MOVES`` moves, or as many as caseworkers tie
   at the top and bottom when it starts or after its first move: on a large team a run of
   small drops that never pays could otherwise go on for a move per caseworker, each
   weighed against the whole team.

Every balancing move must pay for itself, because a family changing caseworker loses
continuity: a move (or a run of moves) is kept only when it lowers the spread by at least
``move_cost`` points of load per FTE for each child it moves (default 1.0, the weight of one
maintained plan). Balancing stops as soon as the busiest and the least busy caseworker are
within ``tolerance`` of the team's average load per FTE of each other (default 10%), when no
move is worth its cost, or after ``max_moves`` moves (the lead's cap). ``Proposal.left``
says in plain words what is left unbalanced and why.

Eligible receiver: capacity above 0, not away today, not away on the due date of any case
in the bundle, and not holding a sibling's step due soon that they cannot do themselves (the
family goes to whoever covers that one instead). Work is never sent to someone away. Cases of
a caseworker who is away but whose steps are not due soon stay put: they are back before it
matters, and the spread is measured over the caseworkers who are in today. A caseworker at
0 FTE is treated like one who is away. Cases nobody eligible can take are reported in
``Proposal.unplaced``, never forced on someone.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import how_many
from caseload_app.domain.workload import (
    CaseLoad,
    Weights,
    WorkerLoad,
    case_load,
    finite_number,
    loads_by_worker,
    spread,
)

__all__ = [
    "CONTINUITY_DAYS",
    "MIN_GAIN",
    "MOVE_COST",
    "MOVE_KINDS",
    "RUN_MOVES",
    "TOLERANCE",
    "Move",
    "Proposal",
    "apply_moves",
    "propose_rebalance",
]

CONTINUITY_DAYS = 14  # the "due within 2 weeks"
MIN_GAIN = 0.01  # smallest drop in spread (load per FTE) worth a move
# A family changing caseworker costs continuity: a balancing move must lower the spread by at
# least this much load per FTE per child it moves (1.0: one maintained plan's weight).
MOVE_COST = 1.0
# Even enough: busiest and least busy within this share of the team's average load per FTE.
TOLERANCE = 0.10
MOVE_KINDS = ("allocate", "cover", "balance")
# The longest run of moves tried before it must pay for itself (more where more tie).
RUN_MOVES = 10
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Move:
    """One proposed reassignment: every case of one family that ``from_id`` holds (``None``
    when unallocated) goes to ``to_id``."""

    case_ids: tuple[int, ...]
    family_id: int
    from_id: int | None
    to_id: int
    load: float
    reason: str
    kind: str = "balance"  # one of MOVE_KINDS
    child_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Proposal:
    """Moves in the order proposed, and load per caseworker before and after all of them.

    ``unplaced``: case ids that needed a caseworker (unallocated, or a step due soon with its
    caseworker away) but nobody eligible could take them. Spreads are over the caseworkers
    who are in on the day of the proposal.
    """

    moves: tuple[Move, ...]
    before: dict[int, float]
    after: dict[int, float]
    unplaced: tuple[int, ...] = ()
    spread_before: float = 0.0
    spread_after: float = 0.0
    left: str = ""  # what is left unbalanced and why, in plain words


def apply_moves(cases: Iterable[CaseLoad], moves: Iterable[Move]) -> list[CaseLoad]:
    """The cases with the moves applied in order (for before/after views and tests)."""
    holder = {}
    for move in moves:
        for case_id in move.case_ids:
            holder[case_id] = move.to_id
    return [replace(c, worker_id=holder[c.case_id]) if c.case_id in holder else c for c in cases]


# --------------------------------------------------------------------------- rebalancing


@dataclass(frozen=True, slots=True)
class _Bundle:
    family_id: int
    holder: int | None
    cases: tuple[CaseLoad, ...]
    load: float

    @property
    def case_ids(self) -> tuple[int, ...]:
        return tuple(c.case_id for c in self.cases)

    @property
    def dues(self) -> tuple[date, ...]:
        return tuple(c.next_due for c in self.cases if c.next_due is not None)


def _bundles(cases: Iterable[CaseLoad], holder: Mapping[int, int | None]) -> list[_Bundle]:
    grouped: dict[tuple[int | None, int], list[CaseLoad]] = {}
    for case in cases:
        grouped.setdefault((holder[case.case_id], case.family_id), []).append(case)
    return [
        _Bundle(
            family,
            who,
            tuple(sorted(group, key=lambda c: c.case_id)),
            math.fsum(c.load for c in group),
        )
        for (who, family), group in grouped.items()
    ]


class _Planner:
    """Mutable working state of one proposal."""

    def __init__(
        self,
        workers: tuple[WorkerLoad, ...],
        cases: tuple[CaseLoad, ...],
        today: date,
        horizon: date,
    ):
        self.today = today
        self.horizon = horizon
        self.cases = cases
        self.family_cases: dict[int, list[CaseLoad]] = {}
        for c in cases:
            self.family_cases.setdefault(c.family_id, []).append(c)
        self.by_id = {w.id: w for w in workers}
        self.workers = tuple(sorted(workers, key=lambda w: w.id))
        self.holder: dict[int, int | None] = {c.case_id: c.worker_id for c in cases}
        self.loads = loads_by_worker(cases, workers)
        self.family_holders: dict[int, Counter[int | None]] = {}
        for c in cases:
            self.family_holders.setdefault(c.family_id, Counter())[c.worker_id] += 1
        self.moved: set[int] = set()
        self.moves: list[Move] = []
        self.unplaced: list[int] = []

    def ratio(self, worker_id: int) -> float:
        return self.loads[worker_id] / self.by_id[worker_id].capacity

    def eligible(self, worker: WorkerLoad, bundle: _Bundle) -> bool:
        """Can take the bundle: in today, not away on any of its due dates, and able to do
        the steps due soon of the siblings it already holds (the family would stay split)."""
        if not worker.available_on(self.today):
            return False
        if any(due >= self.today and worker.away_on(due) for due in bundle.dues):
            return False
        return not any(
            self.holder[c.case_id] == worker.id
            and c.next_due is not None
            and self.today <= c.next_due <= self.horizon
            and worker.away_on(c.next_due)
            for c in self.family_cases.get(bundle.family_id, ())
        )

    def choose(self, bundle: _Bundle) -> WorkerLoad | None:
        holders = self.family_holders.get(bundle.family_id, Counter())
        candidates = [w for w in self.workers if w.id != bundle.holder and self.eligible(w, bundle)]
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda w: (
                0 if holders[w.id] > 0 else 1,
                (self.loads[w.id] + bundle.load) / w.capacity,
                w.id,
            ),
        )

    def move(self, bundle: _Bundle, to: WorkerLoad, reason: str, kind: str) -> Move:
        for c in bundle.cases:
            self.holder[c.case_id] = to.id
            self.moved.add(c.case_id)
        counter = self.family_holders[bundle.family_id]
        counter[bundle.holder] -= len(bundle.cases)
        counter[to.id] += len(bundle.cases)
        if bundle.holder in self.loads:
            self.loads[bundle.holder] -= bundle.load
        self.loads[to.id] += bundle.load
        move = Move(
            case_ids=bundle.case_ids,
            family_id=bundle.family_id,
            from_id=bundle.holder,
            to_id=to.id,
            load=bundle.load,
            reason=reason,
            kind=kind,
            child_ids=tuple(c.child_id for c in bundle.cases),
        )
        self.moves.append(move)
        return move

    def unmove(self, bundle: _Bundle) -> None:
        """Undo the last move, which moved ``bundle``."""
        move = self.moves.pop()
        for c in bundle.cases:
            self.holder[c.case_id] = bundle.holder
            self.moved.discard(c.case_id)
        counter = self.family_holders[bundle.family_id]
        counter[move.to_id] -= len(bundle.cases)
        counter[bundle.holder] += len(bundle.cases)
        self.loads[move.to_id] -= bundle.load
        if bundle.holder in self.loads:
            self.loads[bundle.holder] += bundle.load

    def per_fte(self, worker: WorkerLoad, extra: float) -> str:
        return f"{(self.loads[worker.id] + extra) / worker.capacity:.2f}"


def _ratio_text(planner: _Planner, worker: WorkerLoad, delta: float) -> str:
    return f"{planner.per_fte(worker, 0.0)} → {planner.per_fte(worker, delta)}"


def _allocate(planner: _Planner) -> None:
    bundles = [
        b
        for b in _bundles(planner.cases, planner.holder)
        if b.holder is None or b.holder not in planner.by_id
    ]
    bundles.sort(key=lambda b: (-b.load, b.family_id, b.holder is not None, b.holder or 0))
    for bundle in bundles:
        to = planner.choose(bundle)
        if to is None:
            planner.unplaced.extend(bundle.case_ids)
            continue
        why = "Unallocated" if bundle.holder is None else "Caseworker no longer on the team"
        if planner.family_holders[bundle.family_id][to.id] > 0:
            how = f"to {to.name}, who holds a sibling's case"
        else:
            how = f"to {to.name} ({_ratio_text(planner, to, bundle.load)} per FTE)"
        planner.move(bundle, to, f"{why}: {how}", "allocate")


def _cannot_cover(planner: _Planner, worker: WorkerLoad, due: date) -> bool:
    today = planner.today
    return not worker.available_on(today) or (due >= today and worker.away_on(due))


def _cover_reason(planner: _Planner, worker: WorkerLoad, due: date) -> str:
    today = planner.today
    step = f"step due {format_date(due)}" + (" (overdue)" if due < today else "")
    if worker.capacity <= 0:
        return f"{worker.name} has no capacity (0 FTE); {step}"
    period = worker.absence_around(today)
    if period is not None:
        return f"{worker.name} away until {format_date(period[1])}; {step}"
    start, end = worker.absence_around(due) or (due, due)
    return f"{worker.name} away {format_date(start)} to {format_date(end)}; {step}"


def _uncovered(planner: _Planner, bundle: _Bundle, horizon: date) -> date | None:
    """Earliest step due by ``horizon`` in the bundle that its holder cannot do, if any."""
    worker = planner.by_id.get(bundle.holder) if bundle.holder is not None else None
    if worker is None:
        return None
    dues = [d for d in bundle.dues if d <= horizon and _cannot_cover(planner, worker, d)]
    return min(dues) if dues else None


def _cover(planner: _Planner, horizon: date) -> None:
    # A bundle waiting for cover never grows meanwhile: nobody may receive siblings of a case
    # they cannot do themselves (``_Planner.eligible``), so one pass in date order is enough.
    pending = []
    for bundle in _bundles(planner.cases, planner.holder):
        due = _uncovered(planner, bundle, horizon)
        if due is not None:
            pending.append((due, bundle.family_id, bundle.holder, bundle))
    pending.sort(key=lambda p: p[:3])
    for due, _family, holder, bundle in pending:
        assert holder is not None  # _uncovered only finds bundles someone holds
        worker = planner.by_id[holder]
        to = None if planner.moved.intersection(bundle.case_ids) else planner.choose(bundle)
        if to is None:
            planner.unplaced.extend(bundle.case_ids)
            continue
        reason = f"{_cover_reason(planner, worker, due)}; covered by {to.name}"
        planner.move(bundle, to, reason, "cover")


class _Movable:
    """Bundles that balancing may move, per giver and grouped by load: bundles of equal load
    are interchangeable for the spread, so only the first eligible one of each is tried."""

    def __init__(self, giver_ids: Iterable[int]):
        self.groups: dict[int, dict[float, list[_Bundle]]] = {g: {} for g in giver_ids}
        self.by_family: dict[tuple[int, int], _Bundle] = {}

    @staticmethod
    def _order(bundle: _Bundle) -> tuple[int, int]:
        return len(bundle.cases), bundle.family_id  # fewest cases, then lowest family id

    def add(self, bundle: _Bundle) -> None:
        # Kept in order as it grows (a sort on every add made a proposal quadratic).
        assert bundle.holder is not None
        group = self.groups[bundle.holder].setdefault(bundle.load, [])
        bisect.insort(group, bundle, key=self._order)
        self.by_family[(bundle.holder, bundle.family_id)] = bundle

    def remove(self, bundle: _Bundle) -> None:
        assert bundle.holder is not None
        groups = self.groups[bundle.holder]
        group = groups[bundle.load]
        # A holder has one bundle per family, so its place in the order is its own.
        at = bisect.bisect_left(group, self._order(bundle), key=self._order)
        assert group[at] is bundle
        del group[at]
        if not group:
            del groups[bundle.load]
        del self.by_family[(bundle.holder, bundle.family_id)]

    def get(self, holder: int, family_id: int) -> _Bundle | None:
        return self.by_family.get((holder, family_id))


class _Spread:
    """`_Balancer.measure` of the caseworkers' ratios with two of them changed (a move's
    giver and receiver), without going through every caseworker again: a move is chosen
    from thousands of trials, and reading all 900 caseworkers of a council for each made a
    proposal cubic in the team's size. The spread and ties are the very same comparisons
    of the very same numbers; the sum of squares (only a tie-break) is the total with two
    terms swapped."""

    def __init__(self, ratios: Mapping[int, float], capacity: Mapping[int, float]) -> None:
        self.ratios, self.capacity = ratios, capacity
        self.values = sorted(ratios.values())
        ranked = sorted(ratios.items(), key=lambda item: item[1])
        # Two caseworkers change in a trial: of the three highest (lowest), one stays.
        self.highest, self.lowest = ranked[:-4:-1], ranked[:3]
        self.sumsq = sum(r * r * capacity[i] for i, r in ratios.items())
        self._exact_sumsq: int | None = None

    def exact_sumsq(self) -> int:
        """The exact sum of the terms of `sumsq` (see _SumOfSquares), added up once asked."""
        if self._exact_sumsq is None:
            capacity = self.capacity
            self._exact_sumsq = sum(_exact(r * r * capacity[i]) for i, r in self.ratios.items())
        return self._exact_sumsq

    def kept(self, a: int, b: int) -> tuple[float, float]:
        """The highest and lowest ratios of the others (none: infinities)."""
        kept_top = next((r for i, r in self.highest if i != a and i != b), -math.inf)
        kept_bottom = next((r for i, r in self.lowest if i != a and i != b), math.inf)
        return kept_top, kept_bottom

    def floor(self, a: int, b: int) -> float:
        """No move between `a` and `b` leaves a smaller spread than this: the others' own
        spread stays whatever they exchange."""
        kept_top, kept_bottom = self.kept(a, b)
        return kept_top - kept_bottom

    def moved(
        self, a: int, new_a: float, b: int, new_b: float, kept: tuple[float, float] | None = None
    ) -> tuple[float, int, _SumOfSquares]:
        """(spread, ties, sum of squares) once `a`'s ratio is `new_a` and `b`'s `new_b`
        (`kept`: the others' highest and lowest, if already known)."""
        old_a, old_b = self.ratios[a], self.ratios[b]
        kept_top, kept_bottom = kept or self.kept(a, b)
        top, bottom = max(kept_top, new_a, new_b), min(kept_bottom, new_a, new_b)
        high, low = top - _EPS, bottom + _EPS
        values = self.values
        at_top = len(values) - bisect.bisect_left(values, high)
        at_top += (new_a >= high) + (new_b >= high) - (old_a >= high) - (old_b >= high)
        at_bottom = bisect.bisect_right(values, low)
        at_bottom += (new_a <= low) + (new_b <= low) - (old_a <= low) - (old_b <= low)
        ca, cb = self.capacity[a], self.capacity[b]
        gone, come = (
            (old_a * old_a * ca, old_b * old_b * cb),
            (new_a * new_a * ca, new_b * new_b * cb),
        )
        approx = self.sumsq - gone[0] - gone[1] + come[0] + come[1]

        def exact() -> int:
            return self.exact_sumsq() - sum(map(_exact, gone)) + sum(map(_exact, come))

        return top - bottom, at_top + at_bottom, _SumOfSquares(approx, exact)


# Every float is a whole number of 2**-1074ths: scaled by this, a sum of floats is exact.
_EXACT = 2**1074


def _exact(term: float) -> int:
    numerator, denominator = term.as_integer_ratio()
    return numerator * (_EXACT // denominator)


@functools.total_ordering
class _SumOfSquares:
    """A trial's weighted sum of squares (the third tie-break), compared by its exact value:
    the exact sum of its float terms, whatever order they were added in. Compared within
    a billionth, two near-equal sums could tie with a third that neither ties, and the move
    chosen would depend on the order the cases came in. The float total decides where the
    two are clearly apart (its rounding is far below a billionth); only a near tie adds up
    the terms exactly, as integers."""

    __slots__ = ("approx", "_terms", "_value")

    def __init__(self, approx: float, terms: Callable[[], int]) -> None:
        self.approx, self._terms = approx, terms
        self._value: int | None = None

    def exact(self) -> int:
        if self._value is None:
            self._value = self._terms()
        return self._value

    def _compare(self, other: _SumOfSquares) -> int:
        a, b = self.approx, other.approx
        if not (math.isfinite(a) and math.isfinite(b)):  # an FTE of 1e-200: no exact value
            return -1 if a < b else 1 if a > b else 0  # (NaN as equal: ids decide)
        if abs(a - b) > _EPS * max(abs(a), abs(b), 1.0):
            return -1 if a < b else 1
        x, y = self.exact(), other.exact()
        return (x > y) - (x < y)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SumOfSquares) and self._compare(other) == 0

    def __lt__(self, other: _SumOfSquares) -> bool:
        return self._compare(other) < 0

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class _Rules:
    """What makes a balancing move worth proposing (see the module docstring)."""

    max_moves: int | None
    min_gain: float
    move_cost: float
    tolerance: float


class _Balancer:
    """The balancing pass (see the module docstring): greedy moves between the caseworkers in
    today, each kept only when it (or the run of moves it ends) pays for itself."""

    def __init__(self, planner: _Planner, horizon: date, rules: _Rules) -> None:
        self.planner, self.rules = planner, rules
        self.avail = [w for w in planner.workers if w.available_on(planner.today)]
        ids = {w.id for w in self.avail}
        self.movable = _Movable(ids)
        for bundle in _bundles(planner.cases, planner.holder):
            if (
                bundle.holder in ids
                and bundle.load > 0
                and not planner.moved.intersection(bundle.case_ids)
                and not any(due <= horizon for due in bundle.dues)
            ):
                self.movable.add(bundle)
        self.committed = 0
        self.run_limit = 0  # the most moves the run under way may make (see RUN_MOVES)
        # Moves made but not yet kept: (bundle, receiver's bundle of the same family it locked).
        self.tentative: list[tuple[_Bundle, _Bundle | None]] = []

    def ratios(self) -> dict[int, float]:
        return {w.id: self.planner.ratio(w.id) for w in self.avail}

    def measure(self, ratios: dict[int, float]) -> tuple[float, int, _SumOfSquares]:
        """Spread, how many sit at the top or bottom (ties), and the weighted sum of squares."""
        top, bottom = max(ratios.values()), min(ratios.values())
        ties = sum(1 for r in ratios.values() if r >= top - _EPS) + sum(
            1 for r in ratios.values() if r <= bottom + _EPS
        )
        terms = [r * r * self.planner.by_id[i].capacity for i, r in ratios.items()]
        return top - bottom, ties, _SumOfSquares(sum(terms), lambda: sum(map(_exact, terms)))

    def best_move(self) -> tuple[tuple, _Bundle, WorkerLoad, WorkerLoad] | None:
        """The move that leaves the smallest spread (then fewest ties, then the most even
        spread of load; ties broken by size and ids, so the result is deterministic)."""
        ratios = self.ratios()
        top, bottom = max(ratios.values()), min(ratios.values())
        # Only a move from the top or to the bottom can lower the spread or shrink a tie.
        tops = {i for i, r in ratios.items() if r >= top - _EPS}
        bottoms = {i for i, r in ratios.items() if r <= bottom + _EPS}
        spread_now = _Spread(ratios, {w.id: w.capacity for w in self.avail})
        # The pairs from a top or to a bottom (a handful of caseworkers each), the most
        # promising first: once the best move found beats a pair's floor, it beats the rest.
        givers = [w for w in self.avail if w.id in tops]
        receivers = [w for w in self.avail if w.id in bottoms]
        pairs = sorted(
            {
                (spread_now.floor(g.id, r.id), g.id, r.id): (g, r)
                for g, r in [*((g, r) for g in givers for r in self.avail),
                             *((g, r) for g in self.avail for r in receivers)]
                if g is not r
            }.items()
        )  # fmt: skip
        loads, eligible = self.planner.loads, self.planner.eligible
        best: tuple[tuple, _Bundle, WorkerLoad, WorkerLoad] | None = None
        for (floor, _g, _r), (giver, receiver) in pairs:
            if best is not None and round(floor, 9) > best[0][0]:
                break  # no move between these two, nor any pair after them, does better
            kept = spread_now.kept(giver.id, receiver.id)
            for load, group in self.movable.groups[giver.id].items():
                new_spread, ties, sumsq = spread_now.moved(
                    giver.id,
                    (loads[giver.id] - load) / giver.capacity,
                    receiver.id,
                    (loads[receiver.id] + load) / receiver.capacity,
                    kept,
                )
                measured = (round(new_spread, 9), ties, sumsq)
                if best is not None and measured > best[0][:3]:
                    continue  # worse, whichever bundle of this load would go
                bundle = next((b for b in group if eligible(receiver, b)), None)
                if bundle is None:
                    continue
                key = (*measured, len(bundle.cases), bundle.family_id, giver.id, receiver.id)
                if best is None or key < best[0]:
                    best = (key, bundle, giver, receiver)
        return best

    def verdict(self, key: tuple, bundle: _Bundle, base: float) -> str:
        """What to do with this move: "keep" (the run pays for itself), "try" (it shrinks the
        spread or a tie, so a further move may) or "stop"."""
        current, current_ties, _ = self.measure(self.ratios())
        new_spread, new_ties = key[0], key[1]
        moving = [bundle, *(b for b, _locked in self.tentative)]
        children = len({c.child_id for b in moving for c in b.cases})  # a child counts once
        rules = self.rules
        if new_spread < base - max(rules.min_gain, rules.move_cost * children - _EPS):
            return "keep"
        # A run is RUN_MOVES long, or as long as the ties when it starts (each tied
        # caseworker may need a move before the spread drops) or after its first move (a
        # tie that move made: twelve now at the top).
        if not self.tentative:
            self.run_limit = min(len(self.avail), max(RUN_MOVES, current_ties))
        elif len(self.tentative) == 1:
            self.run_limit = min(len(self.avail), max(self.run_limit, 1 + current_ties))
        if len(self.tentative) < self.run_limit and (
            new_spread < current - _EPS
            or (new_spread <= current + _EPS and new_ties < current_ties)
        ):
            return "try"
        return "stop"

    def make(self, bundle: _Bundle, giver: WorkerLoad, receiver: WorkerLoad) -> None:
        planner = self.planner
        reason = (
            f"Evens load: {giver.name} {_ratio_text(planner, giver, -bundle.load)}, "
            f"{receiver.name} {_ratio_text(planner, receiver, bundle.load)} per FTE"
        )
        planner.move(bundle, receiver, reason, "balance")
        self.movable.remove(bundle)
        # The family now held by the receiver moves with these cases or not at all.
        locked = self.movable.get(receiver.id, bundle.family_id)
        if locked is not None:
            self.movable.remove(locked)
        self.tentative.append((bundle, locked))

    def roll_back(self) -> None:
        """A run of moves that never lowered the spread enough is not worth proposing."""
        for bundle, locked in reversed(self.tentative):
            self.planner.unmove(bundle)
            self.movable.add(bundle)
            if locked is not None:
                self.movable.add(locked)
        self.tentative.clear()

    def under_cap(self) -> bool:
        cap = self.rules.max_moves
        return cap is None or self.committed + len(self.tentative) < cap

    def run(self) -> str:
        """Propose the balancing moves; returns why it stopped: "few" (fewer than two
        caseworkers in), "even" (within tolerance), "cap", "stuck" (nothing may move that
        helps) or "not_worth" (no move lowers the spread by its cost)."""
        if len(self.avail) < 2:
            return "few"
        base = spread(self.planner.loads, self.avail)
        enough = self.rules.tolerance * _average_per_fte(self.planner, self.avail)
        stop = "cap"
        while self.under_cap():
            if not self.tentative and base <= enough + _EPS:
                stop = "even"
                break
            found = self.best_move()
            if found is None:
                stop = "stuck"
                break
            key, bundle, giver, receiver = found
            verdict = self.verdict(key, bundle, base)
            if verdict == "stop":
                stop = "not_worth"
                break
            self.make(bundle, giver, receiver)
            if verdict == "keep":
                self.committed += len(self.tentative)
                self.tentative.clear()
                base = spread(self.planner.loads, self.avail)
        if self.tentative and stop != "cap":
            stop = "not_worth"
        self.roll_back()
        return stop


def _average_per_fte(planner: _Planner, workers: list[WorkerLoad]) -> float:
    capacity = math.fsum(w.capacity for w in workers)
    return math.fsum(planner.loads[w.id] for w in workers) / capacity if capacity else 0.0


def _left_text(planner: _Planner, stop: str, rules: _Rules, balancing: int) -> str:
    """What is left unbalanced after the proposal and why, for the lead."""
    avail = [w for w in planner.workers if w.available_on(planner.today)]
    parts = []
    if planner.unplaced:
        parts.append(
            f"{how_many(len(planner.unplaced), 'case', 'cases')} needing a caseworker could "
            "not be placed: nobody in can take them."
        )
    if stop == "few":
        parts.append("Fewer than two caseworkers are in today, so there is no load to even.")
        return " ".join(parts)
    busiest = max(avail, key=lambda w: (planner.ratio(w.id), -w.id))
    idlest = min(avail, key=lambda w: (planner.ratio(w.id), w.id))
    gap = planner.ratio(busiest.id) - planner.ratio(idlest.id)
    average = _average_per_fte(planner, avail)
    where = (
        f"Afterwards the busiest is {busiest.name} ({planner.ratio(busiest.id):.2f} per FTE) "
        f"and the least busy {idlest.name} ({planner.ratio(idlest.id):.2f}); the team's "
        f"average is {average:.2f}."
    )
    if gap <= _EPS:
        parts.append("Load per FTE is even afterwards.")
        return " ".join(parts)
    why = {
        "even": (
            f"That gap of {gap:.2f} is within {rules.tolerance:.0%} of the average: further "
            "moves would change families' caseworker for little gain."
        ),
        "cap": f"Stopped at the cap of {how_many(balancing, 'balancing move', 'balancing moves')}.",
        "stuck": (
            "No move left would lower the gap: the remaining families either have a "
            f"statutory step due within {(planner.horizon - planner.today).days} days, "
            "which stays with its caseworker, or cannot go to anyone else."
        ),
        "not_worth": (
            "No further move, nor a short run of moves, lowers the gap by "
            f"{rules.move_cost:g} point"
            f"{'s' if rules.move_cost != 1 else ''} of load per FTE for each child moved, "
            "the cost of a family changing caseworker."
        ),
    }[stop]
    parts.append(f"{where} {why}")
    return " ".join(parts)


def propose_rebalance(
    workers: Iterable[WorkerLoad],
    cases: Iterable[CaseLoad],
    today: date,
    weights: Weights | None = None,
    *,
    continuity_days: int = CONTINUITY_DAYS,
    max_moves: int | None = None,
    min_gain: float = MIN_GAIN,
    move_cost: float = MOVE_COST,
    tolerance: float = TOLERANCE,
) -> Proposal:
    """Moves that allocate unallocated cases, cover steps due soon whose caseworker is away,
    then even out load per FTE with as few moves as possible (see the module docstring).

    With ``weights`` each case's load is recomputed from its stage and next step on ``today``
    (``CaseLoad.load`` is then ignored); without, ``CaseLoad.load`` is used as given.
    ``max_moves`` caps the balancing moves only: allocating and covering are always proposed.
    ``move_cost`` (load per FTE per child moved) and ``tolerance`` (share of the average
    load per FTE) decide when a balancing move is worth a family's change of caseworker.
    Deterministic: the same input gives the same moves (ties broken by ids).
    """
    workers = tuple(workers)
    cases = tuple(cases)
    if continuity_days < 0:
        raise ValueError(f"continuity_days cannot be negative (got {continuity_days}).")
    if max_moves is not None and max_moves < 0:
        raise ValueError(f"max_moves cannot be negative (got {max_moves}).")
    if finite_number("move_cost", move_cost) < 0 or finite_number("tolerance", tolerance) < 0:
        raise ValueError("move_cost and tolerance cannot be negative.")
    if len({w.id for w in workers}) != len(workers):
        raise ValueError("each caseworker may appear only once")
    if len({c.case_id for c in cases}) != len(cases):
        raise ValueError("each case may appear only once")
    if weights is not None:
        cases = tuple(
            replace(
                c,
                load=case_load(c.stage, (c.next_due - today).days if c.next_due else None, weights),
            )
            for c in cases
        )
    horizon = today + timedelta(days=continuity_days)
    planner = _Planner(workers, cases, today, horizon)
    _allocate(planner)
    _cover(planner, horizon)
    rules = _Rules(max_moves, min_gain, move_cost, tolerance)
    stop = _Balancer(planner, horizon, rules).run()
    balancing = sum(1 for m in planner.moves if m.kind == "balance")
    cap = max_moves if max_moves is not None else balancing
    left = _left_text(planner, stop, rules, cap) if workers else ""
    moves = tuple(planner.moves)
    before = loads_by_worker(cases, workers)
    after = loads_by_worker(apply_moves(cases, moves), workers)
    return Proposal(
        moves=moves,
        before=before,
        after=after,
        unplaced=tuple(sorted(planner.unplaced)),
        spread_before=spread(before, workers, today),
        spread_after=spread(after, workers, today),
        left=left,
    )
