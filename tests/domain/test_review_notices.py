"""The review outcome and the amendment notice: dates worked by hand, each with its rule.

SEND Regs 2014 reg 20(10): the decision to maintain, amend or cease is notified within 4 weeks
of the review meeting (meeting + 28 days, the meeting not counted). Reg 22(2)(c): at least 15
days for representations, beginning with the day the notice is served (served + 14). Reg
22(3): the final amended plan within 8 weeks of the notice (served + 56). R (L, M & P) v
Devon County Council [2022] EWHC 493 (Admin): a decision to amend is notified with the
proposed amendments, so the amendment notice is due on the reg 20(10) date too.
"""

from datetime import date

import pytest

from caseload_app.domain.deadlines import (
    amended_plan_due,
    amendment_comments_end,
    amendment_notice_due,
    amendment_notice_late,
    review_decision_due,
    review_timeline,
)

D = date


# --------------------------------------------------------------------------- Devon: the notice
@pytest.mark.parametrize(
    ("meeting", "due"),
    [
        # Mon 21 Dec 2026 + 28 days: 10 days to the end of December, 18 into January. The
        # Christmas and New Year bank holidays neither stop the clock nor move the day.
        (D(2026, 12, 21), D(2027, 1, 18)),
        # Thu 3 Feb 2028 + 28 days in a leap year: 26 days to Tue 29 Feb, then 2 into March
        # (Thu 2 Mar 2028; it would be 3 March in a common year).
        (D(2028, 2, 3), D(2028, 3, 2)),
        # Wed 5 Aug 2026 + 28 days: 26 to the end of August, Wed 2 Sep 2026. The school holiday
        # does not stop it (only the Tribunal's own appeal rule leaves August out).
        (D(2026, 8, 5), D(2026, 9, 2)),
    ],
)
def test_the_amendment_notice_is_due_with_the_4_week_decision(meeting, due):
    # Reg 20(10) read with reg 22(2)(a), Devon [2022] EWHC 493 (Admin)
    assert amendment_notice_due(meeting) == due
    assert review_decision_due(meeting) == due


@pytest.mark.parametrize(
    ("meeting", "notice", "late"),
    [
        (D(2026, 12, 21), D(2027, 1, 18), False),  # on the 4-week day itself
        (D(2026, 12, 21), D(2027, 1, 19), True),  # one day after it
        (D(2026, 12, 21), D(2026, 12, 24), False),  # before Christmas
        (D(2028, 2, 3), D(2028, 3, 2), False),  # leap year: Thu 2 Mar is the last day
        (D(2028, 2, 3), D(2028, 3, 3), True),  # Fri 3 Mar 2028 is late
        (D(2026, 8, 5), D(2026, 9, 3), True),  # Thu 3 Sep 2026 is a day late
    ],
)
def test_a_notice_sent_after_the_4_weeks_is_late_whatever_today_is(meeting, notice, late):
    for today in (notice, D(2030, 1, 1)):
        assert amendment_notice_late(meeting, "amend", notice, today) is late


def test_an_amend_decision_without_a_notice_is_late_only_once_the_4_weeks_have_passed():
    meeting = D(2026, 12, 21)
    assert not amendment_notice_late(meeting, "amend", None, D(2027, 1, 18))
    assert amendment_notice_late(meeting, "amend", None, D(2027, 1, 19))


def test_only_a_plan_being_amended_has_a_notice_to_be_late():
    meeting, long_after = D(2026, 8, 5), D(2027, 8, 5)
    for outcome in (None, "maintain", "cease"):
        assert not amendment_notice_late(meeting, outcome, None, long_after)
    # A notice recorded before the outcome is itself the decision to amend: it is measured.
    assert amendment_notice_late(meeting, None, D(2026, 9, 3), long_after)
    # No meeting, no clock.
    assert not amendment_notice_late(None, "amend", None, long_after)


# --------------------------------------------------------------------------- Reg 22(2), 22(3)
@pytest.mark.parametrize(
    ("served", "last_day", "final_due"),
    [
        # Served Mon 18 Jan 2027: day 1 is the 18th, day 15 Mon 1 Feb 2027; 8 weeks: 13 days
        # to the end of January, 28 in February 2027, 15 into March.
        (D(2027, 1, 18), D(2027, 2, 1), D(2027, 3, 15)),
        # Served Thu 24 Dec 2026: day 15 is Thu 7 Jan 2027, bank holidays counted.
        (D(2026, 12, 24), D(2027, 1, 7), D(2027, 2, 18)),
        # Served Tue 22 Feb 2028: 7 days to Tue 29 Feb, so day 15 is Tue 7 Mar 2028; 8 weeks:
        # 7 + 31 (March) + 18 = Tue 18 Apr 2028.
        (D(2028, 2, 22), D(2028, 3, 7), D(2028, 4, 18)),
        # Served Fri 28 Aug 2026: day 15 is Fri 11 Sep 2026 (the bank holiday on Mon 31 Aug
        # counts); 8 weeks: 3 + 30 + 23 = Fri 23 Oct 2026.
        (D(2026, 8, 28), D(2026, 9, 11), D(2026, 10, 23)),
    ],
)
def test_the_15_days_for_representations_and_the_8_weeks_for_the_final_plan(
    served, last_day, final_due
):
    assert amendment_comments_end(served) == last_day  # reg 22(2)(c)
    assert amended_plan_due(D(2020, 1, 1), served) == final_due  # reg 22(3), from the notice


def test_the_review_timeline_carries_the_notice_date_and_its_windows():
    meeting = D(2026, 12, 21)
    before = review_timeline(meeting)
    assert before["decision_due"] == before["amendment_notice_due"] == D(2027, 1, 18)
    assert "amendment_comments_end" not in before
    # Without a notice the final plan is projected from the latest lawful notice: 12 weeks.
    assert before["amended_plan_due"] == D(2027, 3, 15)
    after = review_timeline(meeting, D(2027, 1, 11))
    assert after["amendment_comments_end"] == D(2027, 1, 25)
    assert after["amended_plan_due"] == D(2027, 3, 8)
