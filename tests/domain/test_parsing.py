"""Dates as people type them: a date in the right shape that does not exist is told so."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.parsing import parse_date
from caseload_app.domain.validators import ValidationError


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_both_shapes_read_back_every_real_date(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day:%d/%m/%Y}") == day
    assert parse_date(f" {day.day}/{day.month}/{day.year} ") == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2013", "'31/02/2013' is not a real date: February 2013 has 28 days"),
        ("29/02/2026", "February 2026 has 28 days"),
        ("31/04/2026", "April 2026 has 30 days"),
        ("2026-13-05", "there is no month 13"),
        ("05032015", "is not a date: use YYYY-MM-DD or DD/MM/YYYY"),
        ("next Tuesday", "is not a date: use YYYY-MM-DD or DD/MM/YYYY"),
    ],
)
def test_what_is_wrong_with_a_date_is_said_plainly(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_date(text)
