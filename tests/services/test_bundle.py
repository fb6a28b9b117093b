"""A Tribunal bundle of a case's documents, on SQLite and PostgreSQL: one PDF with an index,
a divider per section, the documents in the Tribunal's order, "Page N of M" stamped on every
page and matching the index, bookmarks; a Word file through LibreOffice (CI has it), a damaged
PDF listed as not included with why; audited as an export."""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.bundle import BundleService
from caseload_app.services.documents import DocumentService, NewDocument
from caseload_app.services.errors import UserError
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_documents import email_with_attachment, pdf, word


def png(width: int = 40, height: int = 30) -> bytes:
    raw = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    head = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", head)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def two_pages(first: str, second: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = BytesIO()
    page = canvas.Canvas(out)
    for text in (first, second):
        page.drawString(72, 720, text)
        page.showPage()
    page.save()
    return out.getvalue()


@pytest.fixture
def case_file(db):
    case_id, _ = new_case(db)
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    on = date(2026, 10, 1)
    docs.add(case_id, two_pages("Decision not to issue", "Appeal rights"), "decision.pdf",
             NewDocument("letter_sent", on, "the council"))  # fmt: skip
    docs.add(case_id, pdf("Educational psychology advice"), "ep.pdf", NewDocument("advice_ep", on))
    docs.add(case_id, email_with_attachment(), "mum.eml")
    docs.add(case_id, png(), "drawing.png", NewDocument("advice_parent", on))
    docs.add(case_id, word("School report on reading."), "school.docx", NewDocument("report", on))
    docs.add(case_id, b"%PDF-1.4 broken", "broken.pdf", NewDocument("report", on))
    return case_id, BundleService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def test_the_tribunal_bundle_has_an_index_matching_its_stamped_pages(case_file, db):
    case_id, bundles = case_file
    bundle = bundles.make(case_id)
    reader = PdfReader(BytesIO(bundle.pdf))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) == bundle.pages
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {bundle.pages}" in text  # stamped on every page
    sections = [line.section for line in bundle.index]
    assert sections == sorted(sections)  # A. … E., in the Tribunal's order
    decision = next(line for line in bundle.index if line.title == "decision.pdf")
    assert "Decision not to issue" in pages[decision.first_page - 1]
    assert "Appeal rights" in pages[decision.last_page - 1]
    ep = next(line for line in bundle.index if line.title == "ep.pdf")
    assert "Educational psychology advice" in pages[ep.first_page - 1]
    mail = next(line for line in bundle.index if line.title == "Zoë's reading at home")
    assert "Biff and Chip" in pages[mail.first_page - 1]
    broken = next(line for line in bundle.index if line.title == "broken.pdf")
    assert broken.note == "not included: the PDF is damaged or locked with a password"
    index_text = pages[0]
    assert f"{decision.first_page}–{decision.last_page}" in index_text
    assert "E. Expert reports" in index_text and "not included" in index_text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == [
        "A. Appeal and decision",
        "C. The family's evidence",
        "D. The council's evidence",
        "E. Expert reports",
    ]  # each with its documents under it
    school = next(line for line in bundle.index if line.title == "school.docx")
    if shutil.which("soffice"):
        assert "School report on reading" in pages[school.first_page - 1]
    else:
        assert "LibreOffice" in school.note
    with db.read() as s:
        details = list(s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export")))
    assert re.match(
        rf"Bundle of case {case_id}: \d+ document\(s\), {bundle.pages} pages", details[-1]
    )


def test_chosen_documents_only_and_nothing_to_bundle_is_said(case_file, db):
    case_id, bundles = case_file
    first = DocumentService(db, "x").documents(case_id)[-1]
    bundle = bundles.make(case_id, [first.id])
    assert [line.title for line in bundle.index] == [first.title]
    with pytest.raises(UserError, match="has no document 9999"):
        bundles.make(case_id, [9999])
    empty, _ = new_case(db, first_name="Amy", upn=None, nhs_number=None)
    with pytest.raises(UserError, match="no documents to put in a bundle"):
        bundles.make(empty)


def test_a_pdf_locked_only_against_copying_goes_in_and_an_attachment_follows_its_email(db):
    from pypdf import PdfWriter

    case_id, _ = new_case(db)
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf("Paediatric report"))))
    writer.encrypt(user_password="", owner_password="nhs-owner")
    locked = BytesIO()
    writer.write(locked)
    docs.add(case_id, locked.getvalue(), "paediatric.pdf", NewDocument("advice_health"))
    docs.add(case_id, email_with_attachment(), "ep.eml", NewDocument("advice_ep"))
    bundle = BundleService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).make(case_id)
    pages = [p.extract_text() for p in PdfReader(BytesIO(bundle.pdf)).pages]
    paed = next(line for line in bundle.index if line.title == "paediatric.pdf")
    assert not paed.note and "Paediatric report" in pages[paed.first_page - 1]
    sections = {line.title: line.section for line in bundle.index}
    assert sections["audiology.pdf"] == sections["Zoë's reading at home"]
    assert sections["audiology.pdf"] == "E. Expert reports"


@pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (CI installs it)")
def test_word_files_are_made_into_pages_in_one_run_each_on_its_own_pages(db):
    case_id, _ = new_case(db)
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    for n, kind in enumerate(("advice_school", "advice_ep", "report")):
        docs.add(case_id, word(f"Word report number {n} for the bundle."), f"report {n}.docx",
                 NewDocument(kind, date(2026, 10, 1 + n)))  # fmt: skip
    docs.add(case_id, b"PK\x03\x04 not really a Word file", "broken.docx", NewDocument("report"))
    bundle = BundleService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).make(case_id)
    pages = [p.extract_text() for p in PdfReader(BytesIO(bundle.pdf)).pages]
    for n in range(3):
        line = next(i for i in bundle.index if i.title == f"report {n}.docx")
        assert f"Word report number {n} for the bundle." in pages[line.first_page - 1]
    broken = next(i for i in bundle.index if i.title == "broken.docx")
    assert broken.first_page == 0 and broken.note.startswith("not included")
