"""Ceasing a plan (s45; Reg 31): the consultation that must come first, and how long the plan
stays in force after the decision. Dates worked by hand from a calendar."""

from __future__ import annotations

from datetime import date

import pytest

from caseload_app.domain.actions import available_actions, check_action, check_correction
from caseload_app.domain.ceasing import check_consulted, plan_in_force, proposal_note
from caseload_app.domain.status import CaseDates
from caseload_app.domain.validators import ValidationError

D = date
TODAY = D(2027, 3, 1)


def plan(**dates) -> CaseDates:
    return CaseDates(
        request_received=D(2025, 1, 6), stage="plan_issued", final_issued=D(2025, 5, 20), **dates
    )


# --------------------------------------------------------------------- Reg 31(1) comes first
def test_a_decision_without_a_proposal_is_refused_naming_reg_31():
    with pytest.raises(ValidationError, match=r"reg 31\(1\)"):
        check_action("ceased", plan(), D(2026, 12, 17), TODAY, "No longer needed")


@pytest.mark.parametrize(
    ("family", "school", "missing"),
    [
        (None, D(2026, 12, 1), "the family told and consulted (not recorded)"),
        (D(2026, 12, 1), None, "the school or college consulted (not recorded)"),
        (D(2026, 12, 18), D(2026, 12, 1), "after Thu 17 Dec 2026"),
    ],
)
def test_a_decision_before_both_consultations_is_refused(family, school, missing):
    case = plan(
        cease_proposed=D(2026, 11, 20), cease_family_consulted=family, cease_school_consulted=school
    )
    with pytest.raises(ValidationError) as caught:
        check_action("ceased", case, D(2026, 12, 17), TODAY, "No longer needed")
    assert missing in str(caught.value)
    assert "reg 31(1)" in str(caught.value)


def test_a_decision_after_both_consultations_is_allowed_on_the_same_day():
    case = plan(
        cease_proposed=D(2026, 11, 20),
        cease_family_consulted=D(2026, 12, 17),
        cease_school_consulted=D(2026, 12, 10),
    )
    check_action("ceased", case, D(2026, 12, 17), TODAY, "No longer needed")
    check_consulted(D(2026, 12, 17), D(2026, 11, 20), D(2026, 12, 17), D(2026, 12, 10))


def test_consultations_need_the_proposal_and_come_after_it():
    with pytest.raises(ValidationError, match="proposal to cease the plan first"):
        check_action("cease_family_consulted", plan(), D(2026, 12, 1), TODAY)
    case = plan(cease_proposed=D(2026, 11, 20))
    with pytest.raises(ValidationError, match="before the proposal to cease"):
        check_action("cease_school_consulted", case, D(2026, 11, 19), TODAY)
    check_action("cease_school_consulted", case, D(2026, 11, 20), TODAY)


def test_the_ceasing_steps_offered_follow_the_process():
    keys = [a.key for a in available_actions(plan())]
    assert keys == ["cease_proposed", "ceased"]
    keys = [a.key for a in available_actions(plan(cease_proposed=D(2026, 11, 20)))]
    assert keys == ["cease_family_consulted", "cease_school_consulted", "ceased"]
    done = plan(cease_proposed=D(2026, 11, 20), cease_family_consulted=D(2026, 11, 30))
    assert [a.key for a in available_actions(done)] == ["cease_school_consulted", "ceased"]


def test_correcting_a_ceasing_step_keeps_the_order():
    case = plan(
        cease_proposed=D(2026, 11, 20),
        cease_family_consulted=D(2026, 11, 30),
        cease_school_consulted=D(2026, 12, 1),
    )
    with pytest.raises(ValidationError, match="after the family was consulted"):
        check_correction("cease_proposed", case, D(2026, 12, 2), TODAY)
    with pytest.raises(ValidationError, match="before the proposal"):
        check_correction("cease_family_consulted", case, D(2026, 11, 19), TODAY)
    with pytest.raises(ValidationError, match=r"reg 31\(1\)"):
        check_correction("ceased", case, D(2026, 11, 30), TODAY)
    check_correction("ceased", case, D(2026, 12, 1), TODAY)


