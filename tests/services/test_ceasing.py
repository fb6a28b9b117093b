"""Ceasing a plan through the services (s45; SEND Regs 2014 reg 31): the decision refused
until the family and the school are consulted, with nothing saved; the plan kept in force
until the appeal period ends or an appeal is decided; the coded reason in SEN2 and the
letter; My week. "Today" is Tue 24 Nov 2026 (tests.helpers.TODAY)."""

from datetime import date

import pytest

from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import FieldErrors
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.sen2_return import Officers, Sen2ReturnService
from tests.helpers import new_case


def version(work, case_id):
    return work.get_case(case_id, opened=False).version


def act(work, case_id, key, on, reason="", code=None):
    work.record_action(case_id, version(work, case_id), key, on, reason, code)


@pytest.fixture
def plan(db):
    """Received Wed 1 Jul 2026; final plan Wed 18 Nov 2026."""
    case_id, work = new_case(db)
    act(work, case_id, "assess_agreed", date(2026, 8, 1))
    act(work, case_id, "issue", date(2026, 9, 1))
    act(work, case_id, "draft_served", date(2026, 10, 1))
    act(work, case_id, "final_issued", date(2026, 11, 18))
    return case_id, work


def test_a_decision_before_the_school_is_consulted_is_refused_and_saves_nothing(plan, db):
    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 19), code="2")
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    before = work.get_case(case_id, opened=False)
    with pytest.raises(ValidationError) as refused:
        act(work, case_id, "ceased", date(2026, 11, 23), "Needs met at SEN support")
    assert "reg 31(1)" in str(refused.value)
    assert "the school or college consulted (not recorded)" in str(refused.value)
    after = work.get_case(case_id, opened=False)
    assert (after.version, after.stage, after.is_open) == (before.version, "plan_issued", True)
    assert [e.action for e in after.events] == [e.action for e in before.events]
    assert after.status.note == (
        "Ceasing proposed on Thu 19 Nov 2026 (Needs being met without an EHC plan (ongoing "
        "education or training)): still to consult the school or college (Reg 31(1))."
    )


def test_a_proposal_needs_a_reason_from_sen2s_list(plan):
    case_id, work = plan
    with pytest.raises(FieldErrors) as missing:
        act(work, case_id, "cease_proposed", date(2026, 11, 19))
    assert "code" in missing.value.errors
    with pytest.raises(ValidationError):
        act(work, case_id, "cease_proposed", date(2026, 11, 19), code="10")
    assert work.get_case(case_id, opened=False).events[-1].action == "final_issued"


def ceased(work, case_id, code="7"):
    act(work, case_id, "cease_proposed", date(2026, 11, 19), code=code)
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    act(work, case_id, "cease_school_consulted", date(2026, 11, 20))
    act(work, case_id, "ceased", date(2026, 11, 23), "The family have moved to Scotland")


def test_after_the_decision_the_plan_is_kept_until_the_appeal_period_ends(plan):
    # Mon 23 Nov 2026 + 2 months = Sat 23 Jan 2027: the next working day, Mon 25 Jan 2027.
    case_id, work = plan
    ceased(work, case_id)
    detail = work.get_case(case_id, opened=False)
    assert (detail.stage, detail.is_open) == ("ceased", False)
    assert detail.cease_reason == "Moved outside England"
    assert detail.status.note == "Plan maintained until the appeal period ends: Mon 25 Jan 2027."
    assert [e.label for e in detail.events][-4:] == [
        "Proposed to cease the plan",
        "Family told and consulted about ceasing",
        "School or college consulted about ceasing",
        "Decided to cease the plan",
    ]
    assert detail.events[-4].note == "Moved outside England"


def test_an_appeal_keeps_the_plan_until_it_is_decided(plan):
    case_id, work = plan
    ceased(work, case_id)
    row = work.add_disagreement(case_id, "Decision to cease the plan", date(2026, 11, 23), "cease")
    row_version = work.get_case(case_id, opened=False).disagreements[0].version
    work.update_disagreement(row, row_version, {"appeal_lodged": date(2026, 11, 24)})
    note = work.get_case(case_id, opened=False).status.note
    assert note == (
        "Plan maintained until the appeal is decided (appeal lodged Tue 24 Nov 2026; s45(4))."
    )


