"""An export of people's data exists only once the audit trail records it: when the entry
cannot be written (a read-only database), no file is left behind and the person is told so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from caseload_app.db.engine import Database, make_engine, sqlite_url
from caseload_app.db.models import AuditEntry
from caseload_app.services.audit import AuditFilter, AuditService
from caseload_app.services.errors import UserError
from caseload_app.services.export import ExportService
from tests.backends import sqlite_only
from tests.helpers import NOW, TODAY, new_case


def opened_read_only(path: Path) -> Database:
    """The same file, opened the way a read-only file or share opens: reads work, writes
    are refused by SQLite itself (SQLITE_READONLY)."""
    engine = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    return Database(
        url=sqlite_url(path),
        engine=engine,
        _write=sessionmaker(engine, expire_on_commit=False),
        _read=sessionmaker(engine.execution_options(readonly=True), expire_on_commit=False),
    )


EXPORTS = {
    "caseload": lambda db, path: ExportService(db, "Asha Patel", today=lambda: TODAY).export_csv(
        path
    ),
    "audit trail": lambda db, path: AuditService(
        db, "Asha Patel", lambda: TODAY, lambda: NOW
    ).export_csv(AuditFilter(), path),
}


@sqlite_only
@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_an_export_that_cannot_be_recorded_leaves_no_file(db, tmp_path, kind):
    new_case(db)
    read_only = opened_read_only(db.path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "export.csv"
    try:
        with pytest.raises(UserError) as refused:
            EXPORTS[kind](read_only, target)
    finally:
        read_only.dispose()
    message = str(refused.value)
    assert message.startswith("Not exported: the export could not be recorded")
    assert "read-only" in message
    assert "typing" not in message
    assert list(out.iterdir()) == []  # neither the file nor a temporary one


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_an_export_is_written_with_its_audit_entry(db, tmp_path, kind):
    new_case(db)
    target = tmp_path / "export.csv"
    assert EXPORTS[kind](db, target) >= 1
    assert target.exists()
    with db.read() as s:
        details = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export"))
        assert any("export.csv" in d for d in details)


@pytest.mark.slow
def test_the_command_line_export_from_a_read_only_team_database_leaves_no_file(
    pg_database, tmp_path
):
    """A standby server, or one in maintenance: every transaction is read-only."""
    from caseload_app.db.engine import open_database

    db = open_database(pg_database)
    new_case(db)
    db.dispose()
    plain = pg_database.replace("+psycopg", "")
    name = plain.rsplit("/", 1)[1]
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    target = tmp_path / "export.csv"
    done = subprocess.run(
        [sys.executable, "-m", "caseload_app", "export", "--db", pg_database, "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Not exported: the export could not be recorded in the audit trail" in done.stderr
    assert "read-only just now" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
