"""Re-assessments (CFA 2014 s44(2)-(3); SEND Regs 2014 regs 24, 25(1), 27(2)): the steps'
dates worked by hand, what must be given with a decision, and properties of the rules.
No date moves off a weekend, a bank holiday or the school holidays."""

from datetime import date as D
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain import reassessment
from caseload_app.domain.deadlines import add_months
from caseload_app.domain.reassessment import (
    decision_problems,
    is_open,
    request_problems,
    steps,
    too_soon,
    too_soon_note,
)

TODAY = D(2026, 11, 24)
days = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        (D(2026, 12, 10), D(2026, 12, 25)),  # Thu → Fri 25 Dec: Christmas Day stands
        (D(2026, 12, 16), D(2026, 12, 31)),  # Wed → Thu 31 Dec, the year's last day
        (D(2026, 12, 31), D(2027, 1, 15)),  # across the year end
        (D(2028, 2, 14), D(2028, 2, 29)),  # Mon → Tue 29 Feb 2028, a leap day
        (D(2026, 8, 3), D(2026, 8, 18)),  # August: the school holidays count
    ],
)
def test_reg_25_1_the_decision_is_told_within_15_days_of_the_request(requested, due):
    (step,) = steps(requested, "parent", None, None, None, requested)
    assert (step.key, step.due, step.regulation) == ("decision_due", due, "Reg 25(1)")


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (D(2027, 11, 23), D(2028, 2, 29)),  # Tue → Tue 29 Feb 2028: 98 days across a leap day
        (D(2026, 8, 17), D(2026, 11, 23)),  # told in August, Mon → Mon
        (D(2026, 9, 18), D(2026, 12, 25)),  # Fri → Fri 25 Dec: Christmas Day stands
    ],
)
def test_reg_27_2_the_plan_is_due_14_weeks_after_the_family_is_told(decided, due):
    """Reg 27(2): "within 14 weeks of the notification under regulation 25(1)" - from the
    notice, not from the request (asked 5 days earlier here)."""
    rows = steps(decided - timedelta(days=5), "school", "agreed", decided, None, decided)
    assert [(s.key, s.due, s.regulation) for s in rows][1] == ("plan_due", due, "Reg 27(2)")


def test_the_councils_own_decision_has_no_15_days_and_starts_the_14_weeks():
    """s44(3), Reg 27(2) "or of deciding it is necessary to reassess": decided Mon 17 Aug
    2026 of its own accord, plan by Mon 23 Nov 2026; on Tue 24 Nov, missed (red)."""
    (plan,) = steps(D(2026, 8, 17), "council", "agreed", D(2026, 8, 17), None, TODAY)
    assert (plan.key, plan.due, plan.met, plan.rag) == ("plan_due", D(2026, 11, 23), False, "red")


def test_a_refusal_ends_it_with_no_plan_to_come():
    """Asked Mon 9 Nov 2026, due Tue 24 Nov; refused and told Thu 12 Nov: met, nothing open."""
    (decision,) = steps(D(2026, 11, 9), "parent", "refused", D(2026, 11, 12), None, TODAY)
    assert (decision.done_on, decision.met, decision.rag) == (D(2026, 11, 12), True, "none")
    assert not is_open("refused", None)


def test_rag_while_open_and_late_once_done():
    """Asked Mon 9 Nov 2026: due Tue 24 Nov, today: amber. Told Wed 25 Nov: late."""
    (open_step,) = steps(D(2026, 11, 9), "young_person", None, None, None, TODAY)
    assert (open_step.rag, open_step.met) == ("amber", None)
    late = steps(D(2026, 11, 9), "young_person", "agreed", D(2026, 11, 25), None, D(2026, 12, 1))
    assert (late[0].met, late[0].rag) == (False, "none")
    assert (late[1].due, late[1].rag) == (D(2027, 3, 3), "green")  # 25 Nov + 98


@pytest.mark.parametrize(
    ("last", "requested", "soon"),
    [
        (D(2027, 8, 31), D(2028, 2, 28), True),  # six months end on 29 Feb 2028 (leap year)
        (D(2027, 8, 31), D(2028, 2, 29), False),
        (D(2026, 12, 31), D(2027, 6, 29), True),  # no 31 June: six months on is 30 Jun 2027
        (D(2026, 12, 31), D(2027, 6, 30), False),
        (None, D(2027, 1, 4), False),  # not known: never called too soon
    ],
)
def test_reg_24_a_request_within_six_months_of_the_last_assessment(last, requested, soon):
    assert too_soon(requested, last) is soon
    note = too_soon_note(requested, last)
    assert (note is not None) is soon
    if soon:
        assert note.startswith("Within 6 months of the last assessment (")
        assert note.endswith("; Reg 24): may be refused unless necessary.")


def test_a_refusal_gives_its_reasons_and_an_early_re_assessment_why_it_is_necessary():
    """Last assessed Mon 1 Jun 2026; asked Mon 9 Nov (within six months: until 1 Dec)."""
    asked, last = D(2026, 11, 9), D(2026, 6, 1)
    assert "s51(2)(d)" in decision_problems(asked, last, "refused", TODAY, "", TODAY)["reason"]
    assert "Reg 24" in decision_problems(asked, last, "agreed", TODAY, " ", TODAY)["reason"]
    assert decision_problems(asked, last, "agreed", TODAY, "New diagnosis", TODAY) == {}
    assert decision_problems(asked, D(2026, 5, 1), "agreed", TODAY, "", TODAY) == {}
    assert set(decision_problems(asked, last, "maybe", D(2026, 11, 8), "x", TODAY)) == {
        "decision",
        "decided",
    }


def test_a_request_that_cannot_be_is_named_field_by_field():
    problems = request_problems(D(2026, 12, 1), "tribunal", D(2026, 12, 2), "", TODAY)
    assert set(problems) == {"requested_by", "requested", "last_assessment"}
    # The council deciding within six months of the last assessment says why.
    assert "reason" in request_problems(D(2026, 11, 9), "council", D(2026, 6, 1), "", TODAY)
    assert request_problems(D(2026, 11, 9), "parent", D(2026, 6, 1), "", TODAY) == {}


@given(days)
def test_the_decision_is_always_15_days_on_and_the_plan_98_days_after_the_notice(asked):
    rows = steps(asked, "parent", "agreed", asked, None, asked)
    assert rows[0].due - asked == timedelta(days=15)
    assert rows[1].due - asked == timedelta(days=98)
    assert rows[1].due.weekday() == asked.weekday()


@given(days, st.integers(min_value=-400, max_value=400))
def test_too_soon_is_before_six_months_and_never_after(last, offset):
    asked = last + timedelta(days=offset)
    assert too_soon(asked, last) is (asked < add_months(last, 6))


@given(days, st.sampled_from([None, *reassessment.Decision]), st.booleans())
def test_only_an_agreed_re_assessment_has_a_plan_step(asked, decision, finalised):
    decided = asked if decision else None
    plan = asked + timedelta(days=50) if finalised and decision == "agreed" else None
    rows = steps(asked, "school", decision, decided, plan, asked)
    assert [s.key == "plan_due" for s in rows] == [False] + ([True] if decision == "agreed" else [])
    assert is_open(decision, plan) is (decision is None or (decision == "agreed" and not plan))
