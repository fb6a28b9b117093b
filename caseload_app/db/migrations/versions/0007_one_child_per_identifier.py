"""one child per UPN and per NHS number: the database itself refuses a second live child
with the same identifier (two imports of one sheet at once made every child twice); every
typed text column no longer than the forms allow (CHECK constraints); search keys without
invisible characters

Values already longer than the new limits (a 5,000-character name imported before this
version) are kept: the constraints are added without checking the rows already there
(PostgreSQL: NOT VALID; SQLite: the rebuild copies rows with CHECKs off), so nothing stored
is lost, and such a row must be shortened the next time it is saved. How many there are is
logged (counts only).

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


# The longest each typed text column may be (frozen here; the app's own list is
# caseload_app.domain.text.LIMITS, and a test checks they agree).
LIMITS = {
    "child": {
        "first_name": 100,
        "last_name": 100,
        "upn": 13,
        "nhs_number": 10,
        "setting": 200,
        "year_group": 10,
    },
    "family": {
        "parent_carer_name": 200,
        "address": 500,
        "postcode": 8,
        "phone": 20,
        "email": 254,
        "language": 60,
    },
    "contact": {"name": 200, "relation": 60, "phone": 20, "email": 254, "language": 60},
    "caseworker": {"name": 120},
}


def upgrade() -> None:
    for table, columns in LIMITS.items():
        _limit_lengths(table, columns)
    for column in IDENTIFIERS:
        _unique_live(column)
    _clean_search_keys()


def _limit_lengths(table: str, columns: dict[str, int]) -> None:
    bind = op.get_bind()
    over = {}
    for column, limit in columns.items():
        found = bind.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE length({column}) > {limit}")
        ).scalar()
        if found:
            over[column] = found
            log.warning(
                "%d %s rows have a %s longer than %d characters: kept as they are, to be "
                "shortened when next saved",
                found,
                table,
                column,
                limit,
            )
    if bind.dialect.name == "sqlite":
        # The rebuild copies every row: rows already over a limit are copied as they are.
        bind.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        with op.batch_alter_table(table, recreate="always") as batch:
            for column, limit in columns.items():
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}_length"), f"length({column}) <= {limit}"
                )
        bind.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:  # never expected: a rebuild keeps every id
            raise RuntimeError(f"{len(broken)} references broken rebuilding {table}")
        return
    for column, limit in columns.items():
        unchecked = " NOT VALID" if column in over else ""
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column}_length "
            f"CHECK (length({column}) <= {limit}){unchecked}"
        )


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
    for table, columns in LIMITS.items():
        with op.batch_alter_table(table, recreate="always") as batch:
            for column in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}_length"), type_="check")
