"""Several independent reads sent together: one round trip to a team database, however many.

Across a council's network every statement waits a round trip of a few milliseconds, so a
window that reads twenty small things would wait twenty. On PostgreSQL `rows_of` sends them
all as one message on the session's own connection, and the server answers them all at
once: the same transaction, so row-level security and what has been written so far apply
exactly as to `session.execute`. On SQLite (no network) they run one after another.

One message rather than psycopg's pipeline mode, which writes each statement on its own as
it goes: the server would still answer them together, but a message is one send and one
answer whatever the network, which is what the benchmark's proxy counts. The parameters are
quoted into the statements by psycopg itself (its client-side binding cursor), as the
server's simple-query protocol that carries several statements takes no separate ones.

Statements are best made once, with `bindparam`s for what changes between calls, and their
values passed as `params`: each is then compiled only once (as SQLAlchemy's own cache would
do for session.execute, which is not used here).

Each statement's rows come back as tuples whose fields are named by its selected columns
(`row.id`): SQLAlchemy's Row on SQLite, a named tuple of the same names on PostgreSQL.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session


def rows_of(
    session: Session, statements: Sequence[Select], params: dict[str, Any] | None = None
) -> list[list[Any]]:
    """The rows of each statement, in the order given; `params`: the values of their
    `bindparam`s, by name."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return [list(session.execute(stmt, params).all()) for stmt in statements]
    session.flush()  # what session.execute would do first (autoflush)
    return _together(conn, statements, params or {})


def one_snapshot(session: Session) -> None:
    """Have the session's transaction, about to start, read everything as of one moment.

    On PostgreSQL each statement of a READ COMMITTED transaction, even each of several in
    one message, sees what was committed when it began: a save committed between two of
    them would show half of itself (a case from before it, its events from after).
    REPEATABLE READ reads all as of the first; nothing is locked, so saves are not kept
    waiting. SQLite's transaction already reads one snapshot. Call before any statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _together(conn, statements: Sequence[Select], values: dict[str, Any]) -> list[list[Any]]:
    import psycopg  # a team database's driver: only ever reached with one

    dialect = conn.dialect
    shapes: list[str] = []  # the statements without their values, to name in an error
    cursor = psycopg.ClientCursor(conn.connection.dbapi_connection)
    try:
        parts = []
        for stmt in statements:
            compiled = _compiled(stmt, dialect)
            # An IN list (expanding bindparam) as its own parameters, for this call's values.
            expanded = compiled.construct_expanded_state(compiled.construct_params(values))
            one, params = expanded.statement, expanded.parameters
            # As session.execute would: listeners (the benchmark's) see every statement.
            conn.dispatch.before_cursor_execute(conn, cursor, one, params, None, False)
            parts.append(cursor.mogrify(one, params))
            shapes.append(compiled.string)  # an IN list as one placeholder
        cursor.execute(";\n".join(parts))
        found = []
        for stmt in statements:
            found.append(_rows(stmt, dialect, cursor))
            cursor.nextset()
        return found
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy does for its own statements: wrapped (DBAPIError), and a lost
        # connection marked as such so that the pool does not hand it out again. Named by
        # the statements' SQL alone: the message sent held every value quoted in.
        conn._handle_dbapi_exception(exc, ";\n".join(shapes), None, cursor, None)
        raise  # not reached: the line above always raises
    finally:
        cursor.close()


def _rows(stmt: Select, dialect, cursor) -> list[Any]:
    """The cursor's current rows, each value made what its column's type says (a Float's
    numeric a float), as SQLAlchemy's own results are."""
    make = _row_type(tuple(stmt.selected_columns.keys()))._make
    processors = [
        column.type.dialect_impl(dialect).result_processor(dialect, described.type_code)
        for column, described in zip(stmt.selected_columns, cursor.description, strict=True)
    ]
    rows = cursor.fetchall()
    if not any(processors):
        return [make(row) for row in rows]
    return [
        make(value if p is None else p(value) for p, value in zip(processors, row, strict=True))
        for row in rows
    ]


_COMPILED: dict[tuple[int, Any], tuple[Select, Any]] = {}


def _compiled(stmt: Select, dialect):
    """The statement compiled for the dialect, once for a statement made once. The statement
    is kept with it, so that its id is not another's while in here."""
    key = (id(stmt), dialect)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= 512:  # statements made afresh on every call: never one again
            _COMPILED.clear()
        found = _COMPILED[key] = (stmt, stmt.compile(dialect=dialect))
    return found[1]


@functools.lru_cache(maxsize=256)
def _row_type(names: tuple[str, ...]):
    return namedtuple("Row", names, rename=True)  # type: ignore[misc]  # known at run time
