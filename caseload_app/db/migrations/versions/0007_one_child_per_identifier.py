"""one child per UPN and per NHS number: the database itself refuses a second live child
with the same identifier (two imports of one sheet at once made every child twice); search
keys without invisible characters

A database that already holds children sharing an identifier (the same sheet imported
twice at once, or a "Create anyway" before this version) is upgraded, not refused: every
child keeps their identifier, the first child recorded with each value is covered by the
index, and only the later ones are left out of it (by id, in the index's WHERE clause).
No new child can take any identifier already recorded. How many were left out is logged
(counts only, never the values).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 09:00:00
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("caseload_app.db.migrate")

IDENTIFIERS = ("upn", "nhs_number")


def upgrade() -> None:
    for column in IDENTIFIERS:
        _unique_live(column)
    _clean_search_keys()


def _clean_search_keys() -> None:
    """Search keys made before names were cleaned may hold invisible characters (a zero-width
    space kept "anna smith" from finding Anna Smith): take them out of the keys, the way
    the app now cleans every name. The names themselves are left as they were typed."""
    bind = op.get_bind()
    for child_id, key in bind.execute(sa.text("SELECT id, search_text FROM child")).all():
        clean = _clean_key(key or "")
        if clean != key:
            bind.execute(
                sa.text("UPDATE child SET search_text = :key WHERE id = :id"),
                {"key": clean, "id": child_id},
            )


def _clean_key(key: str) -> str:
    # Frozen here (a migration does not follow later changes to the app's own cleaning):
    # keep the unit separator between parts, drop other control and format characters,
    # one space between words.
    parts = []
    for part in key.split("\x1f"):
        kept = "".join(
            ch for ch in part if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace()
        )
        parts.append(" ".join(kept.split()))
    return "\x1f".join(p for p in parts if p)


def _unique_live(column: str) -> None:
    later = _later_repeats(column)
    where = f"{column} IS NOT NULL"
    if later:
        where += f" AND id NOT IN ({', '.join(str(i) for i in later)})"
        log.warning(
            "%d children share a %s with a child recorded before them: kept as they are, "
            "left out of the one-child-per-%s rule; no new child can take their value",
            len(later),
            column,
            column,
        )
    op.create_index(
        f"uq_child_{column}",
        "child",
        [column],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def _later_repeats(column: str) -> list[int]:
    """Children whose identifier an earlier child (lower id) already has."""
    found = op.get_bind().execute(
        sa.text(
            f"SELECT c.id FROM child c WHERE c.{column} IS NOT NULL AND EXISTS "
            f"(SELECT 1 FROM child o WHERE o.{column} = c.{column} AND o.id < c.id) "
            "ORDER BY c.id"
        )
    )
    return [row[0] for row in found]


def downgrade() -> None:
    for column in reversed(IDENTIFIERS):
        op.drop_index(f"uq_child_{column}", table_name="child")
