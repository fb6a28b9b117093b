"""Alembic, driven from code: the app upgrades itself and refuses a newer database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseTooNew(Exception):
    """The database was written by a newer version of caseload."""


def alembic_config(engine: Engine | None = None) -> Config:
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
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
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


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")
    if engine.dialect.name == "postgresql":
        from caseload_app.db import pg_security

        with engine.begin() as conn:  # new tables get their grants, policies and triggers
            pg_security.apply(conn)
