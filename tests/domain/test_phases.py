"""Phase transfers recorded on a case (domain.phases.planned_transfer, deadlines).

Reg 2 lists six transfers between phases of education; the last is "(f) secondary school to a
post-16 institution", and a school is not a post-16 institution (CFA 2014 s83). A Year 11
pupil staying in their own school's sixth form therefore makes no transfer, and Reg 18(1)(a)
sets no date. Dates below are worked by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from caseload_app.domain import deadlines, phases

# Sat 5 Dec 2026 falls in academic year 2026/27, so "next September" is Sep 2027.
TODAY = date(2026, 12, 5)
# Born Wed 10 Mar 2011: 15 on 31 Aug 2026, so Year 11 now (15 - 4 = 11).
YEAR_11 = date(2011, 3, 10)
# Reg 18(1)(a): "before 31 March" 2027, so the last lawful day is Tue 30 Mar 2027
# (1 Jan 2027 is a Friday; 30 Mar is day 89, 88 days later = 12 weeks and 4 days: a Tuesday).
POST16_LAST_DAY = date(2027, 3, 30)


def test_a_year_11_is_derived_as_moving_to_post_16_by_30_march():
    transfer = phases.planned_transfer(YEAR_11, TODAY, "Vale Academy")
    assert transfer is not None
    assert (transfer.key, transfer.from_group, transfer.to_group) == ("secondary_post16", 11, 12)
    assert (transfer.kind, transfer.year, transfer.legal_date) == (
        "secondary-post16",
        2027,
        POST16_LAST_DAY,
    )
    assert deadlines.format_date(transfer.legal_date) == "Tue 30 Mar 2027"


def test_staying_in_the_own_school_sixth_form_is_no_transfer_and_no_31_march_date():
    assert deadlines.NO_PHASE_TRANSFER == "none"
    assert phases.planned_transfer(YEAR_11, TODAY, "Vale Academy", None, 2027, "none") is None
    assert deadlines.recorded_phase_transfer_due(2027, "none") is None
    # The year group is still derived as before: only the transfer goes.
    assert phases.current_year_group(YEAR_11, TODAY) == (11, "date of birth")
    assert phases.transfer_next_september(YEAR_11, TODAY, "Vale Academy") is not None


def test_no_transfer_recorded_for_another_year_leaves_next_september_alone():
    # Recorded for last September: history, so the derived post-16 move stands.
    past = phases.planned_transfer(YEAR_11, TODAY, "Vale Academy", None, 2026, "none")
    assert past is not None and past.legal_date == POST16_LAST_DAY
    # Recorded for a later September: nothing to plan this year either way.
    assert phases.planned_transfer(YEAR_11, TODAY, "Vale Academy", None, 2028, "none") is None


def test_a_recorded_kind_still_gives_its_reg_18_date():
    recorded = phases.planned_transfer(YEAR_11, TODAY, "Vale Academy", None, 2027, "school-phase")
    assert recorded is not None
    assert (recorded.key, recorded.legal_date) == ("recorded", date(2027, 2, 14))  # Sun
    assert deadlines.recorded_phase_transfer_due(2027, "secondary-post16") == POST16_LAST_DAY
    assert deadlines.recorded_phase_transfer_due(None, "secondary-post16") is None
    assert deadlines.recorded_phase_transfer_due(2027, None) is None
    with pytest.raises(ValueError, match="unknown phase transfer kind"):
        deadlines.recorded_phase_transfer_due(2027, "stays-ish")


def test_the_choices_offered_are_the_two_kinds_and_no_transfer():
    assert deadlines.PHASE_TRANSFER_CHOICES == ("school-phase", "secondary-post16", "none")
    with pytest.raises(ValueError):
        deadlines.phase_transfer_due(2027, deadlines.NO_PHASE_TRANSFER)  # it has no date
