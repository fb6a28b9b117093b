"""Which database engine a test runs on: SQLite always; PostgreSQL where a folder asks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from caseload_app.db.engine import Database, open_database

BACKENDS = ("sqlite", "postgresql")


def database_for(request: pytest.FixtureRequest, tmp_path, backend: str) -> Iterator[Database]:
    if backend == "postgresql":
        database = open_database(request.getfixturevalue("pg_database"))
    else:
        database = open_database(tmp_path / "caseload.sqlite3")
    yield database
    database.dispose()


# For a test about SQLite's own behaviour (its file on disk, its pragmas), in a folder whose
# tests otherwise run on both engines.
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
