"""A backup is a copy of every child, the audit trail says who looked at whom, and the
retention list names children: each is recorded in the audit trail, from the command line
and from the services the window calls, before anything is shown or copied."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.engine import StorageError
from caseload_app.db.models import AuditEntry
from caseload_app.services.audit import AuditFilter, AuditService
from caseload_app.services.backup import BackupService
from caseload_app.services.trash import TrashService
from tests.backends import sqlite_only
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_exports_are_audited import opened_read_only


def entries(db, action: str) -> list:
    """(who, record_type, detail) of each entry with this action, oldest first."""
    wanted = select(AuditEntry.who, AuditEntry.record_type, AuditEntry.detail)
    with db.read() as s:
        return s.execute(wanted.where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def a_closed_old_case(db) -> int:
    case_id, work = new_case(db, request_received=date(2018, 1, 8))
    work.record_action(case_id, work.get_case(case_id).version, "assess_refused",
                       date(2018, 2, 1), "x")  # fmt: skip
    return case_id


# --------------------------------------------------------------------------- services
def test_searching_the_audit_trail_is_recorded_with_what_was_searched_for(db):
    new_case(db)
    service = AuditService(db, "Asha Patel", now=lambda: NOW)
    page = service.search(AuditFilter(text="Brontë", action="create"))
    assert page.total == 0  # the search's own entry is not among what it found
    (entry,) = entries(db, "search")
    assert (entry.who, entry.record_type) == ("Asha Patel", "audit_entry")
    assert entry.detail == "searched the audit trail (action create, containing Brontë): 0 entries"


def test_looking_at_the_retention_list_is_recorded(db):
    a_closed_old_case(db)
    listed = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).retention_due()
    assert len(listed) == 1
    (entry,) = entries(db, "view")[-1:]
    assert (entry.who, entry.record_type) == ("Asha Patel", "retention_review")
    assert entry.detail == "viewed the retention review list: 1 closed cases"


@sqlite_only
def test_a_backup_that_cannot_be_recorded_is_not_made(db, tmp_path):
    """A read-only database cannot take the entry: no copy of the children is made."""
    new_case(db)
    read_only = opened_read_only(db.path)
    recorder = AuditService(read_only, "Asha Patel").record_backup
    service = BackupService(db.path, tmp_path / "backups", audit=recorder)
    try:
        with pytest.raises(StorageError, match="read-only"):
            service.backup_to(tmp_path / "copy.sqlite3")
        with pytest.raises(StorageError, match="read-only"):
            service.backup_now("manual")
    finally:
        read_only.dispose()
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not (tmp_path / "backups").exists()


# --------------------------------------------------------------------------- command line
@sqlite_only
def test_backup_to_anywhere_is_recorded_and_the_copy_holds_the_record(db, capsys, tmp_path):
    new_case(db)
    target = tmp_path / "usb" / "copy.sqlite3"
    target.parent.mkdir()
    code, out, err = run(capsys, "backup", "--db", str(db.path), "-o", str(target))
    assert code == 0, err
    (entry,) = entries(db, "backup")
    assert entry.record_type == "database"
    assert entry.detail == f"backup copy of the whole database to {target}"
    with sqlite3.connect(target) as copy:
        recorded = copy.execute("SELECT detail FROM audit_entry WHERE action = 'backup'")
        assert [d for (d,) in recorded] == [entry.detail]


@sqlite_only
def test_a_backup_into_the_backups_folder_is_recorded_too(db, capsys):
    new_case(db)
    code, _, err = run(capsys, "backup", "--db", str(db.path))
    assert code == 0, err
    (entry,) = entries(db, "backup")
    assert entry.detail.startswith("backup copy of the whole database into ")


@sqlite_only
def test_audit_and_retention_commands_are_recorded(db, capsys):
    a_closed_old_case(db)
    code, _, err = run(capsys, "audit", "--db", str(db.path), "--who", "Asha Patel")
    assert code == 0, err
    (search,) = entries(db, "search")
    assert search.detail.startswith("searched the audit trail (who Asha Patel): ")
    code, out, err = run(capsys, "retention", "--db", str(db.path))
    assert code == 0, err
    assert "1 closed cases are past" in out, err
    assert entries(db, "view")[-1].record_type == "retention_review"


def test_backup_of_a_database_that_is_not_there_creates_nothing(capsys, tmp_path):
    missing = tmp_path / "typo.sqlite3"
    code, _, err = run(capsys, "backup", "--db", str(missing), "-o", str(tmp_path / "c.sqlite3"))
    assert code == 1
    assert "no database at" in err.lower()
    assert list(tmp_path.iterdir()) == []
