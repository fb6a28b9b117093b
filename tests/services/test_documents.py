"""The case file through its service, on SQLite and PostgreSQL: documents added (a PDF, a Word
file, an e-mail with an attachment, a large file), stored once per content, found by the words
inside them, looked at only with an entry in the audit trail, refused when too big or when
their bytes were changed behind the app's back, taken to the trash with their case and back,
and the bytes forgotten when the trash is emptied; an issued plan keeps its exact files."""

from __future__ import annotations

import hashlib
from datetime import date
from email.message import EmailMessage
from io import BytesIO

import pytest
from docx import Document as WordDocument
from reportlab.pdfgen import canvas
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db.models import AuditEntry, Document, StoredFile, TrashItem
from caseload_app.services.documents import DocumentService, NewDocument
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.plans import PlanService
from caseload_app.services.trash import TrashService
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case


def pdf(*lines: str) -> bytes:
    out = BytesIO()
    page = canvas.Canvas(out)
    for n, line in enumerate(lines):
        page.drawString(72, 720 - 16 * n, line)
    page.showPage()
    page.save()
    return out.getvalue()


def word(*paragraphs: str) -> bytes:
    doc = WordDocument()
    for p in paragraphs:
        doc.add_paragraph(p)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def email_with_attachment() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jo Brontë <jo@example.org>"
    msg["To"] = "send@council.example"
    msg["Subject"] = "Zoë's reading at home"
    msg["Date"] = "Mon, 16 Nov 2026 09:30:00 +0000"
    msg.set_content("Zoë now reads the first Biff and Chip books with us every evening.")
    msg.add_attachment(
        pdf("Audiology report: moderate glue ear, grommets advised."),
        maintype="application",
        subtype="pdf",
        filename="../../audiology.pdf",
    )
    return msg.as_bytes()


@pytest.fixture
def docs(db):
    case_id, _ = new_case(db)
    return case_id, DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def audit_details(db, action: str) -> list[str]:
    with db.read() as s:
        query = select(AuditEntry.detail).where(
            AuditEntry.action == action, AuditEntry.record_type == "document"
        )
        return list(s.scalars(query.order_by(AuditEntry.id)))


def test_a_pdf_is_added_listed_found_by_its_words_and_every_look_is_audited(docs, db):
    case_id, service = docs
    data = pdf("Educational psychology advice for Zoë.", "Working memory: 4th centile.")
    (added,) = service.add(
        case_id, data, "EP advice.pdf", NewDocument("advice_ep", date(2026, 10, 1), "Dr A Patel")
    )
    assert (added.kind_label, added.media_type, added.size) == (
        "Advice: educational psychology", "application/pdf", len(data)
    )  # fmt: skip
    assert [d.id for d in service.documents(case_id)] == [added.id]
    hits = service.search("working memory", case_id)
    assert [h.document.id for h in hits] == [added.id]
    assert "[" in hits[0].snippet and "memory" in hits[0].snippet.lower()
    assert service.search("centile", None)[0].document.id == added.id  # across cases
    assert service.search("nothing like this", case_id) == []
    assert service.content(added.id, "view") == data
    assert service.content(added.id, "download") == data
    digest = hashlib.sha256(data).hexdigest()
    assert audit_details(db, "create") == [
        f"Document added: 'EP advice.pdf', Advice: educational psychology, {len(data):,} bytes "
        f"(sha256 {digest})"
    ]
    assert audit_details(db, "view")[0].endswith(f"viewed 'EP advice.pdf' (sha256 {digest})")
    assert audit_details(db, "download")[0].startswith("Asha Patel saved a copy of")


def test_the_same_file_twice_is_stored_once(docs, db):
    case_id, service = docs
    data = word("Annual review report.", "Zoë has made good progress.")
    service.add(case_id, data, "review.docx")
    service.add(case_id, data, "review copy.docx", NewDocument("report"))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 1
        assert s.scalar(select(func.count()).select_from(Document)) == 2
    assert {h.document.file_name for h in service.search("progress", case_id)} == {
        "review.docx", "review copy.docx",
    }  # fmt: skip


