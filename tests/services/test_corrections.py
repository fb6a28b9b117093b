"""Correcting what was recorded: an exception can be ended, corrected or withdrawn, with the
history showing old → new and who (issue: "no end date yet" for ever)."""

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import ConflictError, FieldErrors, UserError
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case


def exception_on(db):
    case_id, work = new_case(db)
    exception_id = work.record_exception(
        case_id,
        "absent_from_area",
        ["decide_assess", "final_plan"],
        date(2026, 11, 2),
        None,
        None,
        "holiday abroad",
    )
    return case_id, work, exception_id


def test_an_exception_is_ended_and_corrected_with_old_and_new_in_the_history(db):
    case_id, work, exception_id = exception_on(db)
    (row,) = work.get_case(case_id).exceptions
    assert row.period_end is None
    changed = work.update_exception(
        exception_id,
        row.version,
        {"period_end": date(2026, 11, 20), "ground": "exceptional_circumstances"},
    )
    assert len(changed) == 2  # both fields, each audited old → new
    case = work.get_case(case_id)
    (row,) = case.exceptions
    assert (row.period_end, row.ground) == (date(2026, 11, 20), "exceptional_circumstances")
    assert case.exception_limits == {"decide_assess", "final_plan"}  # still covered
    with db.read() as s:
        details = list(
            s.scalars(select(AuditEntry.detail).where(AuditEntry.record_type == "case_exception"))
        )
    assert any("absent_from_area" in d and "exceptional_circumstances" in d for d in details)
    assert any("2026-11-20" in d for d in details)
    with pytest.raises(ConflictError):  # a form opened before that save
        work.update_exception(exception_id, row.version - 1, {"note": "stale"})


def test_impossible_corrections_are_refused_field_by_field(db):
    case_id, work, exception_id = exception_on(db)
    (row,) = work.get_case(case_id).exceptions
    with pytest.raises(FieldErrors) as refused:
        work.update_exception(exception_id, row.version, {"period_end": date(2026, 11, 1)})
    assert "ends before it starts" in refused.value.errors["period_end"]
    with pytest.raises(FieldErrors) as refused:
        work.update_exception(
            exception_id, row.version, {"ground": "waiting_list", "family_told": date(2027, 1, 1)}
        )
    assert set(refused.value.errors) == {"ground", "family_told"}
    assert work.get_case(case_id).exceptions[0].version == row.version  # nothing saved


def test_a_withdrawn_exception_goes_to_the_trash_and_comes_back(db):
    case_id, work, exception_id = exception_on(db)
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Say why"):
        trash.withdraw_exception(exception_id, "  ")
    item = trash.withdraw_exception(exception_id, "recorded on the wrong case")
    case = work.get_case(case_id)
    assert case.exceptions == ()
    assert case.exception_limits == frozenset()
    (listed,) = trash.items()
    assert (listed.id, listed.kind, listed.reason) == (
        item,
        "Exception",
        "recorded on the wrong case",
    )
    assert listed.label == "Exception from Mon 2 Nov 2026: " + listed.label.split(": ", 1)[1]
    trash.restore(item)
    case = work.get_case(case_id)
    assert [e.id for e in case.exceptions] == [exception_id]
    assert case.exception_limits == {"decide_assess", "final_plan"}


def test_a_correction_keeps_to_the_limits_its_ground_allows(db):
    """Reg 13(3): a missed appointment never excuses the 20-week limit, so a ground corrected
    to one is refused while the exception covers that limit; with the limits put right too,
    the case's greyed limits follow."""
    case_id, work, exception_id = exception_on(db)
    (row,) = work.get_case(case_id).exceptions
    with pytest.raises(FieldErrors) as refused:
        work.update_exception(exception_id, row.version, {"ground": "missed_appointment"})
    message = refused.value.errors["limits"]
    assert "is not a ground for the 6-week decision whether to assess (Reg 5(4))" in message
    assert "the 20-week final plan (Reg 13(3))" in message
    changed = work.update_exception(
        exception_id,
        row.version,
        {"ground": "missed_appointment", "limits": ["advice", "decide_issue"]},
    )
    assert [c.split(":")[0] for c in changed] == ["ground", "limits"]  # each audited
    case = work.get_case(case_id)
    assert case.exception_limits == {"advice", "decide_issue"}
    assert case.exceptions[0].limits == ("advice", "decide_issue")


def test_withdrawing_one_exception_leaves_the_limits_the_others_cover(db):
    case_id, work, first = exception_on(db)
    work.record_exception(case_id, "missed_appointment", ["advice"], date(2026, 11, 3), None, None)
    assert work.get_case(case_id).exception_limits == {"decide_assess", "advice", "final_plan"}
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    trash.withdraw_exception(first, "wrong ground")
    assert work.get_case(case_id).exception_limits == {"advice"}


def journey(db):
    """Received Wed 1 Jul 2026; assessed, issued, draft, final (as the case window would)."""
    case_id, work = new_case(db)
    for key, on in (
        ("assess_agreed", date(2026, 8, 5)),
        ("issue", date(2026, 10, 1)),
        ("draft_served", date(2026, 10, 5)),
        ("final_issued", date(2026, 10, 20)),
    ):
        work.record_action(case_id, work.get_case(case_id).version, key, on)
    return case_id, work


