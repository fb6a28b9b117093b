"""Reading dates typed by people or exported by spreadsheets."""

from __future__ import annotations

import calendar
import re
from datetime import date

from caseload_app.domain.validators import ValidationError

# YYYY-MM-DD, or DD/MM/YYYY (the UK order Excel writes)
_SHAPES = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("year", "month", "day")),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})"), ("day", "month", "year")),
)


def parse_date(text: str) -> date:
    """A date as YYYY-MM-DD or DD/MM/YYYY. A date in the right shape that does not exist
    (31/02/2013) is told so, not told to use the shape it already has."""
    value = text.strip()
    for shape, order in _SHAPES:
        if found := shape.fullmatch(value):
            parts = dict(zip(order, map(int, found.groups()), strict=True))
            return _real_date(value, **parts)
    raise ValidationError(f"'{value[:20]}' is not a date: use YYYY-MM-DD or DD/MM/YYYY")


def _real_date(value: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise ValidationError(f"'{value}' is not a real date: there is no month {month}")
    if year < 1:
        raise ValidationError(f"'{value}' is not a real date: there is no year {year}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        month_name = calendar.month_name[month]
        raise ValidationError(f"'{value}' is not a real date: {month_name} {year} has {days} days")
    return date(year, month, day)
