"""Naming a school (CFA 2014 s39, s40; CoP 9.83): the school's 15 days to respond, counted
by hand, and what the decision not to name the family's school needs (s39(4))."""

from datetime import date

import pytest

from caseload_app.domain.school_naming import (
    decision_problems,
    response_due,
    response_problem,
    response_step,
)


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # Fri 18 Dec 2026: day 1 is Sat 19 Dec; 13 days of December (19-31) and 2 of January:
        # Sat 2 Jan 2027. Christmas and a weekend end do not move it.
        (date(2026, 12, 18), date(2027, 1, 2)),
        # Mon 3 Aug 2026, in the summer holiday (no pause): Tue 18 Aug 2026.
        (date(2026, 8, 3), date(2026, 8, 18)),
        # Sun 20 Feb 2028, a leap year: 9 days to Tue 29 Feb, 6 more: Mon 6 Mar 2028.
        (date(2028, 2, 20), date(2028, 3, 6)),
        # Mon 5 Oct 2026: Tue 20 Oct 2026 (the docs' example).
        (date(2026, 10, 5), date(2026, 10, 20)),
    ],
)
def test_the_school_has_15_days_not_counting_the_day_sent(sent, due):
    assert response_due(sent) == due


def test_a_response_awaited_goes_amber_then_red_and_one_that_arrived_is_met_or_late():
    sent, due = date(2026, 12, 18), date(2027, 1, 2)
    assert response_step(sent, due, None, None, date(2026, 12, 18)).rag == "green"  # 15 left
    assert response_step(sent, due, None, None, date(2026, 12, 19)).rag == "amber"  # 14 left
    assert response_step(sent, due, None, None, date(2027, 1, 2)).met is None  # the last day
    late = response_step(sent, due, None, None, date(2027, 1, 3))
    assert (late.rag, late.met) == ("red", False)
    arrived = response_step(sent, due, "agrees", date(2027, 1, 2), date(2027, 1, 20))
    assert (arrived.done_on, arrived.met, arrived.rag) == (date(2027, 1, 2), True, "none")
    after = response_step(sent, due, "objects", date(2027, 1, 4), date(2027, 1, 20))
    assert after.met is False
    silent = response_step(sent, due, "no_response", None, date(2027, 1, 20))
    assert (silent.met, silent.rag) == (False, "none")
    decided = response_step(sent, due, None, None, date(2027, 1, 20), decided=True)
    assert decided.rag == "none"  # nothing awaited once the council has decided


def test_no_response_is_recorded_only_after_the_15_days():
    sent, due = date(2026, 8, 3), date(2026, 8, 18)
    field, said = response_problem("no_response", None, sent, due, date(2026, 8, 18))
    assert field == "response" and "until Tue 18 Aug 2026" in said
    assert response_problem("no_response", None, sent, due, date(2026, 8, 19)) is None
    assert response_problem("agrees", date(2026, 8, 2), sent, due, date(2026, 8, 19))[0] == "on"
    assert response_problem("agrees", None, sent, due, date(2026, 8, 19))[0] == "on"
    assert response_problem("maybe", None, sent, due, date(2026, 8, 19))[0] == "response"


def _decide(requested_by, decision, grounds=(), reasons="", response="objects", today=None):
    sent = date(2028, 2, 20)
    return decision_problems(
        requested_by,
        response,
        response_due(sent),
        decision,
        date(2028, 3, 7),
        grounds,
        reasons,
        sent=sent,
        received=date(2028, 3, 1) if response in ("agrees", "objects") else None,
        today=today or date(2028, 3, 7),
    )


def test_the_familys_school_is_not_refused_without_an_s39_4_ground_and_reasons():
    refused = _decide("family", "not_name")
    assert set(refused) == {"grounds", "reasons"}
    assert "s39(4)" in refused["grounds"]
    assert _decide("family", "not_name", ["resources"], "Two places, both taken") == {}
    assert _decide("family", "not_name", ["unsuitable"], " ").keys() == {"reasons"}
    assert _decide("family", "not_name", ["cost"], "x").keys() == {"grounds"}
    # a school the council itself was considering may be passed over without s39(4) grounds
    assert _decide("council", "not_name") == {}
    assert _decide("family", "name") == {}
    assert _decide("family", "name", ["others"]).keys() == {"grounds"}


def test_the_decision_waits_for_the_response_or_the_end_of_the_15_days():
    waiting = _decide("family", "name", response=None, today=date(2028, 3, 6))
    assert "until Mon 6 Mar 2028" in waiting["decision"]
    assert _decide("family", "name", response=None, today=date(2028, 3, 7)) == {}
