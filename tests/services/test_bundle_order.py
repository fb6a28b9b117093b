"""A bundle of the documents a person picked, in the order they put them: the outline a
person picks from (the preset's sections, oldest first, and which documents cannot go in and
why), the chosen order within each section and a document moved to another section, read
back from the PDF with pypdf; documents left out are nowhere in it; progress and Stop."""

from __future__ import annotations

import threading
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from caseload_app.db.models import AuditEntry
from caseload_app.services.bundle import NO_LIBREOFFICE, BundleService, Stopped
from caseload_app.services.documents import DocumentService, NewDocument
from caseload_app.services.errors import UserError
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_documents import email_with_attachment, pdf, word

D = "D. The council's evidence"
E = "E. Expert reports"


@pytest.fixture
def case_file(db):
    """Three council reports, two expert reports, a Word file and an e-mail, by title."""
    case_id, _ = new_case(db)
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    ids: dict[str, int] = {}
    for title, kind, day in (
        ("Report one", "report", 1),
        ("Report two", "report", 2),
        ("Report three", "report", 3),
        ("EP advice", "advice_ep", 4),
        ("Health advice", "advice_health", 5),
    ):
        new = NewDocument(kind, date(2026, 10, day), title=title)
        (added,) = docs.add(case_id, pdf(f"The words of {title}"), f"{title}.pdf", new)
        ids[title] = added.id
    on = date(2026, 10, 6)
    (school,) = docs.add(case_id, word("School report"), "school.docx", NewDocument("report", on))
    ids["school.docx"] = school.id
    mail, attached = docs.add(case_id, email_with_attachment(), "mum.eml")
    ids["mail"], ids["audiology.pdf"] = mail.id, attached.id
    return case_id, ids, BundleService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def read_back(bundle) -> tuple[list[str], list[str]]:
    """The index's titles in order, and the bundle's pages' text."""
    reader = PdfReader(BytesIO(bundle.pdf))
    return [line.title for line in bundle.index], [p.extract_text() for p in reader.pages]


def first_page_of(text: str, pages: list[str]) -> int:
    return next(n for n, page in enumerate(pages, start=1) if text in page)


def test_the_outline_is_in_the_preset_s_sections_oldest_first(case_file, monkeypatch):
    case_id, ids, bundles = case_file
    monkeypatch.setenv("PATH", "")  # a computer without LibreOffice
    outline = bundles.outline(case_id)
    assert outline.sections[0] == "A. Appeal and decision" and outline.sections[-1] == E
    placed = [(e.section, e.document.title) for e in outline.entries]
    assert placed == [
        ("C. The family's evidence", "Zoë's reading at home"),
        ("C. The family's evidence", "audiology.pdf"),  # its e-mail's section, after it
        (D, "Report one"),
        (D, "Report two"),
        (D, "Report three"),
        (D, "school.docx"),
        (E, "EP advice"),
        (E, "Health advice"),
    ]
    why = {e.document.title: e.why_not for e in outline.entries}
    assert why["school.docx"] == NO_LIBREOFFICE
    assert [t for t, w in why.items() if w] == ["school.docx"]
    with pytest.raises(UserError, match="preset is one of: tribunal"):
        bundles.outline(case_id, "court")


def test_the_chosen_order_is_the_bundle_s_order_and_what_is_left_out_is_absent(case_file, db):
    case_id, ids, bundles = case_file
    chosen = [ids["Health advice"], ids["Report three"], ids["EP advice"], ids["Report one"]]
    bundle = bundles.make(case_id, chosen)
    titles, pages = read_back(bundle)
    # The sections keep the preset's order; within each, the order chosen.
    assert titles == ["Report three", "Report one", "Health advice", "EP advice"]
    assert [line.section for line in bundle.index] == [D, D, E, E]
    starts = [first_page_of(f"The words of {t}", pages) for t in titles]
    assert starts == [line.first_page for line in bundle.index]
    assert starts == sorted(starts)  # the pages follow the index
    everything = "\n".join(pages)
    for left_out in ("Report two", "school", "Biff and Chip", "Audiology report"):
        assert left_out not in everything
    outline = PdfReader(BytesIO(bundle.pdf)).outline
    assert [item.title for item in outline if not isinstance(item, list)] == [D, E]
    inner = [[each.title for each in item] for item in outline if isinstance(item, list)]
    assert inner == [["Report three", "Report one"], ["Health advice", "EP advice"]]


def test_a_document_moved_to_another_section_goes_there_in_its_place(case_file):
    case_id, ids, bundles = case_file
    chosen = [ids["Report one"], ids["EP advice"], ids["Report two"], ids["Health advice"]]
    bundle = bundles.make(case_id, chosen, sections={ids["Report two"]: E})
    titles, pages = read_back(bundle)
    assert titles == ["Report one", "EP advice", "Report two", "Health advice"]
    assert [line.section for line in bundle.index] == [D, E, E, E]
    moved = bundle.index[2]
    assert "The words of Report two" in pages[moved.first_page - 1]
    # The divider for E comes before the EP advice, not before the moved report.
    assert E in pages[bundle.index[1].first_page - 2]


def test_an_attachment_chosen_without_its_email_still_goes_where_the_email_goes(case_file):
    case_id, ids, bundles = case_file
    bundle = bundles.make(case_id, [ids["audiology.pdf"]])
    assert [(line.section, line.title) for line in bundle.index] == [
        ("C. The family's evidence", "audiology.pdf")
    ]


def test_bad_sections_are_refused_with_why(case_file):
    case_id, ids, bundles = case_file
    with pytest.raises(UserError, match="sections are: A. Appeal and decision; B."):
        bundles.make(case_id, [ids["Report one"]], sections={ids["Report one"]: "Z. Nowhere"})
    with pytest.raises(UserError, match=f"Document {ids['EP advice']} is not in the bundle"):
        bundles.make(case_id, [ids["Report one"]], sections={ids["EP advice"]: D})
    with pytest.raises(UserError, match="no documents to put in a bundle"):
        bundles.make(case_id, [])


def test_progress_is_told_and_stop_makes_nothing(case_file, db):
    case_id, ids, bundles = case_file
    chosen = [ids["Report one"], ids["Report two"], ids["EP advice"]]
    heard: list[tuple[int, int]] = []
    bundles.make(case_id, chosen, progress=lambda done, total: heard.append((done, total)))
    assert heard == [(1, 3), (2, 3), (3, 3)]
    cancel = threading.Event()

    def stop_after_one(done: int, _total: int) -> None:
        if done == 1:
            cancel.set()

    with db.read() as s:
        exports = select(func.count()).where(AuditEntry.action == "export")
        before = s.scalar(exports)
    with pytest.raises(Stopped, match="no bundle was made"):
        bundles.make(case_id, chosen, progress=stop_after_one, cancel=cancel)
    with db.read() as s:
        assert s.scalar(exports) == before  # nothing recorded as exported
        prints = select(func.count()).where(AuditEntry.action == "print")
        assert s.scalar(prints) == 3 + 1  # the first bundle's three, and the one stopped after
