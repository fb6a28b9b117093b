"""A case's next step, RAG and deadline list from its dates."""

from datetime import date, timedelta

import pytest

from caseload_app.domain import deadlines as dl
from caseload_app.domain import status
from caseload_app.domain.status import (
    NO_PLAN_DATE_NOTE,
    UNDER5_NOTE,
    CaseDates,
    CaseStatus,
    Deadline,
    NextStep,
    case_status,
    exception_greys,
    next_step,
    rag_for,
    rag_for_step,
    statutory_deadlines,
    step_label,
)

D = date
RECEIVED = D(2025, 3, 5)  # Wed: 6 weeks -> Wed 16 Apr, 20 weeks -> Wed 23 Jul 2025

DECIDE_ASSESS = NextStep("decide_assess", "Decide whether to assess", D(2025, 4, 16), "Reg 5(1)")
DECIDE_ISSUE = NextStep(
    "decide_issue", "Decide whether to issue a plan", D(2025, 6, 25), "Reg 10(1)"
)
DRAFT_PLAN = NextStep(
    "draft_plan",
    "Serve draft plan (target)",
    D(2025, 6, 11),
    "Target, leaving 15 days for comments",
)
FINAL_PLAN = NextStep("final_plan", "Issue final plan", D(2025, 7, 23), "Reg 13(2)")


def annual_review(due: date) -> NextStep:
    return NextStep("annual_review", "Hold annual review", due, "CFA 2014 s44; Reg 2")


ASSESS = frozenset({"decide_assess"})
EVERY_LIMIT = frozenset({"decide_assess", "advice", "decide_issue", "final_plan"})


def case(stage: str, **dates) -> CaseDates:
    return CaseDates(request_received=RECEIVED, stage=stage, **dates)


# --------------------------------------------------------------------------- next_step


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        pytest.param(case("request_received"), DECIDE_ASSESS, id="request_received"),
        pytest.param(
            case("assessment", assess_decision_date=D(2025, 4, 10)),
            DECIDE_ISSUE,
            id="assessment",
        ),
        pytest.param(case("assessment"), DECIDE_ISSUE, id="assessment-no-decision-date"),
        pytest.param(
            case(
                "assessment",
                assess_decision_date=D(2025, 4, 10),
                issue_decision_date=D(2025, 6, 1),
            ),
            DRAFT_PLAN,
            id="issue-decided",
        ),
        pytest.param(
            case("draft_issued", draft_served=D(2025, 6, 10)), FINAL_PLAN, id="draft_issued"
        ),
        pytest.param(case("draft_issued"), FINAL_PLAN, id="draft_issued-no-date"),
        pytest.param(
            case("plan_issued", final_issued=D(2025, 7, 20)),
            annual_review(D(2026, 7, 19)),
            id="plan_issued-first-review",
        ),
        pytest.param(
            case("plan_issued", final_issued=D(2025, 7, 20), last_review=D(2026, 6, 30)),
            annual_review(D(2027, 6, 29)),
            id="plan_issued-reviewed",
        ),
        pytest.param(
            case("plan_issued", final_issued=D(2024, 2, 29)),
            annual_review(D(2025, 2, 28)),
            id="plan-made-on-29-feb",
        ),
        pytest.param(
            case("plan_issued", last_review=D(2024, 5, 1)),
            annual_review(D(2025, 4, 30)),
            id="legacy-plan-without-final-date",
        ),
        pytest.param(case("plan_issued"), None, id="legacy-plan-without-any-date"),
        pytest.param(
            case("request_received", draft_served=D(2025, 6, 10)),
            FINAL_PLAN,
            id="dates-ahead-of-stage",
        ),
        pytest.param(
            case("draft_issued", draft_served=D(2025, 6, 10), final_issued=D(2025, 7, 1)),
            annual_review(D(2026, 6, 30)),
            id="final-date-ahead-of-stage",
        ),
    ],
)
def test_next_step_for_each_stage(dates, expected):
    assert next_step(dates) == expected


@pytest.mark.parametrize("stage", ["refused_to_assess", "not_issued", "ceased"])
def test_closed_cases_have_no_next_step(stage):
    closed = case(
        stage,
        assess_decision_date=D(2025, 4, 10),
        final_issued=D(2025, 7, 20),
        last_review=D(2026, 6, 30),
    )
    assert next_step(closed) is None
    assert case_status(closed, D(2026, 7, 1)) == CaseStatus(None, None, "none", None)


