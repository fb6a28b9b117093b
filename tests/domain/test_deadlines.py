"""Statutory date arithmetic: exact dates worked by hand, plus properties of the helpers."""

from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain import deadlines as dl
from caseload_app.domain.deadlines import (
    add_months,
    add_working_days,
    advice_due,
    amended_plan_due,
    amendment_comments_end,
    annual_review_due,
    appeal_deadline,
    comments_end,
    days_beginning_with,
    decision_not_to_issue_due,
    decision_to_assess_due,
    draft_plan_target,
    final_plan_due,
    format_date,
    is_working_day,
    mediation_certificate_due,
    months_starting_with,
    phase_transfer_due,
    post16_transfer_due,
    reassessment_decision_due,
    reassessment_not_too_soon_from,
    reassessment_plan_due,
    request_timeline,
    review_decision_due,
    review_invitations_by,
    review_papers_by,
    review_report_due,
    review_timeline,
    transfer_in_parent_notice_due,
    transfer_in_review_due,
    under5_review_window,
    weekday_name,
    weeks_of,
)

D = date
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2045, 12, 31))


def _bank_holiday(d: date) -> bool:
    # Independent oracle: ask the holidays package directly, without the module's cache.
    return d in holidays.country_holidays("GB", subdiv="ENG", years=d.year)


# --------------------------------------------------------------------------- counting helpers


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 3, 5), 6, D(2025, 4, 16)),  # docs/statutory-rules.md example
        (D(2025, 3, 5), 20, D(2025, 7, 23)),  # docs/statutory-rules.md example
        (D(2024, 12, 20), 2, D(2025, 1, 3)),  # across a year end
        (D(2024, 2, 15), 2, D(2024, 2, 29)),  # leap day
        (D(2025, 2, 15), 2, D(2025, 3, 1)),  # no leap day
        (D(2025, 3, 5), 0, D(2025, 3, 5)),
    ],
)
def test_weeks_of(start, n, expected):
    assert weeks_of(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 3, 5), 15, D(2025, 3, 19)),  # docs/statutory-rules.md example
        (D(2024, 2, 20), 15, D(2024, 3, 5)),  # through 29 Feb
        (D(2025, 2, 20), 15, D(2025, 3, 6)),
        (D(2025, 12, 24), 15, D(2026, 1, 7)),
        (D(2025, 3, 5), 1, D(2025, 3, 5)),  # day 1 is the start day
    ],
)
def test_days_beginning_with(start, n, expected):
    assert days_beginning_with(start, n) == expected


def test_days_beginning_with_rejects_empty_period():
    with pytest.raises(ValueError):
        days_beginning_with(D(2025, 3, 5), 0)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 1, 1), 12, D(2025, 12, 31)),  # docs/statutory-rules.md example
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # docs/statutory-rules.md: 29 Feb ends on 28 Feb
        (D(2023, 2, 28), 12, D(2024, 2, 27)),
        (D(2023, 3, 1), 12, D(2024, 2, 29)),  # ends on a leap day
        (D(2024, 3, 1), 12, D(2025, 2, 28)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),  # no 31 Feb: runs to the month's end
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 28), 1, D(2025, 2, 27)),
        (D(2025, 5, 31), 1, D(2025, 6, 30)),
        (D(2025, 6, 15), 3, D(2025, 9, 14)),
        (D(2024, 12, 31), 12, D(2025, 12, 30)),
        (D(2025, 12, 1), 1, D(2025, 12, 31)),
        (D(2024, 2, 29), 48, D(2028, 2, 28)),  # 29 Feb 2028 exists: the day before it
    ],
)
def test_months_starting_with(start, n, expected):
    assert months_starting_with(start, n) == expected


