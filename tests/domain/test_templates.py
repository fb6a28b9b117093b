from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseload_app.domain.templates import (
    PLACEHOLDERS,
    MissingValues,
    TemplateError,
    blocks,
    fill,
    fill_title,
    long_date,
    parse,
    placeholders,
    salutation,
    validate,
)
from caseload_app.domain.validators import ValidationError
from caseload_app.paths import resources_dir

SHIPPED = resources_dir() / "templates"
GOOD = """Title: Hello {{child_first_name}}
To: family

Dear {{parent_carer_name}},

We wrote on {{today}} about {{ child_name }}.
Second line of the same paragraph.

# A heading

- first
- second
"""
ALL_VALUES = {name: f"<{name}>" for name in PLACEHOLDERS}


def test_parse_reads_header_body_and_placeholders():
    t = parse(GOOD, "hello")
    assert (t.title, t.to, t.body_line) == ("Hello {{child_first_name}}", "family", 4)
    assert t.placeholders() == ("child_first_name", "parent_carer_name", "today", "child_name")
    # The address block and letterhead need values too, whatever the body uses.
    assert {"family_address", "postcode", "council_name"} <= set(t.needs())


def test_fill_replaces_every_placeholder_and_blocks_split_the_body():
    t = parse(GOOD, "hello")
    body = fill(t, ALL_VALUES)
    assert fill_title(t, ALL_VALUES) == "Hello <child_first_name>"
    assert [(b.kind, b.lines) for b in blocks(body)] == [
        ("para", ("Dear <parent_carer_name>,",)),
        ("para", ("We wrote on <today> about <child_name>. Second line of the same paragraph.",)),
        ("heading", ("A heading",)),
        ("bullets", ("first", "second")),
    ]


def test_fill_lists_every_missing_and_misspelt_placeholder_at_once():
    t = parse(GOOD.replace("{{today}}", "{{todya}}") + "\n{{chlid_name}} {{zzz}}\n", "hello")
    values = {k: v for k, v in ALL_VALUES.items() if k not in ("child_name", "postcode")}
    values["parent_carer_name"] = "   "  # a blank is missing, never printed
    with pytest.raises(MissingValues) as err:
        fill(t, values)
    problem = err.value
    assert set(problem.missing) == {"child_name", "parent_carer_name", "postcode"}
    assert problem.unknown == {"todya": "today", "chlid_name": "child_name", "zzz": None}
    message = str(problem)
    assert "did you mean {{today}}?" in message
    assert "did you mean {{child_name}}?" in message
    assert "{{zzz}} is not a placeholder" in message
    assert "{{postcode}} (the family's postcode) has no value" in message
    assert isinstance(problem, ValidationError)  # the window and the CLI show it as it is


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("To: family\n\nDear x,\n", "hello.txt line 1: the header needs a 'Title: …'"),
        ("Title: A\nTo: parent\n\nDear x,\n", "hello.txt line 2: 'To:' must be one of family"),
        ("Title: A\n\nDear x,\n", "found nothing"),
        (
            "Title: A\nTo: family\nDear x,\n",
            "hello.txt line 3: expected 'Title: …', 'To: …', 'Name: …' or 'Stages: …'",
        ),
        (
            "Title: A\nTo: family\nStages: assessment, draft\n\nDear x,\n",
            "hello.txt line 3: 'Stages:' lists 'draft'; use any of request_received,",
        ),
        ("Title: A\nTo: family\n", "put a blank line between the header and the letter"),
        ("Title: A\nTo: family\n\n\n", "the letter has no text after the header"),
        ("Title: A\nTitle: B\nTo: family\n\nx\n", "line 2: 'Title:' is given twice"),
        ("Title: A\nTo: family\n\nok\nDear {{child_name},\n", "hello.txt line 5, column 6"),
        ("Title: A\nTo: family\n\nDear {child_name},\n", "line 4, column 6: unbalanced"),
        ("Title: A\nTo: family\n\n}} x\n", "line 4, column 1: unbalanced"),
        ("Title: A\nTo: family\n\nDear {{child name}},\n", "line 4: '{{child name}}' is not"),
        ("Title: A {{x\nTo: family\n\nDear,\n", "hello.txt line 1, column 10"),
    ],
)
def test_malformed_templates_name_the_file_and_line(text, expected):
    with pytest.raises(TemplateError) as err:
        parse(text, "hello")
    assert expected in str(err.value)


