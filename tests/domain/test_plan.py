"""The EHC plan as structured content (Reg 12): JSON in and out, and every fault in the JSON
named by its place, never a plan half read."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_app.domain.plan import (
    CONTRIBUTION_WAYS,
    CONTRIBUTORS,
    FORMAT,
    NEED_SECTIONS,
    PROVISION_SECTIONS,
    RESPONSES,
    SECTIONS,
    Advice,
    Budget,
    Comment,
    Contribution,
    Need,
    Outcome,
    Placement,
    Plan,
    PlanError,
    Provision,
    plan_from_dict,
    plan_to_dict,
)


def good_plan() -> Plan:
    """Zoë (Year 4): a plan a Tribunal would find specific."""
    return Plan(
        contributions=(
            Contribution(
                "child",
                "I like drawing horses. I want to read my own books.",
                "drawing",
                date(2026, 9, 14),
                "Zoë",
            ),
            Contribution(
                "parent",
                "We would like Zoë to have friends at school.",
                "meeting",
                date(2026, 9, 14),
                "Mum",
            ),
        ),  # fmt: skip
        needs=(
            Need("N1", "B", "Zoë reads at the level expected of a Year 1 pupil (dyslexia)."),
            Need("N2", "C", "Zoë has glue ear and hears less in noisy rooms."),
        ),
        outcomes=(
            Outcome(
                "O1",
                "Zoë will read a book of 40 pages aloud to an adult",
                "by the end of Year 5 (July 2028)",
            ),
        ),  # fmt: skip
        provision=(
            Provision(
                "P1",
                "F",
                "Precision Teaching of high-frequency words",
                who="a teaching assistant trained in Precision Teaching",
                how_often="5 times a week",
                how_long="15 minutes",
                group="1:1",
                reviewed_by="SENCo, each term",
                needs=("N1",),
                outcomes=("O1",),
                advice=("K1",),
            ),
            Provision(
                "P2",
                "G",
                "A soundfield system in her classroom",
                who="the sensory support service",
                how_often="every lesson",
                how_long="all day",
                needs=("N2",),
                outcomes=("O1",),
                advice=("K2",),
                reviewed_by="teacher of the deaf, each term",
            ),
        ),  # fmt: skip
        advice=(
            Advice("K1", "Educational psychology advice", "Dr A Patel", date(2026, 10, 1)),
            Advice("K2", "Audiology report", "Harbour Hospital", date(2026, 9, 28)),
        ),
        notes={"J": "", "B": "Assessed in October 2026."},
    )


def test_a_plan_goes_to_json_and_back_unchanged():
    plan = good_plan()
    data = plan_to_dict(plan)
    assert data["format"] == FORMAT
    assert data["contributions"][0]["on"] == "2026-09-14"
    assert data["notes"] == {"B": "Assessed in October 2026."}  # empty notes are not written
    back = plan_from_dict(json.loads(json.dumps(data)))
    assert back == replace(plan, notes={"B": "Assessed in October 2026."})


def test_section_j_facts_go_to_json_and_back_and_older_plans_load_without_them():
    plan = replace(good_plan(), budget=Budget(taken_up=True, organised=True, direct_payments="S"))
    data = plan_to_dict(plan)
    assert data["budget"] == {"taken_up": True, "organised": True, "direct_payments": "S"}
    assert plan_from_dict(json.loads(json.dumps(data))).budget == plan.budget
    del data["budget"]  # a plan saved before Section J's facts were recorded
    assert plan_from_dict(data).budget == Budget()
    data["budget"] = {"taken_up": "yes"}
    with pytest.raises(PlanError, match="budget.taken_up: expected true or false"):
        plan_from_dict(data)
    data["budget"] = {"direct": "S"}
    with pytest.raises(PlanError, match="budget: unknown field 'direct'"):
        plan_from_dict(data)
    data["budget"] = {"direct_payments": "Education only"}
    with pytest.raises(PlanError, match="budget.direct_payments: 'Education only' is not a code"):
        plan_from_dict(data)
    data["budget"] = {"taken_up": True, "direct_payments": "T"}  # a code dropped since: kept
    assert plan_from_dict(data).budget.direct_payments == "T"


def test_section_j_facts_are_printed_and_compared():
    from caseload_app.domain.plan_diff import plan_diff
    from caseload_app.reports.plan_content import budget_facts

    assert budget_facts(Budget()) == []
    assert budget_facts(Budget(taken_up=True)) == ["A personal budget is in place."]
    assert budget_facts(Budget(True, True, "I")) == [
        "A personal budget is in place; some of it through organised arrangements; "
        "direct payments: Integrated: a combination of the above."
    ]
    old = good_plan()
    new = replace(old, budget=Budget(taken_up=True, direct_payments="E"))
    changes = {(c.section, c.field, c.before, c.after) for c in plan_diff(old, new)}
    assert ("J", "taken_up", "no", "yes") in changes
    assert ("J", "direct_payments", "", "E") in changes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other/2"), "plan: format 'other/2' is not one caseload"),
        (lambda d: d.update(provison=[]), "plan: unknown field 'provison'"),
        (lambda d: d["needs"].append(d["needs"][0]), "needs[2].key: 'N1' is used twice"),
        (lambda d: d["provision"][1]["needs"].append("N9"), "provision[1].needs: no need 'N9'"),
        (lambda d: d["provision"][0]["outcomes"].append("O7"), "no outcome 'O7' in the plan"),
        (lambda d: d["provision"][0].update(section="Z"), "provision[0].section: 'Z' is not"),
        (lambda d: d["needs"][0].update(text="  "), "needs[0].text: empty"),
        (lambda d: d["contributions"][0].update(on="14/09/2026"), "contributions[0].on: '14/09"),
        (lambda d: d["contributions"][1].update(who="grandad"), "contributions[1].who: 'grandad'"),
        (lambda d: d["outcomes"][0].update(adulthood="yes"), "outcomes[0].adulthood: expected"),
        (lambda d: d.update(needs={}), "needs: expected a list, found dict"),
        (lambda d: d["needs"][0].update(key="N 1"), "needs[0].key: 'N 1' is not a key"),
        (lambda d: d.update(notes={"Z": "x"}), "notes: unknown field 'Z'"),
        (
            lambda d: d["needs"][0].update(text="x" * 20_001),
            "needs[0].text: 20,001 characters; at most 20,000",
        ),
        (lambda d: d["placement"].update(name=3), "placement.name: expected text, found int"),
    ],
)
def test_each_fault_in_the_json_is_named_by_its_place(change, message):
    data = plan_to_dict(good_plan())
    change(data)
    with pytest.raises(PlanError) as err:
        plan_from_dict(data)
    assert message in str(err.value)


def test_not_an_object_at_all_is_refused_plainly():
    with pytest.raises(PlanError, match="plan: expected an object, found list"):
        plan_from_dict([])


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_words = _text.filter(lambda s: s.strip() != "")
_day = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def plans(draw) -> Plan:
    needs = tuple(Need(f"N{i}", draw(st.sampled_from(NEED_SECTIONS)), draw(_words))
                  for i in range(draw(st.integers(0, 4))))  # fmt: skip
    outcomes = tuple(Outcome(f"O{i}", draw(_words), draw(_text), draw(st.booleans()))
                     for i in range(draw(st.integers(0, 3))))  # fmt: skip
    advice = tuple(Advice(f"K{i}", draw(_words), draw(_text), draw(st.none() | _day))
                   for i in range(draw(st.integers(0, 3))))  # fmt: skip
    keys = lambda items: st.lists(st.sampled_from([x.key for x in items]), max_size=2,  # noqa: E731
                                  unique=True).map(tuple) if items else st.just(())  # fmt: skip
    provision = tuple(
        Provision(f"P{i}", draw(st.sampled_from(PROVISION_SECTIONS)), draw(_words),
                  draw(_text), draw(_text), draw(_text), draw(_text), draw(_text),
                  draw(keys(needs)), draw(keys(outcomes)), draw(keys(advice)))
        for i in range(draw(st.integers(0, 4)))
    )  # fmt: skip
    contributions = tuple(
        Contribution(draw(st.sampled_from(CONTRIBUTORS)), draw(_words),
                     draw(st.sampled_from(CONTRIBUTION_WAYS)), draw(st.none() | _day), draw(_text))
        for _ in range(draw(st.integers(0, 3)))
    )  # fmt: skip
    comments = tuple(
        Comment(draw(st.sampled_from(SECTIONS)), draw(_words), draw(_text),
                draw(st.none() | _day), draw(st.sampled_from(("", *RESPONSES))), draw(_text))
        for _ in range(draw(st.integers(0, 2)))
    )  # fmt: skip
    budget = Budget(draw(st.booleans()), draw(st.booleans()),
                    draw(st.sampled_from(("", "E", "S", "H", "I"))))  # fmt: skip
    return Plan(contributions, needs, outcomes, provision, Placement(draw(_text), draw(_text)),
                draw(_text), advice, {}, draw(_text), comments, budget)  # fmt: skip


@settings(max_examples=150)
@given(plans())
def test_any_plan_survives_json(plan):
    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(plan)))) == plan
