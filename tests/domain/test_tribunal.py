"""Complying with a Tribunal order (SEND Regs 2014 reg 44) or an unopposed appeal (reg 45):
exact dates worked by hand, one test per rule, plus properties of every kind.

Counting, as everywhere (docs/statutory-rules.md, "Counting time"): "within N weeks of D" ends
on D + 7N days, D not counted; "immediately" is D itself; nothing moves off a bank holiday."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.deadlines import is_working_day
from caseload_app.domain.tribunal import ORDER_DEADLINES, OrderKind, order_timeline

D = date
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2045, 12, 31))


# --------------------------------------------------------------------------- reg 44: orders


def test_reg_44_2_b_assess_in_a_leap_year():
    """Reg 44(2)(b), (b)(i), (b)(ii): tell the family in 2 weeks; a decision not to issue in
    10 weeks; the finalised plan in 14 weeks, each of the date of the order."""
    # Order Tue 1 Feb 2028 (2028 is a leap year).
    # 2 weeks = 14 days: 1 Feb + 14 = Tue 15 Feb.
    # 10 weeks = 70 days: 1 Feb + 28 = 29 Feb (+28), + 31 = 31 Mar (+59), + 11 = Tue 11 Apr.
    # 14 weeks = 98 days: 11 Apr + 28 = Tue 9 May.
    assert order_timeline(D(2028, 2, 1), OrderKind.ASSESS) == {
        "notify_due": D(2028, 2, 15),
        "not_to_issue_due": D(2028, 4, 11),
        "final_plan_due": D(2028, 5, 9),
    }


def test_reg_44_2_b_assess_without_a_leap_day_ends_a_day_later():
    """Reg 44(2)(b)(i): the same 10 weeks from 1 Feb 2027 land on 12 Apr, not 11 Apr."""
    # 1 Feb 2027 + 27 = 28 Feb (+27), + 31 = 31 Mar (+58), + 12 = Mon 12 Apr (+70).
    # 14 weeks: 12 Apr + 28 = Mon 10 May.
    assert order_timeline(D(2027, 2, 1), "assess") == {
        "notify_due": D(2027, 2, 15),
        "not_to_issue_due": D(2027, 4, 12),
        "final_plan_due": D(2027, 5, 10),
    }


def test_reg_44_2_b_reassess_across_christmas_and_new_year():
    """Reg 44(2)(b): a re-assessment has the same three limits as an assessment."""
    # Order Fri 19 Dec 2025. 2 weeks: 19 Dec + 12 = 31 Dec, + 2 = Fri 2 Jan 2026 (Christmas
    # is counted: calendar weeks). 10 weeks: + 12 = 31 Dec, + 31 = 31 Jan (+43), + 27 =
    # Fri 27 Feb (+70). 14 weeks: 27 Feb + 28 = Fri 27 Mar (February 2026 has 28 days).
    assert order_timeline(D(2025, 12, 19), OrderKind.REASSESS) == {
        "notify_due": D(2026, 1, 2),
        "not_to_issue_due": D(2026, 2, 27),
        "final_plan_due": D(2026, 3, 27),
    }


def test_reg_44_2_c_make_and_maintain_a_plan_in_august():
    """Reg 44(2)(c)(i) draft within 5 weeks, (c)(ii) final within 11 weeks of the order.
    August counts: the Tribunal's own August rule is for appeal deadlines, not these."""
    # Order Mon 3 Aug 2026. 5 weeks = 35 days: 3 Aug + 28 = 31 Aug, + 7 = Mon 7 Sep.
    # 11 weeks = 77 days: 3 Aug + 28 = 31 Aug, + 30 = 30 Sep (+58), + 19 = Mon 19 Oct.
    assert order_timeline(D(2026, 8, 3), OrderKind.MAKE_PLAN) == {
        "draft_plan_due": D(2026, 9, 7),
        "final_plan_due": D(2026, 10, 19),
    }


def test_reg_44_2_amend_provision_within_5_weeks():
    """Reg 44(2), an order to amend the special educational provision: 5 weeks."""
    # Order Wed 10 Jun 2026: + 20 = 30 Jun, + 15 = Wed 15 Jul (35 days).
    assert order_timeline(D(2026, 6, 10), OrderKind.AMEND_PROVISION) == {
        "amended_plan_due": D(2026, 7, 15)
    }


