import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from caseload_app.db import compressed, migrate, safety
from caseload_app.db.engine import (
    DatabaseError,
    backup_sqlite,
    make_engine,
    open_database,
    sqlite_url,
)
from caseload_app.db.migrate import DatabaseTooNew
from caseload_app.db.models import Base, Caseworker


def test_new_database_gets_schema_and_pragmas(tmp_path):
    db = open_database(tmp_path / "a.sqlite3")
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        # on macOS a sync reaches the disk, not only its cache (a no-op elsewhere)
        assert s.execute(text("PRAGMA fullfsync")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    db.dispose()


def test_unit_of_work_commits_or_rolls_back(tmp_path):
    db = open_database(tmp_path / "a.sqlite3")
    with db.uow() as s:
        s.add(Caseworker(name="Asha Patel"))
    with pytest.raises(RuntimeError), db.uow() as s:
        s.add(Caseworker(name="Ben Ortiz"))
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.scalars(select(Caseworker.name)).all() == ["Asha Patel"]
    db.dispose()


def test_writes_use_begin_immediate(tmp_path):
    db = open_database(tmp_path / "a.sqlite3")
    seen = []
    from sqlalchemy import event

    @event.listens_for(db.engine, "before_cursor_execute")
    def spy(conn, cursor, statement, *args):
        seen.append(statement)

    with db.uow() as s:
        s.add(Caseworker(name="Asha Patel"))
    assert "BEGIN IMMEDIATE" in seen
    db.dispose()


def test_refuses_a_database_from_a_newer_version(tmp_path):
    path = tmp_path / "a.sqlite3"
    open_database(path).dispose()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version of caseload"):
        open_database(path)
    assert path.read_bytes() == before


def test_head_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert script.get_current_head() == migrate.HEAD  # bump HEAD with each new migration


def test_a_database_at_head_is_opened_without_alembic(tmp_path):
    """Starting the app on an up-to-date database must not pay for importing Alembic."""
    import subprocess
    import sys

    path = tmp_path / "a.sqlite3"
    open_database(path).dispose()
    code = (
        "import sys; from caseload_app.db.engine import open_database; "
        f"open_database({str(path)!r}).dispose(); "
        "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_refuses_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("hello, this is not a database")
    with pytest.raises(DatabaseError, match="not an SQLite file"):
        open_database(path)
    assert path.read_text() == "hello, this is not a database"


def test_backup_copy_is_verified_and_complete(tmp_path):
    path = tmp_path / "a.sqlite3"
    db = open_database(path)
    with db.uow() as s:
        s.add(Caseworker(name="Asha Patel"))
    db.dispose()
    copy = backup_sqlite(path, tmp_path / "backups", reason="manual")
    assert safety.problem_with(copy, backup=True) is None
    inside = tmp_path / "inside.sqlite3"
    compressed.decompress(copy, inside)
    with sqlite3.connect(inside) as con:
        assert con.execute("SELECT name FROM caseworker").fetchall() == [("Asha Patel",)]


def test_upgrading_an_older_database_keeps_data_and_takes_a_verified_backup(tmp_path):
    path = tmp_path / "a.sqlite3"
    engine = make_engine(sqlite_url(path))
    command.upgrade(migrate.alembic_config(engine), "0001")  # as the first release left it
    with engine.begin() as con:
        con.exec_driver_sql(
            "INSERT INTO caseworker (name, capacity_fte, active, version) "
            "VALUES ('Asha Patel', 1.0, 1, 1)"
        )
    engine.dispose()
    backups = tmp_path / "backups"
    db = open_database(path, backup_dir=backups)
    with db.read() as s:
        worker = s.scalars(select(Caseworker)).one()
        assert (worker.name, worker.updated_by) == ("Asha Patel", None)  # new column, old row
    db.dispose()
    (copy,) = backups.glob("a-pre-upgrade-*.sqlite3.zst")
    inside = tmp_path / "inside.sqlite3"
    compressed.decompress(copy, inside)
    with sqlite3.connect(inside) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    open_database(path, backup_dir=backups).dispose()  # at head now: no second backup
    assert len(list(backups.glob("*.sqlite3.zst"))) == 1


def test_migrations_build_exactly_the_models(tmp_path):
    db = open_database(tmp_path / "a.sqlite3")
    with db.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
    db.dispose()
    # The documents' full-text index and the children's trigram index (each an FTS5 table
    # and its shadow tables) are the searches', made by migrations 0020 and 0029, not models.
    fts = [
        d
        for d in diff
        if d[0] == "remove_table" and d[1].name.startswith(("document_search", "child_search"))
    ]
    assert len(fts) == 10
    assert [d for d in diff if d not in fts] == []