def test_months_starting_with_rejects_empty_period():
    with pytest.raises(ValueError):
        months_starting_with(D(2025, 1, 1), 0)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 11, 30), 2, D(2026, 1, 30)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2025, 3, 15), -3, D(2024, 12, 15)),
        (D(2025, 5, 31), -3, D(2025, 2, 28)),
        (D(2025, 3, 5), 0, D(2025, 3, 5)),
    ],
)
def test_add_months(start, n, expected):
    assert add_months(start, n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 4, 17), True),  # Thursday before Easter
        (D(2025, 4, 18), False),  # Good Friday
        (D(2025, 4, 21), False),  # Easter Monday
        (D(2025, 4, 22), True),
        (D(2025, 4, 19), False),  # Saturday
        (D(2025, 4, 20), False),  # Sunday
        (D(2025, 12, 25), False),
        (D(2025, 12, 26), False),
        (D(2022, 6, 2), False),  # spring bank holiday moved for the Platinum Jubilee
        (D(2022, 6, 3), False),  # Platinum Jubilee
        (D(2022, 9, 19), False),  # State funeral of Queen Elizabeth II
        (D(2022, 12, 27), False),  # Christmas Day (substitute day)
        (D(2023, 5, 8), False),  # Coronation
        (D(2023, 5, 9), True),
        (D(2026, 1, 1), False),
        (D(2026, 1, 2), True),
    ],
)
def test_is_working_day(day, expected):
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Day after Thu 17 Apr is Good Friday, then the weekend and Easter Monday: working days
        # 1-3 are Tue 22, Wed 23, Thu 24 Apr.
        (D(2025, 4, 17), 3, D(2025, 4, 24)),
        (D(2025, 4, 17), 1, D(2025, 4, 22)),
        (D(2025, 12, 23), 3, D(2025, 12, 30)),  # Christmas and Boxing Day (Thu, Fri)
        (D(2022, 6, 1), 1, D(2022, 6, 6)),  # 2 and 3 Jun 2022, then the weekend
        (D(2022, 9, 16), 1, D(2022, 9, 20)),  # 19 Sep 2022 state funeral
        (D(2022, 12, 23), 1, D(2022, 12, 28)),  # 26 Dec and substitute 27 Dec
        (D(2023, 5, 5), 1, D(2023, 5, 9)),  # 8 May 2023 coronation
        (D(2025, 12, 31), 1, D(2026, 1, 2)),  # across the year end and New Year's Day
        (D(2025, 3, 7), 5, D(2025, 3, 14)),  # a plain week
        (D(2025, 4, 19), 0, D(2025, 4, 19)),  # zero days: unchanged even on a Saturday
        (D(2025, 4, 22), -1, D(2025, 4, 17)),  # backwards over Easter
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 4, 16), "Wed 16 Apr 2025"),
        (D(2025, 3, 5), "Wed 5 Mar 2025"),
        (D(2024, 2, 29), "Thu 29 Feb 2024"),
        (D(2025, 12, 25), "Thu 25 Dec 2025"),
        (D(2026, 1, 4), "Sun 4 Jan 2026"),
    ],
)
def test_format_date(day, expected):
    assert format_date(day) == expected


def test_weekday_name_for_a_whole_week():
    names = [weekday_name(D(2025, 4, 14) + timedelta(days=i)) for i in range(7)]
    assert names == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


# --------------------------------------------------------------------------- rule functions


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (D(2025, 3, 5), D(2025, 4, 16)),  # docs/statutory-rules.md example
        (D(2024, 12, 20), D(2025, 1, 31)),
        (D(2024, 1, 25), D(2024, 3, 7)),  # through 29 Feb 2024
        (D(2025, 1, 25), D(2025, 3, 8)),
    ],
)
def test_decision_to_assess_due(received, expected):
    assert decision_to_assess_due(received) == expected


@pytest.mark.parametrize(
    ("requested", "expected"),
    [(D(2025, 1, 10), D(2025, 2, 21)), (D(2025, 11, 28), D(2026, 1, 9))],
)
def test_advice_due(requested, expected):
    assert advice_due(requested) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [(D(2025, 3, 5), D(2025, 6, 25)), (D(2024, 11, 1), D(2025, 2, 21))],
)
def test_decision_not_to_issue_due(received, expected):
    assert decision_not_to_issue_due(received) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [(D(2025, 3, 5), D(2025, 6, 11)), (D(2024, 12, 2), D(2025, 3, 10))],
)
def test_draft_plan_target(received, expected):
    assert draft_plan_target(received) == expected


