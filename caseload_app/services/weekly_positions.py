"""The weekly report's open cases that nothing has happened to since the week's end, counted by
the database in the groups each position figure reads (domain.measures.Positions), so that a
report reads a few hundred groups instead of every open case. The rules stay in the domain:
what is counted here is what ``measures.as_of`` would return unchanged, and the keep-in-touch
test is ``updates.update_due`` turned into comparisons with fixed days (tests check both
against the case-by-case count on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from caseload_app.db.models import Child, Communication, EhcpCase, StageEvent
from caseload_app.domain import measures, updates

_DATES = (
    EhcpCase.assess_decision_date,
    EhcpCase.issue_decision_date,
    EhcpCase.draft_served,
    EhcpCase.final_issued,
    EhcpCase.last_review,
)


def stable_at(end: date) -> ColumnElement[bool]:
    """Open at W with its stored position W's, as ``measures.as_of`` returns a case unchanged:
    open, requested by W, nothing closing it (``status.closed_on`` none), no date after W.
    Never NULL, so that NOT of it is the rest."""
    return and_(
        EhcpCase.is_open == true(),
        EhcpCase.request_received <= end,
        EhcpCase.ceased_date.is_(None),
        EhcpCase.withdrawn_date.is_(None),
        or_(EhcpCase.assess_decision.is_(None), EhcpCase.assess_decision != "refused"),
        or_(EhcpCase.issue_decision.is_(None), EhcpCase.issue_decision != "not_issue"),
        *(or_(column.is_(None), column <= end) for column in _DATES),
    )


def day_after(end: date) -> datetime:
    """The first moment after W: a contact logged up to W was before it."""
    return datetime.combine(end + timedelta(days=1), time())


def last_update(family: SQLColumnExpression[int], end: date) -> ColumnElement[datetime]:
    """The family's last update up to W (the keep-in-touch promise's: its last contact
    going out to the family), as a value of the statement it is put in."""
    return (
        select(func.max(Communication.occurred_at))
        .where(
            Communication.family_id == family,
            Communication.direction == "out",
            Communication.with_family == true(),
            Communication.occurred_at < day_after(end),
        )
        .scalar_subquery()
    )


def last_event(actions: Iterable[str], end: date) -> ColumnElement[date]:
    """The case's last of these stage events up to W, as a value of the statement it is put
    in (read through ix_stage_event_case_action)."""
    return (
        select(func.max(StageEvent.on_date))
        .where(
            StageEvent.case_id == EhcpCase.id,
            StageEvent.action.in_(actions),
            StageEvent.on_date <= end,
        )
        .scalar_subquery()
    )


def _shifted(day: date, days: int) -> date:
    """``day`` moved by ``days``, held at the calendar's ends: a setting of many years (the
    weights' urgency, the promise's weeks) reaches every day there is, as in Python."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


# Ids bound in one statement at most: SQLite allows 32,766 parameters (999 before 3.32),
# PostgreSQL 65,535 (and each statement is a round trip to a team's server).
PART = {"sqlite": 900, "postgresql": 30_000}


def in_parts(s, ids: Iterable[int], statement: Callable[[list[int]], Select]) -> Iterator[Any]:
    """The rows of ``statement(part)`` for each part of ``ids`` (a statement taking the ids
    in an IN list), so that no statement binds more values than a database allows."""
    ordered = sorted(ids)
    size = PART.get(s.dialect.name, PART["sqlite"])
    for start in range(0, len(ordered), size):
        yield from s.execute(statement(ordered[start : start + size]))


