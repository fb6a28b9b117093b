"""A request withdrawn before its outcome (SEN2's W): the case closes with its date and
reason, the history shows it, it can be corrected or taken back like any stage action."""

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry, EhcpCase
from caseload_app.domain.status import closed_on
from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import UserError
from caseload_app.services.myweek import MyWeekService
from tests.helpers import TODAY, new_case


def act(work, case_id, key, on, reason=""):
    work.record_action(case_id, work.get_case(case_id).version, key, on, reason)


def event(work, case_id, action):
    return next(e for e in work.get_case(case_id).events if e.action == action)


def stored(db, case_id) -> EhcpCase:
    with db.read() as s:
        case = s.get(EhcpCase, case_id)
        s.expunge(case)
        return case


def test_a_request_withdrawn_before_the_decision_closes_the_case(db):
    case_id, work = new_case(db)  # received 1 Jul 2026
    assert "withdrawn" in [key for key, _ in work.get_case(case_id).actions]
    act(work, case_id, "withdrawn", date(2026, 7, 20), "Family moved out of the area")
    case = work.get_case(case_id)
    assert (case.stage, case.is_open) == ("withdrawn", False)
    assert case.status.next_step is None and case.status.rag == "none"
    assert case.actions == ()  # nothing more can happen to a closed case
    last = case.events[-1]
    assert (last.action, last.on_date, last.note) == (
        "withdrawn",
        date(2026, 7, 20),
        "Family moved out of the area",
    )
    assert last.label == "Request withdrawn before its outcome"
    row = stored(db, case_id)
    assert (row.withdrawn_date, row.outcome_reason) == (
        date(2026, 7, 20),
        "Family moved out of the area",
    )
    assert closed_on(row) == date(2026, 7, 20)
    # Withdrawn before the 6 weeks were up: the decision was never due, so not missed.
    (decide,) = case.deadlines
    assert (decide.key, decide.met, decide.rag) == ("decide_assess", None, "none")
    with db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.action == "withdrawn", AuditEntry.case_id == case_id
            )
        ).one()
    assert detail == "Withdraw the request on 2026-07-20"


def test_an_assessment_withdrawn_after_its_deadline_shows_the_deadline_missed(db):
    case_id, work = new_case(db)
    act(work, case_id, "assess_agreed", date(2026, 8, 5))
    act(work, case_id, "withdrawn", date(2026, 11, 20), "The child died")
    case = work.get_case(case_id)
    steps = {d.key: d for d in case.deadlines}
    assert steps["decide_assess"].met is True
    # The 16-week decision (Fri 23 Oct 2026) had passed when it was withdrawn.
    assert steps["decide_issue"].met is False
    assert all(d.rag == "none" for d in case.deadlines)


def test_the_date_and_the_reason_are_checked(db):
    case_id, work = new_case(db)
    act(work, case_id, "assess_agreed", date(2026, 8, 5))
    version = work.get_case(case_id).version
    refusals = [
        (date(2026, 12, 1), "Family withdrew", "in the future"),
        (date(2026, 6, 30), "Family withdrew", "before the request was received"),
        (date(2026, 8, 4), "Family withdrew", "before the decision whether to assess"),
        (date(2026, 8, 10), "  ", "needs a reason"),
    ]
    for on, reason, message in refusals:
        with pytest.raises(ValidationError, match=message):
            work.record_action(case_id, version, "withdrawn", on, reason)
    assert work.get_case(case_id).version == version  # nothing saved


def test_a_final_plan_or_a_closed_case_cannot_be_withdrawn(db):
    case_id, work = new_case(db)
    act(work, case_id, "assess_refused", date(2026, 8, 5), "Needs met at SEN support")
    with pytest.raises(ValidationError, match="not possible at this stage"):
        act(work, case_id, "withdrawn", date(2026, 8, 6), "Family withdrew")
    other, work = new_case(db, first_name="Ada", upn="", nhs_number="")
    act(work, other, "assess_agreed", date(2026, 7, 10))
    act(work, other, "issue", date(2026, 9, 1))
    act(work, other, "draft_served", date(2026, 9, 2))
    assert "withdrawn" in [key for key, _ in work.get_case(other).actions]  # a draft: yes
    act(work, other, "final_issued", date(2026, 10, 1))
    assert "withdrawn" not in [key for key, _ in work.get_case(other).actions]


@pytest.mark.parametrize(
    ("steps", "back_to"),
    [
        ([], "request_received"),
        ([("assess_agreed", date(2026, 8, 5))], "assessment"),
        (
            [
                ("assess_agreed", date(2026, 7, 10)),
                ("issue", date(2026, 9, 1)),
                ("draft_served", date(2026, 9, 2)),
            ],
            "draft_issued",
        ),
    ],
)
def test_a_withdrawal_recorded_by_mistake_is_taken_back(db, steps, back_to):
    case_id, work = new_case(db)
    for key, on in steps:
        act(work, case_id, key, on)
    before = work.get_case(case_id)
    act(work, case_id, "withdrawn", date(2026, 11, 2), "Family withdrew")
    closed = work.get_case(case_id)
    work.withdraw_step(case_id, closed.version, event(work, case_id, "withdrawn").id, "wrong child")
    case = work.get_case(case_id)
    assert (case.stage, case.is_open) == (back_to, True)
    assert case.status.next_step == before.status.next_step
    assert "withdrawn" not in [e.action for e in case.events]
    row = stored(db, case_id)
    assert (row.withdrawn_date, row.outcome_reason) == (None, None)
    with db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.detail.like("withdrew%"))
        ).one()
    assert detail.startswith("withdrew 'Request withdrawn before its outcome' of 2026-11-02")


def test_its_date_is_corrected_but_not_before_the_steps_before_it(db):
    case_id, work = new_case(db)
    act(work, case_id, "assess_agreed", date(2026, 8, 5))
    act(work, case_id, "withdrawn", date(2026, 11, 2), "Family withdrew")
    version = work.get_case(case_id).version
    withdrawn = event(work, case_id, "withdrawn")
    with pytest.raises(ValidationError, match="before the decision whether to assess"):
        work.correct_step(case_id, version, withdrawn.id, date(2026, 8, 1), "typo")
    work.correct_step(case_id, version, withdrawn.id, date(2026, 10, 30), "typo")
    assert stored(db, case_id).withdrawn_date == date(2026, 10, 30)
    assert event(work, case_id, "withdrawn").on_date == date(2026, 10, 30)


def test_it_is_not_taken_back_while_the_child_has_another_live_case(db):
    case_id, work = new_case(db)
    act(work, case_id, "withdrawn", date(2026, 8, 1), "Family withdrew")
    with db.uow() as s:  # a new request for the same child since
        child_id = s.get(EhcpCase, case_id).child_id
        s.add(
            EhcpCase(
                child_id=child_id,
                request_received=date(2026, 10, 1),
                stage="request_received",
                is_open=True,
            )
        )
    closed = work.get_case(case_id)
    with pytest.raises(UserError, match="another live case"):
        work.withdraw_step(case_id, closed.version, event(work, case_id, "withdrawn").id, "x")
    assert work.get_case(case_id).stage == "withdrawn"


def test_a_withdrawn_case_leaves_my_week(db):
    case_id, work = new_case(db)
    week = MyWeekService(db, today=lambda: TODAY)
    assert case_id in {item.case_id for item in week.my_week(None).items}
    act(work, case_id, "withdrawn", date(2026, 8, 1), "Family withdrew")
    assert case_id not in {item.case_id for item in week.my_week(None).items}