def test_the_decision_may_change_the_proposals_reason(plan):
    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 19), code="2")
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    act(work, case_id, "cease_school_consulted", date(2026, 11, 20))
    act(work, case_id, "ceased", date(2026, 11, 23), "Started work", "4")
    assert work.get_case(case_id, opened=False).cease_reason == (
        "Moved on to paid employment (not an apprenticeship)"
    )


def test_withdrawing_the_decision_keeps_the_consultation(plan):
    case_id, work = plan
    ceased(work, case_id)
    decision = work.get_case(case_id, opened=False).events[-1]
    work.withdraw_step(case_id, version(work, case_id), decision.id, "Recorded on the wrong case")
    detail = work.get_case(case_id, opened=False)
    assert (detail.stage, detail.is_open) == ("plan_issued", True)
    assert detail.status.note.startswith("Ceasing proposed on Thu 19 Nov 2026")
    assert "consultation done: decide (Reg 31(2))" in detail.status.note


def test_sen2_sends_the_code_and_the_day_the_plan_ended(plan, db):
    """Decided Mon 23 Nov 2026: in force until the time to appeal ends (Mon 25 Jan 2027), so
    on the census day of Thu 21 Jan 2027 it is still an active plan; a later return sends that
    day as CeaseDate with the reason's code."""
    case_id, work = plan
    ceased(work, case_id, code="7")

    def named_plan(census: date):
        built = Sen2ReturnService(db, "Lead").prepare(census, Officers("Y", "Y", "N")).built
        (request,) = built.persons[0].requests
        return request.assessment.plan, request.active

    plan_then, active = named_plan(date(2027, 1, 21))
    assert (plan_then.cease_date, plan_then.cease_reason, active is not None) == (None, None, True)
    plan_later, _ = named_plan(date(2027, 3, 18))
    assert (plan_later.cease_date, plan_later.cease_reason) == (date(2027, 1, 25), "7")


def test_my_week_lists_a_consultation_not_done_and_an_appeal_period_ending(plan, db):
    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 19), code="7")
    week = MyWeekService(db, today=lambda: date(2026, 11, 24)).my_week(None)
    items = [i for i in week.items if i.kind == "ceasing"]
    assert [(i.what, i.due) for i in items] == [
        (
            "Proposal to cease: consult the family and the school or college (Reg 31(1))",
            date(2026, 11, 19),
        )
    ]
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    act(work, case_id, "cease_school_consulted", date(2026, 11, 20))
    act(work, case_id, "ceased", date(2026, 11, 23), "Moved to Scotland")
    assert MyWeekService(db, today=lambda: date(2026, 11, 24)).my_week(None).count("ceasing") == 0
    # The week from Mon 18 Jan 2027 holds the last day for appealing, Mon 25 Jan 2027.
    week = MyWeekService(db, today=lambda: date(2027, 1, 18)).my_week(None)
    items = [i for i in week.items if i.kind == "ceasing"]
    assert [(i.due, i.tab) for i in items] == [(date(2027, 1, 25), "disagreements")]
    assert MyWeekService(db, today=lambda: date(2027, 1, 26)).my_week(None).count("ceasing") == 0


def test_my_week_reads_each_ceased_plans_own_appeal(plan, db):
    """Two plans ceased the same day: an appeal lodged against one keeps its plan until it
    is decided (no last day for appealing to list); the other's period still ends. Their
    disagreements are read together, so each must find its own."""
    appealed, work = plan
    other, _work = new_case(db, first_name="Amir", upn=None, nhs_number=None)
    for key, on in [
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 10, 1)),
        ("final_issued", date(2026, 11, 18)),
    ]:
        act(work, other, key, on)  # fmt: skip
    ceased(work, appealed)
    ceased(work, other)
    row = work.add_disagreement(appealed, "Decision to cease", date(2026, 11, 23), "cease")
    row_version = work.get_case(appealed, opened=False).disagreements[0].version
    work.update_disagreement(row, row_version, {"appeal_lodged": date(2026, 11, 24)})
    week = MyWeekService(db, today=lambda: date(2027, 1, 18)).my_week(None)
    items = [i for i in week.items if i.kind == "ceasing"]
    assert [(i.case_id, i.due) for i in items] == [(other, date(2027, 1, 25))]


def decide_review(work, case_id, changes):
    """A review meeting on Fri 20 Nov 2026, its decision saved with ``changes``."""
    work.schedule_review(case_id, date(2026, 11, 20))
    review = work.get_case(case_id, opened=False).reviews[-1]
    work.update_review(review.id, review.version, changes)