def test_unknown_stage_is_rejected():
    with pytest.raises(ValueError, match="finalised"):
        CaseDates(request_received=RECEIVED, stage="finalised")


def test_next_step_does_no_bank_holiday_lookups(monkeypatch):
    # It runs for every case on each refresh: it must stay pure calendar arithmetic.
    def boom(*args, **kwargs):
        raise AssertionError("bank holiday lookup in the hot path")

    monkeypatch.setattr(dl, "_bank_holidays", boom)
    monkeypatch.setattr(dl.holidays, "country_holidays", boom)
    every_stage = [
        case("request_received"),
        case("assessment"),
        case("assessment", issue_decision_date=D(2025, 6, 1)),
        case("draft_issued", draft_served=D(2025, 6, 10)),
        case("plan_issued", final_issued=D(2025, 7, 20), child_dob=D(2022, 1, 1)),
        case("ceased"),
    ]
    for dates in every_stage:
        case_status(dates, D(2025, 8, 1))
        statutory_deadlines(dates, D(2025, 8, 1))


# --------------------------------------------------------------------------- rag_for


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(-30, "red"), (-1, "red"), (0, "amber"), (1, "amber"), (14, "amber"), (15, "green")],
)
def test_rag_boundaries(days_left, expected):
    due = D(2025, 4, 16)
    today = due - timedelta(days=days_left)
    assert rag_for(due, today) == expected


@pytest.mark.parametrize("days_left", [-30, 0, 100])
def test_rag_exception_is_grey_whatever_the_date(days_left):
    due = D(2025, 4, 16)
    assert rag_for(due, due - timedelta(days=days_left), exception_applies=True) == "grey"


def test_rag_without_a_due_date_is_none():
    assert rag_for(None, D(2025, 4, 16)) == "none"
    assert rag_for(None, D(2025, 4, 16), exception_applies=True) == "none"


# --------------------------------------------------------------------------- case_status


@pytest.mark.parametrize(
    ("today", "days_left", "rag"),
    [
        (D(2025, 4, 17), -1, "red"),
        (D(2025, 4, 16), 0, "amber"),
        (D(2025, 4, 2), 14, "amber"),
        (D(2025, 4, 1), 15, "green"),
    ],
)
def test_case_status_days_left_and_rag(today, days_left, rag):
    assert case_status(case("request_received"), today) == CaseStatus(
        DECIDE_ASSESS, days_left, rag, None
    )


@pytest.mark.parametrize(
    ("today", "days_left"),
    [(D(2025, 4, 2), 14), (D(2025, 5, 1), -15), (D(2025, 1, 1), 105)],
)
def test_exception_greys_the_case_but_keeps_the_date(today, days_left):
    result = case_status(case("request_received", exception_limits=ASSESS), today)
    assert result == CaseStatus(DECIDE_ASSESS, days_left, "grey", None)
    assert result.next_step.due == D(2025, 4, 16)


def test_an_exception_greys_only_the_steps_of_the_limits_it_covers():
    assert all(
        exception_greys(key, EVERY_LIMIT)
        for key in ("decide_assess", "decide_issue", "draft_plan", "final_plan")
    )
    assert not exception_greys("annual_review", EVERY_LIMIT)
    assert not exception_greys(None, EVERY_LIMIT)
    # Reg 5(4) alone: the 16- and 20-week limits keep their colours.
    assert exception_greys("decide_assess", ASSESS)
    assert not exception_greys("decide_issue", ASSESS)
    assert not exception_greys("final_plan", ASSESS)
    # Reg 13(3): the 20-week limit's exception also greys the draft target, which serves it.
    assert exception_greys("draft_plan", frozenset({"final_plan"}))
    assert not exception_greys("draft_plan", frozenset({"decide_issue"}))
    assert not exception_greys("final_plan", frozenset({"decide_issue", "advice"}))


def test_exception_from_the_assessment_never_greys_an_annual_review():
    dates = case("plan_issued", final_issued=D(2025, 7, 20), exception_limits=EVERY_LIMIT)
    assert case_status(dates, D(2026, 7, 25)) == CaseStatus(
        annual_review(D(2026, 7, 19)), -6, "red", None
    )


def test_exception_greys_the_final_plan_step():
    dates = case("draft_issued", draft_served=D(2025, 6, 10), exception_limits=EVERY_LIMIT)
    assert case_status(dates, D(2025, 8, 1)) == CaseStatus(FINAL_PLAN, -9, "grey", None)