def positions(
    s,
    end: date,
    urgency_days: int,
    every_weeks: int,
    counted: frozenset[int],
    read_families: Iterable[int],
    named: CompoundSelect,
    earlier_weeks: tuple[date, date],
) -> measures.Positions:
    """The groups, read in the caller's connection ``s``: one pass over the open cases (an
    index holding every column it reads, migration 0028) for the caseworkers' loads, the
    ages, the reviews overdue and the keep-in-touch count, and one for the families not in
    contact. ``counted``: of the cases the report reads one by one (for what happened in
    its weeks), those counted here; ``read_families``: the families of the others it reads
    one by one; ``named``: the ids of the cases its advice and re-assessments name (a
    ``case_id`` column); ``earlier_weeks``:
    the trend's first day and this week's, between which requests and plans are counted by
    day."""
    stable = stable_at(end)
    urgent = and_(EhcpCase.next_due.isnot(None), EhcpCase.next_due <= _shifted(end, urgency_days))
    hot = case((urgent, 1), else_=0)
    base = func.coalesce(EhcpCase.last_review, EhcpCase.final_issued)
    plan_age = case(
        (base.is_(None), -1),  # an imported plan with neither date: nothing to age it by
        *((base >= edge, age) for age, edge in enumerate(measures.plan_age_edges(end))),
        else_=len(measures.PLAN_AGES) - 1,
    )
    received = EhcpCase.request_received
    request_age = case(
        *((received > edge, bucket) for bucket, edge in enumerate(measures.age_edges(end))),
        else_=len(measures.AGE_BUCKETS) - 1,
    )
    age = case((EhcpCase.stage == "plan_issued", plan_age), else_=request_age)
    review_overdue = and_(EhcpCase.next_step == "annual_review", EhcpCase.next_due < end)
    query = (
        select(
            EhcpCase.caseworker_id,
            EhcpCase.stage,
            hot,
            age,
            func.count(),
            func.sum(case((review_overdue, 1), else_=0)),
            func.sum(informed(end, every_weeks)),
        )
        .where(stable)
        .group_by(EhcpCase.caseworker_id, EhcpCase.stage, hot, age)
    )
    loads: dict[tuple[int | None, str, bool], int] = {}
    before_plan: dict[tuple[str, int], int] = {}
    plan_ages = [0] * len(measures.PLAN_AGES)
    open_cases = reviews_overdue = told = 0
    for worker, stage, is_hot, aged, n, late, kept in s.execute(query):
        key = (worker, stage, bool(is_hot))
        loads[key] = loads.get(key, 0) + n
        if stage == "plan_issued":
            if aged >= 0:
                plan_ages[aged] += n
        else:
            before_plan[(stage, aged)] = before_plan.get((stage, aged), 0) + n
        open_cases += n
        reviews_overdue += int(late or 0)
        told += int(kept or 0)
    # Looked up from the families (a few): a join from the cases scanned every case.
    holds = select(EhcpCase.id).where(EhcpCase.child_id == Child.id, stable).exists()
    holding = select(Child.family_id).where(holds).distinct()
    families = in_parts(s, read_families, lambda part: holding.where(Child.family_id.in_(part)))
    return measures.Positions(
        counted=counted,
        open_cases=open_cases,
        before_plan=before_plan,
        plan_ages=plan_ages,
        loads=loads,
        reviews_overdue=reviews_overdue,
        informed=measures.Ratio(told, open_cases),
        no_contact=_no_contact(s, end, stable),
        families=frozenset(family for (family,) in families),
        open_ids=frozenset(s.execute(_named_open(named, stable)).scalars()),
        **_trend_days(s, *earlier_weeks),
    )


def _named_open(named: CompoundSelect, stable: ColumnElement[bool]) -> Select:
    """Of the cases named, those open at W: looked up from the names (a few thousand), where
    a test of each open case against them read every open case (411 ms at 200,000)."""
    ids = named.subquery()
    return select(EhcpCase.id).join(ids, EhcpCase.id == ids.c.case_id).where(stable)


def _trend_days(s, first: date, this_week: date) -> dict[str, Any]:
    """The trend's earlier weeks' requests by day received, and plans by the day issued and
    the day requested (whether within 20 weeks follows from the two)."""
    received, issued = EhcpCase.request_received, EhcpCase.final_issued
    requests = (
        select(received, func.count())
        .where(received >= first, received < this_week)
        .group_by(received)
    )
    plans = (
        select(issued, received, func.count())
        .where(issued >= first, issued < this_week)
        .group_by(issued, received)
    )
    return {
        "requests_by_day": {day: n for day, n in s.execute(requests)},
        "plans_by_days": {(on, asked): n for on, asked, n in s.execute(plans)},
    }