def test_ceasing_at_a_review_is_refused_until_reg_31s_consultation_and_saves_nothing(plan):
    """A review decides whether the council keeps, amends or ceases the plan (Reg 20(10)); a
    decision to cease, there as anywhere, comes after the family and the school or college
    were told and consulted (Reg 31(1)). Without them the review's decision is refused whole:
    no outcome, no decision date, the case still open, nothing in its history."""
    case_id, work = plan
    work.schedule_review(case_id, date(2026, 11, 20))
    before = work.get_case(case_id, opened=False)
    (review,) = before.reviews
    cease = {"decision_date": date(2026, 11, 23), "outcome": "cease", "cease_reason": "2"}
    with pytest.raises(ValidationError) as refused:
        work.update_review(review.id, review.version, cease)
    assert "record the proposal to cease" in str(refused.value)
    after = work.get_case(case_id, opened=False)
    assert after.reviews == before.reviews  # no outcome, no decision date
    assert (after.version, after.stage, after.is_open) == (before.version, "plan_issued", True)
    assert after.events == before.events
    act(work, case_id, "cease_proposed", date(2026, 11, 20), code="2")
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    with pytest.raises(ValidationError) as refused:
        work.update_review(review.id, review.version, cease)
    assert "the school or college consulted (not recorded)" in str(refused.value)


def test_ceasing_at_a_review_after_the_consultation_ceases_the_case_in_the_same_step(plan):
    """Proposed, family and school consulted at the meeting (Fri 20 Nov 2026); the review's
    decision on Mon 23 Nov 2026 to cease is the case's decision to cease: stage ceased, the
    proposal's SEN2 reason kept, the plan in force until the appeal period ends (Mon 23 Nov
    + 2 months = Sat 23 Jan 2027, so Mon 25 Jan 2027), and the cease letter offered."""
    from caseload_app.services.letters import review_letter

    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 20), code="2")
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    act(work, case_id, "cease_school_consulted", date(2026, 11, 20))
    decided = {"decision_date": date(2026, 11, 23), "outcome": "cease", "cease_reason": ""}
    decide_review(work, case_id, decided)
    detail = work.get_case(case_id, opened=False)
    assert (detail.stage, detail.is_open) == ("ceased", False)
    assert detail.reviews[-1].outcome == "cease"
    assert detail.reviews[-1].decision_date == date(2026, 11, 23)
    assert detail.events[-1].label == "Decided to cease the plan"
    assert detail.events[-1].on_date == date(2026, 11, 23)
    assert detail.events[-1].note == "Decided at the annual review (meeting Fri 20 Nov 2026)"
    assert (
        detail.cease_reason == "Needs being met without an EHC plan (ongoing education or training)"
    )
    assert detail.status.note == "Plan maintained until the appeal period ends: Mon 25 Jan 2027."
    assert review_letter(None, None, decided) == "decision_to_cease"


def test_a_review_deciding_to_keep_or_amend_leaves_ceasing_alone(plan):
    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 20), code="2")
    decide_review(work, case_id, {"decision_date": date(2026, 11, 23), "outcome": "maintain"})
    detail = work.get_case(case_id, opened=False)
    assert (detail.stage, detail.is_open) == ("plan_issued", True)


def test_a_withdrawn_cease_is_not_made_again_by_editing_its_review(plan):
    """Cease decided at the review, then withdrawn as recorded by mistake: recording the day
    the papers went out on that review leaves the plan maintained (only a save that decides
    to cease ceases)."""
    case_id, work = plan
    act(work, case_id, "cease_proposed", date(2026, 11, 20), code="2")
    act(work, case_id, "cease_family_consulted", date(2026, 11, 20))
    act(work, case_id, "cease_school_consulted", date(2026, 11, 20))
    decide_review(work, case_id, {"decision_date": date(2026, 11, 23), "outcome": "cease"})
    detail = work.get_case(case_id, opened=False)
    ceased = [e for e in detail.events if e.action == "ceased"][-1]
    work.withdraw_step(case_id, detail.version, ceased.id, "recorded by mistake")
    review = work.get_case(case_id, opened=False).reviews[-1]
    work.update_review(review.id, review.version, {"papers_sent": date(2026, 11, 6)})
    detail = work.get_case(case_id, opened=False)
    assert (detail.stage, detail.is_open) == ("plan_issued", True)
    assert [e.action for e in detail.events].count("ceased") == 0
