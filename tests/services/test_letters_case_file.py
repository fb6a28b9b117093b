"""Issued letters on the case file, on SQLite and PostgreSQL: issuing keeps the PDF as a
document of the case (kind "letter sent"), linked to the letter's entry in the communication
log, in the same transaction as that entry and the print's audit; the document is the exact
bytes printed, found by the words in the letter, in the bundle and (once) in the chronology;
a reprint gives those bytes back and is audited; the copy goes to the trash only with its
letter, and comes back with it."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pypdf
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db.models import AuditEntry, Communication, Document, StoredFile
from caseload_app.paths import resources_dir
from caseload_app.services.bundle import BundleService
from caseload_app.services.case_read import CommunicationInfo
from caseload_app.services.chronology import ChronologyService
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import UserError
from caseload_app.services.letters import LetterService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from caseload_app.services.trash import TrashService
from tests.backends import sqlite_only
from tests.helpers import NOW, TODAY, new_case

COUNCIL = CouncilDetails("Poole Council", "Civic Centre\nPoole\nBH15 2RU")
TYPED = {"subject": "Your visit", "message": "Thank you for the flamingo drawing Zoë sent us."}
TITLE = "Your visit"


@pytest.fixture
def case(db, tmp_path):
    TeamSettingsService(db).set_council(COUNCIL)
    case_id, work = new_case(db)
    family = work.get_case(case_id, opened=False).family
    work.update_family(family.id, family.version, {"address": "12 Oak Road\nPoole"})
    return case_id


@pytest.fixture
def letters(db, tmp_path):
    return LetterService(
        db,
        "Asha Patel",
        today=lambda: TODAY,
        now=lambda: NOW,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
        letters_dir=tmp_path / "letters",
    )


def as_(cls, db, who: str = "Asha Patel"):
    return cls(db, who, today=lambda: TODAY, now=lambda: NOW)


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def prints_of(db, comm_id: int) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(
                select(AuditEntry.detail)
                .where(
                    AuditEntry.action == "print",
                    AuditEntry.record_type == "communication",
                    AuditEntry.record_id == comm_id,
                )
                .order_by(AuditEntry.id)
            )
        )


def logged(db, case_id: int) -> list[CommunicationInfo]:
    from caseload_app.services.casework import CaseworkService

    return list(as_(CaseworkService, db).get_case(case_id, opened=False).communications)


def test_an_issued_letter_is_a_document_of_its_case_with_the_exact_bytes(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    docs = as_(DocumentService, db)
    (doc,) = docs.documents(case)
    digest = hashlib.sha256(issued.pdf).hexdigest()
    assert (doc.id, doc.communication_id) == (issued.document_id, issued.communication_id)
    assert (doc.kind, doc.kind_label, doc.title) == ("letter_sent", "Letter sent", TITLE)
    assert (doc.dated, doc.came_from, doc.media_type) == (TODAY, "the council", "application/pdf")
    assert (doc.sha256, doc.size) == (digest, len(issued.pdf))
    assert docs.content(doc.id) == issued.pdf
    # Found by a word that is only in the letter's body, not its title.
    assert [h.document.id for h in docs.search("flamingo", case)] == [doc.id]
    with db.read() as s:
        comm = s.get(Communication, issued.communication_id)
        assert comm is not None
        assert (comm.channel, comm.summary, comm.letter_path) == (
            "letter",
            f"Letter: {TITLE}",
            None,
        )
    assert prints_of(db, issued.communication_id) == [
        f"printed letter 'generic' to Ms Jo Brontë; sha256 {digest}"
    ]
    assert logged(db, case)[0].has_letter
    assert not (letters.letters_dir).exists()  # nothing on disk any more


def test_a_reprint_gives_the_issued_bytes_back_and_is_audited(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    digest = hashlib.sha256(issued.pdf).hexdigest()
    assert letters.reprint(issued.communication_id) == issued.pdf
    assert letters.reprint(issued.communication_id) == issued.pdf
    assert (
        prints_of(db, issued.communication_id)[1:]
        == [f"reprinted Letter: {TITLE} (sha256 {digest})"] * 2
    )
    text_printed = " ".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(issued.pdf)).pages)
    assert "flamingo" in text_printed


@sqlite_only  # a team database refuses bytes that are not their sha256's (test_documents)
def test_a_letter_whose_stored_bytes_were_changed_is_not_reprinted(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    with db.uow() as s:
        s.execute(text("UPDATE stored_file SET data = :d"), {"d": issued.pdf + b"%forged"})
    before = prints_of(db, issued.communication_id)
    with pytest.raises(UserError, match="has been changed in the database"):
        letters.reprint(issued.communication_id)
    assert prints_of(db, issued.communication_id) == before


REFUSE = {
    "sqlite": (
        "CREATE TRIGGER refuse_documents BEFORE INSERT ON document "
        "BEGIN SELECT RAISE(ABORT, 'the disk said no'); END",
    ),
    "postgresql": (
        "CREATE FUNCTION refuse_documents() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the disk said no'; END $$",
        "CREATE TRIGGER refuse_documents BEFORE INSERT ON document "
        "FOR EACH ROW EXECUTE FUNCTION refuse_documents()",
    ),
}


def test_a_letter_whose_copy_cannot_be_kept_is_not_logged_either(db, case, letters):
    """The database refuses the document (after the communication and the print's audit were
    written in the same transaction): nothing of the letter is left."""
    with db.uow() as s:
        for statement in REFUSE[db.engine.dialect.name]:
            s.execute(text(statement))
    audited = count(db, AuditEntry)
    with pytest.raises(DBAPIError, match="the disk said no"):
        letters.issue(case, "generic", extra=TYPED)
    assert (count(db, Communication), count(db, Document), count(db, StoredFile)) == (0, 0, 0)
    assert count(db, AuditEntry) == audited


def test_the_letter_is_in_the_bundle_and_once_in_the_chronology(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    bundle = as_(BundleService, db).make(case)
    [line] = [line for line in bundle.index if line.title == TITLE]
    assert line.section == "A. Appeal and decision"
    assert line.note == ""  # its pages are in
    made = as_(ChronologyService, db).entries(case)
    mentions = [e for e in made.entries if TITLE in e.summary]
    assert [(e.kind, e.record_type, e.record_id) for e in mentions] == [
        ("Letter", "communication", issued.communication_id)
    ]


def test_the_copy_leaves_the_case_file_only_with_its_letter_and_comes_back_with_it(
    db, case, letters
):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    trash = as_(TrashService, db)
    with pytest.raises(UserError, match="kept copy of a letter that was issued"):
        trash.delete_document(issued.document_id, "wrong letter")
    item = trash.delete_communication(issued.communication_id, "sent to the wrong family")
    docs = as_(DocumentService, db)
    assert docs.documents(case) == []
    assert docs.search("flamingo", case) == []
    trash.restore(item)
    (doc,) = docs.documents(case)
    assert (doc.id, doc.communication_id) == (issued.document_id, issued.communication_id)
    assert letters.reprint(issued.communication_id) == issued.pdf
    trash.purge(trash.delete_communication(issued.communication_id, "really"))
    assert (count(db, Document), count(db, StoredFile)) == (0, 0)


def test_a_case_deleted_with_its_letters_comes_back_whole(db, case, letters):
    issued = letters.issue_letter(case, "generic", extra=TYPED)
    trash = as_(TrashService, db)
    trash.restore(trash.delete_case(case, "entered twice"))
    (doc,) = as_(DocumentService, db).documents(case)
    assert doc.communication_id == issued.communication_id
    assert letters.reprint(issued.communication_id) == issued.pdf
