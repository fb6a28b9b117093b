import os

import pytest

# Qt tests run headless everywhere (developers' machines and CI alike).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from caseload_app.db.engine import open_database  # noqa: E402


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "caseload.sqlite3")
    yield database
    database.dispose()
