"""A form saved twice (double click, retry after a crash) makes one record, not two."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    CaseException,
    Communication,
    Disagreement,
    EhcpCase,
    Submission,
    Task,
)
from caseload_app.services.requests import NewRequest
from tests.helpers import new_case, services


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def _assessing(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    return case_id, work


CALLS = {
    "communication": (
        Communication,
        lambda w, c, t: w.log_communication(
            c, datetime(2026, 11, 2, 9), "phone", "in", "Ms Brontë", "Rang", token=t
        ),
    ),
    "task": (Task, lambda w, c, t: w.add_task(c, "Ring school", None, None, token=t)),
    "advice": (
        AdviceRequest,
        lambda w, c, t: w.request_advice(c, "ep", date(2026, 8, 6), token=t),
    ),
    "exception": (
        CaseException,
        lambda w, c, t: w.record_exception(
            c, "exceptional_circumstances", ["final_plan"], date(2026, 8, 1), None, None, token=t
        ),
    ),
    "disagreement": (
        Disagreement,
        lambda w, c, t: w.add_disagreement(
            c, "Refusal to assess", date(2026, 8, 5), "not_assess", token=t
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(CALLS))
def test_the_same_form_saved_twice_makes_one_record(db, kind):
    model, call = CALLS[kind]
    case_id, work = _assessing(db)
    before = count(db, model)
    first = call(work, case_id, "form-1")
    again = call(work, case_id, "form-1")
    assert again == first
    assert count(db, model) == before + 1
    assert call(work, case_id, "form-2") != first  # a new form is a new record
    assert count(db, model) == before + 2


def test_a_chase_retried_counts_once(db):
    case_id, work = _assessing(db)
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
    first = work.chase_advice(advice_id, date(2026, 9, 20), token="chase-1")
    assert work.chase_advice(advice_id, date(2026, 9, 20), token="chase-1") == first
    with db.read() as s:
        assert s.get(AdviceRequest, advice_id).chases == 1


def test_a_review_booked_twice_is_one_review(db):
    case_id, work = new_case(db)
    v = lambda: work.get_case(case_id).version  # noqa: E731
    for key, on in (
        ("assess_agreed", date(2026, 8, 5)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 9, 2)),
        ("final_issued", date(2026, 10, 20)),
    ):
        work.record_action(case_id, v(), key, on)
    first = work.schedule_review(case_id, date(2027, 9, 1), token="review-1")
    assert work.schedule_review(case_id, date(2027, 9, 1), token="review-1") == first
    assert count(db, AnnualReview) == 1


def test_a_new_request_saved_twice_is_one_child_and_case(db):
    requests, _ = services(db)
    request = NewRequest(
        first_name="Amara",
        last_name="Okonkwo",
        date_of_birth=date(2017, 9, 14),
        request_received=date(2026, 11, 2),
    )
    first = requests.create(request, token="new-1")
    assert requests.create(request, token="new-1") == first
    assert count(db, EhcpCase) == 1
    with db.read() as s:
        saved = s.get(Submission, "new-1")
        assert (saved.record_type, saved.record_id, saved.who) == ("ehcp_case", first, "Asha Patel")


def test_without_a_token_each_call_is_its_own_record(db):
    case_id, work = new_case(db)
    work.add_task(case_id, "Ring school", None, None)
    work.add_task(case_id, "Ring school", None, None)
    assert count(db, Task) == 2
    assert count(db, Submission) == 0
