"""Importing councils' existing plans from Word files the tests write themselves, headed in the
many ways councils head them: every section found, provision tables read by their headers,
and not one word lost; files that are not plans refused in words."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from docx import Document

from caseload_app.domain.plan import plan_from_dict, plan_to_dict
from caseload_app.domain.plan_import import place_blocks, section_of_heading
from caseload_app.services.errors import UserError
from caseload_app.services.plan_files import read_docx_blocks

TITLES = {
    "A": "Views, interests and aspirations", "B": "Special educational needs",
    "C": "Health needs related to SEN", "D": "Social care needs",
    "E": "Outcomes", "F": "Special educational provision", "G": "Health provision",
    "H1": "Social care provision under section 2 of the CSDPA 1970",
    "H2": "Other social care provision", "I": "Placement", "J": "Personal budget",
    "K": "Advice and information",
}  # fmt: skip
STYLES = {
    "section": lambda s: f"Section {s}: {TITLES[s]}",
    "colon": lambda s: f"{s}: {TITLES[s]}",
    "dash": lambda s: f"{s} – {TITLES[s]}",
    "upper": lambda s: f"SECTION {s}",
    "words": lambda s: TITLES[s],
}


def write_plan(heading_style: str, *, styled: bool, tables_for_headings: bool = False) -> bytes:
    """A plan as a council might have written it, with its sections headed one way."""
    doc = Document()
    doc.add_paragraph("Education, Health and Care Plan for Zoë Brontë, born 4 March 2017")
    for s in TITLES:
        title = STYLES[heading_style](s)
        if tables_for_headings:
            doc.add_table(rows=1, cols=1).rows[0].cells[0].text = title
        elif styled:
            doc.add_heading(title, level=1)
        else:
            doc.add_paragraph(title).runs[0].bold = True
        for text in CONTENT[s]:
            doc.add_paragraph(text)
        if s == "F":
            table = doc.add_table(rows=3, cols=6)
            for r, values in enumerate(PROVISION_TABLE):
                for c, value in enumerate(values):
                    table.rows[r].cells[c].text = value
        if s == "E":
            table = doc.add_table(rows=2, cols=2)
            for r, values in enumerate(OUTCOME_TABLE):
                for c, value in enumerate(values):
                    table.rows[r].cells[c].text = value
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


CONTENT = {
    "A": ["I like drawing horses and riding my bike.", "We want Zoë to have friends."],
    "B": ["Zoë reads at a Year 1 level.", "She finds it hard to follow spoken instructions."],
    "C": ["Glue ear in both ears."],
    "D": ["No social care needs identified."],
    "E": [],
    "F": ["Small-group phonics with the class teacher daily."],
    "G": ["A soundfield system in class."],
    "H1": ["None."],
    "H2": ["Short breaks at weekends."],
    "I": ["Hillside Primary School", "A mainstream primary school."],
    "J": ["A direct payment of £1,200 a year for short breaks."],
    "K": ["Educational psychology advice, 1 October 2026", "Audiology report, 28 September 2026"],
}
PROVISION_TABLE = [
    ("Provision", "Delivered by", "Frequency", "Duration", "Group size", "Reviewed by"),
    ("Precision Teaching", "Trained TA", "5 times a week", "15 minutes", "1:1", "SENCo termly"),
    ("Speech and language therapy", "SALT", "Weekly", "30 minutes", "1:1", "SALT each term"),
]
OUTCOME_TABLE = [("Outcome", "By when"), ("Zoë will read 40 words a minute", "July 2028")]


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[\w£,.:;/-]+", text.lower()))


@pytest.mark.parametrize("heading_style", sorted(STYLES))
@pytest.mark.parametrize("styled", [True, False])
def test_every_way_of_heading_finds_every_section_and_loses_no_word(heading_style, styled):
    data = write_plan(heading_style, styled=styled)
    placed = place_blocks(read_docx_blocks(data, "zoe.docx"))
    assert placed.headings == tuple(TITLES), placed.report()
    plan = placed.plan
    assert [n.text for n in plan.needs_in("B")] == CONTENT["B"]
    assert plan.placement.name == "Hillside Primary School"
    assert plan.notes["I"] == "A mainstream primary school."
    assert plan.personal_budget == CONTENT["J"][0]
    assert [a.title for a in plan.advice] == CONTENT["K"]
    assert (
        plan.notes["A"]
        == "I like drawing horses and riding my bike.\n\nWe want Zoë to have friends."
    )
    # The title line before Section A is not a section: kept, not dropped.
    assert plan.not_placed.startswith("Education, Health and Care Plan for Zoë")
    # Not one word of the file's text is lost: every word is somewhere in the plan.
    stored = json.dumps(plan_to_dict(plan), ensure_ascii=False).lower()
    for text in [t for ts in CONTENT.values() for t in ts] + [
        c for row in PROVISION_TABLE[1:] + OUTCOME_TABLE[1:] for c in row
    ]:
        for word in words_of(text):
            assert word in stored, (word, text)
    assert plan_from_dict(plan_to_dict(plan)) == plan  # a valid plan, saved as any other


def test_a_provision_table_is_read_by_its_header():
    plan = place_blocks(read_docx_blocks(write_plan("section", styled=True))).plan
    (daily, pt, salt) = plan.provision_in("F")
    assert daily.text == "Small-group phonics with the class teacher daily."
    assert (pt.text, pt.who, pt.how_often, pt.how_long, pt.group, pt.reviewed_by) == (
        "Precision Teaching", "Trained TA", "5 times a week", "15 minutes", "1:1", "SENCo termly",
    )  # fmt: skip
    assert salt.key == "P3"
    (outcome,) = plan.outcomes
    assert (outcome.text, outcome.by_when) == ("Zoë will read 40 words a minute", "July 2028")


def test_headings_in_a_tables_first_cell_are_found():
    placed = place_blocks(read_docx_blocks(write_plan("colon", styled=False,
                                                      tables_for_headings=True)))  # fmt: skip
    assert placed.headings == tuple(TITLES)
    assert "Sections found: A, B, C" in placed.report()
    assert "Items placed: A (2), B (2)" in placed.report()


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("Section H1 – Social care (CSDPA)", "H1"),
        ("SECTION h2", "H2"),
        ("I: Placement", "I"),
        ("I", "I"),
        ("E.", "E"),
        ("I am happy at school.", None),  # the pronoun, not Section I
        ("A lot of progress this year.", None),
        ("Special educational needs", "B"),
        ("Special educational provision", "F"),
        ("Social care provision", "H1"),
        ("Other social care provision", "H2"),
        ("Zoë needs special educational provision in a small class every day of the week.", None),
    ],
)
def test_what_counts_as_a_heading(line, section):
    assert section_of_heading(line) == section


def test_a_file_that_is_not_a_plan_is_refused_in_words(tmp_path):
    with pytest.raises(UserError, match="notes.docx is not a Word .docx file"):
        read_docx_blocks(b"Dear colleague, ...", "notes.docx")
    with pytest.raises(UserError, match="old Word 97-2003 .doc.*save it as .docx"):
        read_docx_blocks(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "plan.doc")
    with pytest.raises(UserError, match="broken.docx is damaged or not a Word document"):
        read_docx_blocks(b"PK\x03\x04" + bytes(50), "broken.docx")
    with pytest.raises(UserError, match="missing.docx cannot be read"):
        read_docx_blocks(tmp_path / "missing.docx")
