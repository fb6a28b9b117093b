"""Re-assessments on a case through the services (CFA 2014 s44(2)-(3); SEND Regs 2014 regs 24,
25(1), 27(2)): recorded, decided and finished; what is refused, with nothing saved; stale
saves; the audit trail; the trash; My week. Dates worked by hand; "today" is Tue 24 Nov 2026
(tests.helpers.TODAY)."""

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import ConflictError, FieldErrors, UserError
from caseload_app.services.myweek import MyWeekService
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case


def act(work, case_id, key, on):
    work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on)


@pytest.fixture
def plan(db):
    """Received Wed 1 Jul 2026; the final plan issued Mon 5 Oct 2026."""
    case_id, work = new_case(db)
    act(work, case_id, "assess_agreed", date(2026, 8, 1))
    act(work, case_id, "issue", date(2026, 9, 1))
    act(work, case_id, "draft_served", date(2026, 9, 7))
    act(work, case_id, "final_issued", date(2026, 10, 5))
    return case_id, work


def rows(work, case_id):
    return {r.step.key: r for r in work.get_case(case_id, opened=False).reassessments}


def test_a_parents_request_is_decided_and_its_plan_finalised(plan, db):
    """Asked Mon 9 Nov 2026, the last assessment Mon 5 Oct (within six months, Reg 24). The
    decision is due Tue 24 Nov (Reg 25(1), 15 days): today, amber. Agreed without saying why
    it is necessary: refused, nothing saved. Agreed with a reason, told Fri 20 Nov: the plan
    is due Fri 26 Feb 2027 (Reg 27(2), 98 days)."""
    case_id, work = plan
    rid = work.record_reassessment_request(
        case_id, date(2026, 11, 9), "parent", date(2026, 10, 5), note="Letter from mum"
    )
    (decision,) = rows(work, case_id).values()
    assert (decision.step.due, decision.step.regulation, decision.step.rag) == (
        date(2026, 11, 24), "Reg 25(1)", "amber",
    )  # fmt: skip
    assert decision.too_soon == (
        "Within 6 months of the last assessment (Mon 5 Oct 2026; Reg 24): may be refused "
        "unless necessary."
    )
    assert decision.reassessment == "Mon 9 Nov 2026 · Parent"
    with pytest.raises(FieldErrors) as refused:
        work.record_reassessment_decision(rid, decision.version, "agreed", date(2026, 11, 20))
    assert "say why it is necessary" in refused.value.errors["reason"]
    assert rows(work, case_id)["decision_due"].version == decision.version  # nothing saved
    work.record_reassessment_decision(
        rid, decision.version, "agreed", date(2026, 11, 20), "New diagnosis of autism"
    )
    found = rows(work, case_id)
    assert (found["decision_due"].step.done_on, found["decision_due"].step.met) == (
        date(2026, 11, 20), True,
    )  # fmt: skip
    assert (found["plan_due"].step.due, found["plan_due"].step.rag) == (date(2027, 2, 26), "green")
    assert found["plan_due"].reassessment == "Mon 9 Nov 2026 · Parent · Re-assess"
    work.record_reassessed_plan(rid, found["plan_due"].version, date(2026, 11, 24))
    done = rows(work, case_id)["plan_due"]
    assert (done.step.met, done.step.rag, done.is_open) == (True, "none", False)
    with db.read() as s:
        trail = s.scalars(
            select(AuditEntry.action).where(AuditEntry.record_type == "reassessment")
        ).all()
    assert trail == ["create", "update", "update"]


def test_a_refusal_needs_its_reasons_and_leaves_no_plan_to_come(plan):
    """Asked by the school Thu 19 Nov 2026; refused, told Mon 23 Nov: in time (due Fri 4
    Dec). The family may appeal (s51(2)(d)), so the reasons are required."""
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 19), "school")
    version = rows(work, case_id)["decision_due"].version
    with pytest.raises(FieldErrors) as refused:
        work.record_reassessment_decision(rid, version, "refused", date(2026, 11, 23), "  ")
    assert "s51(2)(d)" in refused.value.errors["reason"]
    work.record_reassessment_decision(rid, version, "refused", date(2026, 11, 23), "Needs met")
    found = rows(work, case_id)
    assert set(found) == {"decision_due"}
    assert (found["decision_due"].step.met, found["decision_due"].reason) == (True, "Needs met")
    with pytest.raises(ValidationError, match="record the decision first"):
        work.record_reassessed_plan(rid, found["decision_due"].version, TODAY)
    # Finished: another request may be recorded.
    work.record_reassessment_request(case_id, date(2026, 11, 24), "parent")


