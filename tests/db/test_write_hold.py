"""The start leaves the contact log and the case file to a check beside the window; until it
passes, the database refuses every write to them (SQLite's authorizer), in words, and keeps
nothing of the save. Every other table is written as ever."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from caseload_app.db import safety
from caseload_app.db.engine import StorageError, open_database
from caseload_app.db.models import AuditEntry, Communication, Document
from caseload_app.services.documents import DocumentService
from tests.helpers import NOW, TODAY, new_case


@pytest.fixture
def held(tmp_path):
    db = open_database(tmp_path / "caseload.sqlite3")
    case_id, work = new_case(db)
    work.log_communication(case_id, NOW, "phone", "out", "Mum", "Before the start")
    hold = db.hold_writes()
    yield db, hold, case_id, work
    db.dispose()


def counts(db) -> tuple[int, ...]:
    tables = (Communication, Document, AuditEntry)
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in tables)


def test_while_held_a_contact_or_a_document_is_refused_in_words_and_nothing_is_kept(held):
    db, _hold, case_id, work = held
    docs = DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    before = counts(db)
    with pytest.raises(StorageError) as err:
        work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
    assert "still being checked after the start" in str(err.value) and err.value.retryable
    assert "Mum" not in str(err.value) and "Rang back" not in str(err.value)
    with pytest.raises(StorageError, match="still being checked"):
        docs.add(case_id, b"Advice from the speech and language therapist.", "advice.txt")
    assert counts(db) == before  # neither row nor audit entry: the save rolled back whole
    child = work.get_case(case_id).child
    work.update_child(child.id, child.version, {"setting": "Elm Academy"})  # not held
    assert counts(db)[2] > before[2]  # saved, and audited


def test_a_write_through_core_is_refused_as_well(held):
    db, _hold, case_id, _work = held
    with pytest.raises(StorageError, match="still being checked"), db.uow() as s:
        s.execute(insert(Communication).values(case_id=case_id, family_id=1, summary="x"))


def test_once_released_every_write_goes_through(held):
    db, hold, case_id, work = held
    with pytest.raises(StorageError):
        work.log_communication(case_id, NOW, "phone", "in", "Mum", "Too soon")
    hold.release()
    work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
    DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).add(
        case_id, b"Advice.", "advice.txt"
    )
    assert counts(db)[:2] == (2, 1)


def test_damage_found_keeps_the_hold_and_says_so(held):
    _db, hold, case_id, work = held
    hold.damaged("caseload.sqlite3 is damaged: row 3 missing from index")
    hold.release("communication")  # a release after damage lets nothing through
    hold.release()
    assert hold.holds("communication")
    with pytest.raises(StorageError) as err:
        work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
    assert "is damaged" in str(err.value) and "Restore a backup" in str(err.value)
    assert not err.value.retryable


def test_a_table_passed_is_written_before_the_rest_are_checked(held):
    """The contact log is checked first (the case file is most of a file with documents):
    contacts save as soon as it passes."""
    db, hold, case_id, work = held
    assert hold.holds("communication") and hold.holds("document")
    hold.release("communication")
    assert not hold.holds("communication") and hold.holds("document")
    work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
    with pytest.raises(StorageError, match="still being checked"):
        DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).add(
            case_id, b"Advice.", "advice.txt"
        )
    assert counts(db)[:2] == (2, 0)


def test_the_hold_covers_the_tables_the_start_leaves_and_no_other():
    assert [safety.later_table(name) for name in ("communication", "document", "stored_file")] == [
        "communication",
        "document",
        "stored_file",
    ]
    shadows = ("document_search_data", "document_search_idx", "document_search_docsize")
    assert {safety.later_table(name) for name in shadows} == {"document_search"}
    others = ("child", "child_search", "child_search_data", "ehcp_case", "audit_entry", "family")
    assert all(safety.later_table(name) is None for name in others)


def test_a_table_passed_before_damage_was_found_elsewhere_stays_writable(held):
    """The contact log passed; the case file then failed: contacts save, and say so
    (`holds`), while documents are refused as damaged."""
    db, hold, case_id, work = held
    hold.release("communication")
    hold.damaged("caseload.sqlite3 is damaged: row 3 missing from index")
    assert not hold.holds("communication") and hold.holds("document") and db.held()
    work.log_communication(case_id, NOW, "phone", "in", "Mum", "Rang back")
    with pytest.raises(StorageError, match="is damaged"):
        DocumentService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).add(
            case_id, b"Advice.", "advice.txt"
        )