@pytest.mark.parametrize(
    ("served", "expected"),
    [(D(2025, 3, 5), D(2025, 3, 19)), (D(2024, 2, 20), D(2024, 3, 5))],
)
def test_comments_end(served, expected):
    assert comments_end(served) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (D(2025, 3, 5), D(2025, 7, 23)),  # docs/statutory-rules.md example
        (D(2024, 10, 10), D(2025, 2, 27)),
        (D(2023, 11, 1), D(2024, 3, 20)),  # over 29 Feb 2024
        (D(2024, 11, 1), D(2025, 3, 21)),
    ],
)
def test_final_plan_due(received, expected):
    assert final_plan_due(received) == expected


def test_draft_target_leaves_the_comment_period_before_the_final_plan():
    received = D(2025, 3, 5)
    assert comments_end(draft_plan_target(received)) < final_plan_due(received)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (D(2025, 1, 1), D(2025, 12, 31)),  # docs/statutory-rules.md example
        (D(2024, 2, 29), D(2025, 2, 28)),  # docs/statutory-rules.md example
        (D(2025, 7, 14), D(2026, 7, 13)),
        (D(2023, 3, 1), D(2024, 2, 29)),
    ],
)
def test_annual_review_due(start, expected):
    assert annual_review_due(start) == expected


@pytest.mark.parametrize(
    ("meeting", "expected"),
    [(D(2026, 1, 14), D(2025, 12, 31)), (D(2024, 3, 12), D(2024, 2, 27))],
)
def test_review_invitations_and_papers_by(meeting, expected):
    assert review_invitations_by(meeting) == expected
    assert review_papers_by(meeting) == expected


@pytest.mark.parametrize(
    ("meeting", "report", "decision"),
    [
        (D(2026, 1, 14), D(2026, 1, 28), D(2026, 2, 11)),
        (D(2025, 12, 10), D(2025, 12, 24), D(2026, 1, 7)),
        (D(2024, 2, 15), D(2024, 2, 29), D(2024, 3, 14)),
    ],
)
def test_review_report_and_decision_due(meeting, report, decision):
    assert review_report_due(meeting) == report
    assert review_decision_due(meeting) == decision


@pytest.mark.parametrize(
    ("served", "expected"),
    [(D(2026, 2, 11), D(2026, 2, 25)), (D(2028, 2, 20), D(2028, 3, 5))],
)
def test_amendment_comments_end(served, expected):
    assert amendment_comments_end(served) == expected


@pytest.mark.parametrize(
    ("meeting", "notice", "expected"),
    [
        (D(2026, 1, 14), D(2026, 2, 5), D(2026, 4, 2)),  # 8 weeks from the notice
        (D(2026, 1, 14), None, D(2026, 4, 8)),  # projected: 11 Feb decision + 8 weeks
        (D(2025, 11, 5), None, D(2026, 1, 28)),  # 3 Dec decision + 8 weeks
    ],
)
def test_amended_plan_due(meeting, notice, expected):
    assert amended_plan_due(meeting, notice) == expected


@pytest.mark.parametrize(
    ("year", "kind", "expected"),
    [
        # Reg 18(1): "before 15 February" / "before 31 March": the last lawful day is the day
        # before.
        (2026, "school-phase", D(2026, 2, 14)),
        (2026, "secondary-post16", D(2026, 3, 30)),
        (2028, "school-phase", D(2028, 2, 14)),
    ],
)
def test_phase_transfer_due(year, kind, expected):
    assert phase_transfer_due(year, kind) == expected


def test_phase_transfer_due_rejects_unknown_kind():
    with pytest.raises(ValueError, match="post-16"):
        phase_transfer_due(2026, "post-16")


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [(D(2026, 9, 1), D(2026, 4, 1)), (D(2026, 7, 31), D(2026, 2, 28))],
)
def test_post16_transfer_due(transfer, expected):
    assert post16_transfer_due(transfer) == expected