def test_a_stale_save_is_refused_naming_who_changed_it(plan):
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 16), "young_person")
    version = rows(work, case_id)["decision_due"].version
    work.record_reassessment_decision(rid, version, "agreed", date(2026, 11, 18))
    with pytest.raises(ConflictError):
        work.record_reassessment_decision(rid, version, "refused", date(2026, 11, 18), "No")
    assert rows(work, case_id)["decision_due"].decision == "agreed"


def test_the_councils_own_decision_starts_the_14_weeks_at_once(plan):
    """s44(3): the council decided Mon 12 Oct 2026 to re-assess: no request, so no 15-day
    decision; the plan is due Mon 18 Jan 2027 (Reg 27(2)). No decision can be recorded."""
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 10, 12), "council")
    (plan_step,) = rows(work, case_id).values()
    assert (plan_step.step.key, plan_step.step.due, plan_step.decided) == (
        "plan_due", date(2027, 1, 18), date(2026, 10, 12),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="own accord"):
        work.record_reassessment_decision(rid, plan_step.version, "refused", TODAY, "x")


def test_within_six_months_the_council_says_why_it_is_necessary(plan):
    case_id, work = plan
    with pytest.raises(FieldErrors) as refused:
        work.record_reassessment_request(case_id, date(2026, 11, 2), "council", date(2026, 10, 5))
    assert "Reg 24" in refused.value.errors["reason"]
    work.record_reassessment_request(
        case_id, date(2026, 11, 2), "council", date(2026, 10, 5), reason="Placement broke down"
    )
    assert rows(work, case_id)["plan_due"].reason == "Placement broke down"


@pytest.mark.parametrize(
    ("kwargs", "field", "said"),
    [
        (dict(requested_by="tribunal"), "requested_by", "Say who asked"),
        (dict(requested=date(2026, 11, 25)), "requested", "future"),
        (dict(requested=date(2026, 10, 2)), "requested", "before the plan was issued"),
        (dict(last_assessment=date(2026, 11, 12)), "last_assessment", "after the request"),
    ],
)
def test_a_request_that_cannot_be_is_refused_and_nothing_is_saved(plan, kwargs, field, said):
    case_id, work = plan
    values = dict(requested=date(2026, 11, 10), requested_by="parent") | kwargs
    with pytest.raises(FieldErrors) as refused:
        work.record_reassessment_request(case_id, **values)
    assert said in refused.value.errors[field]
    assert work.get_case(case_id).reassessments == ()


def test_only_a_maintained_plan_and_one_at_a_time(plan, db):
    before_plan, work = new_case(db, first_name="Amir", upn="", nhs_number="")
    with pytest.raises(ValidationError, match="no final plan in force"):
        work.record_reassessment_request(before_plan, date(2026, 11, 10), "parent")
    case_id, work = plan
    work.record_reassessment_request(case_id, date(2026, 11, 10), "parent")
    with pytest.raises(ValidationError, match="still under way"):
        work.record_reassessment_request(case_id, date(2026, 11, 11), "school")


def test_the_plans_date_falls_between_the_decision_and_today(plan):
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 16), "parent")
    work.record_reassessment_decision(rid, 1, "agreed", date(2026, 11, 18))
    version = rows(work, case_id)["plan_due"].version
    for wrong in (date(2026, 11, 17), date(2026, 11, 25)):
        with pytest.raises(FieldErrors) as refused:
            work.record_reassessed_plan(rid, version, wrong)
        assert "between the decision" in refused.value.errors["on"]
    work.record_reassessed_plan(rid, version, date(2026, 11, 23))
    work.record_reassessed_plan(rid, version + 1, None)  # recorded by mistake: taken back
    assert rows(work, case_id)["plan_due"].is_open