def event(work, case_id, action):
    return next(e for e in work.get_case(case_id).events if e.action == action)


def test_a_mistyped_final_plan_date_is_corrected_and_the_review_date_follows(db):
    case_id, work = journey(db)
    case = work.get_case(case_id)
    assert case.status.next_step.due == date(2027, 10, 19)  # 12 months from 20 Oct 2026
    final = event(work, case_id, "final_issued")
    with pytest.raises(FieldErrors, match="Say why"):
        work.correct_step(case_id, case.version, final.id, date(2026, 10, 27), " ")
    work.correct_step(case_id, case.version, final.id, date(2026, 10, 27), "typed 20 for 27")
    case = work.get_case(case_id)
    assert event(work, case_id, "final_issued").on_date == date(2026, 10, 27)
    assert case.status.next_step.due == date(2027, 10, 26)  # recomputed
    final_plan = next(d for d in case.deadlines if d.key == "final_plan")
    assert final_plan.done_on == date(2026, 10, 27)
    with db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.detail.like("Final plan issued: date%"))
        ).one()
    assert detail == "Final plan issued: date corrected 2026-10-20 → 2026-10-27 (typed 20 for 27)"


@pytest.mark.parametrize(
    ("action", "on", "message"),
    [
        ("draft_served", date(2026, 9, 30), "before the decision whether to issue a plan"),
        ("draft_served", date(2026, 10, 21), "after the final plan was issued"),
        ("final_issued", date(2026, 10, 12), "until Mon 19 Oct 2026 to comment"),
        ("assess_agreed", date(2026, 6, 30), "before the request was received"),
        ("issue", date(2026, 12, 25), "in the future"),
    ],
)
def test_a_correction_keeps_the_steps_in_order(db, action, on, message):
    case_id, work = journey(db)
    version = work.get_case(case_id).version
    with pytest.raises(ValidationError, match=message):
        work.correct_step(case_id, version, event(work, case_id, action).id, on, "typo")
    assert work.get_case(case_id).version == version  # nothing saved


def test_the_latest_step_is_withdrawn_and_the_case_goes_back(db):
    case_id, work = journey(db)
    case = work.get_case(case_id)
    draft = event(work, case_id, "draft_served")
    with pytest.raises(UserError, match="withdraw 'Final plan issued' first"):
        work.withdraw_step(case_id, case.version, draft.id, "wrong case")
    final = event(work, case_id, "final_issued")
    work.withdraw_step(case_id, case.version, final.id, "recorded on the wrong child")
    case = work.get_case(case_id)
    assert case.stage == "draft_issued"
    assert case.is_open
    assert "final_issued" not in [e.action for e in case.events]
    assert case.status.next_step.key == "final_plan"
    assert "final_issued" in [a for a, _ in case.actions]  # it can be recorded again
    with db.read() as s:
        detail = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.detail.like("withdrew%"))
        ).one()
    assert detail.startswith("withdrew 'Final plan issued' of 2026-10-20 recorded by Asha Patel")
    assert detail.endswith("(recorded on the wrong child)")


