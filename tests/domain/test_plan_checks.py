"""The checks a Tribunal would make of a plan (resources/codes/plan_checks.csv): each rule on
good and on bad wording, where it points, switching rules off, and a broken rule list named by
its line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caseload_app.domain.codes import CodeListError
from caseload_app.domain.plan import Contribution, Need, Outcome, Placement, Plan
from caseload_app.domain.plan_checks import parse_rules, rules, run_checks
from tests.domain.test_plan import good_plan

HEADER = "key,section,field,pattern,source,label,explanation,suggestion\n"


def final(plan: Plan) -> Plan:
    return plan.with_placement("Hillside Primary School", "mainstream primary")


def found(plan: Plan, **context) -> set[tuple[str, str]]:
    return {(f.rule, f.item) for f in run_checks(plan, **context)}


def test_a_specific_plan_passes_every_check():
    assert run_checks(good_plan(), draft=True) == []
    assert run_checks(final(good_plan()), draft=False) == []


def with_p1(**changes) -> Plan:
    plan = good_plan()
    return replace(plan, provision=(replace(plan.provision[0], **changes), *plan.provision[1:]))


@pytest.mark.parametrize(
    ("text", "rule", "words"),
    [
        ("Access to a quiet room", "vague_access", "Access to"),
        ("Opportunities for small-group reading", "vague_opportunities", "Opportunities"),
        ("Regular reading practice", "vague_regular", "Regular"),
        ("Reading practice as appropriate", "vague_as_needed", "as appropriate"),
        ("Help as and when required", "vague_as_needed", "as and when required"),
        ("Phonics where possible", "vague_as_needed", "where possible"),
        ("Up to 30 minutes of phonics", "vague_up_to", "Up to"),
        ("Zoë may have a reading intervention", "vague_may", "may"),
        ("Staff should read with Zoë", "vague_may", "should"),
        ("Adult support in lessons", "vague_support", "Adult support"),
    ],
)
def test_vague_provision_is_flagged_where_it_is(text, rule, words):
    """CoP 9.69: provision "detailed and specific and … normally quantified"."""
    (finding,) = [f for f in run_checks(with_p1(text=text)) if f.rule == rule]
    assert (finding.section, finding.item, finding.field) == ("F", "P1", "text")
    assert text[finding.start : finding.end] == words == finding.words
    assert finding.source == "CoP 9.69"
    assert finding.suggestion  # it suggests, it never rewrites
    assert run_checks(with_p1(text=text))[0].explanation


@pytest.mark.parametrize(
    "text",
    [
        "Precision Teaching of high-frequency words",
        "A mayfly project in science",  # "may" inside a word is not "may"
        "Support from a speech and language therapist",
        "A regulated sensory diet",  # "regulated" is not "regular"
    ],
)
def test_specific_wording_is_not_flagged(text):
    assert run_checks(with_p1(text=text)) == []


def test_the_frequency_field_is_read_as_well():
    (f,) = run_checks(with_p1(how_often="regularly"))
    assert (f.rule, f.field, f.words) == ("vague_regular", "how_often", "regularly")


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("who", "provision_no_who"),
        ("how_often", "provision_no_how_often"),
        ("how_long", "provision_no_how_long"),
        ("group", "provision_no_group"),
        ("reviewed_by", "provision_no_reviewer"),
    ],
)
def test_provision_missing_who_how_often_how_long_group_or_reviewer(field, rule):
    assert found(with_p1(**{field: "  "})) == {(rule, "P1")}


def test_group_and_reviewer_are_asked_of_special_educational_provision_only():
    """Section G's soundfield system (P2) gives no group: it is for the whole class."""
    plan = good_plan()
    assert plan.provision[1].group == ""
    assert run_checks(plan) == []


def test_links_between_needs_provision_and_outcomes():
    plan = good_plan()
    unlinked = replace(plan.provision[0], needs=(), outcomes=())
    assert found(replace(plan, provision=(unlinked, plan.provision[1]))) == {
        ("provision_no_need", "P1"),
        ("provision_no_outcome", "P1"),
        ("need_no_provision", "N1"),  # P1 was the only provision meeting it
    }
    extra = replace(plan, outcomes=(*plan.outcomes, Outcome("O2", "Zoë will swim 10 metres",
                                                           "by July 2028")))  # fmt: skip
    assert found(extra) == {("outcome_no_provision", "O2")}


