"""What the migration tests share: a database stopped at an older revision with a few rows
written the way that revision's schema had them, then opened (and so upgraded) as the app
opens it, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import Database, make_engine, open_database

FAMILY = (
    "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
    "VALUES (1, '', '', false, 1)"
)
CHILD = (
    "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
    "version) VALUES (1, 1, 'A', 'B', '{born}', '', 1)"
)


def one_child(born: str = "2016-05-04") -> tuple[str, str]:
    """Family 1 with child 1: what every case row needs first."""
    return FAMILY, CHILD.format(born=born)


def at_revision(url: str, revision: str, rows: tuple[str, ...]) -> None:
    """The database at ``url`` upgraded only as far as ``revision``, holding ``rows``."""
    engine = make_engine(url)
    command.upgrade(migrate.alembic_config(engine), revision)
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    engine.dispose()


def open_upgraded(url: str, backup_dir: Path) -> Database:
    """Open the database as the app does (a SQLite file by its path), which upgrades it."""
    target = url.removeprefix("sqlite:///")
    return open_database(target if "://" in target else Path(target), backup_dir=backup_dir)


def as_date(value: object) -> date | None:
    """A date column as read by raw SQL: SQLite gives text, PostgreSQL a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
