"""Tribunal orders on a case (SEND Regs 2014 reg 44; reg 45 for an appeal not opposed): each
step's deadline from the order's date, the day it was done, and what may not be recorded.
Dates worked by hand; "today" is Tue 24 Nov 2026 (tests.helpers.TODAY)."""

from datetime import date

import pytest

from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case


def steps(work, case_id):
    return {(s.order_id, s.step.key): s for s in work.get_case(case_id).tribunal_orders}


def test_an_order_to_make_a_plan_gives_the_draft_in_5_weeks_and_the_final_in_11(db):
    """Reg 44(2)(c): order Mon 7 Sep 2026. Draft: 7 Sep + 35 = Mon 12 Oct 2026, missed by
    24 Nov (red); final: 7 Sep + 77 = Mon 23 Nov 2026, missed by a day (red)."""
    case_id, work = new_case(db)
    order = work.record_tribunal_order(case_id, date(2026, 9, 7), "make_plan")
    rows = steps(work, case_id)
    draft, final = rows[order, "draft_plan_due"], rows[order, "final_plan_due"]
    assert (draft.step.due, draft.step.regulation, draft.step.rag) == (
        date(2026, 10, 12), "Reg 44(2)(c)(i)", "red",
    )  # fmt: skip
    assert (final.step.due, final.step.met, final.step.rag) == (date(2026, 11, 23), False, "red")
    assert draft.order == "Mon 7 Sep 2026 · Make and maintain a plan"
    work.record_order_step(order, draft.version, "draft_plan_due", date(2026, 10, 9))
    draft = steps(work, case_id)[order, "draft_plan_due"]
    assert (draft.step.done_on, draft.step.met, draft.step.rag) == (date(2026, 10, 9), True, "none")


def test_an_unopposed_appeal_to_assess_counts_from_the_councils_notice(db):
    """Reg 45(3), (3A): told the Tribunal Thu 1 Oct 2026. Tell the family by Thu 15 Oct; a
    decision not to issue by Thu 10 Dec (1 Oct + 70); the plan by Thu 7 Jan 2027 (+98)."""
    case_id, work = new_case(db)
    order = work.record_tribunal_order(case_id, date(2026, 10, 1), "assess", unopposed=True)
    rows = steps(work, case_id)
    assert {k: (s.step.due, s.step.regulation) for (_, k), s in rows.items()} == {
        "notify_due": (date(2026, 10, 15), "Reg 45(3)"),
        "not_to_issue_due": (date(2026, 12, 10), "Reg 45(3A)(a)"),
        "final_plan_due": (date(2027, 1, 7), "Reg 45(3A)(b)"),
    }
    assert rows[order, "notify_due"].step.rag == "red"  # 24 Nov: missed
    assert rows[order, "not_to_issue_due"].step.rag == "green"  # 16 days left (amber: 14)
    assert "not opposed (Reg 45)" in rows[order, "notify_due"].order


def test_a_decision_not_to_issue_and_a_final_plan_cannot_both_follow_one_order(db):
    """Reg 44(2)(b)(i)/(ii): one or the other. Order Mon 3 Aug 2026 (in August: no pause)."""
    case_id, work = new_case(db)
    order = work.record_tribunal_order(case_id, date(2026, 8, 3), "assess")
    version = steps(work, case_id)[order, "notify_due"].version
    work.record_order_step(order, version, "not_to_issue_due", date(2026, 10, 5))
    rows = steps(work, case_id)
    assert rows[order, "final_plan_due"].step.rag == "none"  # no plan follows now
    assert rows[order, "not_to_issue_due"].step.met is True  # due Mon 12 Oct 2026
    with pytest.raises(ValidationError, match="not both"):
        work.record_order_step(order, rows[order, "notify_due"].version, "final_plan_due", TODAY)


@pytest.mark.parametrize(
    ("kwargs", "field", "said"),
    [
        (dict(kind="strike_out"), "kind", "Choose what the Tribunal ordered."),
        (dict(kind="cease_dismissed", unopposed=True), "kind", "use maintain"),
        (dict(order_date=date(2026, 12, 1)), "order_date", "future"),
        (dict(order_date=date(2026, 6, 30)), "order_date", "before the case began"),
    ],
)
def test_an_order_that_cannot_be_is_refused_and_nothing_is_saved(db, kwargs, field, said):
    case_id, work = new_case(db)
    values = dict(order_date=date(2026, 9, 7), kind="make_plan") | kwargs
    with pytest.raises(FieldErrors) as refused:
        work.record_tribunal_order(case_id, **values)
    assert said in refused.value.errors[field]
    assert work.get_case(case_id).tribunal_orders == ()


