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


@given(st.integers(0, 400), st.integers(0, 60))
def test_a_week_after_every_date_sees_the_case_as_it_is_now(days_to_draft, after):
    draft = D(2026, 7, 1) + timedelta(days=days_to_draft)
    case = row(stage="draft_issued", assess_decision="agreed", assess_decision_date=D(2026, 7, 1),
               draft_served=draft, next_step="final_plan", next_due=D(2026, 10, 19))  # fmt: skip
    assert as_of(case, draft + timedelta(days=after)) == case
