import pytest

from tests.backends import BACKENDS, database_for


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """Every test here runs on SQLite and on PostgreSQL."""
    yield from database_for(request, tmp_path, request.param)
