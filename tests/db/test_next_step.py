"""A case's stored next step always follows its dates, whoever changes them: it is worked out
at every flush (db/next_step), not by each service action remembering to."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from caseload_app.db.models import Child, EhcpCase, Family
from caseload_app.db.next_step import case_dates, step_fields

DAY = date(2026, 1, 5)
STAGES = ("request_received", "assessment", "draft_issued", "plan_issued", "ceased")
DATE_COLUMNS = (
    "assess_decision_date",
    "issue_decision_date",
    "draft_served",
    "final_issued",
    "last_review",
)
dates = st.one_of(st.none(), st.integers(0, 400).map(lambda n: DAY + timedelta(days=n)))
changes = st.one_of(
    st.tuples(st.sampled_from(DATE_COLUMNS), dates),
    st.tuples(st.just("stage"), st.sampled_from(STAGES)),
    st.tuples(st.just("exception_limits"), st.sampled_from(["", "final_plan", "advice"])),
    st.tuples(st.just("request_received"), dates.filter(lambda d: d is not None)),
)


def stored(case: EhcpCase) -> tuple:
    return case.next_step, case.next_due


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(STAGES), st.lists(changes, min_size=1, max_size=5))
def test_the_stored_next_step_is_what_the_dates_say_after_any_change(db, stage, steps):
    with db.uow() as s:
        family = Family(parent_carer_name="Parent")
        child = Child(family=family, first_name="A", last_name="B", date_of_birth=date(2015, 1, 1))
        case = EhcpCase(child=child, request_received=DAY, stage=stage, is_open=True)
        s.add(case)
        s.flush()
        assert stored(case) == step_fields(case_dates(case))
        if stage in ("request_received", "assessment", "draft_issued"):
            assert case.next_step is not None  # worked out at the insert, not left empty
        for column, value in steps:
            setattr(case, column, value)
            s.flush()
            assert stored(case) == step_fields(case_dates(case)), (column, value)
        case_id = case.id
    with db.read() as s:  # and that is what was written
        again = s.scalars(select(EhcpCase).where(EhcpCase.id == case_id)).one()
        assert stored(again) == step_fields(case_dates(again))


def test_a_change_elsewhere_on_the_case_leaves_the_step_alone(db):
    with db.uow() as s:
        child = Child(
            family=Family(parent_carer_name="P"),
            first_name="A",
            last_name="B",
            date_of_birth=date(2015, 1, 1),
        )
        case = EhcpCase(child=child, request_received=DAY, stage="request_received", is_open=True)
        s.add(case)
        s.flush()
        assert case.next_step == "decide_assess"
        # A hand-made inconsistency (what a bulk insert could leave) is not touched by an
        # unrelated change: only the columns the rule reads trigger it.
        case.next_due = DAY
        case.request_source = "parent"
        s.flush()
        assert case.next_due == DAY
        case.request_received = DAY + timedelta(days=1)
        s.flush()
        assert case.next_due == step_fields(case_dates(case))[1] != DAY