def test_an_email_brings_its_attachments_each_searchable_and_named_safely(docs):
    case_id, service = docs
    top, attached = service.add(case_id, email_with_attachment(), "from mum.eml")
    assert (top.kind, top.title, top.dated) == (
        "email",
        "Zoë's reading at home",
        date(2026, 11, 16),
    )
    assert top.came_from.startswith("Jo Brontë")
    assert (attached.kind, attached.attached_to_id) == ("attachment", top.id)
    assert "/" not in attached.file_name and attached.file_name.endswith("audiology.pdf")
    assert service.search("grommets", case_id)[0].document.id == attached.id
    assert service.search("Biff Chip", case_id)[0].document.id == top.id


@pytest.mark.parametrize("typed", ['"', "NEAR(", "a* OR", "-x", "title:zoë", "'; DROP"])
def test_search_words_are_never_read_as_query_syntax(docs, typed):
    case_id, service = docs
    service.add(case_id, pdf("Zoë title page"), "a.pdf")
    service.search(typed + " zoë", case_id)  # no error, whatever was typed


def test_nothing_to_search_for_and_bad_details_are_refused(docs):
    case_id, service = docs
    with pytest.raises(UserError, match="Type a word"):
        service.search("  ...  ", case_id)
    with pytest.raises(FieldErrors):
        service.add(case_id, b"x", "a.txt", NewDocument(kind="nonsense"))


def test_a_file_over_the_limit_is_refused_and_a_large_one_is_kept_whole(
    docs, tmp_path, monkeypatch
):
    case_id, service = docs
    big = tmp_path / "scan.pdf"
    data = b"%PDF-1.4\n" + bytes(range(256)) * (50 * 1024 * 4)  # 50 MB
    big.write_bytes(data)
    (added,) = service.add_file(case_id, big)
    assert added.size == len(data)
    assert service.content(added.id) == data
    monkeypatch.setattr(DocumentService, "max_bytes", lambda self: 10 * 1024 * 1024)
    with pytest.raises(
        UserError, match=r"scan.pdf is 50.0 MB: the most a document may be is 10 MB"
    ):
        service.add_file(case_id, big)
    with pytest.raises(UserError, match="cannot be read"):
        service.add_file(case_id, tmp_path / "missing.pdf")


def test_bytes_changed_behind_the_apps_back_are_never_handed_over(docs, db):
    case_id, service = docs
    (added,) = service.add(case_id, pdf("Original"), "a.pdf")
    change = text("UPDATE stored_file SET data = :d")
    if db.is_sqlite:
        with db.uow() as s:
            s.execute(change, {"d": pdf("Forged")})
        with pytest.raises(UserError, match="has been changed in the database"):
            service.content(added.id)
    else:  # the server itself refuses bytes that are not their sha256's
        with pytest.raises(DBAPIError, match="ck_stored_file_sha256"), db.uow() as s:
            s.execute(change, {"d": pdf("Forged")})


def test_documents_go_to_the_trash_with_their_case_and_their_bytes_only_when_purged(docs, db):
    case_id, service = docs
    service.add(case_id, email_with_attachment(), "from mum.eml")
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    item = trash.delete_case(case_id, "made by mistake")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 2  # kept for restore
    trash.restore(item)
    assert len(service.documents(case_id)) == 2
    assert service.search("grommets", case_id)
    item = trash.delete_case(case_id, "made by mistake, really")
    trash.purge(item)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_the_trash_keeps_no_documents_text_and_a_restore_reads_it_again(db):
    """On a team database anyone signed in may read what the trash holds, and a trashed
    document is not to be read: its text comes back from its file (or its plan version)."""
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    state = plans.save(case_id, good_plan(), None, 0)
    plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    service = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    service.add(case_id, email_with_attachment(), "from mum.eml")
    service.add(case_id, word("Quillwort grows by the pond."), "notes.docx")

    def texts() -> dict[int, str]:
        with db.read() as s:
            return dict(s.execute(select(Document.id, Document.body_text)).all())

    before = texts()
    assert len(before) == 5 and all(before.values())  # plan PDF and Word, mail, pdf, docx
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    item = trash.delete_case(case_id, "made by mistake")
    with db.read() as s:
        payload = s.get(TrashItem, item).payload
    assert "body_text" not in payload and "Quillwort" not in payload
    assert "Precision Teaching" in payload  # the plan version's own content is kept
    trash.restore(item)
    assert texts() == before


