"""Each assessment time limit has its own exceptions (SEND Regs 2014 regs 5(4), 8(2), 10(4),
13(3)): which ground can excuse which limit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain import codes
from caseload_app.domain.exceptions import (
    LIMITS,
    NOT_RECORDED,
    covered_steps,
    grounds_for,
    limit_name,
    limits_for_ground,
    limits_text,
    parse_limits,
    unlawful_limits,
)

KEYS = [limit.key for limit in LIMITS]


def test_reg_5_4_the_decision_whether_to_assess():
    """Reg 5(4)(a)-(c): a school or college closure, exceptional personal circumstances,
    absence from the area. No early-years ground, no missed appointment."""
    assert grounds_for("decide_assess") == {
        "school_closed",
        "exceptional_circumstances",
        "absent_from_area",
    }


def test_reg_8_2_the_advice():
    """Reg 8(2)(a)-(c): exceptional personal circumstances, absence, a missed appointment for
    an examination or test. No closure ground."""
    assert grounds_for("advice") == {
        "exceptional_circumstances",
        "absent_from_area",
        "missed_appointment",
    }


def test_reg_10_4_the_decision_not_to_issue():
    """Reg 10(4)(a)-(e): school or college closure, early-years provider closure, exceptional
    personal circumstances, absence, a missed appointment."""
    assert grounds_for("decide_issue") == {
        "school_closed",
        "early_years_closed",
        "exceptional_circumstances",
        "absent_from_area",
        "missed_appointment",
    }


def test_reg_13_3_a_missed_appointment_never_excuses_the_20_week_limit():
    """Reg 13(3): only the reasons in Reg 10(4)(a) to (d)."""
    assert grounds_for("final_plan") == grounds_for("decide_issue") - {"missed_appointment"}
    assert "final_plan" not in limits_for_ground("missed_appointment")
    assert limits_for_ground("missed_appointment") == ("advice", "decide_issue")
    assert limits_for_ground("early_years_closed") == ("decide_issue", "final_plan")
    assert limits_for_ground("school_closed") == ("decide_assess", "decide_issue", "final_plan")


def test_the_shipped_grounds_are_exactly_those_the_limits_name():
    shipped = {c.code for c in codes.exception_grounds()}
    assert shipped == set().union(*(limit.grounds for limit in LIMITS)) | {NOT_RECORDED}
    assert limits_for_ground(NOT_RECORDED) == ()  # it excuses nothing until corrected


def test_unlawful_limits_are_named_in_the_order_of_the_process():
    assert unlawful_limits("missed_appointment", ["final_plan", "decide_assess", "advice"]) == [
        "decide_assess",
        "final_plan",
    ]
    assert unlawful_limits("school_closed", ["decide_assess", "final_plan"]) == []
    assert unlawful_limits("school_closed", ["annual_review"]) == ["annual_review"]


def test_a_limit_is_named_with_its_regulation():
    assert limit_name("final_plan") == "the 20-week final plan (Reg 13(3))"
    assert limit_name("advice") == "the 6-week advice (Reg 8(2))"


def test_the_20_week_exception_also_greys_the_draft_target_that_serves_it():
    assert covered_steps(frozenset({"final_plan"})) == {"final_plan", "draft_plan"}
    assert covered_steps(frozenset({"decide_issue"})) == {"decide_issue"}


@given(st.lists(st.sampled_from([*KEYS, "annual_review", "x"]), max_size=8))
def test_stored_limits_read_back_as_the_known_keys(chosen):
    text = limits_text(chosen)
    assert parse_limits(text) == set(chosen) & set(KEYS)
    words = text.split()
    assert words == sorted(set(words), key=KEYS.index)  # once each, in the process's order


@pytest.mark.parametrize("text", [None, "", "  ", "decide_assess  junk final_plan"])
def test_parse_limits_ignores_what_it_does_not_know(text):
    assert parse_limits(text) <= {"decide_assess", "final_plan"}
