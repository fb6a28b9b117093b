"""The case list's filters and search worked out by the database (issue 28, first step of
the list as a window onto the database): which cases a view shows, in the list's order, as
ids, without building a row for every case in Python.

Each condition says in SQL what `CaseFilter.matches` and the list's search say in Python;
tests/services/test_case_window.py checks the two agree on any filter, search and day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.orm import Session

from caseload_app.db.batch import one_snapshot
from caseload_app.db.engine import Database
from caseload_app.db.models import Caseworker, Child, Communication, EhcpCase
from caseload_app.db.queries import first_column
from caseload_app.domain import codes
from caseload_app.domain.exceptions import parse_limits
from caseload_app.domain.status import AMBER_DAYS, Rag, exception_greys, step_label
from caseload_app.domain.text import fold, sort_key
from caseload_app.services.caselist import (
    NO_CONTACT_DAYS,
    RAG_RANK,
    UNALLOCATED,
    CaseFilter,
    CaseListService,
    CaseRow,
    rows_for_in,
)

# Each family's latest contact, as the list's query reads it (an index seek a family).
_LAST_CONTACT = (
    select(func.max(Communication.occurred_at))
    .where(Communication.family_id == Child.family_id)
    .correlate(Child)
    .scalar_subquery()
)
# The columns that sort by the child (its names, setting, need, family's last contact): only
# then is it joined; filters and search read the children on their own (of_children).
CHILD_COLUMNS = {"Child", "Family", "Setting", "Need", "Last contact"}


def needs_child(sort: tuple[str, bool] | None) -> bool:
    return sort is not None and sort[0] in CHILD_COLUMNS


def from_cases(query: Select, child: bool) -> Select:
    """The query read from the cases, joined to their children if it reads them."""
    query = query.select_from(EhcpCase)
    return query.join(Child, EhcpCase.child_id == Child.id) if child else query


def greying_pairs(s: Session) -> list[tuple[str, str]]:
    """The (next step, exception limits) pairs held that an exception greys: a handful, so
    the rule stays in Python (domain.status.exception_greys) and SQL only looks them up."""
    held = s.execute(
        select(EhcpCase.next_step, EhcpCase.exception_limits)
        .where(EhcpCase.exception_limits != "", EhcpCase.next_step.is_not(None))
        .distinct()
    ).all()
    return [
        (step, limits)
        for step, limits in held
        if step is not None and exception_greys(step, parse_limits(limits))
    ]


def rag_expression(today: date, greyed: list[tuple[str, str]]) -> ColumnElement:
    """domain.status.rag_for_step in SQL, for the list's rows (closed: none)."""
    greys = or_(
        false(),
        *(and_(EhcpCase.next_step == step, EhcpCase.exception_limits == limits)
          for step, limits in greyed),
    )  # fmt: skip
    return case(
        (EhcpCase.is_open.is_(False), literal(Rag.NONE.value)),
        (EhcpCase.next_due.is_(None), literal(Rag.NONE.value)),
        (greys, literal(Rag.GREY.value)),
        (EhcpCase.next_due < today, literal(Rag.RED.value)),
        (EhcpCase.next_due <= today + timedelta(days=AMBER_DAYS), literal(Rag.AMBER.value)),
        else_=literal(Rag.GREEN.value),
    )


