import os
import tempfile

import pytest

# Qt tests run headless everywhere (developers' machines and CI alike).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Never touch the real user's data, settings, templates or logs (platformdirs follows XDG).
_sandbox = tempfile.mkdtemp(prefix="caseload-tests-")
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_sandbox, _var.lower())

from caseload_app.db.engine import open_database  # noqa: E402


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "caseload.sqlite3")
    yield database
    database.dispose()
