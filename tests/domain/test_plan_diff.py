"""Comparing two versions of a plan: items matched by key, each field's change, the words that
changed, and nothing reported when the plans say the same."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_app.domain.plan import Need, Plan
from caseload_app.domain.plan_diff import Span, plan_diff, word_spans
from tests.domain.test_plan import good_plan, plans


def test_the_same_plan_has_no_changes():
    assert plan_diff(good_plan(), good_plan()) == []


@settings(max_examples=60)
@given(plans())
def test_any_plan_compared_with_itself_has_no_changes(plan: Plan):
    assert plan_diff(plan, plan) == []


def test_a_reworded_provision_is_one_change_to_its_field_not_a_removal_and_an_addition():
    old = good_plan()
    p1 = replace(old.provision[0], how_often="3 times a week")
    new = replace(old, provision=(p1, old.provision[1]))
    (change,) = plan_diff(old, new)
    assert (change.section, change.item, change.field, change.kind) == (
        "F", "P1", "how_often", "changed",
    )  # fmt: skip
    assert (change.before, change.after) == ("5 times a week", "3 times a week")
    assert change.spans() == [
        Span("removed", "5"), Span("added", "3"), Span("same", " times a week"),
    ]  # fmt: skip


def test_items_added_and_removed_and_the_school_named():
    old = good_plan()
    new = replace(
        old.with_placement("Hillside Primary School"),
        needs=(old.needs[0], Need("N3", "D", "Respite care at weekends")),
    )
    changes = {(c.section, c.item, c.field, c.kind) for c in plan_diff(old, new)}
    assert changes == {
        ("C", "N2", "", "removed"),
        ("D", "N3", "", "added"),
        ("I", "", "name", "added"),
    }
    removed = next(c for c in plan_diff(old, new) if c.kind == "removed")
    assert removed.before == "Zoë has glue ear and hears less in noisy rooms."


def test_links_and_flags_count_as_changes():
    old = good_plan()
    o1 = replace(old.outcomes[0], adulthood=True)
    p2 = replace(old.provision[1], needs=("N1", "N2"))
    new = replace(old, outcomes=(o1,), provision=(old.provision[0], p2))
    assert {(c.item, c.field, c.before, c.after) for c in plan_diff(old, new)} == {
        ("O1", "adulthood", "no", "yes"),
        ("P2", "needs", "N2", "N1, N2"),
    }


def test_word_spans_rebuild_both_texts():
    before, after = "Zoë will read 20 words a minute", "Zoë will read 40 words a minute aloud"
    spans = word_spans(before, after)
    assert "".join(s.text for s in spans if s.kind != "added") == before
    assert "".join(s.text for s in spans if s.kind != "removed") == after
    assert [s for s in spans if s.kind != "same"] == [
        Span("removed", "20"), Span("added", "40"), Span("added", " aloud"),
    ]  # fmt: skip


@settings(max_examples=100)
@given(st.text(max_size=60), st.text(max_size=60))
def test_any_two_texts_are_rebuilt_from_their_spans(before, after):
    spans = word_spans(before, after)
    assert "".join(s.text for s in spans if s.kind != "added") == before
    assert "".join(s.text for s in spans if s.kind != "removed") == after


def test_a_response_to_the_familys_comment_is_a_change():
    from caseload_app.domain.plan import Comment

    asked = Comment("F", "Weekly speech therapy, please.", "Mum")
    old = replace(good_plan(), comments=(asked,))
    new = replace(good_plan(), comments=(replace(asked, response="did"),))
    assert [(c.section, c.item, c.field, c.after) for c in plan_diff(old, new)] == [
        ("comments", "C1", "response", "did"),
    ]