def conditions(
    case_filter: CaseFilter,
    today: date,
    greyed: list[tuple[str, str]],
    *,
    joined: bool = False,
    sqlite: bool = False,
    searched: bool = False,
) -> list[ColumnElement]:
    """`CaseFilter.matches` as SQL conditions on the list's query (`joined`: the query is
    joined to the children, which are then tested row by row rather than read first;
    `sqlite`: written as SQLite answers them fastest, see child_conditions and `searched`,
    where a search's children narrow the cases, see `_is_open`)."""
    f, due = case_filter, EhcpCase.next_due
    is_open = _is_open(hinted=sqlite and searched)
    found: list[ColumnElement] = []
    if f.caseworker_id is not None:
        found.append(EhcpCase.caseworker_id == f.caseworker_id)
    if f.stage is not None:
        found.append(EhcpCase.stage == f.stage)
    if f.rag is not None:
        found.append(rag_expression(today, greyed) == f.rag)
    if f.overdue:
        found.append(due < today)
    if f.due_this_week:
        found.append(due.between(today, today + timedelta(days=7)))
    if f.no_contact_14:
        found.append(is_open)
    children = child_conditions(f, today, sqlite=sqlite)
    if children:
        found += children if joined else [of_children(children)]
    if f.open_only:
        found.append(is_open)
    if f.case_ids:
        found.append(EhcpCase.id.in_(f.case_ids))
    if f.next_step is not None:
        found.append(EhcpCase.next_step == f.next_step)
    if f.due_from_days is not None or f.due_to_days is not None:
        found.append(due.is_not(None))
        if f.due_from_days is not None:
            found.append(due >= today + timedelta(days=f.due_from_days))
        if f.due_to_days is not None:
            found.append(due <= today + timedelta(days=f.due_to_days))
    return found


def _is_open(*, hinted: bool) -> ColumnElement:
    """The case is open; `hinted`: told to SQLite that as many cases are open as not. With no
    statistics gathered, SQLite takes an equality on an index's first column to pick out a
    few rows, so a search read every open case by that index to test each against the
    children found, and sorted them: 22 ms for a search finding 1,200 children at 50,000,
    against 4 ms from the children found to their cases (tests/services/test_case_window)."""
    is_open = EhcpCase.is_open.is_(True)
    return func.likelihood(is_open, literal_column("0.5")) if hinted else is_open


def child_conditions(
    f: CaseFilter, today: date, text: str = "", *, sqlite: bool = False
) -> list[ColumnElement]:
    """What a view and a search ask of the child rather than the case. `sqlite`: search
    through SQLite's trigram table (migration 0029), and find the families heard from
    lately once, from the contact log's index by date, rather than look up every child's
    family (62 → 38 ms at 50,000 children; PostgreSQL answers NOT EXISTS as an anti-join,
    and NOT IN over a large list as a scan a row)."""
    found = []
    if f.primary_need is not None:
        found.append(Child.primary_need == f.primary_need)
    if f.no_contact_14:
        # No contact on or after the day 13 days ago: 14 days or more since the last.
        since = datetime.combine(today - timedelta(days=NO_CONTACT_DAYS - 1), time.min)
        lately = Communication.occurred_at >= since
        if sqlite:  # family_id is never NULL: NOT IN means what NOT EXISTS does
            found.append(Child.family_id.not_in(select(Communication.family_id).where(lately)))
        else:
            family = Communication.family_id == Child.family_id
            found.append(~select(Communication.id).where(family, lately).exists())
    query = fold(text).strip()
    if query:
        found.append(search_condition(query, trigrams=sqlite))
    return found


def of_children(children: list[ColumnElement]) -> ColumnElement:
    """The cases of the children that meet these conditions: the children are read once,
    on their own (a scan of one table), rather than looked up case by case."""
    return EhcpCase.child_id.in_(select(Child.id).where(*children))


def search_condition(query: str, *, trigrams: bool = False) -> ColumnElement:
    """The list's search (domain.text.matches) in SQL: the folded words found anywhere in
    the child's search text; with spaces, also found with the spaces left out (a UPN or
    postcode typed in groups). `trigrams`: on SQLite, three letters or more are found
    through the trigram table (PostgreSQL's trigram index serves LIKE as it is)."""
    wanted = [query, query.replace(" ", "")] if " " in query else [query]
    return or_(*(_found(words, trigrams) for words in wanted))


def _found(words: str, trigrams: bool) -> ColumnElement:
    if trigrams and len(words) >= TRIGRAM:
        return Child.id.in_(_trigram_matches(words))
    return Child.search_text.contains(words, autoescape=True)


