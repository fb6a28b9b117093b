"""Alembic, driven from code: the app upgrades itself and refuses a newer database.

Alembic is imported only when a database is not already at HEAD: a quarter of a second of
every start saved (tests check HEAD is the migrations' head).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0029"  # the newest revision in migrations/versions


class DatabaseTooNew(Exception):
    """The database was written by a newer version of caseload."""


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


@dataclass(frozen=True)
class Plan:
    current: str | None
    head: str

    @property
    def needs_upgrade(self) -> bool:
        return self.current != self.head


def plan(engine: Engine) -> Plan:
    if _stamped(engine) == HEAD:
        return Plan(current=HEAD, head=HEAD)
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head() or HEAD  # the scripts always have one head
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and current != head:
        try:
            script.get_revision(current)
        except Exception as exc:  # alembic raises several kinds for an unknown revision
            raise DatabaseTooNew(
                "This database was last used by a newer version of caseload "
                f"(schema {current}). Install the newer version to open it; "
                "nothing has been changed."
            ) from exc
    return Plan(current=current, head=head)


def _stamped(engine: Engine) -> str | None:
    """The revision recorded in the database, read without Alembic (None: not recorded)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # a new database: no table yet
        return None


def upgrade(engine: Engine) -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "postgresql":
        from caseload_app.db import pg_security

        with engine.begin() as conn:  # new tables get their grants, policies and triggers
            pg_security.apply(conn)
