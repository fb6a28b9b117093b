"""Importing councils' existing plans from Word files the tests write themselves, headed in the
many ways councils head them: every section found, provision tables read by their headers,
and not one word lost; files that are not plans refused in words."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO

import pytest
from docx import Document

from caseload_app.domain.plan import plan_from_dict, plan_to_dict
from caseload_app.domain.plan_import import Identity, identity_of, place_blocks, section_of_heading
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


# --------------------------------------------------------------------------- a folder of plans
def plan_file(folder, name: str, *lines: str, table: tuple[tuple[str, str], ...] = ()) -> None:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    if table:
        t = doc.add_table(rows=len(table), cols=2)
        for r, (a, b) in enumerate(table):
            t.rows[r].cells[0].text, t.rows[r].cells[1].text = a, b
    doc.add_heading("Section B: Special educational needs", 1)
    doc.add_paragraph(f"Needs written in {name}.")
    doc.save(folder / name)


@pytest.mark.parametrize(
    ("lines", "table", "expected"),
    [
        (("UPN: L837201500012",), (), Identity("L837201500012")),
        (("Name: Zoë Brontë", "Date of birth: 04/05/2016"), (),
         Identity("", "Zoë Brontë", date(2016, 5, 4))),
        ((), (("Child's name", "Zoë Brontë"), ("DOB", "Wed 4 May 2016")),
         Identity("", "Zoë Brontë", date(2016, 5, 4))),
        (("Unique pupil number L837201500013",), (), Identity()),  # its check letter is wrong
        (("Date of birth: 31/02/2016",), (), Identity()),  # no such day
    ],
)  # fmt: skip
def test_who_a_plan_is_about_is_read_from_its_text(tmp_path, lines, table, expected):
    plan_file(tmp_path, "x.docx", *lines, table=table)
    assert identity_of(read_docx_blocks(tmp_path / "x.docx")) == expected


def test_a_folder_of_plans_is_matched_to_children_and_imported_one_by_one(tmp_path, db, capsys):
    """By UPN, by name and date of birth, and the files that cannot be matched say why; each
    plan all or nothing: the ones that failed left nothing behind."""
    from caseload_app.services.plans import PlanService
    from tests.helpers import NOW, TODAY, new_case

    zoe, _ = new_case(db)
    sam, _ = new_case(db, first_name="Sam", last_name="Okafor", upn="", nhs_number="",
                      date_of_birth=date(2015, 1, 9))  # fmt: skip
    folder = tmp_path / "plans"
    folder.mkdir()
    plan_file(folder, "1-zoe.docx", "UPN: L837201500012")
    plan_file(
        folder, "2-sam.docx", table=(("Name", "Sam Okafor"), ("Date of birth", "9 January 2015"))
    )
    plan_file(folder, "3-nobody.docx", "Name: Ann Other", "Date of birth: 01/01/2014")
    plan_file(folder, "4-anon.docx", "A plan with no name.")
    (folder / "5-broken.docx").write_bytes(b"PK\x03\x04broken")
    (folder / "notes.txt").write_text("not a plan")
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    lines = plans.import_folder(folder)
    assert [(x.file, x.case_id) for x in lines] == [
        ("1-zoe.docx", zoe), ("2-sam.docx", sam), ("3-nobody.docx", None),
        ("4-anon.docx", None), ("5-broken.docx", None),
    ]  # fmt: skip
    assert lines[0].outcome.startswith("Sections found: B.")
    assert lines[2].outcome == (
        "not imported: no child matches Ann Other, born 2014-01-01 in caseload."
    )
    assert "no UPN, nor a name with a date of birth" in lines[3].outcome
    assert "5-broken.docx is damaged" in lines[4].outcome
    assert [n.text for n in plans.working(zoe).plan.needs] == ["Needs written in 1-zoe.docx."]
    assert [n.text for n in plans.working(sam).plan.needs] == ["Needs written in 2-sam.docx."]


def test_the_import_folder_command_reports_each_file(tmp_path, capsys):
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database
    from tests.helpers import new_case

    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    new_case(db)
    db.dispose()
    folder = tmp_path / "plans"
    folder.mkdir()
    plan_file(folder, "zoe.docx", "UPN: L837201500012")
    plan_file(folder, "anon.docx", "No name here.")
    assert main(["plan", "import-folder", "--db", str(path), str(folder)]) == 1
    out = capsys.readouterr().out
    assert "zoe.docx: case 1: Sections found: B." in out
    assert "anon.docx: -: not imported:" in out
    assert out.rstrip().endswith("1 of 2 plan(s) imported.")