def test_a_request_recorded_by_mistake_is_withdrawn_into_the_trash_and_comes_back(plan):
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 10), "parent")
    trash = TrashService(work._db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Say why"):
        trash.withdraw_reassessment(rid, " ")
    item = trash.withdraw_reassessment(rid, "it was a request for a review")
    assert work.get_case(case_id).reassessments == ()
    assert trash.items()[0].label == "Re-assessment: Tue 10 Nov 2026 · Parent"
    trash.restore(item)
    (row,) = work.get_case(case_id).reassessments
    assert (row.reassessment_id, row.requested) == (rid, date(2026, 11, 10))


def test_my_week_lists_a_decision_due_this_week_and_a_missed_plan(plan, db):
    """Today Tue 24 Nov 2026. Asked Mon 16 Nov: decision due Tue 1 Dec, 7 days away (amber,
    listed). Another child's council decision of Mon 17 Aug: plan due Mon 23 Nov, missed
    (red). Once decided, the first leaves the list and its plan (due in 14 weeks) is not
    yet listed."""
    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 16), "parent")
    other, _ = new_case(db, first_name="Amir", upn="", nhs_number="")
    for key, on in (
        ("assess_agreed", date(2026, 7, 20)),
        ("issue", date(2026, 7, 27)),
        ("draft_served", date(2026, 7, 28)),
        ("final_issued", date(2026, 8, 14)),
    ):
        act(work, other, key, on)
    work.record_reassessment_request(other, date(2026, 8, 17), "council")

    def listed():
        week = MyWeekService(db, today=lambda: TODAY).my_week(None)
        return sorted((i.due, i.rag, i.what, i.tab) for i in week.items if i.kind == "reassessment")

    assert listed() == [
        (date(2026, 11, 23), "red", "Finalise the re-assessed plan (Reg 27(2))", "reviews"),
        (
            date(2026, 12, 1),
            "amber",
            "Tell the family whether the council will re-assess (Reg 25(1))",
            "reviews",
        ),
    ]
    work.record_reassessment_decision(rid, 1, "agreed", date(2026, 11, 24))
    assert [due for due, *_ in listed()] == [date(2026, 11, 23)]


def test_the_weekly_report_counts_the_steps_overdue_at_the_week_end(plan, db):
    """Week ending Fri 20 Nov 2026. Asked Mon 2 Nov: decision due Tue 17 Nov, told Mon 23 Nov
    (after the week: overdue at its end). Another child's council decision of Mon 3 Aug: plan
    due Mon 9 Nov, not finalised: overdue. Two steps."""
    from caseload_app.services.weekly import WeeklyReportService

    case_id, work = plan
    rid = work.record_reassessment_request(case_id, date(2026, 11, 2), "parent")
    work.record_reassessment_decision(rid, 1, "agreed", date(2026, 11, 23))
    other, _ = new_case(db, first_name="Amir", upn="", nhs_number="")
    for key, on in (
        ("assess_agreed", date(2026, 7, 2)),
        ("issue", date(2026, 7, 3)),
        ("draft_served", date(2026, 7, 6)),
        ("final_issued", date(2026, 7, 27)),
    ):
        act(work, other, key, on)
    work.record_reassessment_request(other, date(2026, 8, 3), "council")
    report = WeeklyReportService(db, "Lead", today=lambda: TODAY, now=lambda: NOW)
    figures = report.report(date(2026, 11, 20), traced=True).figures
    assert figures.reassessment_steps_overdue == 2
    assert sorted(
        t.detail for t in figures.traces if t.measure == "reassessment_steps_overdue"
    ) == [
        "re-assessment asked 2026-08-03: Finalise the re-assessed plan due 2026-11-09 (Reg 27(2))",
        "re-assessment asked 2026-11-02: Tell the family whether the council will re-assess due "
        "2026-11-17 (Reg 25(1))",
    ]
    assert report.report(date(2026, 11, 24)).figures.reassessment_steps_overdue == 1  # told


def open_ones(work, case_id):
    detail = work.get_case(case_id, opened=False)
    return {r.reassessment_id for r in detail.reassessments if r.is_open}


def test_one_under_way_holds_through_the_trash_and_a_refusal_turned_round(plan, db):
    """A withdrawn request is not restored while another is under way, and a refusal is not
    turned into agreement while a later request is under way: one at a time, always."""
    case_id, work = plan
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    first = work.record_reassessment_request(case_id, date(2026, 11, 2), "parent")
    item = trash.withdraw_reassessment(first, "wrong letter")
    second = work.record_reassessment_request(case_id, date(2026, 11, 9), "school")
    with pytest.raises(UserError, match="another re-assessment of this case is under way"):
        trash.restore(item)
    assert open_ones(work, case_id) == {second}
    version = next(r.version for r in work.get_case(case_id).reassessments)
    work.record_reassessment_decision(second, version, "refused", date(2026, 11, 12), "Not needed")
    third = work.record_reassessment_request(case_id, date(2026, 11, 16), "parent")
    version = next(
        r.version for r in work.get_case(case_id).reassessments if r.reassessment_id == second
    )
    with pytest.raises(ValidationError, match="still under way"):
        work.record_reassessment_decision(
            second, version, "agreed", date(2026, 11, 12), "After all"
        )
    assert open_ones(work, case_id) == {third}