def test_an_issued_plan_keeps_its_exact_files_and_gives_them_back(db):
    case_id, _ = new_case(db)
    plans = PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    state = plans.save(case_id, good_plan(), None, 0)
    issued = plans.issue(case_id, state.version_id, state.version, date(2026, 11, 20))
    service = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    kept = {d.media_type: d for d in service.documents(case_id)}
    assert {d.kind for d in kept.values()} == {"plan_version"}
    assert {d.plan_version_id for d in kept.values()} == {issued.id}
    pdf_doc = kept["application/pdf"]
    assert pdf_doc.title == "Draft plan, version 1, issued 20 Nov 2026 (PDF)"
    exported = plans.export(case_id, issued.id, "pdf")
    assert exported == service.content(pdf_doc.id)  # byte for byte what was issued
    assert hashlib.sha256(exported).hexdigest() == pdf_doc.sha256
    assert service.search("Precision Teaching", case_id)


def test_the_command_line_adds_lists_searches_and_gets_documents(tmp_path, capsys):
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database

    path = tmp_path / "c.sqlite3"
    db = open_database(path)
    case_id, _ = new_case(db)
    db.dispose()
    report = tmp_path / "EP advice.pdf"
    report.write_bytes(pdf("Working memory: 4th centile."))
    base = ["--db", str(path)]
    assert main(["doc", "add", *base, "--case", str(case_id), "--kind", "advice_ep",
                 "--from", "Dr A Patel", "--date", "2026-10-01", str(report),
                 str(tmp_path / "gone.pdf")]) == 1  # fmt: skip
    out = capsys.readouterr().out
    assert "EP advice.pdf: document 1: EP advice.pdf (application/pdf)" in out
    assert "gone.pdf: not added: gone.pdf cannot be read" in out
    assert main(["doc", "list", *base, "--case", str(case_id)]) == 0
    assert "2026-10-01  Advice: educational psychology" in capsys.readouterr().out
    assert main(["doc", "search", *base, "centile"]) == 0
    assert "[centile]" in capsys.readouterr().out
    copy = tmp_path / "copy.pdf"
    assert main(["doc", "get", *base, "--id", "1", "-o", str(copy)]) == 0
    assert copy.read_bytes() == report.read_bytes()


def test_a_document_goes_to_the_trash_with_its_attachments_and_comes_back(docs, db):
    case_id, service = docs
    top, attached = service.add(case_id, email_with_attachment(), "from mum.eml")
    (other,) = service.add(case_id, pdf("Kept"), "kept.pdf")
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="attachment of an e-mail: delete the e-mail"):
        trash.delete_document(attached.id, "wrong")
    with pytest.raises(UserError):
        trash.delete_document(top.id, "  ")  # a reason is needed
    item = trash.delete_document(top.id, "wrong family")
    assert [d.id for d in service.documents(case_id)] == [other.id]
    assert service.search("grommets", case_id) == []  # out of the search too
    trash.restore(item)
    assert {d.id for d in service.documents(case_id)} == {top.id, attached.id, other.id}
    assert service.search("grommets", case_id)[0].document.id == attached.id
    trash.purge(trash.delete_document(top.id, "wrong family, really"))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 1  # kept.pdf's


def test_the_council_sets_the_largest_document(docs, db):
    from caseload_app.services.settings import TeamSettingsService

    case_id, service = docs
    team = TeamSettingsService(db, "Dee Admin", today=lambda: TODAY, now=lambda: NOW)
    assert team.document_max_mb() == 100
    team.set_document_max_mb(1)
    with pytest.raises(UserError, match=r"big.pdf is 2.0 MB: the most a document may be is 1 MB"):
        service.add(case_id, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), "big.pdf")
    with pytest.raises(UserError, match="from 1 to 500"):
        team.set_document_max_mb(0)


