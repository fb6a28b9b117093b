"""The plan audit's checklist (shipped and a council's own), the scores pre-filled from the
automated checks, the percentages, and the team's figures over months."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.codes import CodeListError
from caseload_app.domain.plan_audit import (
    SCORE_LABELS,
    ItemScore,
    QaRow,
    checklist_to_csv,
    default_checklist,
    parse_checklist,
    percent,
    prefill,
    qa_figures,
    section_percents,
)
from caseload_app.domain.plan_checks import rules, run_checks
from tests.domain.test_plan import good_plan


def test_the_shipped_checklist_covers_every_rule_and_round_trips_as_csv():
    items = default_checklist()
    named = {r for item in items for r in item.rules}
    assert named == {r.key for r in rules()}  # every automated check feeds an item
    assert parse_checklist(checklist_to_csv(items)) == items


@pytest.mark.parametrize(("body", "message"), [
    ("a,A,Q,,\na,B,Q2,,\n", "line 3: item 'a' appears twice"),
    ("a,Z,Q,,\n", "line 2: section 'Z' is not one of A, B"),
    ("a,A,Q,,no_such_rule\n", "line 2: no plan check is called no_such_rule"),
    ("a,A,,,\n", "line 2"),
    ("", "no items"),
])  # fmt: skip
def test_a_faulty_checklist_is_refused_naming_its_line(body, message):
    with pytest.raises(CodeListError, match=message):
        parse_checklist("key,section,question,source,rules\n" + body, "mine.csv")


def test_prefill_marks_what_the_checks_found_and_leaves_the_rest_to_the_auditor():
    plan = good_plan()
    vague = replace(plan.provision[0], text="Access to SALT")
    findings = run_checks(replace(plan, provision=(vague, *plan.provision[1:])), draft=True)
    scores = {s.key: s for s in prefill(default_checklist(), findings)}
    assert scores["f_specific"].score == "not_met" and scores["f_specific"].prefilled
    assert '"access to"' in scores["f_specific"].note
    assert scores["a_family_voice"].score == "met"
    assert scores["readable"].score is None and not scores["readable"].prefilled


def test_percent_leaves_out_not_applicable_and_unscored_items():
    items = [
        ItemScore("a", "A", "q", "met"),
        ItemScore("b", "A", "q", "partly"),
        ItemScore("c", "B", "q", "not_met"),
        ItemScore("d", "B", "q", "na"),
        ItemScore("e", "B", "q", None),
    ]
    assert percent(items) == 50  # 3 of 6
    assert section_percents(items) == {"A": 75, "B": 0}
    assert percent(items[3:]) is None


@given(st.lists(st.sampled_from([*SCORE_LABELS, None]), max_size=30))
def test_percent_is_between_0_and_100_or_none(scores):
    value = percent(ItemScore(str(n), "A", "q", s) for n, s in enumerate(scores))
    assert value is None or 0 <= value <= 100
    assert (value is None) == all(s in (None, "na") for s in scores)


def _row(worker: str, day: date, outcome: str, *scores: str) -> QaRow:
    items = tuple(ItemScore(f"i{n}", "F", f"question {n}", s) for n, s in enumerate(scores))
    return QaRow(1, 1, "Zoë Brontë", worker, "Lead", day, outcome, items)


def test_the_team_figures_count_the_period_and_follow_each_caseworker_over_months():
    rows = [
        _row("Asha", date(2026, 10, 20), "rework", "not_met", "met"),  # before the period
        _row("Asha", date(2026, 11, 3), "signed_off", "met", "met"),
        _row("Ben", date(2026, 11, 10), "rework", "not_met", "partly"),
        _row("Ben", date(2026, 11, 30), "signed_off", "met", "partly"),
    ]
    fig = qa_figures(rows, date(2026, 11, 1), date(2026, 11, 30), months=2)
    assert (fig.audited, fig.signed_off, fig.sent_back) == (3, 2, 1)
    assert fig.average == round((100 + 25 + 75) / 3)
    assert fig.by_section == {"F": 67}
    assert fig.months == (date(2026, 10, 1), date(2026, 11, 1))
    assert [(w.caseworker, w.audited, w.average, w.monthly) for w in fig.by_worker] == [
        ("Asha", 1, 100, (50, 100)),
        ("Ben", 2, 50, (None, 50)),
    ]
    first = fig.failures[0]
    assert (first.question, first.count, first.of) == ("question 1", 2, 3)
    assert [f.question for f in fig.failures] == ["question 1", "question 0"]


def test_an_item_whose_every_rule_is_switched_off_is_left_for_the_auditor():
    findings = run_checks(good_plan(), draft=True, off={"e_no_adulthood"})
    scores = {s.key: s for s in prefill(default_checklist(), findings, off={"e_no_adulthood"})}
    assert scores["e_adulthood"].score is None and not scores["e_adulthood"].prefilled
    assert scores["e_outcomes_smart"].score == "met"