def test_a_decision_to_assess_with_advice_asked_for_is_not_withdrawn(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    case = work.get_case(case_id)
    with pytest.raises(UserError, match="Advice has been requested"):
        work.withdraw_step(case_id, case.version, event(work, case_id, "assess_agreed").id, "x")
    refused = work.get_case(case_id)
    work.record_action(case_id, refused.version, "not_issue", date(2026, 11, 10), "no need")
    closed = work.get_case(case_id)
    assert not closed.is_open
    work.withdraw_step(case_id, closed.version, event(work, case_id, "not_issue").id, "misread")
    reopened = work.get_case(case_id)
    assert reopened.is_open
    assert reopened.stage == "assessment"


def test_an_advice_request_is_corrected_and_its_due_date_follows(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
    (advice,) = work.get_case(case_id).advice
    assert advice.due == date(2026, 9, 17)
    work.update_advice(
        advice_id, advice.version, {"requested": date(2026, 8, 13), "advice_type": "health"}
    )
    (advice,) = work.get_case(case_id).advice
    assert (advice.requested, advice.due, advice.advice_type) == (
        date(2026, 8, 13), date(2026, 9, 24), "health",
    )  # fmt: skip
    with pytest.raises(FieldErrors, match="before the decision to assess"):
        work.update_advice(advice_id, advice.version, {"requested": date(2026, 8, 1)})
    work.advice_received(advice_id, advice.version, date(2026, 9, 1))
    (advice,) = work.get_case(case_id).advice
    with pytest.raises(FieldErrors, match="chased or received before that date"):
        work.update_advice(advice_id, advice.version, {"requested": date(2026, 9, 2)})


def test_advice_and_an_undecided_review_are_withdrawn_into_the_trash(db):
    case_id, work = journey(db)
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    review_id = work.schedule_review(case_id, date(2027, 9, 1))
    with pytest.raises(UserError, match="Say why this review"):
        trash.withdraw_review(review_id, "")
    trash.withdraw_review(review_id, "booked on the wrong case")
    assert work.get_case(case_id).reviews == ()
    other = work.schedule_review(case_id, date(2026, 11, 3))
    (review,) = work.get_case(case_id).reviews
    work.update_review(
        other, review.version, {"decision_date": date(2026, 11, 10), "outcome": "maintain"}
    )
    with pytest.raises(UserError, match="correct its dates"):
        trash.withdraw_review(other, "oops")
    assert [i.kind for i in trash.items()] == ["Annual review"]


def test_a_logged_contact_and_a_task_are_corrected(db):
    from datetime import datetime

    case_id, work = new_case(db)
    comm_id = work.log_communication(
        case_id, datetime(2026, 11, 20, 9, 30), "phone", "in", "Mum", "Asked about the EP"
    )
    (comm,) = work.get_case(case_id).communications
    work.update_communication(
        comm_id, comm.version, {"channel": "email", "summary": "Asked about the EP by e-mail"}
    )
    (comm,) = work.get_case(case_id).communications
    assert (comm.channel, comm.summary) == ("email", "Asked about the EP by e-mail")
    with pytest.raises(FieldErrors) as refused:
        work.update_communication(
            comm_id, comm.version, {"summary": " ", "occurred_at": datetime(2027, 1, 1, 9)}
        )
    assert set(refused.value.errors) == {"summary", "occurred_at"}
    task_id = work.add_task(case_id, "Ring school", None, None)
    (task,) = work.get_case(case_id).tasks
    work.update_task(task_id, task.version, {"title": "Ring the school", "due": date(2026, 12, 1)})
    (task,) = work.get_case(case_id).tasks
    assert (task.title, task.due) == ("Ring the school", date(2026, 12, 1))
    with pytest.raises(FieldErrors, match="Say what needs doing"):
        work.update_task(task_id, task.version, {"title": ""})


def test_advice_is_due_six_weeks_from_the_day_the_adviser_received_the_request(db):
    """Reg 8(1): sent Thu 6 Aug 2026, received by the adviser Mon 10 Aug 2026 (a weekend
    between): due Mon 21 Sep 2026 (10 Aug + 42 days), not Thu 17 Sep."""
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    with pytest.raises(ValidationError, match="before it was sent"):
        work.request_advice(case_id, "ep", date(2026, 8, 6), date(2026, 8, 5))
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6), date(2026, 8, 10))
    (advice,) = work.get_case(case_id).advice
    assert (advice.requested, advice.received_by_adviser, advice.due) == (
        date(2026, 8, 6), date(2026, 8, 10), date(2026, 9, 21),
    )  # fmt: skip
    # Corrected: the adviser had it on the Friday; the due date follows (Fri 18 Sep).
    work.update_advice(advice_id, advice.version, {"received_by_adviser": date(2026, 8, 7)})
    (advice,) = work.get_case(case_id).advice
    assert advice.due == date(2026, 9, 18)
    # Moving the day sent leaves a different day received where it is.
    work.update_advice(advice_id, advice.version, {"requested": date(2026, 8, 7)})
    (advice,) = work.get_case(case_id).advice
    assert (advice.received_by_adviser, advice.due) == (date(2026, 8, 7), date(2026, 9, 18))
    with pytest.raises(FieldErrors) as refused:
        work.update_advice(advice_id, advice.version, {"received_by_adviser": date(2026, 8, 6)})
    assert "before it was sent" in refused.value.errors["received_by_adviser"]
    work.advice_received(advice_id, advice.version, date(2026, 9, 1))
    (advice,) = work.get_case(case_id).advice
    with pytest.raises(FieldErrors, match="arrived before that date"):
        work.update_advice(advice_id, advice.version, {"received_by_adviser": date(2026, 9, 2)})


def test_a_row_trashed_by_an_older_version_comes_back_with_what_its_upgrade_gave(db):
    """An advice request withdrawn before advice had a day received (0010), and an exception
    withdrawn before exceptions named their limits (0009), restore as the upgrade would
    have left them: nothing in the trash is lost to a new column."""
    import json

    from caseload_app.db.models import TrashItem

    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
    exception_id = work.record_exception(
        case_id, "missed_appointment", ["advice"], date(2026, 8, 20), None, None
    )
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    items = [
        trash.withdraw_advice(advice_id, "wrong case"),
        trash.withdraw_exception(exception_id, "wrong case"),
    ]
    with db.uow() as s:  # as an older version wrote them
        for item in s.scalars(select(TrashItem)):
            payload = json.loads(item.payload)
            for rows in payload.values():
                for row in rows:
                    row.pop("received_by_adviser", None)
                    row.pop("limits", None)
            item.payload = json.dumps(payload)
    for item in items:
        trash.restore(item)
    case = work.get_case(case_id)
    (advice,) = case.advice
    assert (advice.received_by_adviser, advice.due) == (date(2026, 8, 6), date(2026, 9, 17))
    (exception,) = case.exceptions
    assert exception.limits == ("advice", "decide_issue")  # all Reg 8(2)/10(4)(e) allow
    assert case.exception_limits == {"advice", "decide_issue"}