def test_validate_rejects_names_outside_the_vocabulary_with_a_suggestion():
    t = parse("Title: A\nTo: family\n\nDear,\n\nHi {{chlid_name}}.\n", "x", source="x.txt")
    with pytest.raises(TemplateError) as err:
        validate(t)
    assert "x.txt: not a placeholder: line 6: {{chlid_name}} — did you mean {{child_name}}?" in (
        str(err.value)
    )


def test_a_byte_order_mark_and_windows_line_ends_are_accepted():
    t = parse("\ufeffTitle: A\r\nTo: ep\r\n\r\nDear colleague,\r\n", "x")
    assert (t.title, t.to, t.body) == ("A", "ep", "Dear colleague,")


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.txt")), ids=lambda p: p.stem)
def test_every_shipped_template_is_valid_and_fills(path):
    t = validate(parse(path.read_text(encoding="utf-8"), path.stem, str(path)))
    body = fill(t, ALL_VALUES)
    assert "{{" not in body
    assert "}}" not in body
    assert blocks(body)[0].lines[0].startswith("Dear ")


def test_the_shipped_set_is_complete():
    names = {p.stem for p in SHIPPED.glob("*.txt")}
    assert names == {
        "decision_to_assess",
        "decision_not_to_assess",
        "advice_request",
        "advice_chase",
        "draft_plan_cover",
        "decision_not_to_issue",
        "final_plan_cover",
        "annual_review_invitation",
        "generic",
        "change_of_caseworker",
        "decision_to_cease",
        "decision_to_maintain",
        "amendment_notice",
    }


def test_a_title_without_a_name_is_shown_without_code():
    t = parse("Title: Reminder: {{advice_type}} advice for {{child_name}}\nTo: ep\n\nDear,\n", "x")
    assert t.plain_name == "Reminder: … advice for the child"
    named = parse("Title: {{subject}}\nTo: family\nName: Our letter\n\nDear,\n", "x")
    assert named.plain_name == "Our letter"


def test_the_readme_documents_every_placeholder():
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in PLACEHOLDERS if f"{{{{{name}}}}}" not in readme]
    assert undocumented == []


def test_long_date():
    assert long_date(date(2026, 11, 24)) == "24 November 2026"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ms Jo Brontë", "Ms Brontë"),
        ("Dr. Ade  Okafor-Smith", "Dr. Okafor-Smith"),
        ("Mr and Mrs Smith", "Mr and Mrs Smith"),
        ("Jo Brontë", "Jo Brontë"),
        ("Ms Brontë", "Ms Brontë"),
    ],
)
def test_salutation(name, expected):
    assert salutation(name) == expected


# --------------------------------------------------------------------------- properties
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30
).filter(lambda s: s.strip())
_literal = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"), max_size=20
)
_names = st.sampled_from(sorted(PLACEHOLDERS))


@given(
    parts=st.lists(st.tuples(_literal, _names), min_size=1, max_size=8),
    values=st.fixed_dictionaries({name: _text for name in PLACEHOLDERS}),
)
def test_fill_never_leaves_braces_for_any_values(parts, values):
    body = "".join(f"{literal}{{{{{name}}}}}" for literal, name in parts)
    template = parse(f"Title: {{{{subject}}}}\nTo: family\n\nDear,\n\n{body}\n", "p")
    assert set(placeholders(body)) <= set(PLACEHOLDERS)
    for text in (fill(template, values), fill_title(template, values)):
        assert "{{" not in text
        assert "}}" not in text
