"""A young person's move between post-16 institutions recorded on a case (SEND Regs 2014
reg 18(2)): the plan due amended five months before the move, with its RAG on the case and in
My week; audited; a stale save refused; cleared. "Today" is Tue 24 Nov 2026
(tests.helpers.TODAY); the young person was born Mon 10 Mar 2008 (over compulsory school age
since Sat 29 Jun 2024)."""

from datetime import date

import pytest

from caseload_app.domain.validators import ValidationError
from caseload_app.services.errors import ConflictError, FieldErrors
from caseload_app.services.myweek import MyWeekService
from tests.helpers import TODAY, new_case, services

COLLEGE = "Harbourside College"


def version(work, case_id):
    return work.get_case(case_id, opened=False).version


def act(work, case_id, key, on):
    work.record_action(case_id, version(work, case_id), key, on, "")


@pytest.fixture
def plan(db):
    """Received Wed 1 Jul 2026; final plan Wed 18 Nov 2026."""
    case_id, work = new_case(db, date_of_birth=date(2008, 3, 10))
    act(work, case_id, "assess_agreed", date(2026, 8, 1))
    act(work, case_id, "issue", date(2026, 9, 1))
    act(work, case_id, "draft_served", date(2026, 10, 1))
    act(work, case_id, "final_issued", date(2026, 11, 18))
    return case_id, work


def listed(db, today=TODAY):
    week = MyWeekService(db, today=lambda: today).my_week(None)
    return [(i.due, i.rag, i.what, i.tab) for i in week.items if i.kind == "post16"]


def test_a_move_is_recorded_audited_and_shows_its_due_day_with_rag(plan, db):
    """Move Fri 30 Apr 2027: the plan is due amended by Mon 30 Nov 2026 (6 days: amber)."""
    case_id, work = plan
    changed = work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 30), COLLEGE)
    assert changed == [
        "post16_move_date: — → 2027-04-30",
        f"post16_move_to: — → {COLLEGE}",
    ]
    move = work.get_case(case_id).post16_move
    assert (move.move_date, move.moving_to) == (date(2027, 4, 30), COLLEGE)
    assert (move.step.label, move.step.due, move.step.regulation, move.step.rag) == (
        "Amend the plan for the post-16 move", date(2026, 11, 30), "Reg 18(2)", "amber",
    )  # fmt: skip
    (audit,) = [c for c in work.get_case(case_id).changes if "post16_move_date" in c.detail]
    assert (audit.who, audit.action, audit.record_type) == ("Asha Patel", "update", "ehcp_case")
    assert listed(db) == [
        (
            date(2026, 11, 30),
            "amber",
            f"Amend the plan for the move to {COLLEGE} on Fri 30 Apr 2027 (Reg 18(2))",
            "reviews",
        )
    ]


def test_the_day_the_plan_was_amended_completes_the_step(plan, db):
    case_id, work = plan
    work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 30))
    work.set_post16_move(
        case_id, version(work, case_id), date(2027, 4, 30), COLLEGE, date(2026, 11, 23)
    )
    step = work.get_case(case_id).post16_move.step
    assert (step.done_on, step.met, step.rag) == (date(2026, 11, 23), True, "none")
    assert listed(db) == []


def test_my_week_lists_a_missed_amendment_in_red_and_not_one_months_away(plan, db):
    """Move Fri 23 Apr 2027: due Mon 23 Nov 2026, yesterday (red). A move on Fri 7 May 2027
    (due Mon 7 Dec, 13 days away) is not in this week."""
    case_id, work = plan
    work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 23))
    assert [(due, rag) for due, rag, *_ in listed(db)] == [(date(2026, 11, 23), "red")]
    assert work.get_case(case_id).post16_move.step.met is False
    work.set_post16_move(case_id, version(work, case_id), date(2027, 5, 7))
    assert listed(db) == []
    # The week of Tue 1 Dec 2026 reaches Mon 7 Dec: listed then, amber.
    assert [(due, rag) for due, rag, *_ in listed(db, date(2026, 12, 1))] == [
        (date(2026, 12, 7), "amber")
    ]


def test_a_move_on_31_july_is_due_on_the_last_day_of_february(plan, db):
    """Move Mon 31 Jul 2028 (a leap year): due Tue 29 Feb 2028. My week on Mon 21 Feb looks
    to Mon 28 Feb: not yet; on Tue 22 Feb it reaches the 29th: listed (the move is five
    months and two days after that horizon)."""
    case_id, work = plan
    work.set_post16_move(case_id, version(work, case_id), date(2028, 7, 31))
    assert work.get_case(case_id).post16_move.step.due == date(2028, 2, 29)
    assert listed(db, date(2028, 2, 21)) == []
    assert [due for due, *_ in listed(db, date(2028, 2, 22))] == [date(2028, 2, 29)]


