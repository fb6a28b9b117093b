"""Alembic environment: runs on the engine the app passes in (no ini file, no URL here)."""

from alembic import context

from caseload_app.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename): SQLite refuses to drop
            # a table other rows refer to while it enforces foreign keys, and the switch only
            # works outside a transaction. The references are unchanged by a rebuild; each
            # such migration checks them (PRAGMA foreign_key_check) before it commits.
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:  # the connection goes back to the app's pool: enforce them again
                _foreign_keys(connection, on=True)


def _foreign_keys(connection, *, on: bool) -> None:
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys = {int(on)}")


run_migrations_online()
