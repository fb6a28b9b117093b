"""A plan moving between councils through the services (SEND Regs 2014 reg 15): a case begun
for a plan transferred in becomes a maintained plan whose first review follows Reg 15(5), with
the stored next step, the case's RAG and My week agreeing; a child moving away, the plan sent
by the Reg 15(2) day, and the case closed as SEN2's reason 5. "Today" is Tue 24 Nov 2026."""

from datetime import date

import pytest

from caseload_app.db.models import EhcpCase
from caseload_app.domain.status import Rag
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.sen2_return import Officers, Sen2ReturnService
from tests.helpers import new_case

TODAY = date(2026, 11, 24)


def version(work, case_id):
    return work.get_case(case_id, opened=False).version


def my_week(db):
    return MyWeekService(db, today=lambda: TODAY).my_week(None)


def transfer_in(work, case_id, **kw):
    values = {
        "transferred_in": date(2026, 8, 31),
        "transferred_from": "202",
        "transfer_last_review": date(2025, 11, 20),
    }
    return work.record_transfer_in(case_id, version(work, case_id), **(values | kw))


@pytest.fixture
def begun(db):
    """A case begun for the transferred plan: the council became responsible Mon 31 Aug 2026."""
    return new_case(db, request_source="became_responsible", request_received=date(2026, 8, 31))


def test_a_transferred_plan_is_maintained_and_reviewed_by_the_reg_15_5_date(begun, db):
    case_id, work = begun
    # 12 months beginning with Thu 20 Nov 2025 end Thu 19 Nov 2026; 3 months from the
    # transfer on Mon 31 Aug 2026 end Mon 30 Nov 2026: the later wins.
    transfer_in(work, case_id, transfer_family_told=date(2026, 10, 5), proposes_assessment=False)
    d = work.get_case(case_id, opened=False)
    assert (d.stage, d.is_open) == ("plan_issued", True)
    assert d.status.next_step is not None
    assert (d.status.next_step.due, d.status.rag) == (date(2026, 11, 30), Rag.AMBER)
    assert d.status.next_step.regulation == "Reg 15(5); CFA 2014 s44"
    with db.read() as s:
        stored = s.get(EhcpCase, case_id)
        assert (stored.next_step, stored.next_due) == ("annual_review", date(2026, 11, 30))
    reviews = [
        i for i in my_week(db).items if i.case_id == case_id and i.kind not in ("contact", "update")
    ]
    assert [(i.kind, i.due, i.rag) for i in reviews] == [("review", date(2026, 11, 30), Rag.AMBER)]
    assert d.transfer is not None
    assert (d.transfer.transferred_from_name, d.transfer.proposes_assessment) == (
        "202 Camden",
        False,
    )
    assert [e.action for e in d.events][-1] == "transferred_in"
    # Told the family on Mon 5 Oct, within the 6 weeks ending Mon 12 Oct 2026.
    told = next(r for r in d.deadlines if r.key == "transfer_family_told")
    assert (told.due, told.done_on, told.met) == (date(2026, 10, 12), date(2026, 10, 5), True)


def test_my_week_lists_a_family_not_told_within_6_weeks_until_they_are(begun, db):
    case_id, work = begun
    transfer_in(work, case_id, transferred_in=date(2026, 10, 12))  # 6 weeks: Mon 23 Nov
    items = [i for i in my_week(db).items if i.kind == "transfer"]
    assert [(i.case_id, i.due, i.rag, i.tab) for i in items] == [
        (case_id, date(2026, 11, 23), Rag.RED, "timeline")
    ]
    assert items[0].what == "Tell the family of the transfer (Reg 15(4))"
    changed = transfer_in(
        work, case_id, transferred_in=date(2026, 10, 12), transfer_family_told=date(2026, 11, 24)
    )
    assert len(changed) == 1 and changed[0].startswith("transfer_family_told:")
    assert my_week(db).count("transfer") == 0
    events = [e.action for e in work.get_case(case_id, opened=False).events]
    assert events.count("transferred_in") == 1  # a correction is not a second transfer


def test_a_review_held_by_this_council_ends_the_transfer_rule(begun, db):
    case_id, work = begun
    transfer_in(work, case_id)
    review_id = work.schedule_review(case_id, date(2026, 11, 2))
    review = work.get_case(case_id, opened=False).reviews[0]
    work.update_review(
        review_id, review.version, {"decision_date": date(2026, 11, 20), "outcome": "maintain"}
    )
    d = work.get_case(case_id, opened=False)
    # s44: the 12 months beginning with this council's review on Mon 2 Nov 2026.
    assert d.status.next_step is not None
    assert (d.status.next_step.due, d.status.next_step.regulation) == (
        date(2027, 11, 1),
        "CFA 2014 s44; Reg 2",
    )


