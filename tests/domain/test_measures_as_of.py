"""A case's position at the end of a past week (domain.measures.as_of)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.measures import CaseRow, as_of

D = date


def row(**kw) -> CaseRow:
    base = dict(case_id=1, child_id=1, child_name="A B", family_id=1, caseworker_id=None,
                caseworker="", request_received=D(2026, 6, 1), stage="request_received",
                is_open=True)  # fmt: skip
    return CaseRow(**(base | kw))


def test_a_plan_issued_after_the_week_was_a_draft_at_its_end():
    """Received Mon 1 Jun 2026; draft served 10 Nov; final plan 1 Dec. At Tue 24 Nov 2026:
    draft issued, the final plan due Mon 19 Oct 2026 (Reg 13(2))."""
    case = row(stage="plan_issued", assess_decision="agreed", assess_decision_date=D(2026, 7, 1),
               draft_served=D(2026, 11, 10), final_issued=D(2026, 12, 1),
               next_step="annual_review", next_due=D(2027, 11, 30))  # fmt: skip
    then = as_of(case, D(2026, 11, 24))
    assert then is not None
    assert (then.stage, then.next_step, then.next_due) == (
        "draft_issued", "final_plan", D(2026, 10, 19),
    )  # fmt: skip


def test_not_yet_received_or_already_closed_is_not_open():
    assert as_of(row(request_received=D(2026, 12, 1)), D(2026, 11, 24)) is None
    refused = row(stage="refused_to_assess", is_open=False, assess_decision="refused",
                  assess_decision_date=D(2026, 7, 1))  # fmt: skip
    assert as_of(refused, D(2026, 7, 7)) is None
    assert as_of(refused, D(2026, 6, 30)) is not None  # still open the day before


def test_a_request_withdrawn_after_the_week_was_open_then():
    """Agreed to assess 1 Jul 2026, withdrawn 20 Nov: open in an assessment at Tue 10 Nov
    (the decision whether to issue due Mon 21 Sep, Reg 10(1)), closed at Tue 24 Nov."""
    case = row(stage="withdrawn", is_open=False, assess_decision="agreed",
               assess_decision_date=D(2026, 7, 1), withdrawn_date=D(2026, 11, 20))  # fmt: skip
    assert as_of(case, D(2026, 11, 24)) is None
    then = as_of(case, D(2026, 11, 10))
    assert then is not None
    assert (then.stage, then.next_step, then.next_due) == (
        "assessment", "decide_issue", D(2026, 9, 21),
    )  # fmt: skip


def test_an_imported_plan_ceased_after_the_week_was_a_plan_then():
    """An import gave a plan only its last review (1 Mar 2026); it ceased 1 Dec 2026. At Tue
    24 Nov 2026 it was a maintained plan, its review due 28 Feb 2027, not a new request."""
    case = row(request_received=D(2019, 3, 1), stage="ceased", is_open=False,
               last_review=D(2026, 3, 1), ceased_date=D(2026, 12, 1))  # fmt: skip
    then = as_of(case, D(2026, 11, 24))
    assert then is not None
    assert (then.stage, then.next_step, then.next_due) == (
        "plan_issued", "annual_review", D(2027, 2, 28),
    )  # fmt: skip


later = st.integers(1, 300).map(lambda n: timedelta(days=n))


@given(st.integers(0, 200), st.integers(0, 200), later, later)
def test_the_position_at_a_week_depends_only_on_what_had_happened_by_then(
    agreed_after, draft_after, final_after, week_after_draft
):
    """Two cases alike up to W but not after it stand the same at W: one whose plan was
    issued after W and one with no plan yet (dates from a request on Mon 1 Jun 2026)."""
    agreed = D(2026, 6, 1) + timedelta(days=agreed_after)
    draft = agreed + timedelta(days=draft_after)
    week = draft + week_after_draft
    final = week + final_after  # after W
    common = dict(assess_decision="agreed", assess_decision_date=agreed, draft_served=draft)
    moved_on = row(stage="plan_issued", final_issued=final, **common)
    not_yet = row(stage="draft_issued", **common, next_step="final_plan",
                  next_due=D(2026, 10, 19))  # fmt: skip
    a, b = as_of(moved_on, week), as_of(not_yet, week)
    assert a is not None and b is not None
    assert (a.stage, a.next_step, a.next_due, a.final_issued) == (
        b.stage, b.next_step, b.next_due, b.final_issued,
    )  # fmt: skip


def test_families_kept_informed_counts_cases_not_overdue_an_update_at_the_weeks_end():
    """W = Tue 24 Nov 2026; 4 weeks. Family 1 was written to on 10 Nov: told. Family 2 heard
    nothing since the request of 1 Jun: overdue. Case 3's family was written to on 10 Nov but
    its stage changed on 12 Nov: owed word by 19 Nov, overdue."""
    from caseload_app.domain.measures import Informed, compute

    w = D(2026, 11, 24)
    cases = [row(case_id=n, child_id=n, family_id=n) for n in (1, 2, 3)]
    informed = Informed(
        last_update={1: D(2026, 11, 10), 3: D(2026, 11, 10)},
        last_change={3: D(2026, 11, 12)},
        every_weeks=4,
    )
    fig = compute(w, cases, informed=informed)
    assert (fig.families_informed.numerator, fig.families_informed.denominator) == (1, 3)
    traced = {(t.case_id, t.counted_in) for t in fig.traces if t.measure == "families_informed"}
    assert traced == {(1, "denominator"), (1, "numerator"), (2, "denominator"), (3, "denominator")}
    late = next(t for t in fig.traces if t.measure == "families_informed" and t.case_id == 3)
    assert late.detail == (
        "next update due 2026-11-19: Stage changed Thu 12 Nov 2026, family not told yet"
    )