def test_the_advice_itself_marks_its_request_received_and_links_stay_on_their_case(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    advice = work.get_case(case_id).advice[0]
    other_case, _ = new_case(db, first_name="Amy", upn=None, nhs_number=None)
    service = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="belongs to another case"):
        service.add(other_case, pdf("x"), "x.pdf", NewDocument(advice_request_id=advice.id))

    def the_advice(on: date) -> NewDocument:
        return NewDocument("advice_ep", on, advice_request_id=advice.id, advice_received=True)

    with pytest.raises(FieldErrors):  # dated before the adviser had the request
        service.add(case_id, pdf("EP"), "ep.pdf", the_advice(date(2026, 8, 1)))
    assert service.documents(case_id) == []  # all or nothing
    (doc,) = service.add(case_id, pdf("EP"), "ep.pdf", the_advice(date(2026, 9, 10)))
    assert work.get_case(case_id).advice[0].received == date(2026, 9, 10)
    assert doc.advice_request_id == advice.id
    TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).withdraw_advice(
        advice.id, "asked by mistake"
    )
    assert service.documents(case_id)[0].advice_request_id is None  # the file stays, unlinked


def test_a_documents_file_case_and_text_never_change(docs, db):
    case_id, service = docs
    (first,) = service.add(case_id, pdf("Mine"), "mine.pdf")
    (second,) = service.add(case_id, pdf("Other"), "other.pdf")
    for change in ("sha256 = :other", "case_id = 99", "body_text = 'x'"):
        with pytest.raises(DBAPIError, match="kept as they were added"), db.uow() as s:
            s.execute(text(f"UPDATE document SET {change} WHERE id = :id"),
                      {"other": second.sha256, "id": first.id})  # fmt: skip
    with db.uow() as s:  # its title and details may still be corrected
        s.execute(text("UPDATE document SET title = 'Mine (corrected)' WHERE id = :id"),
                  {"id": first.id})  # fmt: skip


def test_every_kind_of_file_is_taken_for_what_it_is(docs):
    from pathlib import Path

    from tests.services.test_bundle import png

    case_id, service = docs
    outlook = Path(__file__).parent.parent / "fixtures" / "outlook" / "attachment_msg_pdf.msg"
    added = {
        "mail.msg": service.add_file(case_id, outlook),
        "photo.png": service.add(case_id, png(), "photo.png"),
        "broken.pdf": service.add(case_id, b"%PDF-1.4 then nothing", "broken.pdf"),
        "report.pdf": service.add(case_id, word("Really a Word file"), "report.pdf"),
    }
    msg = added["mail.msg"]
    assert msg[0].media_type == "application/vnd.ms-outlook" and len(msg) >= 2
    assert all(d.attached_to_id == msg[0].id for d in msg[1:])  # its attachments under it
    assert added["photo.png"][0].media_type == "image/png"
    assert added["broken.pdf"][0].media_type == "application/pdf"  # kept whole, no text
    (misnamed,) = added["report.pdf"]
    assert misnamed.media_type.endswith("wordprocessingml.document")  # what it really is
    assert service.search("Really Word", case_id)[0].document.id == misnamed.id


def test_a_cases_matches_come_newest_first_and_other_cases_stay_out(docs, db):
    case_id, service = docs
    other_case, _ = new_case(db, first_name="Sam", upn=None, nhs_number=None)
    dated = [date(2026, 3, 1), date(2026, 9, 1), date(2026, 6, 1)]
    added = [
        service.add(case_id, pdf(f"Speech therapy note {n}."), f"{n}.pdf", NewDocument(dated=d))[0]
        for n, d in enumerate(dated)
    ]
    service.add(other_case, pdf("Speech therapy note for Sam."), "sam.pdf")
    found = [h.document.id for h in service.search("speech therapy", case_id)]
    assert found == [added[1].id, added[2].id, added[0].id]
    assert len(service.search("speech therapy")) == 4