def test_a_wrong_council_or_missing_review_is_named_and_nothing_is_saved(begun):
    case_id, work = begun
    before = version(work, case_id)
    with pytest.raises(FieldErrors) as wrong:
        transfer_in(work, case_id, transferred_from="999", transfer_last_review=None)
    assert set(wrong.value.errors) == {"transferred_from", "transfer_last_review"}
    assert "999 is not an LA number" in wrong.value.errors["transferred_from"]
    d = work.get_case(case_id, opened=False)
    assert (d.version, d.stage, d.transfer) == (before, "request_received", None)


def test_a_case_with_this_councils_own_plan_is_not_a_transfer_in(db):
    case_id, work = new_case(db)
    for key, on in (
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 10, 1)),
        ("final_issued", date(2026, 11, 18)),
    ):
        work.record_action(case_id, version(work, case_id), key, on)
    with pytest.raises(UserError, match="start a new request"):
        transfer_in(work, case_id)


@pytest.fixture
def plan(db):
    """This council's plan, final Wed 18 Nov 2026."""
    case_id, work = new_case(db)
    for key, on in (
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 10, 1)),
        ("final_issued", date(2026, 11, 18)),
    ):
        work.record_action(case_id, version(work, case_id), key, on)
    return case_id, work


def test_a_child_moving_away_the_plan_is_sent_and_the_case_closes_as_transferred(plan, db):
    case_id, work = plan
    # Aware Mon 9 Nov 2026 of a move on Wed 25 Nov: fewer than 15 working days, so 15 working
    # days beginning with 9 Nov: 9-13 (5), 16-20 (10), 23-27 (15) -> Fri 27 Nov 2026.
    work.record_transfer_out(
        case_id,
        version(work, case_id),
        moved_out=date(2026, 11, 25),
        moved_to="204",
        move_aware=date(2026, 11, 9),
    )
    d = work.get_case(case_id, opened=False)
    row = next(r for r in d.deadlines if r.key == "plan_sent")
    assert (row.due, row.rag, row.regulation) == (date(2026, 11, 27), Rag.AMBER, "Reg 15(2)")
    items = [i for i in my_week(db).items if i.kind == "transfer"]
    assert [(i.due, i.rag) for i in items] == [(date(2026, 11, 27), Rag.AMBER)]
    with pytest.raises(FieldErrors) as not_sent:
        work.close_transferred_out(case_id, version(work, case_id))
    assert "plan_sent" in not_sent.value.errors
    work.record_transfer_out(
        case_id,
        version(work, case_id),
        moved_out=date(2026, 11, 25),
        moved_to="204",
        move_aware=date(2026, 11, 9),
        plan_sent=date(2026, 11, 24),
    )
    assert my_week(db).count("transfer") == 0
    work.close_transferred_out(case_id, version(work, case_id))
    d = work.get_case(case_id, opened=False)
    assert (d.stage, d.is_open, d.status.rag) == ("ceased", False, Rag.NONE)
    assert d.cease_reason == "Transferred to another local authority in England"
    assert d.in_force is None  # not a decision to cease: nothing to appeal (s45(4))
    assert d.events[-1].action == "transferred_out"
    assert d.events[-1].note == "Plan transferred to 204 Hackney (Reg 15(2))"
    with db.read() as s:
        stored = s.get(EhcpCase, case_id)
        assert (stored.ceased_date, stored.cease_reason, stored.next_due) == (
            date(2026, 11, 24),
            "5",
            None,
        )


def test_only_a_maintained_plan_moves_with_the_child(db):
    case_id, work = new_case(db)
    with pytest.raises(UserError, match="Only a maintained plan"):
        work.record_transfer_out(
            case_id,
            version(work, case_id),
            moved_out=date(2026, 12, 1),
            moved_to="204",
            move_aware=date(2026, 11, 20),
        )
    with pytest.raises(FieldErrors) as bad:
        work.record_transfer_out(
            case_id, version(work, case_id), moved_out=None, moved_to="20", move_aware=None
        )
    assert set(bad.value.errors) == {"moved_out", "moved_to", "move_aware"}


def test_sen2_writes_a_plan_transferred_away_as_ceased_with_reason_5(begun, db):
    case_id, work = begun
    transfer_in(work, case_id)  # a plan transferred in is exported too
    work.record_transfer_out(
        case_id,
        version(work, case_id),
        moved_out=date(2026, 11, 20),
        moved_to="204",
        move_aware=date(2026, 11, 2),
        plan_sent=date(2026, 11, 20),
    )
    work.close_transferred_out(case_id, version(work, case_id))
    service = Sen2ReturnService(db, "Lead")
    (request,) = (
        service.prepare(date(2027, 1, 21), Officers("Y", "Y", "N")).built.persons[0].requests
    )
    # Transferred in: the decisions were the other council's (H); ended the day it moved.
    assert (request.outcome, request.assessment.outcome) == ("H", "H")
    plan = request.assessment.plan
    assert (plan.cease_date, plan.cease_reason) == (date(2026, 11, 20), "5")
