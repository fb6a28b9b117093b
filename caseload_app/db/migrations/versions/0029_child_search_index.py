"""A trigram index on the children's search text (issue 28): the case list's search of three
letters or more finds its children through the index instead of reading every child's text.
At 200,000 children that read took 30-70 ms a keystroke; through the index, 1-35 ms.

On SQLite: an FTS5 table with the trigram tokenizer, holding no copy of the text (external
content: the child table) and kept in step by triggers, as the documents' index is (0020).
Case-sensitive, because the text is folded before it is stored and a search is folded
before it is asked: a phrase then matches exactly where Python's `in` does.

On PostgreSQL: pg_trgm's GIN index, which LIKE '%...%' uses as it is. pg_trgm is in
PostgreSQL's own contrib modules, trusted (a database's owner may add it). A server without
it, or an owner not allowed to add it, is told in the log, and search reads every child as
before: slower at council scale, never wrong.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 07:00:00
"""

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_index()
    else:
        _postgres_index()


def _sqlite_index() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE child_search USING fts5(search_text, content='child', "
        "content_rowid='id', tokenize='trigram case_sensitive 1')"
    )
    op.execute("INSERT INTO child_search(child_search) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER child_search_ai AFTER INSERT ON child BEGIN "
        "INSERT INTO child_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER child_search_ad AFTER DELETE ON child BEGIN "
        "INSERT INTO child_search(child_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER child_search_au AFTER UPDATE OF search_text ON child BEGIN "
        "INSERT INTO child_search(child_search, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO child_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    )


def _postgres_index() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():  # a refusal must not end the upgrade's transaction
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as exc:
        log.warning(
            "The team database has no trigram index for the case list's search: the server "
            "could not add PostgreSQL's pg_trgm extension (%s). Search still works, by "
            "reading every child. A database administrator can run CREATE EXTENSION pg_trgm "
            "and then CREATE INDEX ix_child_search ON child USING gin (search_text "
            "gin_trgm_ops).",
            type(exc.orig).__name__,
        )
        return
    op.execute("CREATE INDEX ix_child_search ON child USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER child_search_{name}")
        op.execute("DROP TABLE child_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_child_search")