@pytest.mark.parametrize(
    ("transfer", "expected"),
    [(D(2025, 9, 1), D(2025, 10, 13)), (D(2025, 12, 1), D(2026, 1, 12))],
)
def test_transfer_in_parent_notice_due(transfer, expected):
    assert transfer_in_parent_notice_due(transfer) == expected


@pytest.mark.parametrize(
    ("last_review", "transfer", "expected"),
    [
        (D(2024, 10, 10), D(2025, 9, 1), D(2025, 12, 1)),  # 3 months after transfer is later
        (D(2025, 3, 10), D(2025, 9, 1), D(2026, 3, 9)),  # annual review date is later
        (D(2024, 11, 30), D(2025, 8, 31), D(2025, 11, 30)),  # 29 Nov vs 30 Nov
    ],
)
def test_transfer_in_review_due(last_review, transfer, expected):
    assert transfer_in_review_due(last_review, transfer) == expected


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (D(2025, 3, 5), D(2025, 3, 20)),
        (D(2025, 12, 20), D(2026, 1, 4)),
        (D(2024, 2, 20), D(2024, 3, 6)),
    ],
)
def test_reassessment_decision_due(received, expected):
    assert reassessment_decision_due(received) == expected


@pytest.mark.parametrize(
    ("notified", "expected"),
    [
        (D(2026, 12, 2), D(2027, 3, 10)),  # Wed → Wed, 14 weeks (98 days) on
        (D(2027, 11, 24), D(2028, 3, 1)),  # across 29 Feb 2028
        (D(2026, 8, 14), D(2026, 11, 20)),  # from August, the school holidays count
    ],
)
def test_reassessment_plan_due_is_14_weeks_from_the_notice(notified, expected):
    """Reg 27(2): within 14 weeks of the notification under Reg 25(1)."""
    assert reassessment_plan_due(notified) == expected


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (D(2026, 3, 10), D(2026, 9, 10)),
        (D(2025, 8, 31), D(2026, 2, 28)),  # no 31 February: the month's last day
        (D(2027, 8, 31), D(2028, 2, 29)),  # a leap year
    ],
)
def test_six_months_since_the_last_assessment(last, expected):
    """Reg 24: a re-assessment within six months of the last may be refused."""
    assert reassessment_not_too_soon_from(last) == expected


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (D(2025, 4, 17), D(2025, 4, 24)),  # over Good Friday and Easter Monday
        (D(2025, 12, 23), D(2025, 12, 30)),  # over Christmas and Boxing Day
        (D(2022, 9, 15), D(2022, 9, 21)),  # over the 2022 state funeral
        (D(2025, 3, 5), D(2025, 3, 10)),  # Wed -> Mon over a weekend
    ],
)
def test_mediation_certificate_due(end, expected):
    assert mediation_certificate_due(end) == expected


@pytest.mark.parametrize(
    ("decision", "certificate", "raw", "expected"),
    [
        # Ends on a Saturday: Tribunal rules give until the next working day.
        (D(2025, 3, 10), None, D(2025, 5, 10), D(2025, 5, 12)),
        # Ends on Easter Monday.
        (D(2025, 2, 21), None, D(2025, 4, 21), D(2025, 4, 22)),
        # Certificate month is later and ends 29 Dec: runs to the first working day after 1 Jan.
        (D(2025, 10, 1), D(2025, 11, 29), D(2025, 12, 29), D(2026, 1, 2)),
        # Ends on 1 Jan itself.
        (D(2025, 11, 1), None, D(2026, 1, 1), D(2026, 1, 2)),
        # 30 Dec 2026: 1 Jan 2027 is a Friday, so the first working day after is Mon 4 Jan.
        (D(2026, 10, 30), None, D(2026, 12, 30), D(2027, 1, 4)),
        # 24 Dec is outside the Christmas window.
        (D(2025, 10, 24), None, D(2025, 12, 24), D(2025, 12, 24)),
        # Ends in August: runs to the first working day after 31 Aug.
        (D(2025, 6, 15), None, D(2025, 8, 15), D(2025, 9, 1)),
        (D(2026, 6, 30), None, D(2026, 8, 30), D(2026, 9, 1)),
        (D(2025, 5, 31), None, D(2025, 7, 31), D(2025, 7, 31)),
        # 31 Dec + 2 months clamps to 28 Feb.
        (D(2024, 12, 31), None, D(2025, 2, 28), D(2025, 2, 28)),
        # Certificate month ends earlier than the 2 months: the 2 months stand.
        (D(2025, 3, 1), D(2025, 3, 5), D(2025, 5, 1), D(2025, 5, 1)),
        # Certificate month is later.
        (D(2025, 3, 3), D(2025, 5, 2), D(2025, 6, 2), D(2025, 6, 2)),
        # Ends Sat 31 Jul 2004: next working day Mon 2 Aug; the August rule does not apply
        # because the time ended in July.
        (D(2004, 5, 31), None, D(2004, 7, 31), D(2004, 8, 2)),
    ],
)
def test_appeal_deadline(decision, certificate, raw, expected):
    assert appeal_deadline(decision, certificate, tribunal_extensions=False) == raw
    assert appeal_deadline(decision, certificate) == expected


