"""The keep-in-touch promise's rules: when a family is next owed an update, and the update's
plain words at each stage (with rights after a decision and an apology for what is late)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain import updates
from caseload_app.domain.updates import CaseFacts, Late, draft_update, update_due

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(opened=days, last_update=st.none() | days, last_change=st.none() | days,
       every=st.integers(1, 26))  # fmt: skip
def test_an_update_is_never_later_than_the_promise(opened, last_update, last_change, every):
    due = update_due(
        opened=opened, last_update=last_update, last_change=last_change, every_weeks=every
    )
    regular = (last_update or opened) + timedelta(weeks=every)
    if last_change is not None and (last_update is None or last_change > last_update):
        assert due.due == min(regular, last_change + timedelta(days=updates.STAGE_CHANGE_DAYS))
    else:
        assert due.due == regular


def test_a_stage_change_the_family_has_not_heard_of_is_due_within_a_week():
    due = update_due(
        opened=date(2026, 7, 1), last_update=date(2026, 11, 2), last_change=date(2026, 11, 10)
    )
    assert due.due == date(2026, 11, 17)
    assert due.reason == "Stage changed Tue 10 Nov 2026, family not told yet"
    told = update_due(
        opened=date(2026, 7, 1), last_update=date(2026, 11, 12), last_change=date(2026, 11, 10)
    )
    assert told.due == date(2026, 12, 10)  # four weeks after telling them
    assert told.reason == "Every 4 weeks: last update Thu 12 Nov 2026"
    never = update_due(opened=date(2026, 7, 1), last_update=None, last_change=None, every_weeks=2)
    assert (never.due, never.reason) == (
        date(2026, 7, 15), "Every 2 weeks: no update since the request (Wed 1 Jul 2026)"
    )  # fmt: skip


@given(opened=days, entered=st.none() | days, last_update=st.none() | days,
       every=st.integers(1, 26))  # fmt: skip
def test_no_update_yet_counts_from_the_later_of_the_request_and_the_case_coming_in(
    opened, entered, last_update, every
):
    due = update_due(opened=opened, last_update=last_update, last_change=None,
                     every_weeks=every, entered=entered)  # fmt: skip
    start = max(opened, entered) if entered else opened
    assert due.due == (last_update or start) + timedelta(weeks=every)


def test_a_case_imported_long_after_its_request_says_so():
    due = update_due(opened=date(2025, 11, 5), last_update=None, last_change=None,
                     entered=date(2026, 11, 17))  # fmt: skip
    assert (due.due, due.reason) == (
        date(2026, 12, 15), "Every 4 weeks: no update since the case came to us (Tue 17 Nov 2026)"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("whom", "with_family"),
    [("", True), ("Ms Jo Brontë", True), ("Mum and the SENCo", True), ("Jo", True),
     ("Educational psychology adviser", False), ("The Headteacher, Harbourside Primary", False),
     ("Dr Patel, community paediatrician", False), ("School SENCo", False)],
)  # fmt: skip
def test_a_contact_is_with_the_family_unless_it_names_only_a_professional(whom, with_family):
    assert updates.likely_with_family(whom) is with_family


def facts(**changes) -> CaseFacts:
    base = dict(
        child_first_name="Zoë",
        stage="assessment",
        request_received=date(2026, 7, 1),
        next_step="Decide whether to issue a plan",
        next_due=date(2026, 10, 28),
        caseworker="Asha Patel",
        caseworker_email="asha.patel@council.example",
        decision=None,
        draft_served=None,
        late=(),
        today=date(2026, 10, 1),
    )
    base.update(changes)
    return CaseFacts(**base)


def test_an_update_says_where_the_case_is_what_next_and_who_to_ask():
    made = draft_update(facts())
    assert made.subject == "An update on Zoë's EHC needs assessment"
    assert "We are carrying out the EHC needs assessment for Zoë." in made.message
    assert (
        "What happens next: decide whether to issue a plan, which is due by Wed 28 Oct 2026."
    ) in made.message
    assert "until Wed 18 Nov 2026 (20 weeks from the request)" in made.message
    assert "Your named contact is Asha Patel (asha.patel@council.example)." in made.message
    assert not made.delay and made.unfilled() == []
    assert "appeal" not in made.message


def test_each_stage_has_its_own_words():
    said = {
        stage: draft_update(facts(stage=stage, draft_served=date(2026, 10, 5))).message
        for stage in ("request_received", "assessment", "draft_issued", "plan_issued")
    }
    assert "We received the request" in said["request_received"]
    assert "until Mon 19 Oct 2026 to send us your comments" in said["draft_issued"]
    assert "Zoë's EHC plan is in place" in said["plan_issued"]
    assert "20 weeks" not in said["plan_issued"]
    assert len(set(said.values())) == 4
    assert draft_update(facts(stage="plan_issued")).subject == "An update on Zoë's EHC plan"


def test_a_decision_brings_the_familys_rights_without_guessing_a_date():
    made = draft_update(facts(stage="request_received", decision="assess_refused"))
    assert "appeal to the SEND Tribunal against our decision not to carry out" in made.message
    assert "two months from the date of our decision letter" in made.message
    assert "mediation adviser;" in made.message and "SENDIASS" in made.message
    plan = draft_update(facts(stage="plan_issued", decision="final_issued")).message
    assert "mediation adviser (unless you appeal only about the school or type" in plan


def test_something_late_brings_an_apology_that_the_caseworker_must_complete():
    late = (Late("Decide whether to issue a plan", date(2026, 10, 28)),
            Late("the educational psychology advice we asked for", date(2026, 9, 17)))  # fmt: skip
    made = draft_update(facts(late=late, today=date(2026, 11, 2)))
    assert made.subject == "Sorry for the delay: an update on Zoë's EHC needs assessment"
    assert made.delay
    assert (
        "I am sorry that we are late: decide whether to issue a plan (due Wed 28 Oct 2026); the "
        "educational psychology advice we asked for (due Thu 17 Sep 2026)."
    ) in made.message
    assert "which was due by Wed 28 Oct 2026" in made.message
    assert "Ombudsman" in made.message
    assert made.unfilled() == [
        "[the reason for the delay]", "[what the council is doing]", "[the new expected date]"
    ]  # fmt: skip


def test_late_advice_is_the_reason_given_with_when_it_was_chased():
    late = (
        Late("Decide whether to issue a plan", date(2026, 10, 28)),
        Late("the educational psychology advice we asked for", date(2026, 9, 17),
             waiting_for="the educational psychology advice", chased=date(2026, 10, 20)),
        Late("the health advice we asked for", date(2026, 9, 20),
             waiting_for="the health advice", chased=date(2026, 10, 5)),
    )  # fmt: skip
    made = draft_update(facts(late=late, today=date(2026, 11, 2)))
    assert (
        "The reason is that we are still waiting for the educational psychology advice and "
        "the health advice. What we are doing about it: we chased it on Tue 20 Oct 2026, and "
        "[what the council is doing]."
    ) in made.message
    assert made.unfilled() == ["[what the council is doing]", "[the new expected date]"]


def test_a_draft_not_sent_in_time_for_the_15_days_says_the_final_plan_is_at_risk():
    # Request 1 Jul: 20 weeks end Wed 18 Nov; a draft sent on 4 Nov leaves 15 days to 18 Nov.
    at_risk = facts(today=date(2026, 11, 6), draft_too_late_since=date(2026, 11, 5))
    made = draft_update(at_risk)
    assert made.delay and made.subject.startswith("Sorry for the delay")
    assert "I am sorry that we are late" not in made.message  # nothing is late yet
    assert (
        "The law gives us until Wed 18 Nov 2026 to issue Zoë's final plan. We have not yet sent "
        "you the draft plan, and you have 15 days to comment on it, so the final plan may be "
        "later than that, and I am sorry."
    ) in made.message
    assert "[the new expected date]" in made.unfilled()


@given(
    step_due=st.none() | st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    advice_due=st.none() | st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    last_update=st.none() | st.dates(date(2026, 1, 1), date(2026, 12, 31)),
)
def test_a_delay_is_untold_until_an_update_goes_after_it_began(step_due, advice_due, last_update):
    today = date(2026, 10, 1)
    since = updates.delay_untold(
        step_due=step_due, advice_due=advice_due, last_update=last_update, today=today
    )
    late = [d for d in (step_due, advice_due) if d is not None and d < today]
    if since is None:  # nothing late, or the family told after each thing became late
        assert all(last_update is not None and last_update > d for d in late)
    else:
        assert since in late and (last_update is None or last_update <= since)
        assert since == min(d for d in late if last_update is None or last_update <= d)


def test_brackets_are_found_in_an_edited_subject_and_message_and_the_email_is_greeted():
    from caseload_app.domain.updates import email_text, unfilled

    assert unfilled("Sorry [the child's name]", "Done. [x] is too short; [the new date].") == [
        "[the child's name]",
        "[the new date]",
    ]
    assert email_text("Ms Brontë", "  We have the advice.\n", "SEND Team") == (
        "Dear Ms Brontë,\n\nWe have the advice.\n\nYours sincerely,\n\nSEND Team\n"
    )
    assert email_text("", "Hello.", "").startswith("Dear parent or carer,")
    assert email_text("", "Hello.", "").endswith("SEND Team\n")