def _trigram_matches(words: str) -> Select:
    """The children whose search text holds `words` (three letters or more), through the
    trigram table: one phrase, its trigrams in a row (the table is case-sensitive and both
    sides are folded). Quotes inside are doubled."""
    phrase = '"' + words.replace('"', '""') + '"'
    return select(CHILD_SEARCH.c.rowid).where(CHILD_SEARCH_MATCH.op("MATCH")(phrase))


def _few_found(s: Session, query: str, few: int) -> bool:
    """Whether the trigram table finds fewer than `few` children for a search (a tenth of
    a millisecond): its whole list is then read at once, where looking for its first page
    among the head of the order found too few there, and only cost time (13 ms)."""
    if few <= 0 or len(query) < TRIGRAM or " " in query:
        return False
    found = _trigram_matches(query).limit(few).subquery()
    return (s.scalar(select(func.count()).select_from(found)) or 0) < few


# SQLite's trigram table over child.search_text (migration 0029): fewer than three letters
# hold no trigram, and are found by reading every child's text.
TRIGRAM = 3
CHILD_SEARCH = table("child_search", column("rowid", Integer))
CHILD_SEARCH_MATCH: ColumnElement = literal_column("child_search")


# The list's arrival order: by next step due, undated last, then by case.
ARRIVAL = (EhcpCase.next_due.is_(None), EhcpCase.next_due, EhcpCase.id)
# Sorts that are the arrival order itself: left to it alone, since SQLite cannot tell a key
# repeated in ORDER BY is redundant and would sort again what the index gives in order.
ARRIVAL_SORTS = {("Due", False), ("Days left", False)}
# A search's first page (the list's page of rows), looked for among the head of the order.
FIRST_PAGE = 100
FIRST_SCAN = 5_000
# A search finding fewer children is listed whole at once: about a hundred of them or fewer
# come in the head of 50,000 cases, and the whole list of so few takes a few milliseconds.
FEW_FOUND = 2_000


@dataclass(frozen=True)
class Held:
    """What the sort and RAG rules look up in Python: the few distinct values held."""

    greyed: list[tuple[str, str]]
    steps: list[str]
    workers: dict[int, str]  # caseworker id -> name
    postgres: bool

    @classmethod
    def read(cls, s: Session, case_filter: CaseFilter, column: str | None) -> Held:
        """What a filter and a sort by `column` look up, and nothing else: a listing runs on
        every keystroke, and the steps and greyed pairs are each a scan of the cases."""
        steps: set[str | None] = set()
        if column == "Next step":
            steps = set(s.scalars(select(EhcpCase.next_step).distinct()))
        workers: dict[int, str] = {}
        if column == "Caseworker":
            workers = {i: name for i, name in s.execute(select(Caseworker.id, Caseworker.name))}
        greyed = case_filter.rag is not None or column == "RAG"
        return cls(
            greying_pairs(s) if greyed else [],
            sorted(step for step in steps if step),
            workers,
            s.get_bind().dialect.name == "postgresql",
        )

    def text(self, expression) -> ColumnElement:
        """Text compared code point by code point, as Python compares str (PostgreSQL
        would otherwise use the database's language rules)."""
        value = func.coalesce(expression, "")
        return value.collate("C") if self.postgres else value


