"""My week: one row per thing to do, from MyWeekService."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import days_text
from caseload_app.services.myweek import MyWeek, WeekItem
from caseload_app.ui.models.rows import RAG_TEXT, Column, RowsModel

WEEK_COLUMNS = (
    Column("To do", lambda i: i.kind_label),
    Column("Child", lambda i: i.child_name),
    Column("What", lambda i: i.what),
    Column("Due", lambda i: format_date(i.due) if i.due else "", lambda i: i.due or date.max),
    Column(
        "Days left",
        lambda i: days_text(i.days_left),
        lambda i: i.days_left if i.days_left is not None else 10**9,
    ),
    Column("RAG", lambda i: _rag_text(i), rag=lambda i: i.rag),
)


def _rag_text(item: WeekItem) -> str:
    # A family not heard from has no deadline to be "due soon" for: say what it is.
    return "▲ Get in touch" if item.kind == "contact" else RAG_TEXT[item.rag]


class WeekModel(RowsModel):
    # MyWeekService's order: by date due, then kind and child.
    arrival_order = staticmethod(lambda i: (i.due or date.max, i.kind, i.child_name))

    def __init__(self, parent=None) -> None:
        super().__init__(WEEK_COLUMNS, parent)

    def set_week(self, week: MyWeek) -> None:
        self.set_rows(week.items)

    def update_cases(self, case_ids: Collection[int], week: MyWeek) -> None:
        """After a save: these cases' lines as they are now (`my_week` for just these cases)
        replace the lines they had; every other line stays where it is."""
        changed = set(case_ids)
        live = [(i, item) for i, item in enumerate(self._rows) if i not in self._gone]
        # With a "more families due an update" line, a family not listed a line of its own is
        # counted in it: it stays there (not listed twice) until My week loads again.
        grouped = any(item.kind == "updates" for _, item in live)
        listed = {item.case_id for _, item in live if item.kind == "update"}
        for i, item in live:  # a week is hundreds of lines, not thousands
            if item.case_id in changed:
                self._put(i, None)
        for item in week.items:
            if not (grouped and item.kind == "update" and item.case_id not in listed):
                self._put(None, item)

    def item_at(self, row: int) -> WeekItem:
        return self.row_at(row)
