"""Upgrading a database made before 0021, on SQLite and on PostgreSQL: a letter kept in the
letters folder beside a laptop's database file comes into the database as a document of its
case, linked to its letter, with the exact bytes and its words searchable; a row naming a file
outside that folder (or through a link out of it), a missing file, a file that is not a PDF
and one changed since it was printed are left alone, and the log says how many, never which.
A team database has no folder beside it: its rows are left as they were."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db import migrate
from caseload_app.db.models import AuditEntry, Communication, StoredFile
from caseload_app.services.documents import DocumentService, store_document
from caseload_app.services.letters import LetterService
from tests.db.upgrading import at_revision, one_child, open_upgraded
from tests.services.test_documents import pdf

WHO = "Asha Patel"
CASE = (
    "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
    "VALUES (1, 1, '2026-07-01', 'assessment', true, 1)"
)


def letter(comm_id: int, path: str, printed: bytes | None = None) -> tuple[str, ...]:
    """A letter logged as issue did before 0021: its path on the contact, and the print's
    audit entry with the sha256 of the bytes printed (``printed``; none: an older letter)."""
    rows = (
        "INSERT INTO communication (id, family_id, case_id, occurred_at, channel, direction, "
        f"with_whom, summary, logged_by, letter_path, version) VALUES ({comm_id}, 1, 1, "
        f"'2026-10-0{comm_id} 09:30:00', 'letter', 'out', 'Ms Jo Brontë', "
        f"'Letter: Decision to assess {comm_id}', '{WHO}', '{path}', 1)",
    )
    if printed is None:
        return rows
    digest = hashlib.sha256(printed).hexdigest()
    return (
        *rows,
        "INSERT INTO audit_entry (at, who, action, record_type, record_id, case_id, detail) "
        f"VALUES ('2026-10-0{comm_id} 09:30:00', '{WHO}', 'print', 'communication', "
        f"{comm_id}, 1, 'printed letter ''x'' to Ms Jo Brontë; sha256 {digest}')",
    )


def test_kept_letters_come_into_the_database_and_nothing_outside_the_folder(
    empty_url, tmp_path, caplog
):
    folder = tmp_path / "letters" / "1"  # beside old.sqlite3, as default_letters_dir puts it
    folder.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    kept = pdf("We decided to carry out an assessment of Zoë's needs.", "Flamingo.")
    (folder / "20261001-093000-decision_to_assess.pdf").write_bytes(kept)
    secret = pdf("A file of the council's, not a letter of this database.")
    (outside / "secret.pdf").write_bytes(secret)
    (folder / "link.pdf").symlink_to(outside / "secret.pdf")
    (folder / "changed.pdf").write_bytes(pdf("Changed after it was printed."))
    (folder / "notes.pdf").write_bytes(b"not a PDF at all")
    rows = (
        *one_child(),
        CASE,
        *letter(1, str(folder / "20261001-093000-decision_to_assess.pdf"), kept),
        *letter(2, str(outside / "secret.pdf")),  # a path outside the folder
        *letter(3, str(folder / ".." / ".." / "outside" / "secret.pdf")),  # up and out
        *letter(4, str(folder / "link.pdf")),  # a link out of the folder
        *letter(5, str(folder / "gone.pdf")),  # missing
        *letter(6, str(folder / "changed.pdf"), pdf("What was printed.")),
        *letter(7, str(folder / "notes.pdf")),  # not a PDF
    )
    at_revision(empty_url, "0020", rows)
    with caplog.at_level(logging.INFO, logger="caseload_app"):
        db = open_upgraded(empty_url, tmp_path / "backups")
    try:
        with db.read() as s:
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            paths = list(s.scalars(select(Communication.letter_path).order_by(Communication.id)))
            files = s.scalar(select(func.count()).select_from(StoredFile))
            created = list(
                s.execute(
                    select(AuditEntry.who, AuditEntry.record_type, AuditEntry.case_id).where(
                        AuditEntry.action == "create"
                    )
                )
            )
        assert stamped == migrate.HEAD
        assert all(paths)  # every row keeps its path: nothing is lost
        docs = DocumentService(db, WHO)
        found = docs.documents(1)
        if not db.is_sqlite:  # a team database has no letters folder beside it
            assert (found, files, created) == ([], 0, [])
            return
        [doc] = found
        assert (doc.kind, doc.title, doc.communication_id) == (
            "letter_sent", "Decision to assess 1", 1,
        )  # fmt: skip
        assert (doc.dated.isoformat(), doc.came_from, doc.media_type) == (
            "2026-10-01", "the council", "application/pdf",
        )  # fmt: skip
        assert (doc.sha256, doc.added_by) == (hashlib.sha256(kept).hexdigest(), WHO)
        assert docs.content(doc.id) == kept
        assert [h.document.id for h in docs.search("flamingo", 1)] == [doc.id]
        assert (files, created) == (1, [("caseload upgrade", "document", 1)])
        letters = LetterService(db, WHO)  # its own letters folder: beside the database file
        assert letters.reprint(1) == kept
    finally:
        db.dispose()
    logged = [r.getMessage() for r in caplog.records if r.name == "caseload_app.db.migrate"]
    assert sorted(logged) == [
        "1 kept letters brought into the database",
        "1 kept letters left where they were: changed since it was printed",
        "1 kept letters left where they were: missing",
        "1 kept letters left where they were: not a PDF",
        "3 kept letters left where they were: outside the letters folder",
    ]  # how many, never which: no path, no name


def test_a_letters_document_stays_linked_to_its_letter(empty_url, tmp_path):
    at_revision(empty_url, "0020", (*one_child(), CASE, *letter(1, "/nowhere.pdf")))
    db = open_upgraded(empty_url, tmp_path / "backups")
    try:
        with db.read() as s:
            indexes = {i["name"] for i in inspect(s.connection()).get_indexes("document")}
        assert "ix_document_communication_id" in indexes
        with db.uow() as s:
            doc = store_document(
                s, WHO, datetime(2026, 10, 1, 9, 30), 1, pdf("A letter"), "letter.pdf",
                "application/pdf", kind="letter_sent", title="A letter",
                dated=date(2026, 10, 1), communication_id=1,
            )  # fmt: skip
            s.flush()
            doc_id = doc.id
        unlink = text("UPDATE document SET communication_id = NULL WHERE id = :d")
        with pytest.raises(DBAPIError, match="kept as they were added"), db.uow() as s:
            s.execute(unlink, {"d": doc_id})
        with db.uow() as s:  # its title and details may still be corrected
            s.execute(text("UPDATE document SET title = 'Decision' WHERE id = :d"), {"d": doc_id})
    finally:
        db.dispose()
