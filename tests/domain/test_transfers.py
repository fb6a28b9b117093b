"""A plan moving between councils (SEND Regs 2014 reg 15), dates worked by hand.

Reg 15(2): the old council transfers the plan on the day of the move or, where it did not
become aware of the move at least 15 working days before it, within 15 working days beginning
with the day it became aware (that day is day 1 when it is a working day). Reg 15(4): the new
council tells the family within 6 weeks of the transfer. Reg 15(5): it reviews the plan by the
later of 12 months beginning with the plan's making or last review and 3 months from the
transfer ("3 months" counted as add_months: (not checked) against the text of 15(5)(b))."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain import transfers
from caseload_app.domain.deadlines import (
    add_months,
    add_working_days,
    annual_review_due,
    is_working_day,
    transfer_in_parent_notice_due,
    transfer_in_review_due,
    transfer_out_due,
    transfer_out_timeline,
)
from caseload_app.domain.status import (
    CaseDates,
    Rag,
    case_status,
    next_step,
    statutory_deadlines,
)

TODAY = date(2026, 11, 24)


# --------------------------------------------------------------------------- Reg 15(2)
@pytest.mark.parametrize(
    ("moved", "aware", "due", "why"),
    [
        # Aware Mon 1 Sep 2025; its 15th working day after is Mon 22 Sep, before the move on
        # Mon 29 Sep: told in time, so the plan goes on the day of the move.
        (date(2025, 9, 29), date(2025, 9, 1), date(2025, 9, 29), "told in time"),
        # Exactly 15 working days before a move on Mon 22 Sep: still in time.
        (date(2025, 9, 22), date(2025, 9, 1), date(2025, 9, 22), "exactly 15 working days"),
        # Aware Wed 3 Sep, move Mon 22 Sep: too late; 15 working days beginning with Wed 3 Sep
        # are 3-5 Sep (3), 8-12 (8), 15-19 (13), 22, 23 -> Tue 23 Sep.
        (date(2025, 9, 22), date(2025, 9, 3), date(2025, 9, 23), "one day short"),
        # Christmas: aware Mon 15 Dec 2025, move Mon 29 Dec. 15-19 Dec (5), 22-24 (8), Thu 25
        # and Fri 26 are bank holidays, 29-31 (11), Thu 1 Jan a bank holiday, Fri 2 Jan (12),
        # 5-7 Jan (15) -> Wed 7 Jan 2026.
        (date(2025, 12, 29), date(2025, 12, 15), date(2026, 1, 7), "Christmas"),
        # The year end: aware Wed 31 Dec 2025 (day 1), 1 Jan a bank holiday, Fri 2 Jan (2),
        # 5-9 (7), 12-16 (12), 19-21 (15) -> Wed 21 Jan 2026.
        (date(2026, 1, 2), date(2025, 12, 31), date(2026, 1, 21), "year end"),
        # August: aware Mon 24 Aug 2026, move Fri 28 Aug. 24-28 Aug (5), Mon 31 Aug the summer
        # bank holiday, 1-4 Sep (9), 7-11 (14), Mon 14 Sep (15).
        (date(2026, 8, 28), date(2026, 8, 24), date(2026, 9, 14), "August bank holiday"),
        # Told after the move: aware Mon 12 Jan 2026 -> 12-16 (5), 19-23 (10), 26-30 (15).
        (date(2026, 1, 2), date(2026, 1, 12), date(2026, 1, 30), "aware after the move"),
        # Aware on a Saturday: the count begins on Monday 12 Jan.
        (date(2026, 1, 10), date(2026, 1, 10), date(2026, 1, 30), "aware on a weekend"),
        # Leap year: aware Thu 29 Feb 2024, move Fri 1 Mar: 29 Feb (1), 1 Mar (2), 4-8 (7),
        # 11-15 (12), 18-20 (15) -> Wed 20 Mar 2024.
        (date(2024, 3, 1), date(2024, 2, 29), date(2024, 3, 20), "29 February"),
    ],
)
def test_reg_15_2_the_plan_goes_on_the_move_day_or_within_15_working_days(moved, aware, due, why):
    assert transfer_out_due(moved, aware) == due, why
    assert transfer_out_timeline(moved, aware) == {"plan_sent_by": due}


def _working_days_from(start: date, end: date) -> int:
    days = (end - start).days + 1
    return sum(is_working_day(start + timedelta(days=i)) for i in range(days))


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=-60, max_value=60),
)
def test_reg_15_2_property_the_move_day_when_told_in_time_else_the_15th_working_day(moved, offset):
    aware = moved + timedelta(days=offset)
    due = transfer_out_due(moved, aware)
    if add_working_days(aware, 15) <= moved:
        assert due == moved
    else:
        assert is_working_day(due) and due >= aware
        assert _working_days_from(aware, due) == 15


# --------------------------------------------------------------------------- Reg 15(4), (5)
@pytest.mark.parametrize(
    ("transferred", "last_review", "review_due"),
    [
        # Leap day: 12 months beginning with Fri 30 Jun 2023 end Sat 29 Jun 2024, later than
        # 3 months from Thu 29 Feb 2024 (Wed 29 May 2024).
        (date(2024, 2, 29), date(2023, 6, 30), date(2024, 6, 29)),
        # 3 months win: 12 months from 1 Mar 2023 end 29 Feb 2024, the day of the transfer.
        (date(2024, 2, 29), date(2023, 3, 1), date(2024, 5, 29)),
        # Over the year end: 30 Nov 2025 + 3 months has no 30 Feb: Sat 28 Feb 2026; 12 months
        # from 1 Jan 2025 end Wed 31 Dec 2025.
        (date(2025, 11, 30), date(2025, 1, 1), date(2026, 2, 28)),
        # August: transferred Mon 31 Aug 2026 -> 30 Nov 2026; last reviewed 10 Sep 2025 ->
        # 9 Sep 2026; the later is Mon 30 Nov 2026.
        (date(2026, 8, 31), date(2025, 9, 10), date(2026, 11, 30)),
    ],
)
def test_reg_15_5_review_by_the_later_of_12_months_and_3_months(
    transferred, last_review, review_due
):
    assert transfer_in_review_due(last_review, transferred) == review_due


def test_reg_15_4_the_family_is_told_within_6_weeks_of_the_transfer():
    assert transfer_in_parent_notice_due(date(2024, 2, 29)) == date(2024, 4, 11)
    # Christmas does not stop calendar weeks: Wed 24 Dec 2025 + 42 days = Wed 4 Feb 2026.
    assert transfer_in_parent_notice_due(date(2025, 12, 24)) == date(2026, 2, 4)


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)),
    st.integers(min_value=0, max_value=800),
)
def test_reg_15_5_property_never_before_either_date(transferred, days_before):
    last_review = transferred - timedelta(days=days_before)
    due = transfer_in_review_due(last_review, transferred)
    assert due >= annual_review_due(last_review) and due >= add_months(transferred, 3)
    assert due in (annual_review_due(last_review), add_months(transferred, 3))


# --------------------------------------------------------------------------- on a case
def _transferred(**kw) -> CaseDates:
    values = {
        "request_received": date(2026, 9, 1),
        "stage": "plan_issued",
        "transferred_in": date(2026, 9, 1),
        "transfer_last_review": date(2026, 3, 10),
    }
    return CaseDates(**(values | kw))


def test_the_annual_review_follows_reg_15_5_until_this_council_reviews_the_plan():
    # 12 months from Tue 10 Mar 2026 end Tue 9 Mar 2027; 3 months from 1 Sep 2026 end 1 Dec.
    step = next_step(_transferred())
    assert step is not None
    assert (step.key, step.due, step.regulation) == (
        "annual_review",
        date(2027, 3, 9),
        "Reg 15(5); CFA 2014 s44",
    )
    # Last reviewed long ago: the 3 months after the transfer give Tue 1 Dec 2026, amber today.
    late = _transferred(transfer_last_review=date(2025, 9, 2))
    status = case_status(late, TODAY)
    assert status.next_step is not None and status.next_step.due == date(2026, 12, 1)
    assert status.rag == Rag.AMBER
    # This council's own review on Mon 2 Nov 2026: 12 months from it, as for any plan (s44).
    reviewed = _transferred(last_review=date(2026, 11, 2))
    own = next_step(reviewed)
    assert own is not None and (own.due, own.regulation) == (
        date(2027, 11, 1),
        "CFA 2014 s44; Reg 2",
    )


def test_a_transferred_plan_shows_its_reg_15_steps_and_no_request_steps():
    rows = statutory_deadlines(_transferred(transfer_last_review=date(2025, 9, 2)), TODAY)
    assert [(r.key, r.due, r.rag) for r in rows] == [
        # 6 weeks from Tue 1 Sep 2026: Tue 13 Oct 2026, missed.
        ("transfer_family_told", date(2026, 10, 13), Rag.RED),
        ("annual_review", date(2026, 12, 1), Rag.AMBER),
    ]
    assert rows[0].met is False
    told = statutory_deadlines(_transferred(transfer_family_told=date(2026, 10, 1)), TODAY)
    assert (told[0].done_on, told[0].met, told[0].rag) == (date(2026, 10, 1), True, Rag.NONE)
    # Closed (moved away since): its history stays, with no review left to hold.
    closed = statutory_deadlines(_transferred(stage="ceased"), TODAY)
    assert [(r.key, r.rag) for r in closed] == [("transfer_family_told", Rag.NONE)]


def test_a_child_moving_away_shows_the_day_the_plan_must_be_sent():
    case = CaseDates(
        request_received=date(2024, 1, 10),
        stage="plan_issued",
        final_issued=date(2024, 5, 20),
        last_review=date(2026, 5, 1),
        moved_out=date(2026, 11, 27),
        move_aware=date(2026, 11, 20),
    )
    # Aware Fri 20 Nov 2026, 5 working days before the move: 20 Nov (1), 23-27 (6),
    # 30 Nov-4 Dec (11), 7-10 Dec (15) -> Thu 10 Dec 2026, green on Tue 24 Nov.
    sent = [r for r in statutory_deadlines(case, TODAY) if r.key == "plan_sent"]
    assert [(r.due, r.rag, r.regulation) for r in sent] == [
        (date(2026, 12, 10), Rag.GREEN, "Reg 15(2)")
    ]
    gone = CaseDates(**{**_fields(case), "stage": "ceased", "plan_sent": date(2026, 11, 27)})
    row = next(r for r in statutory_deadlines(gone, TODAY) if r.key == "plan_sent")
    assert (row.done_on, row.met, row.rag) == (date(2026, 11, 27), True, Rag.NONE)


def _fields(case: CaseDates) -> dict:
    return {name: getattr(case, name) for name in CaseDates.__slots__}


# --------------------------------------------------------------------------- what is typed
def test_an_la_number_must_be_a_current_council_on_the_dfe_list():
    assert transfers.parse_la_code(" 202 ") == 202
    assert transfers.la_name(202) == "202 Camden"
    with pytest.raises(ValueError, match="3-digit"):
        transfers.parse_la_code("22")
    with pytest.raises(ValueError, match="Enter the other council"):
        transfers.parse_la_code("")
    with pytest.raises(ValueError, match="not an LA number"):
        transfers.parse_la_code("999")


def test_a_retired_la_number_is_refused_with_its_name():
    from caseload_app.domain import codes

    retired = next(la for la in codes.local_authorities() if not la.current)
    with pytest.raises(ValueError, match="retired"):
        transfers.parse_la_code(f"{retired.code:03d}")


def test_a_transfer_in_names_each_wrong_field():
    errors = transfers.check_transfer_in(None, None, None, TODAY)
    assert set(errors) == {"transferred_in", "transfer_last_review"}
    errors = transfers.check_transfer_in(
        date(2026, 9, 1), date(2026, 9, 2), date(2026, 8, 31), TODAY
    )
    assert "after the transfer" in errors["transfer_last_review"]
    assert "before it happened" in errors["transfer_family_told"]
    future = transfers.check_transfer_in(date(2026, 11, 25), date(2026, 1, 1), None, TODAY)
    assert "future" in future["transferred_in"]


def test_a_move_away_may_be_ahead_but_what_was_done_may_not():
    assert transfers.check_transfer_out(date(2027, 1, 4), date(2026, 11, 20), None, TODAY) == {}
    errors = transfers.check_transfer_out(
        date(2027, 1, 4), date(2026, 11, 25), date(2026, 11, 20), TODAY
    )
    assert "future" in errors["move_aware"]
    sent_early = transfers.check_transfer_out(
        date(2027, 1, 4), date(2026, 11, 20), date(2026, 11, 19), TODAY
    )
    assert "before the council knew" in sent_early["plan_sent"]