def test_reg_44_2_amend_school_within_2_weeks_across_new_year():
    """Reg 44(2), an order to amend only the school or type named: 2 weeks."""
    # Order Tue 22 Dec 2026: + 9 = 31 Dec, + 5 = Tue 5 Jan 2027 (14 days).
    assert order_timeline(D(2026, 12, 22), OrderKind.AMEND_SCHOOL) == {
        "amended_plan_due": D(2027, 1, 5)
    }


def test_reg_44_2_amend_school_due_on_christmas_day_stays_there():
    """A limit that ends on a bank holiday does not move (as every statutory date)."""
    # Order Mon 11 Dec 2028: + 14 = Mon 25 Dec 2028, Christmas Day.
    due = order_timeline(D(2028, 12, 11), OrderKind.AMEND_SCHOOL)["amended_plan_due"]
    assert due == D(2028, 12, 25)
    assert not is_working_day(due)


def test_reg_44_2_a_cease_immediately_even_on_a_bank_holiday():
    """Reg 44(2)(a): an appeal against ceasing dismissed: cease to maintain immediately."""
    # Mon 31 Aug 2026 is the summer bank holiday; "immediately" is the order's own date.
    assert not is_working_day(D(2026, 8, 31))
    assert order_timeline(D(2026, 8, 31), OrderKind.CEASE_DISMISSED) == {
        "cease_due": D(2026, 8, 31)
    }


def test_reg_44_2_continue_to_maintain_with_immediate_effect():
    """Reg 44(2), an order to continue to maintain the plan: with immediate effect."""
    # Fri 26 Mar 2027 is Good Friday: still the same day.
    assert order_timeline(D(2027, 3, 26), OrderKind.MAINTAIN) == {"maintain_due": D(2027, 3, 26)}


def test_reg_44_2_continue_to_maintain_and_amend():
    """Reg 44(2), continue to maintain (at once) and amend (within 5 weeks)."""
    # Order Mon 28 Dec 2026 (the Boxing Day bank holiday, moved from Sat 26 Dec).
    # 5 weeks: 28 Dec + 4 = 1 Jan 2027, + 31 = Mon 1 Feb 2027 (35 days).
    assert order_timeline(D(2026, 12, 28), OrderKind.MAINTAIN_AMEND) == {
        "maintain_due": D(2026, 12, 28),
        "amended_plan_due": D(2027, 2, 1),
    }


# --------------------------------------------------------------------------- reg 45: unopposed


def test_reg_45_3_and_3A_assess_from_a_leap_day_notice():
    """Reg 45(3) 2 weeks, (3A)(a) 10 weeks, (3A)(b) 14 weeks, each from the date the council
    told the Tribunal it would not oppose (reg 45(1)), not from any order."""
    # Notice Thu 29 Feb 2024. 2 weeks: + 14 = Thu 14 Mar.
    # 10 weeks: 29 Feb + 31 = 31 Mar (+31), + 30 = 30 Apr (+61), + 9 = Thu 9 May (+70).
    # 14 weeks: 9 May + 28 = Thu 6 Jun.
    assert order_timeline(D(2024, 2, 29), OrderKind.ASSESS, unopposed=True) == {
        "notify_due": D(2024, 3, 14),
        "not_to_issue_due": D(2024, 5, 9),
        "final_plan_due": D(2024, 6, 6),
    }


def test_reg_45_3_reassess_has_the_same_limits():
    """Reg 45(3): an appeal under s51(2)(d) (re-assessment refused) is treated as (a)."""
    # Notice Fri 19 Dec 2025: as the reg 44 case above, the same 2/10/14 weeks.
    assert order_timeline(D(2025, 12, 19), "reassess", unopposed=True) == {
        "notify_due": D(2026, 1, 2),
        "not_to_issue_due": D(2026, 2, 27),
        "final_plan_due": D(2026, 3, 27),
    }


def test_reg_45_4_amend_provision_within_5_weeks_of_the_notice_in_august():
    """Reg 45(4): the amended plan within 5 weeks of the reg 45(1) notice."""
    # Notice Fri 1 Aug 2025: + 30 = 31 Aug, + 5 = Fri 5 Sep (35 days).
    assert order_timeline(D(2025, 8, 1), OrderKind.AMEND_PROVISION, unopposed=True) == {
        "amended_plan_due": D(2025, 9, 5)
    }