def _children_of(families: Select) -> Select:
    return select(Child.id).where(Child.family_id.in_(families))


def _no_contact(s, end: date, stable) -> int:
    """Families holding a counted case with no contact logged in the 14 days up to W: the
    families in contact then are a range of recent rows (ix_communication_when), and the
    families are counted from the children, not by a look-up for each case."""
    since = _midnight(end - timedelta(days=measures.NO_CONTACT_DAYS - 1))
    in_contact = select(Communication.family_id).where(
        Communication.occurred_at >= since, Communication.occurred_at < day_after(end)
    )
    query = select(func.count(func.distinct(Child.family_id))).where(
        Child.id.in_(select(EhcpCase.child_id).where(stable)),
        Child.family_id.not_in(in_contact),
    )
    return int(s.execute(query).scalar_one())


def informed(end: date, every_weeks: int) -> ColumnElement[int]:
    """1 for a counted case whose family is not overdue an update at W
    (``updates.update_due`` at or after W), else 0. Its rule, with ``since`` the last
    update's day (or, with none, the later of the request and the day the case entered this
    caseload):

    - the regular update is due ``every_weeks`` after ``since``: at or after W when ``since``
      is on or after W − every_weeks (R);
    - a change of stage after the last update (the family not told) makes one due a week
      after it; at or after W when the change was on or after W − 7 days.
    Told: both, when the change is untold; the regular one otherwise (``exact``).

    ``exact`` reads three rows for a case; most cases need none of them. A family updated
    since R is told unless a change of stage came after the update and before W − 7 days,
    so after R: only cases with such a change are read. A family not updated since R is
    told only if never updated and the case began (or came to us) since R."""
    before = day_after(end)
    regular_from = _shifted(end, -7 * every_weeks)
    change_from = end - timedelta(days=updates.STAGE_CHANGE_DAYS)
    # The case's family, from two levels down: named, or SQLAlchemy would read any case.
    family = (
        select(Child.family_id)
        .where(Child.id == EhcpCase.child_id)
        .correlate(EhcpCase)
        .scalar_subquery()
    )
    update = last_update(family, end)

    def cases_with(actions, after: date, until: date) -> Select:
        return select(StageEvent.case_id).where(
            StageEvent.on_date > after, StageEvent.on_date <= until, StageEvent.action.in_(actions)
        )

    change = last_event(updates.STAGE_CHANGES, end)
    entered = last_event(updates.ENTRY_EVENTS, end)
    regular_kept = or_(
        update >= _midnight(regular_from),
        and_(update.is_(None), or_(EhcpCase.request_received >= regular_from,
                                   entered >= regular_from)),
    )  # fmt: skip
    # A change on the day of the last update counts as told (update_due compares days): a
    # day compares below any time on it, in SQLite's text and PostgreSQL's types alike.
    untold = and_(change.isnot(None), or_(update.is_(None), change > update))
    exact = case((and_(regular_kept, or_(not_(untold), change >= change_from)), 1), else_=0)
    updated_since = select(Communication.family_id).where(
        Communication.occurred_at >= _midnight(regular_from),
        Communication.occurred_at < before,
        Communication.direction == "out",
        Communication.with_family == true(),
    )
    late_change = cases_with(updates.STAGE_CHANGES, regular_from, change_from - timedelta(days=1))
    began_since = or_(
        EhcpCase.request_received >= regular_from,
        EhcpCase.id.in_(cases_with(updates.ENTRY_EVENTS, _shifted(regular_from, -1), end)),
    )
    return case(
        (
            EhcpCase.child_id.in_(_children_of(updated_since)),
            case((EhcpCase.id.in_(late_change), exact), else_=1),
        ),
        (began_since, exact),
        else_=0,
    )
