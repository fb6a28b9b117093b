"""The chronology's rules on their own: one line per entry, the order (date, then time, then a
stable key), the date range and how it is stated."""

from datetime import date, datetime

import pytest

from caseload_app.domain.chronology import Entry, ordered, range_text, select, within
from caseload_app.domain.validators import ValidationError

TODAY = date(2026, 11, 24)


def entry(on: date, kind: str = "Stage", at: datetime | None = None, record_id: int = 1, step=0):
    return Entry(on, at, kind, "Asha Patel", f"{kind} {record_id}", "row", record_id, step)


def test_an_entry_is_one_clean_line_of_a_known_kind():
    e = Entry(TODAY, None, "Contact", " Asha\tPatel ", "Asked about\r\nthe draft\x00 ", "c", 1)
    assert (e.who, e.summary, e.time_text) == ("Asha Patel", "Asked about the draft", "")
    assert (
        Entry(TODAY, datetime(2026, 11, 24, 9, 5), "Letter", "", "x", "c", 1).time_text == "09:05"
    )
    with pytest.raises(ValueError, match="'Gossip' is not a kind of chronology entry"):
        Entry(TODAY, None, "Gossip", "", "x", "c", 1)


def test_order_is_date_then_time_then_kind_row_and_step():
    day = date(2026, 9, 2)
    late = entry(day, "Contact", datetime(2026, 9, 2, 16, 0), 1)
    early = entry(day, "Letter", datetime(2026, 9, 2, 9, 30), 2)
    stage = entry(day, "Stage", None, 9)
    advice_b, advice_a = entry(day, "Advice", None, 2), entry(day, "Advice", None, 1)
    second_step = entry(day, "Advice", None, 1, step=1)
    before = entry(date(2026, 9, 1), "Letter", datetime(2026, 9, 1, 23, 0), 5)
    shuffled = [late, second_step, advice_b, early, stage, before, advice_a]
    assert ordered(shuffled) == [before, stage, advice_a, second_step, advice_b, early, late]
    assert ordered(reversed(shuffled)) == ordered(shuffled)  # stable whatever the input order


def test_a_range_includes_both_ends_and_is_refused_backwards():
    days = [entry(date(2026, 9, d), record_id=d) for d in (1, 10, 20, 30)]
    assert [e.on.day for e in within(days, date(2026, 9, 10), date(2026, 9, 20))] == [10, 20]
    assert [e.on.day for e in within(days, None, date(2026, 9, 10))] == [1, 10]
    assert [e.on.day for e in within(days, date(2026, 9, 20), None)] == [20, 30]
    assert within(days, None, None) == days
    with pytest.raises(ValidationError, match=r"ends \(Thu 10 Sep 2026\) before it starts"):
        within(days, date(2026, 9, 11), date(2026, 9, 10))


def test_what_has_not_happened_yet_is_left_out():
    booked = entry(date(2026, 12, 15), "Review", record_id=2)
    held = entry(TODAY, "Review", record_id=1)
    assert select([booked, held], None, date(2027, 1, 1), TODAY) == (held,)


def test_the_range_in_words():
    assert range_text(None, None, TODAY) == (
        "Everything recorded up to Tue 24 Nov 2026 (the day it was made)"
    )
    assert range_text(None, date(2026, 9, 30), TODAY) == "Everything recorded up to Wed 30 Sep 2026"
    assert range_text(date(2026, 9, 1), None, TODAY) == (
        "From Tue 1 Sep 2026 to Tue 24 Nov 2026 (the day it was made)"
    )
    assert range_text(date(2026, 9, 1), date(2026, 9, 30), TODAY) == (
        "From Tue 1 Sep 2026 to Wed 30 Sep 2026"
    )
