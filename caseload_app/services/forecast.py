"""The 20-week forecast and its back-test, read from the database (never written to).

The arithmetic is domain/forecast.py and domain/backtest.py; this module reads the cases'
dates, the advice requests, the caseworkers and their absences in a handful of queries, and
names the cases at risk. A what-if is applied to the forecast only: nothing is saved, and
nothing is audited (no record of anyone is shown beyond what the board shows)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, or_, select, type_coerce

from caseload_app.db.models import (
    Absence,
    AdviceProvider,
    AdviceRequest,
    Caseworker,
    Child,
    EhcpCase,
)
from caseload_app.db.queries import as_date
from caseload_app.domain import codes
from caseload_app.domain.access import Can
from caseload_app.domain.backtest import LEADS, BackTest, back_test
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.forecast import (
    HISTORY_DAYS,
    AdviceRecord,
    CaseRecord,
    Forecast,
    History,
    WhatIf,
    Worker,
    forecast,
)
from caseload_app.domain.text import how_many
from caseload_app.services import records
from caseload_app.services.base import UserService

# Stages a case passes through before its final plan: an open case at a later stage with no
# final date (a plan imported without one, or transferred in) is not waiting for a plan.
PIPELINE = ("request_received", "assessment", "draft_issued")
BACK_TEST_WEEKS = 26


@dataclass(frozen=True)
class Records:
    cases: list[CaseRecord]
    advice: list[AdviceRecord]
    workers: list[Worker]
    labels: dict[str, str]  # provider key -> its name ("Educational psychology", "EP North")


@dataclass(frozen=True)
class ForecastResult:
    baseline: Forecast
    scenario: Forecast | None  # the what-if, side by side with the baseline
    what_if: list[str]  # the what-if's changes in plain words
    caseworkers: dict[int, str]
    children: dict[int, str]  # case id -> child's name, for the cases at risk


class ForecastService(UserService):
    def forecast(
        self, weeks: int = 12, what_if: WhatIf | None = None, *, named: bool = False
    ) -> ForecastResult:
        """The next `weeks` weeks from tomorrow, and the what-if beside it if one is given.
        `named`: the children at risk by name (the forecast's view), a look recorded in the
        audit trail; otherwise nothing is written (a what-if, the board's strip, the CLI)."""
        _check_weeks(weeks)
        self._allowed(Can.REPORTS)  # the board's figures, and the children at risk named
        today = self._today()
        # The last 12 months' steps, and the requests those steps began with.
        got = self._records(today, HISTORY_DAYS + 120)
        names = {w.id: w.name for w in got.workers}
        waiting = {c.case_id for c in got.cases if c.is_open and c.final_issued is None}
        _check_what_if(what_if, names, waiting)
        history = History(got.cases, got.advice)
        base = forecast(
            got.cases,
            got.advice,
            got.workers,
            today,
            weeks,
            history=history,
            labels=got.labels,
        )
        scenario = None
        if what_if is not None and not what_if.is_empty():
            scenario = forecast(
                got.cases,
                got.advice,
                got.workers,
                today,
                weeks,
                what_if,
                history=history,
                labels=got.labels,
            )
        at_risk = {r.case_id for f in (base, scenario) if f for r in f.at_risk}
        return ForecastResult(
            baseline=base,
            scenario=scenario,
            what_if=what_if.describe(names) if what_if else [],
            caseworkers=names,
            children=self._children(at_risk) if named else {},
        )

    def back_test(
        self,
        past_weeks: int = BACK_TEST_WEEKS,
        progress: Callable[[int, int], bool] | None = None,
    ) -> BackTest:
        """What the forecast would have said 4, 8 and 12 weeks before each past week."""
        if not 1 <= past_weeks <= 104:
            raise ValidationError("Back-test between 1 and 104 past weeks.")
        self._allowed(Can.REPORTS)
        today = self._today()
        reach = HISTORY_DAYS + 7 * (past_weeks + max(LEADS)) + 200
        got = self._records(today, reach)
        return back_test(got.cases, got.advice, got.workers, today, past_weeks, LEADS, progress)

    def caseworker_ids(self) -> dict[str, int]:
        """Active caseworkers by name, to read a what-if that names them."""
        q = select(Caseworker.name, Caseworker.id).where(Caseworker.active.is_(True))
        with self._db.read() as s:
            return {r.name: r.id for r in s.execute(q)}

    # -- reading

    def _records(self, today: date, reach_days: int) -> Records:
        """Every case that was open, or moved a step, in the last `reach_days` days."""
        since = today - timedelta(days=reach_days)
        c = EhcpCase
        case_q = select(
            c.id,
            c.caseworker_id,
            c.stage,
            c.is_open,
            c.assess_decision,
            c.issue_decision,
            *_raw(
                c.request_received,
                c.assess_decision_date,
                c.issue_decision_date,
                c.draft_served,
                c.final_issued,
                c.withdrawn_date,
                c.moved_out,
            ),
        ).where(
            c.transferred_in.is_(None),
            or_(
                c.is_open & c.final_issued.is_(None),
                c.request_received >= since,
                c.final_issued >= since,
                c.draft_served >= since,
            ),
        )
        a = AdviceRequest
        advice_q = (
            select(
                a.case_id,
                a.advice_type,
                a.provider_id,
                *_raw(a.received_by_adviser, a.due, a.received),
            )
            .join(c, c.id == a.case_id)
            .where(
                c.transferred_in.is_(None),
                # what is still awaited, what arrived in the window, and every request of
                # a case still waiting for its plan
                or_(
                    a.received.is_(None), a.received >= since, c.is_open & c.final_issued.is_(None)
                ),
                or_(
                    c.is_open & c.final_issued.is_(None),
                    c.request_received >= since,
                    c.final_issued >= since,
                    c.draft_served >= since,
                ),
            )
        )
        with self._db.read() as s:
            cases = [_case(*r) for r in s.execute(case_q)]
            advice = [
                AdviceRecord(
                    case_id,
                    kind if provider is None else f"{kind}/{provider}",
                    _day(sent),  # type: ignore[arg-type]
                    _day(due),  # type: ignore[arg-type]
                    _day(got),
                )
                for case_id, kind, provider, sent, due, got in s.execute(advice_q)
            ]
            labels = _provider_labels(s)
            workers = self._workers(s, today)
        return Records(cases, advice, workers, labels)

    def _workers(self, s, today: date) -> list[Worker]:
        away: dict[int, list[tuple[date, date]]] = {}
        q = select(Absence.caseworker_id, Absence.starts, Absence.ends).where(
            Absence.ends >= today - timedelta(days=7 * (BACK_TEST_WEEKS + max(LEADS)))
        )
        for r in s.execute(q):
            away.setdefault(r.caseworker_id, []).append(
                (as_date(r.starts), as_date(r.ends))  # type: ignore[arg-type]
            )
        rows = s.execute(
            select(Caseworker.id, Caseworker.name, Caseworker.capacity_fte).where(
                Caseworker.active.is_(True)
            )
        )
        return [
            Worker(r.id, r.name, float(r.capacity_fte or 0), tuple(sorted(away.get(r.id, ()))))
            for r in rows
        ]

    def _children(self, case_ids: set[int]) -> dict[int, str]:
        """The children at risk by name: a look at them, in the audit trail first."""
        q = (
            select(EhcpCase.id, Child.first_name, Child.last_name)
            .join(Child, Child.id == EhcpCase.child_id)
            .where(EhcpCase.id.in_(sorted(case_ids)))
        )
        with self._db.uow() as s:
            records.write_audit(
                s, at=self._now(), who=self.user, action="view", record_type="forecast",
                detail=f"Looked at the 20-week forecast's cases at risk: "
                f"{how_many(len(case_ids), 'child', 'children')} named",
            )  # fmt: skip
            return {r.id: f"{r.first_name} {r.last_name}" for r in s.execute(q)}


def _raw(*columns):
    """Dates as the driver gives them (text from SQLite), read by as_date: SQLAlchemy's own
    parsing of SQLite's text costs a second at 50,000 children."""
    return [type_coerce(col, String).label(col.key) for col in columns]


def _day(value: date | str | None) -> date | None:
    """as_date for the one shape _raw gives (text from SQLite, a date from PostgreSQL),
    without its checks: called for every advice request."""
    return _from_text(value) if isinstance(value, str) else value


_from_text = date.fromisoformat


def _provider_labels(s) -> dict[str, str]:
    """Each service by its name, and each provider recorded by its own ("EP North")."""
    labels = {c.code: c.label for c in codes.advice_types()}
    for pid, service, name in s.execute(
        select(AdviceProvider.id, AdviceProvider.service, AdviceProvider.name)
    ):
        labels[f"{service}/{pid}"] = name
    return labels


def _case(
    case_id,
    worker,
    stage,
    is_open,
    assess,
    issue,
    received,
    decided,
    issue_on,
    draft,
    final,
    withdrawn,
    moved_out,
) -> CaseRecord:
    """One row of _records' case query, in its order."""
    final_day = _day(final)
    return CaseRecord(
        case_id=case_id,
        caseworker_id=worker,
        request_received=_day(received),  # type: ignore[arg-type]
        assess_decision_date=_day(decided),
        assess_decision=assess,
        issue_decision_date=_day(issue_on),
        issue_decision=issue,
        draft_served=_day(draft),
        final_issued=final_day,
        ended=_day(withdrawn) or _day(moved_out),
        is_open=bool((is_open and stage in PIPELINE) or final_day is not None),
    )


def _check_weeks(weeks: int) -> None:
    if not 1 <= weeks <= 26:
        raise ValidationError("Forecast between 1 and 26 weeks ahead.")


def _check_what_if(what_if: WhatIf | None, names: Mapping[int, str], waiting: set[int]) -> None:
    """A what-if naming a caseworker not on the team, a case not waiting for a plan, or an
    advice service there is none of, is refused by name."""
    if what_if is None:
        return
    services = {c.code for c in codes.advice_types()}
    for service in what_if.provider_days:
        if service not in services:
            known = ", ".join(sorted(services))
            raise ValidationError(
                f"There is no advice service {service!r} (the services: {known})."
            )
    for cases, _to in what_if.moves:
        for case_id in cases:
            if case_id not in waiting:
                raise ValidationError(f"Case {case_id} is not a request waiting for its plan.")
    named = [to for _cases, to in what_if.moves] + [who for who, _s, _e in what_if.away]
    if what_if.leaving:
        named.append(what_if.leaving[0])
    for who in named:
        if who not in names:
            raise ValidationError(f"There is no active caseworker number {who}.")


# --------------------------------------------------------------------------- what-if files


def what_if_from_json(text: str, caseworkers: Mapping[str, int]) -> WhatIf:
    """A what-if written as JSON (README "What-if files"); caseworkers by name or number.

    Refused with a message naming the key and what was wrong, never half-read."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"The what-if file is not JSON: {exc.msg} (line {exc.lineno})."
        ) from None
    if not isinstance(data, dict):
        raise ValidationError('The what-if file must hold one JSON object, e.g. {"agency": …}.')
    unknown = sorted(set(data) - _WHAT_IF_KEYS)
    if unknown:
        raise ValidationError(
            f"Unknown what-if: {', '.join(unknown)} (known: {', '.join(sorted(_WHAT_IF_KEYS))})."
        )
    worker = _worker_reader(caseworkers)
    days = {}
    for service, spec in _obj(data, "provider_days").items():
        d = _item(spec, f"provider_days.{service}")
        days[service] = (
            _number(d, "now", f"provider_days.{service}", minimum=0.5),
            _number(d, "add", f"provider_days.{service}", minimum=-1000),
        )
        if days[service][0] + days[service][1] <= 0:
            raise ValidationError(f"provider_days.{service}: 'now' plus 'add' must be above 0.")
    agency = None
    if "agency" in data:
        a = _obj(data, "agency")
        agency = (_number(a, "fte", "agency", minimum=0.1, maximum=10), _weeks(a, "agency"))
    leaving = None
    if "leaving" in data:
        lv = _obj(data, "leaving")
        leaving = (
            worker(lv.get("caseworker"), "leaving.caseworker"),
            _date(lv, "last_day", "leaving"),
        )
    moves = []
    for n, m in enumerate(_list(data, "moves")):
        m = _item(m, f"moves[{n}]")
        cases = m.get("cases")
        if not isinstance(cases, list) or not cases or not all(_whole(c) for c in cases):
            raise ValidationError(f"moves[{n}].cases must be a list of case numbers.")
        moves.append((tuple(cases), worker(m.get("to"), f"moves[{n}].to")))
    surge = None
    if "surge" in data:
        sg = _obj(data, "surge")
        surge = (_number(sg, "percent", "surge", minimum=-100, maximum=1000), _weeks(sg, "surge"))
    away = []
    for n, ab in enumerate(_list(data, "away")):
        ab = _item(ab, f"away[{n}]")
        start, end = _date(ab, "from", f"away[{n}]"), _date(ab, "to", f"away[{n}]")
        if end < start:
            raise ValidationError(f"away[{n}]: 'to' is before 'from'.")
        away.append((worker(ab.get("caseworker"), f"away[{n}].caseworker"), start, end))
    return WhatIf(days, agency, leaving, tuple(moves), surge, tuple(away))


_WHAT_IF_KEYS = {"provider_days", "agency", "leaving", "moves", "surge", "away"}


def _obj(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ValidationError(f"'{key}' must be an object ({{…}}).")
    return value


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _item(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be an object ({{…}}).")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"'{key}' must be a list ([…]).")
    return value


def _number(
    data: Mapping[str, Any], key: str, where: str, minimum: float, maximum: float = 1e6
) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{where}.{key} must be a number.")
    if not minimum <= value <= maximum:
        raise ValidationError(f"{where}.{key} must be between {minimum:g} and {maximum:g}.")
    return float(value)


def _weeks(data: Mapping[str, Any], where: str) -> int:
    value = data.get("weeks")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 52:
        raise ValidationError(f"{where}.weeks must be a whole number of weeks, 1 to 52.")
    return value


def _date(data: Mapping[str, Any], key: str, where: str) -> date:
    value = data.get(key)
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{where}.{key} must be a date written YYYY-MM-DD.") from None


def _worker_reader(caseworkers: Mapping[str, int]) -> Callable[[object, str], int]:
    by_name = {name.casefold(): wid for name, wid in caseworkers.items()}
    ids = set(caseworkers.values())

    def read(value: object, where: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value in ids:
            return value
        if isinstance(value, str) and value.strip().casefold() in by_name:
            return by_name[value.strip().casefold()]
        raise ValidationError(f"{where}: no active caseworker called {value!r}.")

    return read