def test_the_proposal_note_says_who_is_still_to_be_consulted():
    note = proposal_note(D(2026, 11, 20), "Moved outside England", None, D(2026, 11, 25))
    assert note == (
        "Ceasing proposed on Fri 20 Nov 2026 (Moved outside England): still to consult the "
        "family (Reg 31(1))."
    )


# ------------------------------------------------------------- the plan stays in force (s45(4))
def test_a_decision_on_thu_17_dec_2026_keeps_the_plan_to_wed_17_feb_2027():
    # 2 months from Thu 17 Dec 2026 is Wed 17 Feb 2027. The period runs over Christmas and the
    # Tribunal's 25 Dec-1 Jan days, but only where it ends matters: a working day, unchanged.
    in_force = plan_in_force(D(2026, 12, 17))
    assert in_force.until == D(2027, 2, 17)
    assert in_force.text == "Plan maintained until the appeal period ends: Wed 17 Feb 2027."
    assert in_force.in_force_on(D(2027, 2, 17)) and not in_force.in_force_on(D(2027, 2, 18))


def test_a_mediation_certificate_can_keep_the_plan_longer():
    # Certificate Mon 25 Jan 2027 + 1 month = Thu 25 Feb 2027, later than Wed 17 Feb 2027.
    assert plan_in_force(D(2026, 12, 17), D(2027, 1, 25)).until == D(2027, 2, 25)
    # Certificate Fri 8 Jan 2027 + 1 month = Mon 8 Feb 2027: the 2 months are later.
    assert plan_in_force(D(2026, 12, 17), D(2027, 1, 8)).until == D(2027, 2, 17)


def test_a_period_ending_over_christmas_runs_to_the_first_working_day_after_1_jan():
    # Mon 26 Oct 2026 + 2 months = Sat 26 Dec 2026, inside 25 Dec-1 Jan: the first working day
    # after 1 Jan 2027 is Mon 4 Jan 2027 (2 and 3 Jan are a weekend).
    assert plan_in_force(D(2026, 10, 26)).until == D(2027, 1, 4)


def test_a_period_ending_in_august_runs_to_the_first_working_day_of_september():
    # Mon 15 Jun 2026 + 2 months = Sat 15 Aug 2026: August does not count; Mon 31 Aug 2026 is
    # the summer bank holiday anyway, so the period ends Tue 1 Sep 2026.
    assert plan_in_force(D(2026, 6, 15)).until == D(2026, 9, 1)


def test_a_july_decision_runs_through_august_and_ends_in_september():
    # Thu 16 Jul 2026 + 2 months = Wed 16 Sep 2026: the period crosses August but ends after
    # it, so nothing moves; a certificate of Fri 31 Jul 2026 (1 month: Mon 31 Aug, in August,
    # so Tue 1 Sep 2026) ends sooner than that.
    assert plan_in_force(D(2026, 7, 16)).until == D(2026, 9, 16)
    assert plan_in_force(D(2026, 7, 16), D(2026, 7, 31)).until == D(2026, 9, 16)


def test_an_appeal_keeps_the_plan_until_it_is_decided():
    lodged = plan_in_force(D(2026, 12, 17), appeal_lodged=D(2027, 2, 10))
    assert lodged.until is None
    assert lodged.text == (
        "Plan maintained until the appeal is decided (appeal lodged Wed 10 Feb 2027; s45(4))."
    )
    assert lodged.in_force_on(D(2027, 9, 1))
    decided = plan_in_force(D(2026, 12, 17), appeal_lodged=D(2027, 2, 10), appeal_decided=True)
    assert not decided.in_force_on(D(2027, 9, 1))
