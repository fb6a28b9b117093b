"""A young person's move between post-16 institutions (SEND Regs 2014 reg 18(2)): the plan
amended, naming the new institution, at least five months before the move; only for a young
person (over compulsory school age, Education Act 1996 s8(3)). Dates worked by hand from a
calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.deadlines import add_months, post16_transfer_due
from caseload_app.domain.post16 import (
    amend_step,
    amended_problem,
    move_problem,
    school_leaving_date,
    young_person_from,
)

D = date
moves = st.dates(min_value=D(2015, 1, 1), max_value=D(2060, 12, 31))


@pytest.mark.parametrize(
    ("move", "due"),
    [
        # Five months back from Mon 31 Jul 2028 is "31 February": no such day, so the month's
        # last, Tue 29 Feb 2028 (a leap year); in 2027 Sat 31 Jul -> Sun 28 Feb 2027.
        (D(2028, 7, 31), D(2028, 2, 29)),
        (D(2027, 7, 31), D(2027, 2, 28)),
        (D(2028, 7, 30), D(2028, 2, 29)),
        # Counted back from the move: 30 June -> 30 January (not 31 January, which a count
        # forward would allow: 31 Jan + 5 months is 30 Jun; the earlier day is the safe one).
        (D(2027, 6, 30), D(2027, 1, 30)),
        # Thu 30 Sep 2027 -> Fri 30 Apr 2027.
        (D(2027, 9, 30), D(2027, 4, 30)),
        # A September start, Tue 1 Sep 2026: Wed 1 Apr 2026 (the Code's "normally by 31 March"
        # is guidance; the regulation's five months end on 1 April).
        (D(2026, 9, 1), D(2026, 4, 1)),
        # Over a year end: Mon 31 May 2027 -> Thu 31 Dec 2026; Sat 1 Jan 2028 -> Sun 1 Aug 2027.
        (D(2027, 5, 31), D(2026, 12, 31)),
        (D(2028, 1, 1), D(2027, 8, 1)),
        # Christmas and August do not move the day: Tue 25 May 2027 -> Fri 25 Dec 2026;
        # Tue 31 Aug 2027 -> Wed 31 Mar 2027; Fri 15 Jan 2027 -> Sat 15 Aug 2026.
        (D(2027, 5, 25), D(2026, 12, 25)),
        (D(2027, 8, 31), D(2027, 3, 31)),
        (D(2027, 1, 15), D(2026, 8, 15)),
    ],
)
def test_the_plan_is_due_amended_five_months_before_the_move(move, due):
    assert post16_transfer_due(move) == due
    assert amend_step(move, None, D(2020, 1, 1)).due == due


@given(moves)
def test_the_due_day_is_always_at_least_five_calendar_months_before_the_move(move):
    due = post16_transfer_due(move)
    assert add_months(due, 5) <= move  # five whole months from the due day end by the move
    assert due.day <= move.day  # only a missing day (29-31) moves it, and only earlier
    assert 150 <= (move - due).days <= 153  # five months are 150 to 153 days


@given(moves, moves)
def test_a_later_move_never_has_an_earlier_due_day(first, second):
    # My week selects moves by a bound on the move date: sound only if due grows with it.
    early, late = sorted((first, second))
    assert post16_transfer_due(early) <= post16_transfer_due(late)


@given(moves)
def test_my_weeks_bound_on_the_move_date_keeps_every_move_due_by_the_horizon(horizon):
    # services.myweek: moves up to add_months(horizon, 5) + 3 days; the latest move due by the
    # horizon is the last day of the month five months on (31 Jul for 28 Feb).
    latest = add_months(horizon, 5) + timedelta(days=3)
    month_end = add_months(horizon.replace(day=1), 6) - timedelta(days=1)
    for move in (add_months(horizon, 5), month_end):
        if post16_transfer_due(move) <= horizon:
            assert move <= latest


@pytest.mark.parametrize(
    ("year", "friday"),
    [
        (2024, D(2024, 6, 28)),
        (2026, D(2026, 6, 26)),
        (2027, D(2027, 6, 25)),
        (2028, D(2028, 6, 30)),
    ],
)
def test_the_school_leaving_date_is_the_last_friday_in_june(year, friday):
    assert school_leaving_date(year) == friday
    assert friday.weekday() == 4


@pytest.mark.parametrize(
    ("born", "young_person_from_day"),
    [
        # Born Tue 4 May 2010: 16 on 4 May 2026, before that June's leaving date (Fri 26 Jun
        # 2026), s8(3)(c): over compulsory school age from Sat 27 Jun 2026.
        (D(2010, 5, 4), D(2026, 6, 27)),
        # Born 31 Aug 2011: 16 on 31 Aug 2027, after the leaving date (Fri 25 Jun 2027) and
        # before the next school year, s8(3)(a): from Sat 26 Jun 2027.
        (D(2011, 8, 31), D(2027, 6, 26)),
        # Born 1 Sep 2010: 16 on 1 Sep 2026, so the next leaving date, Fri 25 Jun 2027.
        (D(2010, 9, 1), D(2027, 6, 26)),
        # Born 29 Feb 2012: leaving date Fri 30 Jun 2028, so from Sat 1 Jul 2028.
        (D(2012, 2, 29), D(2028, 7, 1)),
    ],
)
def test_a_young_person_is_over_compulsory_school_age(born, young_person_from_day):
    assert young_person_from(born) == young_person_from_day


def test_a_move_while_still_of_compulsory_school_age_is_refused():
    """Born 4 May 2010: of compulsory school age until Fri 26 Jun 2026. A move on Fri 26 Jun
    is refused, naming the phase transfer instead; one on Sat 27 Jun is a young person's."""
    began = D(2025, 1, 6)
    said = move_problem(D(2026, 6, 26), began, D(2010, 5, 4))
    assert said is not None
    assert "compulsory school age" in said and "Fri 26 Jun 2026" in said
    assert "Reg 18(1)" in said
    assert move_problem(D(2026, 6, 27), began, D(2010, 5, 4)) is None


def test_a_move_before_the_case_began_is_refused():
    said = move_problem(D(2025, 1, 5), D(2025, 1, 6), D(2005, 3, 1))
    assert said == "The move on Sun 5 Jan 2025 is before the case began (Mon 6 Jan 2025)."


def test_the_amended_day_is_past_and_after_the_case_began():
    began, today = D(2025, 1, 6), D(2026, 11, 24)
    assert "future" in (amended_problem(D(2026, 11, 25), began, today) or "")
    assert "before the case began" in (amended_problem(D(2025, 1, 5), began, today) or "")
    assert amended_problem(today, began, today) is None


def test_the_step_is_met_late_missed_or_open_with_its_rag():
    """Move Fri 30 Apr 2027: due Tue 30 Nov 2026. Today Tue 24 Nov 2026: 6 days left."""
    move, today = D(2027, 4, 30), D(2026, 11, 24)
    open_step = amend_step(move, None, today)
    assert (open_step.due, open_step.met, open_step.rag, open_step.regulation) == (
        D(2026, 11, 30), None, "amber", "Reg 18(2)",
    )  # fmt: skip
    assert amend_step(move, D(2026, 11, 30), today).met is True  # on the last day: in time
    late = amend_step(move, D(2026, 12, 1), D(2026, 12, 2))
    assert (late.met, late.rag) == (False, "none")
    missed = amend_step(move, None, D(2026, 12, 1))
    assert (missed.met, missed.rag) == (False, "red")
    assert amend_step(move, None, D(2026, 12, 1), is_open=False).rag == "none"
    assert amend_step(move, None, D(2026, 10, 1)).rag == "green"
