"""My week: one row per thing to do, from MyWeekService."""

from __future__ import annotations

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
    def __init__(self, parent=None) -> None:
        super().__init__(WEEK_COLUMNS, parent)

    def set_week(self, week: MyWeek) -> None:
        self.set_rows(week.items)

    def item_at(self, row: int) -> WeekItem:
        return self.row_at(row)
