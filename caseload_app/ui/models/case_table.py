"""The case list as a window onto the database: the model holds the ids of the cases shown,
in order, and the rows of the pages scrolled to, never a row for every case.

The database filters, searches and sorts (services/case_window.py, off the window's
thread: a keystroke never waits for it); a page of rows is read when the view first shows
it (about a millisecond for a hundred rows on a laptop file). A search in a large view shows
its first page first, found among the head of the order (`CaseWindowService.first_page`),
while its whole list is read. After a save the saved cases' rows are put right in place;
cases it moved are put in their new places (or the whole order asked again), the selection
kept by case; a save that moved none of them asks nothing (`update_cases`)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Rag
from caseload_app.domain.text import days_text, fold, person_sort_key, sort_key
from caseload_app.services.case_window import FIRST_SCAN, Listing
from caseload_app.services.caselist import RAG_RANK, CaseFilter, CaseRow
from caseload_app.ui.models.rows import CELL_ROLES, RAG_TEXT, Column, ColumnsModel, cell
from caseload_app.ui.worker import Job, run_in_background, wait_for

SearchRole = Qt.ItemDataRole.UserRole + 4
FAR = date.max


def _rag_text(row: CaseRow) -> str:
    return RAG_TEXT[row.rag] or "Closed"


# Stage names short enough for a laptop's list; the full name is the cell's tooltip.
SHORT_STAGE = {
    "assessment": "Assessment",
    "draft_issued": "Draft plan issued",
    "plan_issued": "Plan maintained",
}


def _contact_text(row: CaseRow) -> str:
    """How long since the family was last in touch: "Today", "32 days ago", "Never"."""
    days = row.days_since_contact
    if row.last_contact is None or days is None:
        return "Never"
    if days <= 0:
        return "Today"
    return f"{days:,} day{'s' if days != 1 else ''} ago"


COLUMNS: tuple[Column, ...] = (
    Column(
        "Child",
        lambda r: r.child_name,
        lambda r: person_sort_key(r.child_last_name, r.child_name),
    ),
    Column("Family", lambda r: r.family_name, lambda r: sort_key(r.family_name)),
    Column("Setting", lambda r: r.setting or ""),
    Column("Need", lambda r: r.primary_need or ""),
    Column(
        "Stage",
        lambda r: SHORT_STAGE.get(r.stage, r.stage_label),
        lambda r: r.stage_label,
        tooltip=lambda r: r.stage_label,
    ),
    Column("Next step", lambda r: r.next_step_label),
    Column(
        "Due", lambda r: format_date(r.next_due) if r.next_due else "", lambda r: r.next_due or FAR
    ),
    Column(
        "Days left",
        lambda r: days_text(r.days_left),
        lambda r: r.days_left if r.days_left is not None else 10**9,
    ),
    Column(
        "RAG",
        _rag_text,
        lambda r: (RAG_RANK[r.rag], r.next_due or FAR),
        rag=lambda r: r.rag,
        tooltip=lambda r: (
            "Exception applies: the deadline keeps its date" if r.rag == Rag.GREY else None
        ),
    ),
    Column("Caseworker", lambda r: r.caseworker, lambda r: sort_key(r.caseworker)),
    Column(
        "Last contact",
        _contact_text,
        lambda r: r.last_contact or date.min,
        tooltip=lambda r: format_date(r.last_contact) if r.last_contact else "No contact logged",
    ),
)
# Fits a 1366-pixel laptop screen beside the sidebar (Next step takes any spare width);
# anything cut has a tooltip.
COLUMN_WIDTHS = (125, 100, 110, 45, 120, 150, 122, 108, 80, 100, 90)


PAGE = 100  # rows read at a time as the list scrolls
ANCHORS_KEPT = 50  # the latest cases opened or saved whose rows each listing reads
ROWS_HELD = 4_000  # rows kept; the least recently shown go first
PROBES = 64  # rows read at once in each round of placing a saved case (`place`)
PLACED_MOST = 8  # a save of more cases than this asks the whole order again


@dataclass(frozen=True)
class Page:
    """A search's first page as read beside the window: its cases, the chosen cases (the
    selection, the current row) not among them, and the rows of both."""

    ids: list[int]
    later: list[int]
    rows: list[CaseRow]


def _arrival(row: CaseRow) -> tuple:
    """Where a row comes in the list's own order: by next step due, undated last, then
    by case (services/case_window.ARRIVAL)."""
    return (row.next_due is None, row.next_due or date.min, row.case_id)


@dataclass(frozen=True)
class CaseSource:
    """Where the list's ids and rows come from: CaseWindowService's calls, each opening
    its own session (the listing runs on a worker thread)."""

    listing: Callable[
        [CaseFilter, str, tuple[str, bool] | None, tuple[CaseFilter, ...], tuple[int, ...]],
        Listing,
    ]
    rows: Callable[[list[int]], list[CaseRow]]
    # A search's first page, or None where the head of the order holds none (first_page).
    first_page: Callable[[CaseFilter, str, tuple[str, bool] | None], list[int] | None] | None = None
    # How many cases each view holds (the sidebar's counts), after a save placed in the list.
    counts: Callable[[list[CaseFilter]], list[int]] | None = None


@dataclass(frozen=True)
class Placed:
    """A save's cases put in their places in the list as shown, and the views it moved
    them into or out of counted again, as read beside the window."""

    ids: list[int]
    counts: dict[CaseFilter, int]


def place(
    ids: list[int],
    row: CaseRow,
    precedes: Callable[[CaseRow, CaseRow], bool],
    rows_of: Callable[[list[int]], dict[int, CaseRow]],
) -> int:
    """Where `row` comes among `ids`, a list in order (how many of them come before it),
    found in rounds: the rows at PROBES evenly spaced places of the span left, read at once,
    narrow it to the gap between two; three rounds at 50,000 cases, four at 200,000."""
    low, high = 0, len(ids)
    while low < high:
        span = high - low
        places = sorted({low + (n * span) // PROBES for n in range(PROBES)})
        found = rows_of([ids[p] for p in places])
        for p in places:
            if not precedes(found[ids[p]], row):
                high = p
                break
            low = p + 1
    return low


# The longest a search's whole list waits for its first page to be painted (`painted`).
PAINT_FIRST_MS = 40


class CaseTableModel(ColumnsModel):
    listed = Signal()  # a listing asked for has arrived and is shown
    paged = Signal()  # a search's first page is shown; its whole list is still being read
    failed = Signal(object, str)  # a listing could not be read: the error and its details

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.columns = COLUMNS
        self._source: CaseSource | None = None
        self._ids: list[int] = []
        self._total = 0
        self._today: date | None = None
        # Rows read, by case (None: the case has gone), so a new order or filter reuses them.
        self._held: OrderedDict[int, CaseRow | None] = OrderedDict()
        self._filter = CaseFilter()
        self._query = ""
        self._sort: tuple[str, bool] | None = None
        self._views: tuple[CaseFilter, ...] = ()
        self._counts: dict[CaseFilter, int] = {}
        self._job: Job | None = None
        # A search's whole list waits until its first page is painted: read meanwhile, its
        # thread took Python's lock from the painting half the time (a keystroke's p95
        # 67 → 49 ms at 50,000 children).
        self._waiting_paint = False
        self._paint_timer = QTimer(self)  # the longest the wait lasts: PAINT_FIRST_MS
        self._paint_timer.setSingleShot(True)
        self._paint_timer.timeout.connect(self.painted)
        self._asked = 0  # listings asked for; the one in flight answers number `_job_asked`
        self._job_asked = 0
        self._shown_asked = 0  # the ask the ids shown answer (a first page, or a listing)
        self._paged = 0  # the latest ask whose first page was looked for
        self._total_of: CaseFilter | None = None  # the view `_total` counts
        self._partial = False  # a search's first page is shown, not its whole list
        self._searched: tuple | None = None  # the view, search and sort the ids shown answer
        self._fresh = False  # the next listing drops the rows held (they may have changed)
        # The views the next listing counts again: only a load, a save or a view not counted
        # yet changes them, never a search, a filter or a sort; a save only those it moved
        # a case into or out of.
        self._recount: set[CaseFilter] = set()
        # Cases open in tabs or just saved, whose rows (and their families') each listing
        # reads with the order, in the same transaction: `_anchors`, as the order shown saw
        # them, never changed after. A save of one that keeps its place against that row
        # moves nothing; against a row read at any other moment it might (another window's
        # save, or the outbox logging a contact, between the two).
        self._anchor_ids: OrderedDict[int, None] = OrderedDict()
        self._anchors: dict[int, CaseRow] = {}
        # What the order shown was asked for (`_placing`): the anchors place cases by it.
        self._anchored: tuple | None = None
        self._job_placing: tuple | None = None
        self._job_searched: tuple | None = None

    # --- what is asked -------------------------------------------------------------------
    def set_source(self, source: CaseSource) -> None:
        self._source = source

    def reload(self, views: Iterable[CaseFilter] = ()) -> None:
        """Ask the database again (after a load, a save or a new day), with the counts of
        these views; the rows held are read afresh as they are shown."""
        self._views = tuple(views)
        self._fresh, self._recount = True, set(self._views)
        self._ask()

    def set_views(self, views: Iterable[CaseFilter]) -> None:
        """The views the sidebar counts: any not counted yet are counted (once a load has
        asked for the list; before, the load counts them)."""
        self._views = tuple(views)
        uncounted = {v for v in self._views if v not in self._counts}
        if self._today is not None and uncounted:
            self._recount |= uncounted
            self._ask()

    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter != self._filter:
            self._filter = case_filter
            self._ask()

    def set_query(self, text: str) -> None:
        query = fold(text).strip()
        if query != self._query:
            self._query = query
            self._ask()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (self.columns[column].title, order == Qt.SortOrder.DescendingOrder)
        self._ask()

    def _ask(self) -> None:
        self._asked += 1
        self._waiting_paint = False  # what is asked now goes ahead
        self._paint_timer.stop()
        self._next()

    def _next(self) -> None:
        """One read in flight at a time: while it runs, what is asked meanwhile waits and
        only the latest is asked next (a fast typist's keystrokes are not queued). A search
        in a large view is first asked for its first page, then for its whole list."""
        if self._source is None or self._job is not None or self._waiting_paint:
            return
        source, self._job_asked = self._source, self._asked
        if self._first_page_wanted() and source.first_page is not None:
            first_page, searched = source.first_page, self._searching()
            chosen = self._chosen()

            def page() -> Page | None:
                """The first page, and its rows and the chosen cases' after it, read here:
                the window paints them at once."""
                ids = first_page(*searched)
                if ids is None:
                    return None
                later = [i for i in chosen if i not in set(ids)]
                return Page(ids, later, source.rows(ids + later))

            self._job_searched = searched
            self._job = run_in_background(page, self._on_first_page, self._on_first_page_failed)
            return
        views = tuple(v for v in self._views if v in self._recount)
        what = (self._filter, self._query, self._sort, views, tuple(self._anchor_ids))
        self._job_placing, self._job_searched = self._placing(), self._searching()
        self._job = run_in_background(
            lambda: source.listing(*what), self._on_listing, self._on_failed
        )

    def _first_page_wanted(self) -> bool:
        """A search not looked for yet, in a view known to hold more cases than the head
        its first page is looked for in (a smaller view's whole list is as quick)."""
        return (
            bool(self._query)
            and self._paged != self._asked
            and self._searching() != self._searched  # (a tab opened asks the same again)
            and not (self._fresh or self._recount)
            and self._total_of == self._filter
            and self._total > FIRST_SCAN
        )

    def _on_first_page(self, page: Page | None) -> None:
        self._job = None
        if self._job_asked == self._asked:  # else something else was asked meanwhile
            self._paged = self._job_asked
            if page is not None:
                self._show_first_page(page)
                self._waiting_paint = True  # until painted, or PAINT_FIRST_MS at most
                self._paint_timer.start(PAINT_FIRST_MS)
                return
        self._next()

    @property
    def waiting_paint(self) -> bool:
        """A search's first page is shown and not yet painted: its whole list waits."""
        return self._waiting_paint

    def painted(self) -> None:
        """The view has painted the first page shown: its whole list is read now."""
        if self._waiting_paint:
            self._waiting_paint = False
            self._paint_timer.stop()
            self._next()

    def _on_first_page_failed(self, _exc: Exception, _details: str) -> None:
        """The whole list is asked as if no first page were found: if the database is
        unreadable, its listing fails too, and says so."""
        self._on_first_page(None)

    def _on_listing(self, listing: Listing) -> None:
        self._job = None
        if self._job_asked != self._asked:  # something else was asked meanwhile
            self._next()
            return
        self._show(listing)
        self.listed.emit()

    def _on_failed(self, exc: Exception, details: str) -> None:
        self._job = None
        self._partial = False  # a first page shown stays, but nothing more is being read
        self.failed.emit(exc, details)
        if self._job_asked != self._asked:  # asked meanwhile: that may yet be answered
            self._next()

    def _show_first_page(self, page: Page) -> None:
        """The page, then the chosen cases past it that the search finds, in the list's
        order: the selection and current row stay with their cases until the whole list
        places them (a case left out of the page would lose them for good)."""
        found = {row.case_id: row for row in page.rows}
        later = [
            found[i] for i in page.later if i in found and self._filter.finds(found[i], self._query)
        ]
        shown = page.ids + [row.case_id for row in sorted(later, key=_arrival)]
        self._hold(shown, page.rows)
        # A page is no order to place a save by: a save meanwhile asks the order again.
        self._anchors, self._anchored = {}, None
        self._shown_asked, self._partial = self._job_asked, True
        self._searched = self._job_searched
        self._set_ids(shown)
        self.paged.emit()

    def _chosen(self) -> list[int]:
        """The cases of the selection and the current row."""
        rows = {p.row() for p in self.persistentIndexList() if p.isValid()}
        return [self._ids[n] for n in sorted(rows) if n < len(self._ids)]

    def _searching(self) -> tuple:
        return (self._filter, self._query, self._sort)

    def _show(self, listing: Listing) -> None:
        dropped = bool(self._held) and (self._fresh or listing.today != self._today)
        if dropped:  # the rows held may have changed: read again as they are shown
            self._held.clear()
        self._fresh = False
        self._today = listing.today
        self._counts.update(listing.counts)
        self._recount -= set(listing.counts)  # the latest asked: it counted what it was to
        self._anchors, self._anchored = dict(listing.anchors), self._job_placing
        self._total, self._total_of = listing.total, self._filter_listed()
        self._shown_asked, self._partial = self._job_asked, False
        self._searched = self._job_searched
        if listing.ids == self._ids:  # the same cases in the same order: the view stays
            if dropped and self._ids:  # but repaints what it shows (a new day's colours)
                last = self.index(len(self._ids) - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self._set_ids(listing.ids)

    def _set_ids(self, new: list[int]) -> None:
        """Show these cases in this order."""
        self.layoutAboutToBeChanged.emit()
        # Indexes held (the selection, the current row) follow their cases; a case no
        # longer shown loses its index.
        held = self.persistentIndexList()
        old = self._ids
        place = {old[p.row()]: -1 for p in held if p.row() < len(old)}
        for n, case_id in enumerate(new) if place else ():
            if case_id in place:
                place[case_id] = n
        # createIndex: index() would refuse a row past the old list's end (a wider search
        # moving the selected case further down lost it).
        moved = [
            self.createIndex(place[old[p.row()]], p.column())
            if p.row() < len(old) and place[old[p.row()]] >= 0
            else QModelIndex()
            for p in held
        ]
        self._ids = new
        self.changePersistentIndexList(held, moved)
        self.layoutChanged.emit()

    @property
    def busy(self) -> bool:
        """A listing is being read, or waits for the first page to be painted."""
        return self._job is not None or self._waiting_paint

    @property
    def answered(self) -> bool:
        """What is shown answers what was asked last: its whole list, or its first page
        while the rest is read."""
        return self._shown_asked == self._asked

    @property
    def partial(self) -> bool:
        """The list shows a search's first page alone, its whole list still being read."""
        return self._partial

    def wait_listed(self, timeout_ms: int = 30_000) -> None:
        """For tests, screenshots and the self-test: wait until what was asked is shown (or
        has failed), at most `timeout_ms` in all."""
        self._wait(lambda: False, timeout_ms)

    def wait_answered(self, timeout_ms: int = 30_000) -> None:
        """For the benchmark and tests: wait until what is shown answers what was asked
        last, if only with its first page (or it has failed)."""
        self._wait(lambda: self.answered, timeout_ms)

    def _wait(self, done: Callable[[], bool], timeout_ms: int) -> None:
        deadline = time.monotonic() + timeout_ms / 1000
        while not done() and self.busy and time.monotonic() < deadline:
            left = max(1, int((deadline - time.monotonic()) * 1000))
            wait_for((self.paged, self.listed, self.failed), left)

    # --- after a save --------------------------------------------------------------------
    def update_cases(self, case_ids: Collection[int], rows: list[CaseRow]) -> None:
        """After a save: these cases' rows as they are now (a case asked for without a row
        is gone). Rows held are put right and repainted at once. Nothing more is asked if
        each of these cases keeps its place against its row as the order shown read it (an
        anchor's): in or out of the view and of each view counted, its due date, its key in
        the sorted column and its searched text; a new school or phone number saved is such
        a save. Else a few cases each read with that order are put in their new places
        (`_place`) and the views they moved counted again; any other save asks the order
        and the counts again, which moves, shows or hides them."""
        fresh = {row.case_id: row for row in rows}
        touched = {*case_ids, *fresh}
        # A listing in flight was read before this save, and would be shown as it read:
        # asked again, its answer is dropped (found by a reviewer).
        stays = (
            self._job is None
            and self.answered
            and self._anchored == self._placing()
            and all(self._same_place(self._anchors.get(i), fresh.get(i)) for i in touched)
        )
        for case_id in touched:
            if case_id not in self._held:
                continue  # not read yet: it is read as it is now when shown
            self._held[case_id] = fresh.get(case_id)
            n = self.find_case(case_id)
            if n >= 0:
                self.dataChanged.emit(self.index(n, 0), self.index(n, len(self.columns) - 1))
        placeable = self._placeable(touched, fresh)
        self._keep_anchors(touched)  # before the ask: its listing reads their rows
        if stays:
            return
        self._recount |= self._moved_between_views(touched, fresh)
        if placeable:
            self._place(touched, fresh)
        else:
            self._ask()

    def _placeable(self, touched: set[int], fresh: dict[int, CaseRow]) -> bool:
        """Whether a save's few cases can be put in place in the whole list shown (each
        still there, and read with the order shown), where asking the whole order again
        takes 100 ms at 50,000 cases sorted by school."""
        return (
            self._source is not None
            and self._source.counts is not None
            and self._job is None
            and self.answered
            and not self._partial
            and self._anchored == self._placing()
            and len(touched) <= PLACED_MOST
            and all(i in fresh and i in self._anchors for i in touched)
        )

    def _place(self, touched: set[int], fresh: dict[int, CaseRow]) -> None:
        """Take the cases out of the list shown and put back, each where the order puts it,
        those the view and search still hold (rows read beside the window: a few dozen a
        case), and count again the views they moved into or out of."""
        source = self._source
        assert source is not None and source.counts is not None
        counts = source.counts
        ids, precedes = self._ids, self._precedes()
        shown = [fresh[i] for i in sorted(touched) if self._filter.finds(fresh[i], self._query)]
        known = {i: row for i, row in self._held.items() if row is not None} | fresh
        views = [v for v in self._views if v in self._recount]

        def rows_of(wanted: list[int]) -> dict[int, CaseRow]:
            missing = [i for i in wanted if i not in known]
            if missing:
                known.update((row.case_id, row) for row in source.rows(missing))
            if any(i not in known for i in wanted):  # gone meanwhile: the order is asked
                raise LookupError("A case in the list is no longer there.")
            return known

        def work() -> Placed:
            placed = [i for i in ids if i not in touched]
            for row in shown:
                placed.insert(place(placed, row, precedes, rows_of), row.case_id)
            return Placed(placed, dict(zip(views, counts(views) if views else [], strict=True)))

        self._job_asked = self._asked
        self._job = run_in_background(
            work, lambda done: self._on_placed(done, touched, fresh), self._on_place_failed
        )

    def _precedes(self) -> Callable[[CaseRow, CaseRow], bool]:
        """Whether one row comes before another in the list's order: by the sorted column's
        key (ties, and no sort, in the arrival order), as the database orders them."""
        if self._sort is None:
            return lambda a, b: _arrival(a) < _arrival(b)
        column = self.columns[self.column_of(self._sort[0])]
        key, descending = column.order_key, self._sort[1]

        def precedes(a: CaseRow, b: CaseRow) -> bool:
            first, second = key(a), key(b)
            if first != second:
                return first > second if descending else first < second
            return _arrival(a) < _arrival(b)

        return precedes

    def _on_placed(self, placed: Placed, touched: set[int], fresh: dict[int, CaseRow]) -> None:
        self._job = None
        if self._job_asked != self._asked:  # asked meanwhile: its listing puts all right
            self._next()
            return
        self._counts.update(placed.counts)
        self._recount -= set(placed.counts)
        self._total += sum(
            int(self._filter.matches(fresh[i])) - int(self._filter.matches(self._anchors[i]))
            for i in touched
        )
        self._anchors.update((i, fresh[i]) for i in touched)  # as the list now places them
        if placed.ids != self._ids:
            self._set_ids(placed.ids)
        self.listed.emit()

    def _on_place_failed(self, _exc: Exception, _details: str) -> None:
        """The whole order is asked instead: if the database is unreadable, that fails too,
        and says so."""
        self._job = None
        self._ask()

    def _moved_between_views(self, touched: set[int], fresh: dict[int, CaseRow]) -> set:
        """The views counted that a save may have moved a case into or out of, against each
        case's row as the order shown read it: the others' counts stand. Every view, if a
        case has no such row (or what is shown is a first page)."""
        before = [self._anchors.get(i) for i in touched]
        # A case gone (deleted, its contacts with it) may move its family's other cases,
        # which no row says: every view.
        gone = any(i not in fresh for i in touched)
        if self._anchored is None or gone or any(row is None for row in before):
            return set(self._views)
        after = [fresh.get(i) for i in touched]
        return {
            view
            for view in self._views
            if any(
                view.matches(old) != (new is not None and view.matches(new))
                for old, new in zip(before, after, strict=True)
                if old is not None
            )
        }

    def anchor(self, case_ids: Collection[int]) -> None:
        """Cases opened in a tab: the order is asked again beside the window (once a load
        has shown one), reading their rows with it, so that their first save that moves
        nothing asks nothing."""
        self._keep_anchors(case_ids)
        if self._today is not None and any(i not in self._anchors for i in case_ids):
            self._ask()

    def _keep_anchors(self, case_ids: Collection[int]) -> None:
        for case_id in case_ids:
            self._anchor_ids[case_id] = None
            self._anchor_ids.move_to_end(case_id)
        while len(self._anchor_ids) > ANCHORS_KEPT:
            self._anchor_ids.popitem(last=False)

    def _filter_listed(self) -> CaseFilter | None:
        """The view the listing shown was asked for."""
        return self._job_placing[0] if self._job_placing else None

    def _placing(self) -> tuple:
        """What places a case in the list: the view, the search, the sort, the views counted."""
        return (self._filter, self._query, self._sort, self._views)

    def _same_place(self, old: CaseRow | None, new: CaseRow | None) -> bool:
        """Whether a case saved keeps its place: in the view or out of it, in each view
        counted, and where it sorts."""
        return old is not None and new is not None and self._placed_by(old) == self._placed_by(new)

    def _placed_by(self, row: CaseRow) -> tuple:
        """What of a row the listing reads: whether the view and each view counted hold it,
        where it comes in the arrival order and by the sort column, and its searched text."""
        column = self.columns[self.column_of(self._sort[0])] if self._sort else None
        return (
            self._filter.matches(row),
            *(view.matches(row) for view in self._views),
            row.next_due,
            column.order_key(row) if column else None,
            row.search_text if self._query else None,
        )

    # --- rows ----------------------------------------------------------------------------
    def row_at(self, row: int) -> CaseRow:
        found = self._row(row)
        if found is None:
            raise LookupError("That case is no longer in the list.")
        return found

    def _row(self, row: int) -> CaseRow | None:
        case_id = self._ids[row]
        if case_id not in self._held:
            self._read_page(row - row % PAGE)
        self._held.move_to_end(case_id)
        return self._held[case_id]

    def _read_page(self, start: int) -> None:
        """The rows of the page holding row `start` not held yet, read in one query."""
        wanted = [i for i in self._ids[start : start + PAGE] if i not in self._held]
        self._hold(wanted, self._source.rows(wanted) if self._source else [])

    def _hold(self, case_ids: list[int], rows: list[CaseRow]) -> None:
        """These cases' rows as read (a case without one is gone); past ROWS_HELD, the
        least recently shown are let go."""
        found = {row.case_id: row for row in rows}
        for case_id in case_ids:
            self._held[case_id] = found.get(case_id)
            self._held.move_to_end(case_id)
        while len(self._held) > ROWS_HELD:
            self._held.popitem(last=False)

    def rows(self) -> list[CaseRow]:
        """Every row shown, in order."""
        return self.rows_at(range(len(self._ids)))

    def rows_at(self, rows: Iterable[int]) -> list[CaseRow]:
        """The rows at these places, in order, read a thousand at a time and not held (a
        whole list selected would otherwise push out the rows on screen); a case gone
        since the list was read is left out."""
        ids, source = [self._ids[n] for n in rows], self._source
        found: list[CaseRow] = []
        for start in range(0, len(ids), 1000) if source else ():
            chunk = ids[start : start + 1000]
            by_id = {r.case_id: r for r in source.rows(chunk)}
            found += [by_id[i] for i in chunk if i in by_id]
        return found

    def case_id_at(self, row: int) -> int:
        return self._ids[row]

    def find(self, match: Callable[[CaseRow], bool]) -> int:
        """The row number of the first row shown that matches, or -1."""
        return next((n for n, row in enumerate(self.rows()) if match(row)), -1)

    def find_case(self, case_id: int) -> int:
        try:
            return self._ids.index(case_id)
        except ValueError:
            return -1

    def count_matching(self, case_filter: CaseFilter) -> int | None:
        """How many cases a view holds (the sidebar's counts), if it was counted."""
        return self._counts.get(case_filter)

    @property
    def total(self) -> int:
        """Cases in the current view before the search text narrows them."""
        return self._total

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter

    @property
    def today(self) -> date | None:
        """The day the rows shown were worked out for."""
        return self._today

    # --- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if role not in CELL_ROLES and role != SearchRole:
            return None
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row = self._row(index.row())
        if row is None:  # gone since the order was read: it leaves at the next listing
            return None
        if role == SearchRole:
            return row.search_text
        return cell(self.columns[index.column()], row, role)