@pytest.mark.parametrize(
    ("last_review", "expected"),
    [
        (D(2025, 1, 15), (D(2025, 4, 15), D(2025, 7, 15))),
        (D(2024, 11, 30), (D(2025, 2, 28), D(2025, 5, 30))),
        (D(2023, 11, 30), (D(2024, 2, 29), D(2024, 5, 30))),
    ],
)
def test_under5_review_window(last_review, expected):
    assert under5_review_window(last_review) == expected


def test_request_timeline():
    assert request_timeline(D(2025, 3, 5)) == {
        "decision_to_assess_due": D(2025, 4, 16),
        "draft_plan_target": D(2025, 6, 11),
        "decision_not_to_issue_due": D(2025, 6, 25),
        "final_plan_due": D(2025, 7, 23),
    }


def test_review_timeline_without_and_with_notice():
    expected = {
        "invitations_by": D(2025, 12, 31),
        "papers_by": D(2025, 12, 31),
        "report_due": D(2026, 1, 28),
        "decision_due": D(2026, 2, 11),
        "amendment_notice_due": D(2026, 2, 11),  # with the decision (Devon)
        "amended_plan_due": D(2026, 4, 8),
    }
    assert review_timeline(D(2026, 1, 14)) == expected
    assert review_timeline(D(2026, 1, 14), D(2026, 2, 5)) == {
        **expected,
        "amendment_comments_end": D(2026, 2, 19),
        "amended_plan_due": D(2026, 4, 2),
    }


def test_deadlines_do_not_move_off_weekends_or_bank_holidays():
    # Received Tue 13 Nov 2018: 6 weeks later is Christmas Day, and it stays there.
    assert decision_to_assess_due(D(2018, 11, 13)) == D(2018, 12, 25)
    # 20 weeks from Sat 2 Nov 2024 is a Saturday, and it stays there.
    assert final_plan_due(D(2024, 11, 2)) == D(2025, 3, 22)
    assert weekday_name(final_plan_due(D(2024, 11, 2))) == "Sat"


# --------------------------------------------------------------------------- properties


@given(dates, st.integers(min_value=0, max_value=60))
def test_weeks_of_keeps_the_weekday(d, n):
    result = weeks_of(d, n)
    assert result.weekday() == d.weekday()
    assert (result - d).days == 7 * n


@given(dates, st.integers(min_value=1, max_value=400))
def test_days_beginning_with_counts_the_start_day(d, n):
    assert (days_beginning_with(d, n) - d).days == n - 1


