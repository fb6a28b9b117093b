import itertools
import os

import pytest

from caseload_app.db.engine import normalise_url, sqlite_url
from tests import pg_cluster
from tests.backends import BACKENDS, database_for

_names = itertools.count()


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """Every test here runs on SQLite and on PostgreSQL."""
    yield from database_for(request, tmp_path, request.param)


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    """An empty database on each engine (not the tests' migrated template), for upgrades."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "old.sqlite3")
        return
    server = request.getfixturevalue("pg_server")
    name = f"caseload_old_{os.getpid()}_{next(_names)}"
    pg_cluster.create_database(server, name)
    yield normalise_url(pg_cluster.database_url(server, name))
    pg_cluster.drop_database(server, name)
