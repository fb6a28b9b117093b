"""The case list: rows from CaseListService, narrowed by a view's filter and by search text.

Why not a QSortFilterProxyModel: at 50,000 rows its C++ filter still calls our Python
data() once per row per keystroke (~5 µs each), far over a 50 ms budget; a substring test
over the precomputed search keys in a list comprehension takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from PySide6.QtCore import Qt

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Rag
from caseload_app.domain.text import days_text, fold, matches, person_sort_key, sort_key
from caseload_app.services.caselist import CaseFilter, CaseList, CaseRow
from caseload_app.ui.models.rows import (
    RAG_TEXT,
    Column,
    RowsModel,
    insertion_point,
    position_of,
)

SearchRole = Qt.ItemDataRole.UserRole + 4
RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.GREY: 3, Rag.NONE: 4}
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


class CaseTableModel(RowsModel):
    # CaseListService's order: by next step due, undated last, then by case.
    arrival_order = staticmethod(lambda r: (r.next_due is None, r.next_due or FAR, r.case_id))

    def __init__(self, parent=None) -> None:
        super().__init__(COLUMNS, parent)
        self._keys: list[str] = []
        self._base: list[int] | None = None  # rows passing the view's filter (None: to work out)
        self._filter = CaseFilter()
        self._query = ""
        self._where: dict[int, int] | None = None  # case id -> row index (None: to work out)
        self._counts: dict[CaseFilter, int] = {}  # count_matching's answers, kept up to date

    def set_cases(self, cases: CaseList) -> None:
        self._keys = [r.search_text for r in cases.rows]
        self._base = None
        self._where = None
        self._counts = {}
        self.set_rows(cases.rows)

    def update_cases(self, case_ids: Collection[int], cases: CaseList) -> None:
        """After a save: these cases' rows as they are now (`CaseListService.rows_for`); a
        case asked for without a row is gone. Each moves, shows, hides or repaints in place;
        the rest of the list and the view's scroll position and selection are untouched."""
        if self._where is None:
            self._where = {row.case_id: i for i, row in enumerate(self._rows)}
        fresh = {row.case_id: row for row in cases.rows}
        for case_id in sorted(set(case_ids) | fresh.keys()):
            self._update_case(self._where.get(case_id), fresh.get(case_id))

    def _update_case(self, i: int | None, row: CaseRow | None) -> None:
        old = None if i is None or i in self._gone else self._rows[i]
        if old is None and row is None:
            return
        for case_filter in self._counts:
            self._counts[case_filter] += _counted(case_filter, row) - _counted(case_filter, old)
        if row is not None:  # the search key first: placing the row searches it
            if i is None:
                self._keys.append(row.search_text)
            else:
                self._keys[i] = row.search_text
        put = self._put(i, row)
        if row is not None and put is not None and self._where is not None:
            self._where[row.case_id] = put

    def _place(self, i: int) -> None:
        base = self._base
        if base is not None:  # the view's rows before the search text narrows them
            old = position_of(base, i)
            if old is not None:
                del base[old]
            if self._in_view(i):
                base.insert(insertion_point(base, i, self._comes_before()), i)
        super()._place(i)

    def _in_view(self, i: int) -> bool:
        return i not in self._gone and self._filter.matches(self._rows[i])

    def _shows(self, i: int) -> bool:
        if not self._in_view(i):
            return False
        query, key = self._query, self._keys[i]
        return not query or (matches(query, key) if " " in query else query in key)

    def set_filter(self, case_filter: CaseFilter) -> None:  # type: ignore[override]
        if case_filter != self._filter:
            self._filter = case_filter
            self._base = None
            self._reshow()

    def set_query(self, text: str) -> None:
        query = fold(text).strip()
        if query != self._query:
            self._query = query
            self._reshow()

    def _refilter(self) -> None:
        if self._base is None:
            self._base = self._filtered(self._filter)
            self._sort_base()
        # Filtering a sorted base keeps its order: a keystroke never re-sorts.
        self._visible = self._matching(self._query)

    def _apply_sort(self) -> None:
        self._base = None  # re-derived and sorted by the new column
        self._refilter()

    def _sort_base(self) -> None:
        if not self._base:
            return
        if self._sort is None:  # the service's order, which rows put in place since keep too
            rows, arrival = self._rows, self.arrival_order
            self._base.sort(key=lambda i: arrival(rows[i]))
            return
        number, order = self._sort
        key = self.columns[number].sort_key or self.columns[number].display
        keys = [key(row) for row in self._rows]  # once per row, then C-speed lookups
        self._base.sort(key=keys.__getitem__, reverse=order == Qt.SortOrder.DescendingOrder)

    def _filtered(self, case_filter: CaseFilter) -> list[int]:
        rows, gone = self._rows, self._gone
        if case_filter.is_empty() and not gone:  # the common view: every row
            return list(range(len(rows)))
        if case_filter.is_empty():
            return [i for i in range(len(rows)) if i not in gone]
        return [i for i in range(len(rows)) if i not in gone and case_filter.matches(rows[i])]

    def _matching(self, query: str) -> list[int]:
        keys, base = self._keys, self._base or []
        if not query:
            return list(base)
        if " " in query:
            return [i for i in base if matches(query, keys[i])]
        return [i for i in base if query in keys[i]]  # the common, fastest case

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == SearchRole and index.isValid():
            return self._keys[self._visible[index.row()]]
        return super().data(index, role)

    def count_matching(self, case_filter: CaseFilter) -> int:
        """How many cases a view would show (for the sidebar counts)."""
        if case_filter not in self._counts:
            self._counts[case_filter] = len(self._filtered(case_filter))
        return self._counts[case_filter]

    @property
    def total(self) -> int:
        """Cases in the current view before the search text narrows them."""
        return len(self._base or ())

    @property
    def case_filter(self) -> CaseFilter:
        return self._filter


def _counted(case_filter: CaseFilter, row: CaseRow | None) -> int:
    return 1 if row is not None and case_filter.matches(row) else 0