def sort_keys(column: str, today: date, held: Held) -> list[Any]:
    """The SQL that orders the list by one of its columns as the list's Python sort keys do
    (ui/models/case_table.COLUMNS); names by the folded keys stored with each child."""
    due_last = [EhcpCase.next_due.is_(None), EhcpCase.next_due]
    if column == "Child":
        return [held.text(Child.sort_name)]
    if column == "Family":
        return [held.text(Child.family_sort_name)]
    if column in ("Due", "Days left"):
        return due_last
    if column == "Setting":
        return [held.text(Child.setting)]
    if column == "Need":
        return [held.text(Child.primary_need)]
    if column == "Stage":
        stages = {c.code: c.label for c in codes.stages()}
        return [held.text(case(stages, value=EhcpCase.stage, else_=EhcpCase.stage))]
    if column == "Next step":
        steps = {key: step_label(key) for key in held.steps}
        return [held.text(case(steps, value=EhcpCase.next_step, else_=literal("")))]
    if column == "RAG":
        ranks = {rag.value: rank for rag, rank in RAG_RANK.items()}
        return [case(ranks, value=rag_expression(today, held.greyed)), *due_last]
    if column == "Caseworker":
        # Ranked by the folded name, as the list sorts: two names that fold alike tie.
        keys = {wid: sort_key(name or UNALLOCATED) for wid, name in held.workers.items()}
        rank = {key: n for n, key in enumerate(sorted({*keys.values(), sort_key(UNALLOCATED)}))}
        by_id = {wid: rank[key] for wid, key in keys.items()}
        return [case(by_id, value=EhcpCase.caseworker_id, else_=rank[sort_key(UNALLOCATED)])]
    if column == "Last contact":
        day = func.substr(cast(_LAST_CONTACT, String), 1, 10)
        return [_LAST_CONTACT.is_not(None), day]
    raise ValueError(f"The list has no column {column!r}.")