def test_reg_45_make_plan_across_new_year():
    """Reg 45 (appeal under s51(2)(b) conceded): draft within 5 weeks, final within 11."""
    # Notice Mon 14 Dec 2026. 5 weeks: + 17 = 31 Dec, + 18 = Mon 18 Jan 2027 (35).
    # 11 weeks = 77: + 17 = 31 Dec, + 31 = 31 Jan (+48), + 28 = 28 Feb (+76), + 1 = Mon 1 Mar.
    assert order_timeline(D(2026, 12, 14), OrderKind.MAKE_PLAN, unopposed=True) == {
        "draft_plan_due": D(2027, 1, 18),
        "final_plan_due": D(2027, 3, 1),
    }


def test_reg_45_amend_school_within_2_weeks():
    """Reg 45 (appeal about the school or type named only, conceded): 2 weeks."""
    # Notice Wed 5 Jan 2028: + 14 = Wed 19 Jan.
    assert order_timeline(D(2028, 1, 5), OrderKind.AMEND_SCHOOL, unopposed=True) == {
        "amended_plan_due": D(2028, 1, 19)
    }


def test_reg_45_maintain_from_a_bank_holiday_notice():
    """Reg 45 (appeal against ceasing conceded): the plan is maintained, from the notice."""
    # Mon 6 May 2030 is the early May bank holiday; it stays the date.
    assert not is_working_day(D(2030, 5, 6))
    assert order_timeline(D(2030, 5, 6), OrderKind.MAINTAIN, unopposed=True) == {
        "maintain_due": D(2030, 5, 6)
    }


def test_reg_45_maintain_and_amend():
    """Reg 45 (appeal against ceasing conceded, amendments agreed): amended within 5 weeks."""
    # Notice Tue 2 Feb 2027: + 26 = 28 Feb, + 9 = Tue 9 Mar (35 days).
    assert order_timeline(D(2027, 2, 2), OrderKind.MAINTAIN_AMEND, unopposed=True) == {
        "maintain_due": D(2027, 2, 2),
        "amended_plan_due": D(2027, 3, 9),
    }


def test_reg_45_has_no_dismissed_appeal_against_ceasing():
    """An unopposed appeal is one the council concedes: nothing is dismissed, nothing ceases."""
    with pytest.raises(ValueError, match="maintain"):
        order_timeline(D(2026, 3, 2), OrderKind.CEASE_DISMISSED, unopposed=True)


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        order_timeline(D(2026, 3, 2), "amend")


def test_kinds_are_plain_names():
    assert [k.value for k in OrderKind] == [
        "assess",
        "reassess",
        "make_plan",
        "amend_provision",
        "amend_school",
        "cease_dismissed",
        "maintain",
        "maintain_amend",
        "recommendation",
    ]


# --------------------------------------------------------------------------- properties


# Kinds that are never an unopposed appeal (Reg 45): nothing is dismissed, and a
# recommendation follows a hearing.
_NEVER_UNOPPOSED = (OrderKind.CEASE_DISMISSED, OrderKind.RECOMMENDATION)


def _cases():
    return [(k, False) for k in OrderKind] + [
        (k, True) for k in OrderKind if k not in _NEVER_UNOPPOSED
    ]


@pytest.mark.parametrize(("kind", "unopposed"), _cases())
@given(d=dates)
def test_no_deadline_is_before_the_order(kind, unopposed, d):
    dates_due = order_timeline(d, kind, unopposed=unopposed)
    assert dates_due
    assert all(due >= d for due in dates_due.values())


@pytest.mark.parametrize(("kind", "unopposed"), _cases())
@given(d=dates)
def test_deadlines_come_in_the_regulations_order(kind, unopposed, d):
    dates_due = order_timeline(d, kind, unopposed=unopposed)
    assert tuple(dates_due) == ORDER_DEADLINES[kind]
    values = list(dates_due.values())
    assert values == sorted(values)
    if "notify_due" in dates_due:  # reg 44(2)(b) / 45(3), (3A): 2 < 10 < 14 weeks
        assert dates_due["notify_due"] < dates_due["not_to_issue_due"]
        assert dates_due["not_to_issue_due"] < dates_due["final_plan_due"]
    if "draft_plan_due" in dates_due:  # reg 44(2)(c): the draft before the final
        assert dates_due["draft_plan_due"] < dates_due["final_plan_due"]


