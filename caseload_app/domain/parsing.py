"""Reading dates typed by people or exported by spreadsheets."""

from __future__ import annotations

from datetime import date, datetime

from caseload_app.domain.validators import ValidationError

FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(text: str) -> date:
    """A date as YYYY-MM-DD or DD/MM/YYYY (the UK order Excel writes)."""
    value = text.strip()
    for fmt in FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValidationError(f"'{value[:20]}' is not a date: use YYYY-MM-DD or DD/MM/YYYY")