class CaseWindowService:
    def __init__(self, db: Database, today: Callable[[], date] = date.today) -> None:
        self._db = db
        self._today = today

    def counts(self, views: list[CaseFilter]) -> list[int]:
        """How many cases each view shows (the sidebar's counts), in one query: a sum a view
        over one pass of the list's rows, not a query each."""
        if not views:
            return []
        with self._db.read() as s:
            return _counts(s, tuple(views), self._today())

    def rows_by_id(self, case_ids: list[int]) -> list[CaseRow]:
        """These cases' rows as the list shows them, in the order asked (a page as the list
        scrolls); a case no longer there has none."""
        if not case_ids:
            return []
        found = CaseListService(self._db, self._today).rows_of(case_ids)
        by_id = {row.case_id: row for row in found}
        return [by_id[i] for i in case_ids if i in by_id]

    def case_ids(
        self,
        case_filter: CaseFilter = CaseFilter(),  # noqa: B008
        text: str = "",
        sort: tuple[str, bool] | None = None,
    ) -> list[int]:
        """The cases a view shows for this search, in the list's order: by a column (`sort`:
        its title and whether descending; ties in the arrival order, as Python's stable sort
        keeps them), or else by next step due, undated last, then by case."""
        return self.listing(case_filter, text, sort).ids

    def listing(
        self,
        case_filter: CaseFilter,
        text: str = "",
        sort: tuple[str, bool] | None = None,
        views: tuple[CaseFilter, ...] = (),
        anchors: tuple[int, ...] = (),
    ) -> Listing:
        """What the list shows for a view, a search and a sort (`case_ids`), how many cases
        the view holds before the search narrows it, how many each of `views` holds (the
        sidebar's counts), and the rows of the `anchors` (cases open in tabs, or just saved)
        and their families' cases, read together in one transaction: a later save of one
        that keeps its place need not ask the order again."""
        today = self._today()
        with self._db.read() as s:
            # The order, counts and anchors of one moment on a team database too (a save
            # compared with an anchor read after the order could seem to move nothing).
            one_snapshot(s)
            held = Held.read(s, case_filter, sort[0] if sort is not None else None)
            sqlite = not held.postgres
            where = conditions(case_filter, today, held.greyed, sqlite=sqlite)
            order: list = []
            if sort is not None and sort not in ARRIVAL_SORTS:
                column, descending = sort
                order = [k.desc() if descending else k for k in sort_keys(column, today, held)]
            query = from_cases(select(EhcpCase.id), needs_child(sort))
            searched = child_conditions(CaseFilter(), today, text, sqlite=sqlite)
            narrowed = where
            if searched:
                query = query.where(of_children(searched))
                narrowed = conditions(case_filter, today, held.greyed, sqlite=sqlite, searched=True)
            found = query.where(*narrowed).order_by(*order, *ARRIVAL)
            ids = first_column(s.connection(), found)
            total = len(ids)
            if searched:
                counted = from_cases(select(func.count()), child=False)
                total = s.scalar(counted.where(*where)) or 0
            counts = _counts(s, views, today) if views else []
            rows = rows_for_in(s, anchors, today) if anchors else []
        return Listing(
            ids, total, today, dict(zip(views, counts, strict=True)), {r.case_id: r for r in rows}
        )

    def first_page(
        self,
        case_filter: CaseFilter,
        text: str,
        sort: tuple[str, bool] | None = None,
        *,
        page: int = FIRST_PAGE,
        scan: int = FIRST_SCAN,
        few: int = FEW_FOUND,
    ) -> list[int] | None:
        """The first `page` cases that `listing` shows for a search, found among the first
        `scan` cases of the whole list's arrival order and no further: a few milliseconds at
        any size, where the whole listing of a search too short for the trigram index reads
        every child's text. None where those hold fewer than a page of them, where the list
        is sorted by a column (its head is the whole order's to find), or where the search
        finds fewer than `few` children through SQLite's trigram table (`_few_found`)."""
        query = fold(text).strip()
        if not query or (sort is not None and sort not in ARRIVAL_SORTS):
            return None
        today = self._today()
        with self._db.read() as s:
            greyed = greying_pairs(s) if case_filter.rag is not None else []
            # The head of the whole order, read from its index alone, each of its cases then
            # tested (the view and the search): the planner is given no other way in, as a
            # join let it read all open cases by their own index and sort them.
            head = select(EhcpCase.id, EhcpCase.next_due).order_by(*ARRIVAL).limit(scan).subquery()
            sqlite = s.get_bind().dialect.name == "sqlite"
            if sqlite and _few_found(s, query, few):
                return None
            where = conditions(case_filter, today, greyed, joined=True, sqlite=sqlite)
            wanted = from_cases(select(literal(1)), child=True).where(
                EhcpCase.id == head.c.id, search_condition(query), *where
            )
            found = select(head.c.id, head.c.next_due).where(wanted.exists()).limit(page)
            if not sqlite:  # PostgreSQL may join the head in any order: it is sorted again
                found = found.order_by(head.c.next_due.is_(None), head.c.next_due, head.c.id)
            # SQLite reads the head as it scans its index (a co-routine), and stops at the
            # page's last case: 0.1 ms for a common letter, where sorting what it found
            # meant testing all the head first (15 ms at any size).
            rows = s.execute(found).all()
        arrival = [(due is None, due or date.min, case_id) for case_id, due in rows]
        if len(rows) < page or arrival != sorted(arrival):  # (sorted: never seen otherwise)
            return None
        return [case_id for case_id, _due in rows]


def _counts(s: Session, views: tuple[CaseFilter, ...], today: date) -> list[int]:
    greyed = greying_pairs(s) if any(v.rag is not None for v in views) else []
    sqlite = s.get_bind().dialect.name == "sqlite"
    sums = [
        func.coalesce(
            func.sum(
                case((and_(true(), *conditions(v, today, greyed, sqlite=sqlite)), 1), else_=0)
            ),
            0,
        )
        for v in views
    ]
    return list(s.execute(from_cases(select(*sums), child=False)).one())


@dataclass(frozen=True)
class Listing:
    """The case list for a view, as `CaseWindowService.listing` found it."""

    ids: list[int]  # the cases shown, in order
    total: int  # the view's cases before the search narrowed them
    today: date  # the day its rows' colours and days left are for
    counts: dict[CaseFilter, int]  # cases in each view asked for
    anchors: dict[int, CaseRow] = field(default_factory=dict)  # rows of the anchors asked for
