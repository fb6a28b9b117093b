"""Reserving primary keys for bulk inserts, so rows can reference each other without
RETURNING (SQLAlchemy's ordered RETURNING over executemany is quadratic at 50,000 rows)."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session


def reserve_ids(session: Session, model, count: int) -> list[int]:
    """`count` fresh ids for `model`'s table, valid until this transaction ends."""
    if count <= 0:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "sqlite":
        # Writes run in BEGIN IMMEDIATE: nobody else can insert until we commit.
        start = (session.scalar(select(func.max(table.c.id))) or 0) + 1
        return list(range(start, start + count))
    rows = session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table.name, "n": count},
    )
    return [r[0] for r in rows]