def test_an_exception_to_the_16_week_limit_leaves_the_20_week_limit_red():
    """A missed appointment excuses Reg 10(1) (Reg 10(4)(e)) but never Reg 13(2) (Reg 13(3)):
    request 2025-03-05, final plan due 2025-07-23, still not issued on 2025-08-01."""
    dates = case(
        "draft_issued", draft_served=D(2025, 6, 10), exception_limits=frozenset({"decide_issue"})
    )
    assert case_status(dates, D(2025, 8, 1)) == CaseStatus(FINAL_PLAN, -9, "red", None)


@pytest.mark.parametrize(
    ("dob", "today", "note"),
    [
        (D(2021, 9, 1), D(2026, 8, 31), UNDER5_NOTE),  # day before 5th birthday
        (D(2021, 9, 1), D(2026, 9, 1), None),  # 5th birthday
        (D(2020, 2, 29), D(2025, 2, 28), UNDER5_NOTE),  # leap-day birthday: 5 on 1 Mar 2025
        (D(2020, 2, 29), D(2025, 3, 1), None),
        (None, D(2026, 8, 31), None),
    ],
)
def test_under5_note_is_advice_only(dob, today, note):
    dates = case("plan_issued", final_issued=D(2024, 7, 20), child_dob=dob)
    result = case_status(dates, today)
    assert result.note == note
    # The recommendation never changes the statutory annual review or its RAG.
    assert result.next_step == annual_review(D(2025, 7, 19))
    assert result.days_left == (D(2025, 7, 19) - today).days
    assert result.rag == ("red" if today > D(2025, 7, 19) else "green")


def test_under5_note_needs_a_plan():
    dates = case("assessment", child_dob=D(2023, 1, 1))
    assert case_status(dates, D(2025, 5, 1)) == CaseStatus(DECIDE_ISSUE, 55, "green", None)


def test_under5_note_not_shown_for_closed_cases():
    dates = case("ceased", final_issued=D(2025, 7, 20), child_dob=D(2023, 1, 1))
    assert case_status(dates, D(2025, 8, 1)).note is None


def test_legacy_plan_without_dates_explains_itself():
    assert case_status(case("plan_issued"), D(2025, 8, 1)) == CaseStatus(
        None, None, "none", NO_PLAN_DATE_NOTE
    )
    with_child = case("plan_issued", child_dob=D(2023, 1, 1))
    assert case_status(with_child, D(2025, 8, 1)).note == f"{NO_PLAN_DATE_NOTE} {UNDER5_NOTE}"


def test_step_label():
    assert step_label("decide_assess") == "Decide whether to assess"
    assert step_label("annual_review") == "Hold annual review"
    assert step_label("something_else") == "something_else"


# --------------------------------------------------------------------------- deadline list


def test_statutory_deadlines_for_a_finished_assessment():
    dates = case(
        "plan_issued",
        assess_decision_date=D(2025, 4, 10),
        issue_decision_date=D(2025, 6, 1),
        draft_served=D(2025, 6, 20),
        final_issued=D(2025, 7, 30),
    )
    assert statutory_deadlines(dates, D(2025, 8, 15)) == [
        Deadline(
            "decide_assess",
            "Decide whether to assess",
            D(2025, 4, 16),
            "Reg 5(1)",
            D(2025, 4, 10),
            True,
            "none",
        ),
        Deadline(
            "decide_issue",
            "Decide whether to issue a plan",
            D(2025, 6, 25),
            "Reg 10(1)",
            D(2025, 6, 1),
            None,  # a decision to issue: Reg 10(1) limits only one not to issue
            "none",
        ),
        Deadline(
            "draft_plan",
            "Serve draft plan (target)",
            D(2025, 6, 11),
            "Target, leaving 15 days for comments",
            D(2025, 6, 20),
            False,
            "none",
        ),
        Deadline(
            "comments_end",
            "Comments on draft close",
            D(2025, 7, 4),
            "Reg 13(1)",
            None,
            None,
            "none",
        ),
        Deadline(
            "final_plan",
            "Issue final plan",
            D(2025, 7, 23),
            "Reg 13(2)",
            D(2025, 7, 30),
            False,
            "none",
        ),
        Deadline(
            "annual_review",
            "Hold annual review",
            D(2026, 7, 29),
            "CFA 2014 s44; Reg 2",
            None,
            None,
            "green",
        ),
    ]


