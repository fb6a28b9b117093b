"""The EHC plan written as Word and as PDF from the same blocks: read back with python-docx
and pypdf, every section in order, a draft marked and with Section I blank, and nothing a
plan can hold (control characters, very long text) able to break either file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from caseload_app.domain.plan import Need
from caseload_app.reports.content import Imprint
from caseload_app.reports.plan_content import PlanHeader, plan_blocks
from caseload_app.reports.plan_docx import plan_docx
from caseload_app.reports.plan_pdf import plan_pdf
from tests.domain.test_plan import good_plan

SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K")
IMPRINT = Imprint("Asha Patel", datetime(2026, 12, 1, 10, 0), "Harbourside Council")


def header(status: str) -> PlanHeader:
    return PlanHeader("Harbourside Council", "Zoë Brontë", date(2017, 3, 4), status,
                      "A123456789012", "Version 2", date(2026, 12, 1), "Asha Patel")  # fmt: skip


def word(plan, status="final"):
    return Document(BytesIO(plan_docx(plan_blocks(plan, header(status)), header(status))))


def pdf_text(plan, status="final") -> str:
    data = plan_pdf(plan_blocks(plan, header(status)), header(status), IMPRINT)
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def final_plan():
    return good_plan().with_placement("Hillside Primary School", "mainstream primary")


def test_the_word_file_has_every_section_as_a_heading_in_order():
    doc = word(final_plan())
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(":")[0] for h in headings] == [f"Section {s}" for s in SECTIONS]
    assert headings[0] == "Section A: Views, interests and aspirations"
    assert doc.paragraphs[0].text == "Education, Health and Care plan"  # the title
    assert doc.core_properties.title == "Education, Health and Care plan: Zoë Brontë"
    assert doc.core_properties.language == "en-GB"


def test_the_word_file_quotes_the_family_and_tables_the_provision():
    doc = word(final_plan())
    texts = [p.text for p in doc.paragraphs]
    assert "“I like drawing horses. I want to read my own books.”" in texts
    assert "— Zoë (child), in a drawing, Mon 14 Sep 2026" in texts
    provision = next(t for t in doc.tables if t.rows[0].cells[0].text == "Provision")
    assert [c.text for c in provision.rows[0].cells] == [
        "Provision", "Who delivers it", "How often", "How long", "Group", "Reviewed by",
        "Meets needs", "Towards outcomes",
    ]  # fmt: skip
    assert [c.text for c in provision.rows[1].cells][:5] == [
        "P1. Precision Teaching of high-frequency words",
        "a teaching assistant trained in Precision Teaching",
        "5 times a week", "15 minutes", "1:1",
    ]  # fmt: skip
    head = provision.rows[0]._tr.trPr.find(qn("w:tblHeader"))
    assert head is not None and head.get(qn("w:val")) == "true"  # repeats on each page
    assert "Hillside Primary School — mainstream primary" in texts


def test_a_draft_is_marked_on_every_page_and_names_no_school():
    doc = word(final_plan(), status="draft")
    assert doc.paragraphs[0].text == "Draft Education, Health and Care plan"
    assert doc.sections[0].header.paragraphs[0].text.startswith("DRAFT")
    texts = [p.text for p in doc.paragraphs]
    assert "Left blank in a draft plan (Children and Families Act 2014, s38(5))." in texts
    assert "Hillside Primary School — mainstream primary" not in texts
    footer = doc.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert "DRAFT" in pdf_text(final_plan(), status="draft")
    assert "Hillside Primary School" not in pdf_text(final_plan(), status="draft")


def test_the_pdf_says_what_the_word_file_says():
    text = " ".join(pdf_text(final_plan()).split())  # table cells wrap their lines
    for s in SECTIONS:
        assert f"Section {s}:" in text
    for words in ("Zoë Brontë", "Sat 4 Mar 2017", "Precision Teaching", "SENCo, each term",
                  "by the end of Year 5", "Educational psychology advice", "Dr A Patel",
                  "Hillside Primary School"):  # fmt: skip
        assert words in text, words
    assert text.index("Section A:") < text.index("Section F:") < text.index("Section K:")


def test_nothing_the_plan_holds_can_break_either_file():
    """Control characters (which Word cannot hold), a 20,000-character need, and text an
    import could not place: cleaned, laid out over pages, and printed last."""
    plan = final_plan()
    long_need = Need("N9", "D", ("Needs support at home. " * 900)[:20_000])
    odd = replace(plan.needs[0], text="Reads\x00 at\x0b Year\u200b 1 level.\x1f")
    plan = replace(plan, needs=(odd, plan.needs[1], long_need),
                   not_placed="Sentence from page 9 with no heading.")  # fmt: skip
    doc = word(plan)
    texts = [p.text for p in doc.paragraphs]
    assert "N1. Reads at Year 1 level." in texts
    assert texts[-1] == "Sentence from page 9 with no heading."
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][-1] == (
        "Text not yet placed in a section"
    )
    data = plan_pdf(plan_blocks(plan, header("final")), header("final"), IMPRINT)
    pages = PdfReader(BytesIO(data)).pages
    assert len(pages) > 3
    assert "Sentence from page 9" in pages[-1].extract_text()


def test_the_familys_one_page_summary_comes_from_sections_a_and_e():
    from caseload_app.reports.plan_content import summary_blocks

    blocks = summary_blocks(final_plan(), header("final"))
    data = plan_pdf(blocks, header("final"), IMPRINT)
    pages = PdfReader(BytesIO(data)).pages
    assert len(pages) == 1
    text = " ".join(pages[0].extract_text().split())
    assert "Zoë's plan: a summary" in text
    assert "“I like drawing horses. I want to read my own books.”" in text
    assert "Zoë will read a book of 40 pages aloud to an adult (by the end of Year 5" in text
    assert "Asha Patel, Harbourside Council" in text
    assert "Precision Teaching" not in text  # the provision is in the plan, not the summary
    doc = Document(BytesIO(plan_docx(blocks, header("final"))))
    assert doc.paragraphs[0].text == "Zoë's plan: a summary"


def test_the_familys_comments_and_the_councils_responses_go_with_the_plan():
    from caseload_app.domain.plan import Comment

    plan = replace(final_plan(), comments=(
        Comment("F", "We want speech therapy weekly.", "Mum", response="did"),
        Comment("I", "We would like Hillside named.", "Mum", response="did_not",
                because="Its specialist base is full."),
    ))  # fmt: skip
    doc = word(plan)
    table = doc.tables[-1]
    assert [c.text for c in table.rows[0].cells] == [
        "Section", "You said", "We did / did not", "Because",
    ]  # fmt: skip
    assert [c.text for c in table.rows[2].cells] == [
        "I", "We would like Hillside named. (Mum)", "We did not", "Its specialist base is full.",
    ]  # fmt: skip
    assert "What you said about the draft, and what we did" in pdf_text(plan)