def test_a_step_must_belong_to_the_order_and_fall_between_it_and_today(db):
    case_id, work = new_case(db)
    order = work.record_tribunal_order(case_id, date(2026, 9, 7), "amend_school")
    version = steps(work, case_id)[order, "amended_plan_due"].version
    with pytest.raises(ValidationError, match="not part of this order"):
        work.record_order_step(order, version, "draft_plan_due", date(2026, 9, 10))
    with pytest.raises(ValidationError, match="between the order and today"):
        work.record_order_step(order, version, "amended_plan_due", date(2026, 9, 6))
    work.record_order_step(order, version, "amended_plan_due", date(2026, 9, 25))
    row = steps(work, case_id)[order, "amended_plan_due"]
    assert (row.step.due, row.step.met) == (date(2026, 9, 21), False)  # 2 weeks: late


def test_an_order_on_a_closed_case_is_still_chased(db):
    """An order to assess follows a refusal: the case is closed (refused Sat 1 Aug 2026),
    yet the order of Mon 2 Nov 2026 must be carried out: tell the family by Mon 16 Nov
    (Reg 44(2)(b)), missed by Tue 24 Nov: in My week and the weekly report."""
    from caseload_app.services.myweek import MyWeekService
    from caseload_app.services.weekly import WeeklyReportService

    case_id, work = new_case(db)
    version = work.get_case(case_id).version
    work.record_action(case_id, version, "assess_refused", date(2026, 8, 1), "Needs met")
    assert not work.get_case(case_id).is_open
    work.record_tribunal_order(case_id, date(2026, 11, 2), "assess")
    week = MyWeekService(db, today=lambda: TODAY).my_week(None)
    listed = [(i.due, i.rag) for i in week.items if i.kind == "tribunal"]
    assert listed == [(date(2026, 11, 16), "red")]
    report = WeeklyReportService(db, "Lead", today=lambda: TODAY, now=lambda: NOW)
    assert report.report(date(2026, 11, 24)).figures.tribunal_steps_overdue == 1


def test_an_order_recorded_by_mistake_is_withdrawn_into_the_trash_and_comes_back(db):
    case_id, work = new_case(db)
    order = work.record_tribunal_order(case_id, date(2026, 9, 7), "maintain")
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Say why"):
        trash.withdraw_tribunal_order(order, " ")
    item = trash.withdraw_tribunal_order(order, "the wrong child")
    assert work.get_case(case_id).tribunal_orders == ()
    trash.restore(item)
    (row,) = work.get_case(case_id).tribunal_orders
    assert (row.step.key, row.step.done_on) == ("maintain_due", date(2026, 9, 7))


def test_my_week_lists_the_steps_of_an_order_due_this_week_or_missed(db):
    """Today Tue 24 Nov 2026. Order Tue 20 Oct 2026 to amend the provision: due in 5 weeks,
    Tue 24 Nov (today: amber). Order Mon 2 Nov 2026 to make a plan: draft Mon 7 Dec (13 days
    away, beyond the week: not listed). Order Mon 7 Sep to amend the school: 2 weeks, Mon
    21 Sep, missed (red). Once done, a step leaves the list."""
    from caseload_app.services.myweek import MyWeekService

    case_id, work = new_case(db)
    work.record_tribunal_order(case_id, date(2026, 10, 20), "amend_provision")
    work.record_tribunal_order(case_id, date(2026, 11, 2), "make_plan")
    school = work.record_tribunal_order(case_id, date(2026, 9, 7), "amend_school")

    def listed():
        week = MyWeekService(db, today=lambda: TODAY).my_week(None)
        return sorted((i.due, i.rag, i.what, i.tab) for i in week.items if i.kind == "tribunal")

    assert listed() == [
        (date(2026, 9, 21), "red", "Issue the amended plan (Reg 44(2) (letter not checked))",
         "disagreements"),
        (date(2026, 11, 24), "amber", "Issue the amended plan (Reg 44(2) (letter not checked))",
         "disagreements"),
    ]  # fmt: skip
    version = steps(work, case_id)[school, "amended_plan_due"].version
    work.record_order_step(school, version, "amended_plan_due", date(2026, 9, 18))
    assert [due for due, *_ in listed()] == [date(2026, 11, 24)]  # the provision's, left