def _summary(rows: list[Deadline]) -> list[tuple]:
    return [(r.key, r.due, r.done_on, r.met, r.rag) for r in rows]


def test_statutory_deadlines_new_request_overdue():
    rows = statutory_deadlines(case("request_received"), D(2025, 4, 20))
    assert _summary(rows) == [("decide_assess", D(2025, 4, 16), None, False, "red")]


def test_statutory_deadlines_new_request_in_time():
    rows = statutory_deadlines(case("request_received"), D(2025, 4, 10))
    assert _summary(rows) == [("decide_assess", D(2025, 4, 16), None, None, "amber")]


def test_statutory_deadlines_refused_to_assess():
    rows = statutory_deadlines(
        case("refused_to_assess", assess_decision_date=D(2025, 4, 20)), D(2025, 6, 1)
    )
    assert _summary(rows) == [("decide_assess", D(2025, 4, 16), D(2025, 4, 20), False, "none")]


def test_statutory_deadlines_not_issued():
    dates = case(
        "not_issued", assess_decision_date=D(2025, 4, 10), issue_decision_date=D(2025, 6, 30)
    )
    assert _summary(statutory_deadlines(dates, D(2025, 8, 1))) == [
        ("decide_assess", D(2025, 4, 16), D(2025, 4, 10), True, "none"),
        ("decide_issue", D(2025, 6, 25), D(2025, 6, 30), False, "none"),
    ]


def test_statutory_deadlines_with_exception_are_grey_and_keep_dates():
    dates = case("assessment", assess_decision_date=D(2025, 4, 10), exception_limits=EVERY_LIMIT)
    assert _summary(statutory_deadlines(dates, D(2025, 7, 1))) == [
        ("decide_assess", D(2025, 4, 16), D(2025, 4, 10), True, "none"),
        ("decide_issue", D(2025, 6, 25), None, False, "grey"),
        ("draft_plan", D(2025, 6, 11), None, False, "grey"),
        ("final_plan", D(2025, 7, 23), None, None, "grey"),
    ]


def test_statutory_deadlines_keep_their_colours_outside_the_excepted_limit():
    """Only the 16-week limit is excepted (Reg 10(4)): the draft target and the 20-week plan
    keep their colours (request 2025-03-05: draft target 2025-06-11, final due 2025-07-23)."""
    only_16 = frozenset({"decide_issue"})
    dates = case("assessment", assess_decision_date=D(2025, 4, 10), exception_limits=only_16)
    assert _summary(statutory_deadlines(dates, D(2025, 7, 1))) == [
        ("decide_assess", D(2025, 4, 16), D(2025, 4, 10), True, "none"),
        ("decide_issue", D(2025, 6, 25), None, False, "grey"),
        ("draft_plan", D(2025, 6, 11), None, False, "red"),
        ("final_plan", D(2025, 7, 23), None, None, "green"),
    ]


def test_statutory_deadlines_open_assessment_rag():
    dates = case("assessment", assess_decision_date=D(2025, 4, 10))
    assert _summary(statutory_deadlines(dates, D(2025, 6, 15))) == [
        ("decide_assess", D(2025, 4, 16), D(2025, 4, 10), True, "none"),
        ("decide_issue", D(2025, 6, 25), None, None, "amber"),
        ("draft_plan", D(2025, 6, 11), None, False, "red"),
        ("final_plan", D(2025, 7, 23), None, None, "green"),
    ]


def test_statutory_deadlines_legacy_plan_has_no_false_breaches():
    # Imported with only a stage and a review date: earlier steps happened on unknown dates.
    rows = statutory_deadlines(case("plan_issued", last_review=D(2024, 5, 1)), D(2025, 4, 20))
    assert _summary(rows) == [
        ("decide_assess", D(2025, 4, 16), None, None, "none"),
        ("decide_issue", D(2025, 6, 25), None, None, "none"),
        ("draft_plan", D(2025, 6, 11), None, None, "none"),
        ("final_plan", D(2025, 7, 23), None, None, "none"),
        ("annual_review", D(2025, 4, 30), None, None, "amber"),
    ]