def test_a_stale_save_is_refused_naming_who_changed_the_case(plan, db):
    case_id, mine = plan
    _, theirs = services(db, user="Ben Okafor")
    stale = version(mine, case_id)
    theirs.set_post16_move(case_id, stale, date(2027, 4, 30), COLLEGE)
    with pytest.raises(ConflictError, match="Ben Okafor changed this case"):
        mine.set_post16_move(case_id, stale, date(2027, 9, 1), "Bay Sixth Form College")
    assert mine.get_case(case_id).post16_move.moving_to == COLLEGE


def test_a_move_is_cleared_and_the_history_keeps_it(plan, db):
    case_id, work = plan
    work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 23), COLLEGE)
    changed = work.clear_post16_move(case_id, version(work, case_id))
    assert changed == ["post16_move_date: 2027-04-23 → —", f"post16_move_to: {COLLEGE} → —"]
    assert work.get_case(case_id).post16_move is None
    assert listed(db) == []
    details = [c.detail for c in work.get_case(case_id).changes]
    assert any("post16_move_date: 2027-04-23 → —" in d for d in details)
    assert work.clear_post16_move(case_id, version(work, case_id)) == []  # nothing left


@pytest.mark.parametrize(
    ("move", "moving_to", "amended", "field", "said"),
    [
        (date(2026, 6, 30), "", None, "move_date", "before the case began (Wed 1 Jul 2026)"),
        (date(2027, 4, 30), "", date(2026, 11, 25), "amended", "future"),
        (date(2027, 4, 30), "x" * 121, None, "moving_to", "121 characters"),
        (date(2027, 4, 30), "Bay\x07College", None, "moving_to", "retype it"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    plan, move, moving_to, amended, field, said
):
    case_id, work = plan
    before = version(work, case_id)
    with pytest.raises(FieldErrors) as refused:
        work.set_post16_move(case_id, before, move, moving_to, amended)
    assert said in refused.value.errors[field]
    assert version(work, case_id) == before
    assert work.get_case(case_id).post16_move is None


def test_a_child_of_compulsory_school_age_makes_no_post16_move(db):
    """Born Wed 4 May 2016 (tests.helpers' child): of compulsory school age until the last
    Friday in June 2032, so a move in 2027 is refused and points to the phase transfer."""
    case_id, work = new_case(db)
    for key, on in (
        ("assess_agreed", date(2026, 8, 1)),
        ("issue", date(2026, 9, 1)),
        ("draft_served", date(2026, 10, 1)),
        ("final_issued", date(2026, 11, 18)),
    ):
        act(work, case_id, key, on)
    with pytest.raises(FieldErrors) as refused:
        work.set_post16_move(case_id, version(work, case_id), date(2027, 9, 1), COLLEGE)
    said = refused.value.errors["move_date"]
    assert "compulsory school age" in said and "Fri 25 Jun 2032" in said
    assert "Reg 18(1)" in said


def test_a_case_without_a_final_plan_has_no_plan_to_amend(db):
    case_id, work = new_case(db, date_of_birth=date(2008, 3, 10))
    with pytest.raises(ValidationError, match="final plan"):
        work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 30), COLLEGE)


def test_the_planner_lists_a_move_ahead_until_it_has_happened(plan, db):
    """Move Fri 30 Apr 2027 (due Mon 30 Nov 2026): listed with its legal date among the
    September transfers; done once the amendment is recorded; gone once the move is past."""
    from caseload_app.services.phase_transfer import POST16_MOVE, PhaseTransferService
    from tests.helpers import NOW

    def rows(today=TODAY):
        planner = PhaseTransferService(db, "Lead", today=lambda: today, now=lambda: NOW)
        return [r for r in planner.planner() if r.transfer_kind == POST16_MOVE]

    case_id, work = plan
    work.set_post16_move(case_id, version(work, case_id), date(2027, 4, 30), COLLEGE)
    (row,) = rows()
    assert (row.transfer, row.legal_date_text, row.year_group) == (
        f"Post-16 move Fri 30 Apr 2027 to {COLLEGE}", "Mon 30 Nov 2026", "post-18",
    )  # fmt: skip
    assert row.next_step == "Review and amend the plan by Mon 30 Nov 2026 (Reg 18(2))"
    assert not row.overdue
    (late,) = rows(date(2026, 12, 1))
    assert late.overdue and late.next_step.startswith("Overdue — ")
    work.set_post16_move(
        case_id, version(work, case_id), date(2027, 4, 30), COLLEGE, date(2026, 11, 23)
    )
    (done,) = rows(date(2026, 12, 1))
    assert (done.next_step, done.overdue) == ("Done: plan amended Mon 23 Nov 2026", False)
    assert rows(date(2027, 5, 1)) == []  # the move has happened