@pytest.mark.parametrize(("kind", "unopposed"), _cases())
@given(d=dates)
def test_weeks_are_whole_weeks_and_keep_the_weekday(kind, unopposed, d):
    # "within N weeks of D" is D + 7N (D not counted), as final_plan_due counts its 20 weeks.
    weeks = {
        "notify_due": 2,
        "not_to_issue_due": 10,
        "final_plan_due": 14 if kind in (OrderKind.ASSESS, OrderKind.REASSESS) else 11,
        "draft_plan_due": 5,
        "amended_plan_due": 2 if kind is OrderKind.AMEND_SCHOOL else 5,
        "cease_due": 0,
        "maintain_due": 0,
        "response_due": 5,
    }
    for key, due in order_timeline(d, kind, unopposed=unopposed).items():
        assert due - d == timedelta(weeks=weeks[key]), key
        assert due.weekday() == d.weekday()


@given(d=dates, kind=st.sampled_from([k for k in OrderKind if k not in _NEVER_UNOPPOSED]))
def test_reg_45_counts_as_reg_44_from_its_own_start(d, kind):
    # The figures of reg 45 are those of reg 44; only the start (the notice, not an order)
    # differs, and that is the date the caller gives.
    assert order_timeline(d, kind, unopposed=True) == order_timeline(d, kind)


# --------------------------------------------------------------------------- steps with RAG
def test_order_steps_colour_what_is_open_and_mark_what_was_done():
    """Reg 44(2)(c): order Mon 7 Dec 2026; draft by Mon 11 Jan 2027 (across Christmas and New
    Year, which do not pause it), final by Mon 22 Feb 2027. On Thu 31 Dec 2026 the draft has
    11 days left (amber); the final, 53 (green)."""
    from caseload_app.domain.tribunal import order_steps

    rows = order_steps(D(2026, 12, 7), "make_plan", {}, D(2026, 12, 31))
    assert [(r.key, r.due, r.met, r.rag) for r in rows] == [
        ("draft_plan_due", D(2027, 1, 11), None, "amber"),
        ("final_plan_due", D(2027, 2, 22), None, "green"),
    ]
    done = {"draft_plan_due": D(2027, 1, 12)}
    rows = order_steps(D(2026, 12, 7), "make_plan", done, D(2027, 1, 20))
    assert (rows[0].done_on, rows[0].met, rows[0].rag) == (D(2027, 1, 12), False, "none")


def test_after_10_weeks_without_a_decision_not_to_issue_only_the_plan_remains():
    """Reg 44(2)(b): order Mon 2 Mar 2026; past Mon 11 May (10 weeks) no decision not to issue
    is recorded: that row is no longer a deadline, the plan's (Mon 8 Jun) still is."""
    from caseload_app.domain.tribunal import order_steps

    rows = order_steps(D(2026, 3, 2), "assess", {"notify_due": D(2026, 3, 10)}, D(2026, 5, 20))
    by_key = {r.key: r for r in rows}
    assert (by_key["not_to_issue_due"].met, by_key["not_to_issue_due"].rag) == (None, "none")
    assert (by_key["final_plan_due"].due, by_key["final_plan_due"].rag) == (D(2026, 6, 8), "green")
    assert by_key["notify_due"].met is True


def test_continuing_to_maintain_is_done_on_the_day_of_the_order():
    from caseload_app.domain.tribunal import order_steps

    (row,) = order_steps(D(2026, 8, 14), "maintain", {}, D(2026, 12, 1))
    assert (row.done_on, row.met, row.rag) == (D(2026, 8, 14), True, "none")


def test_a_recommendation_is_answered_within_5_weeks():
    """SI 2017/1306 reg 6 (5 weeks as the DfE's guidance gives it): a recommendation made
    Fri 17 Jul 2026 is answered by Fri 21 Aug 2026 (August is not paused)."""
    assert order_timeline(D(2026, 7, 17), "recommendation") == {"response_due": D(2026, 8, 21)}
    with pytest.raises(ValueError, match="never an unopposed appeal"):
        order_timeline(D(2026, 7, 17), "recommendation", unopposed=True)