@given(dates, st.integers(min_value=-600, max_value=600))
def test_add_months_moves_whole_months_and_clamps(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == d.day or (result.day < d.day and (result + timedelta(days=1)).day == 1)


@given(dates)
def test_twelve_months_starting_with_is_just_under_a_year(d):
    end = months_starting_with(d, 12)
    if (d.month, d.day) == (2, 29):
        # No corresponding date: the period runs to 28 Feb, which is also add_months(d, 12).
        assert end == add_months(d, 12) == D(d.year + 1, 2, 28)
    else:
        assert end < add_months(d, 12)
        assert end == add_months(d, 12) - timedelta(days=1)
    assert end > d + timedelta(days=360)


@given(dates, dates, st.integers(min_value=1, max_value=36))
def test_months_starting_with_never_goes_backwards(d1, d2, n):
    early, late = sorted((d1, d2))
    assert d1 <= months_starting_with(d1, n) <= add_months(d1, n)
    assert months_starting_with(early, n) <= months_starting_with(late, n)


@given(dates, st.integers(min_value=1, max_value=40))
def test_add_working_days_lands_on_a_working_day(d, n):
    result = add_working_days(d, n)
    assert result > d
    assert result.weekday() < 5
    assert not _bank_holiday(result)
    between = [d + timedelta(days=i) for i in range(1, (result - d).days + 1)]
    assert sum(1 for day in between if day.weekday() < 5 and not _bank_holiday(day)) == n


@given(dates, st.integers(min_value=1, max_value=40))
def test_add_working_days_backwards_undoes_forwards(d, n):
    start = add_working_days(d, 1)  # a working day, so the round trip is exact
    assert add_working_days(add_working_days(start, n), -n) == start


@given(dates)
def test_is_working_day_matches_the_holidays_package(d):
    assert is_working_day(d) == (d.weekday() < 5 and not _bank_holiday(d))


FORWARD_RULES = [
    decision_to_assess_due,
    advice_due,
    decision_not_to_issue_due,
    draft_plan_target,
    comments_end,
    final_plan_due,
    annual_review_due,
    review_report_due,
    review_decision_due,
    amendment_comments_end,
    amended_plan_due,
    transfer_in_parent_notice_due,
    reassessment_decision_due,
    mediation_certificate_due,
    appeal_deadline,
    post16_transfer_due,
]


@pytest.mark.parametrize("rule", FORWARD_RULES, ids=lambda f: f.__name__)
@given(d=dates)
def test_deadlines_are_never_before_their_start(rule, d):
    if rule is post16_transfer_due:
        # Counts back from the transfer: must not be after it.
        assert rule(d) < d
    else:
        assert rule(d) >= d


@given(dates)
def test_review_preparation_dates_are_before_the_meeting(meeting):
    assert review_invitations_by(meeting) == meeting - timedelta(days=14)
    assert review_papers_by(meeting) == meeting - timedelta(days=14)


@given(dates, dates)
def test_transfer_in_review_is_the_later_limit(last_review, transfer):
    due = transfer_in_review_due(last_review, transfer)
    assert due >= annual_review_due(last_review)
    assert due >= add_months(transfer, 3)
    assert due in (annual_review_due(last_review), add_months(transfer, 3))


@given(dates, st.none() | dates)
def test_appeal_deadline_is_a_working_day_outside_the_tribunal_closures(decision, certificate):
    raw = appeal_deadline(decision, certificate, tribunal_extensions=False)
    result = appeal_deadline(decision, certificate)
    assert raw >= add_months(decision, 2)
    if certificate is not None:
        assert raw >= add_months(certificate, 1)
    assert result >= raw
    assert is_working_day(result)
    in_christmas_window = (raw.month, raw.day) >= (12, 25) or (raw.month, raw.day) == (1, 1)
    if in_christmas_window:
        assert result.month == 1
        assert result.day >= 2
    elif raw.month == 8:
        assert result.month == 9
    else:
        # Otherwise only the next-working-day rule moves it (r.12(2)); the window rules turn
        # on the day the time ends, not on that grace day.
        assert all(not is_working_day(d) for d in _days(raw, result))
    assert (result - raw).days <= 40  # worst case: 1 Aug -> first working day in September


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def test_bank_holiday_lookups_are_cached_per_year():
    dl._bank_holidays.cache_clear()
    for _ in range(3):
        add_working_days(D(2025, 12, 23), 10)
    info = dl._bank_holidays.cache_info()
    assert info.currsize == 2  # 2025 and 2026 only
    assert info.hits > info.misses