def test_statutory_deadlines_ceased_plan_keeps_history_without_review():
    dates = case(
        "ceased",
        assess_decision_date=D(2025, 4, 10),
        issue_decision_date=D(2025, 6, 1),
        draft_served=D(2025, 6, 10),
        final_issued=D(2025, 7, 1),
    )
    assert _summary(statutory_deadlines(dates, D(2026, 9, 1))) == [
        ("decide_assess", D(2025, 4, 16), D(2025, 4, 10), True, "none"),
        ("decide_issue", D(2025, 6, 25), D(2025, 6, 1), None, "none"),  # issued: Reg 10(1) n/a
        ("draft_plan", D(2025, 6, 11), D(2025, 6, 10), True, "none"),
        ("comments_end", D(2025, 6, 24), None, None, "none"),
        ("final_plan", D(2025, 7, 23), D(2025, 7, 1), True, "none"),
    ]


def test_next_step_is_always_one_of_the_listed_deadlines():
    today = D(2025, 5, 1)
    for dates in (
        case("request_received"),
        case("assessment"),
        case("assessment", issue_decision_date=D(2025, 6, 1)),
        case("draft_issued", draft_served=D(2025, 6, 10)),
        case("plan_issued", final_issued=D(2025, 7, 20)),
    ):
        step = next_step(dates)
        rows = {r.key: r for r in statutory_deadlines(dates, today)}
        assert rows[step.key].due == step.due
        assert rows[step.key].done_on is None
        assert rows[step.key].rag == case_status(dates, today).rag


def test_status_module_exports():
    assert set(status.__all__) >= {
        "CaseDates",
        "CaseStatus",
        "Deadline",
        "NextStep",
        "case_status",
        "next_step",
        "rag_for",
        "statutory_deadlines",
    }


def test_rag_for_step_from_stored_columns():
    today = date(2026, 11, 24)
    overdue = date(2026, 11, 1)
    assert rag_for_step("final_plan", overdue, today) == "red"
    every = EVERY_LIMIT
    assert rag_for_step("final_plan", overdue, today, exception_limits=every) == "grey"
    assert rag_for_step("final_plan", overdue, today, exception_limits=ASSESS) == "red"
    # An assessment-time exception never greys the annual review years later.
    assert rag_for_step("annual_review", overdue, today, exception_limits=every) == "red"
    assert rag_for_step("final_plan", overdue, today, is_open=False) == "none"


def test_a_decision_to_issue_after_16_weeks_is_not_a_missed_deadline():
    """Reg 10(1) limits only a decision NOT to issue (16 weeks from the request, received
    Wed 5 Mar 2025 here: due Wed 25 Jun 2025). Issuing has no limit of its own but the plan's 20
    weeks (Reg 13(2)): a decision to issue in week 17 was shown as missed."""
    issued_late = case(
        "assessment",
        assess_decision_date=D(2025, 4, 10),
        issue_decision_date=D(2025, 6, 30),  # week 17
        issue_decision="issue",
    )
    rows = {r.key: r for r in statutory_deadlines(issued_late, D(2025, 7, 1))}
    assert rows["decide_issue"].done_on == D(2025, 6, 30)
    assert rows["decide_issue"].met is None  # not measured by Reg 10(1)
    refused_late = case(
        "not_issued",
        assess_decision_date=D(2025, 4, 10),
        issue_decision_date=D(2025, 6, 30),
        issue_decision="not_issue",
    )
    rows = {r.key: r for r in statutory_deadlines(refused_late, D(2025, 7, 1))}
    assert rows["decide_issue"].met is False  # a refusal in week 17 is late
    on_time = case(
        "not_issued",
        assess_decision_date=D(2025, 4, 10),
        issue_decision_date=D(2025, 6, 25),  # the last day
        issue_decision="not_issue",
    )
    rows = {r.key: r for r in statutory_deadlines(on_time, D(2025, 7, 1))}
    assert rows["decide_issue"].met is True


def test_open_case_ages_are_cut_at_the_statutory_points():
    from caseload_app.domain.measures import age_bucket, plan_age

    # 42 days: the last day to decide whether to assess; 112: a decision not to issue; 140:
    # the final plan.
    assert [age_bucket(d) for d in (0, 42, 43, 112, 113, 140, 141, 900)] == [
        0, 0, 1, 1, 2, 2, 3, 3,
    ]  # fmt: skip
    reviewed = D(2025, 8, 31)
    # 6 months starting with 31 Aug 2025 end on 28 Feb 2026; 12 months on 30 Aug 2026.
    assert plan_age(reviewed, D(2026, 2, 28)) == 0
    assert plan_age(reviewed, D(2026, 3, 1)) == 1
    assert plan_age(reviewed, D(2026, 8, 30)) == 1
    assert plan_age(reviewed, D(2026, 8, 31)) == 2