@pytest.mark.parametrize(
    ("text", "by_when", "rules_found"),
    [
        ("Zoë will receive 1:1 reading support", "by July 2028",
         {"outcome_is_provision"}),
        ("Zoë will have access to a laptop", "by July 2028", {"outcome_is_provision"}),
        ("Zoë will read 40 words a minute", "", {"outcome_no_time"}),
        ("Zoë will read 40 words a minute by the end of Year 5", "", set()),
        ("Zoë will read 40 words a minute within 12 months", "", set()),
        ("Zoë's reading will improve", "by July 2028", {"outcome_not_measurable"}),
        ("Zoë will develop her confidence", "by July 2028", {"outcome_not_measurable"}),
        ("Zoë will improve her reading to 40 words a minute", "by July 2028", set()),
        ("Zoë will develop the skills to travel to school independently", "by July 2030", set()),
    ],
)  # fmt: skip
def test_outcomes_are_achievements_with_a_time_and_a_measure(text, by_when, rules_found):
    """CoP 9.66: what the child will achieve, specific, measurable, with a time frame."""
    plan = good_plan()
    plan = replace(plan, outcomes=(replace(plan.outcomes[0], text=text, by_when=by_when),))
    assert {f.rule for f in run_checks(plan)} == rules_found


def test_preparing_for_adulthood_is_asked_for_from_year_9():
    plan = good_plan()
    assert found(plan, adulthood_due=True) == {("e_no_adulthood", "")}
    adult = replace(plan, outcomes=(replace(plan.outcomes[0], adulthood=True),))
    assert found(adult, adulthood_due=True) == set()


def test_section_a_empty_without_the_child_or_written_about_them():
    plan = good_plan()
    assert found(replace(plan, contributions=())) == {("a_empty", "")}
    assert found(replace(plan, contributions=(), notes={"A": "Views gathered below."})) == set()
    parent_only = replace(plan, contributions=plan.contributions[1:])
    assert found(parent_only) == {("a_no_child_voice", "")}
    child = Contribution("child", "She likes drawing horses.", "conversation")
    mum = Contribution("parent", "Mum says she loves school; she is happy there.")
    assert found(replace(plan, contributions=(child, mum))) == {
        ("a_child_in_third_person", "A1"),  # the child's own words, but about her
        ("a_written_about", "A2"),  # reported, not in the parent's words
    }
    # A parent may speak of their child as "she": that is still their own words.
    own = Contribution("parent", "We love how she draws; she is kind.")
    assert found(replace(plan, contributions=(plan.contributions[0], own))) == set()


def test_section_i_blank_in_a_draft_and_filled_in_the_final():
    """s38(5) CFA 2014: the draft names no school; the final names one (or the type)."""
    plan = good_plan()
    assert found(final(plan), draft=True) == {("i_in_draft", "")}
    assert found(plan, draft=False) == {("i_empty_final", "")}
    type_only = replace(plan, placement=Placement("", "special school (SLD)"))
    assert found(type_only, draft=False) == set()


def test_advice_nothing_draws_on_is_flagged():
    plan = good_plan()
    p1 = replace(plan.provision[0], advice=())
    assert found(replace(plan, provision=(p1, plan.provision[1]))) == {("k_not_reflected", "K1")}


def test_a_council_can_switch_a_rule_off():
    plan = with_p1(text="Regular phonics as appropriate")
    assert {f.rule for f in run_checks(plan)} == {"vague_regular", "vague_as_needed"}
    assert {f.rule for f in run_checks(plan, off={"vague_regular"})} == {"vague_as_needed"}


def test_findings_come_in_section_order():
    plan = with_p1(text="Access to phonics", who="")
    plan = replace(plan, contributions=(), needs=(*plan.needs, Need("N3", "D", "Respite")))
    assert [f.section for f in run_checks(plan)] == ["A", "D", "F", "F"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("mystery,F,text,,CoP,x,y,z", "rule 'mystery' has no pattern and is not one of the checks"),
        ("vague,F,text,(unclosed,CoP,x,y,z", "line 2: pattern is not valid"),
        ("outcome_not_measurable,E,text,,CoP,x,y,z", "'outcome_not_measurable' needs a pattern"),
        ("a,F,text,x,CoP,l,e,s\na,F,text,y,CoP,l,e,s", "line 3: rule 'a' appears twice"),
        ("a,F,text,x,CoP", "line 2: expected 8 values"),
    ],
)  # fmt: skip
def test_a_broken_rule_list_is_named_by_its_line(row, message):
    with pytest.raises(CodeListError) as err:
        parse_rules(HEADER + row + "\n", "plan_checks.csv")
    assert message in str(err.value)


def test_the_shipped_rules_cite_a_source_and_explain_themselves():
    shipped = rules()
    assert len(shipped) >= 25
    for rule in shipped:
        assert rule.source and rule.explanation and rule.suggestion, rule.key


def test_each_comment_on_the_draft_is_answered_and_a_refusal_says_why():
    """Co-production: "you said — we did / we did not, because"."""
    from caseload_app.domain.plan import Comment

    plan = good_plan()
    unanswered = Comment("F", "We want speech therapy weekly.", "Mum")
    refused = Comment("I", "We would like Hillside named.", "Mum", response="did_not")
    done = Comment("A", "Add that Zoë loves horses.", response="did")
    found_now = found(replace(plan, comments=(unanswered, refused, done)))
    assert found_now == {("comment_no_response", "C1"), ("comment_no_reason", "C2")}
    answered = replace(refused, because="Its specialist base is full for September (s39(4)).")
    assert found(replace(plan, comments=(done, answered))) == set()
