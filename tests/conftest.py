import itertools
import os
import tempfile
from pathlib import Path

import pytest

# Qt tests run headless everywhere (developers' machines and CI alike).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Never touch the real user's data, settings, templates or logs (platformdirs follows XDG).
_sandbox = tempfile.mkdtemp(prefix="caseload-tests-")
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = os.path.join(_sandbox, _var.lower())

from caseload_app.db.engine import open_database  # noqa: E402
from tests import pg_cluster  # noqa: E402
from tests.backends import database_for  # noqa: E402
from tests.helpers import login_tag  # noqa: E402


@pytest.fixture
def db(request, tmp_path):
    """A new, migrated SQLite database (tests/services and tests/db also run on PostgreSQL)."""
    yield from database_for(request, tmp_path, "sqlite")


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory) -> str:
    """The superuser URL of a PostgreSQL server for the tests: CI's throwaway cluster
    (CASELOAD_TEST_PG_URL), else one started here for this run. CI fails rather than skip."""
    url = os.environ.get("CASELOAD_TEST_PG_URL")
    if url:
        yield url
        return
    if pg_cluster.bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must test on PostgreSQL: set CASELOAD_TEST_PG_URL")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="caseload-pg-")) / "cluster"
    yield pg_cluster.start(folder)
    pg_cluster.stop(folder)


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A migrated database that each test's database is copied from (fast: no migrations)."""
    name = f"caseload_template_{os.getpid()}"
    pg_cluster.drop_database(pg_server, name)  # a dead run's, whose process id this reuses
    pg_cluster.create_database(pg_server, name)
    open_database(pg_cluster.database_url(pg_server, name)).dispose()
    return name


_numbers = itertools.count()


@pytest.fixture
def pg_database(pg_server, pg_template) -> str:
    """The URL of a new database for one test, copied from the migrated template."""
    name = f"caseload_test_{os.getpid()}_{next(_numbers)}"
    pg_cluster.create_database(pg_server, name, template=pg_template)
    url = pg_cluster.database_url(pg_server, name)
    yield url
    pg_cluster.drop_database(pg_server, name)
    pg_cluster.drop_logins_tagged(pg_server, login_tag(url))  # roles are the server's


@pytest.fixture(scope="session", autouse=True)
def _no_stray_databases():
    """No test leaves a database in the source tree: a PostgreSQL database's bare name given
    as --db once became an SQLite file there (and was committed)."""
    root = Path(__file__).resolve().parent.parent
    before = set(root.iterdir())
    yield
    stray = sorted(p.name for p in set(root.iterdir()) - before if _is_sqlite(p))
    assert not stray, f"a test left database files in {root}: {stray}"


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _umask_put_back():
    """cli.main makes the process's new files private (umask 077): undo it after each test."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path_factory, monkeypatch):
    """Each test its own user data folder: one test's backups are not another's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture(autouse=True)
def _log_handlers_put_back():
    """Each test starts and ends with the app's log unconfigured (cli.main configures it)."""
    from caseload_app import logs

    before = list(logs.log.handlers)
    yield
    for handler in [h for h in logs.log.handlers if h not in before]:
        handler.close()
        logs.log.removeHandler(handler)


# --------------------------------------------------------------------------- e-mail
@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Real SMTP servers on 127.0.0.1 (tests/smtp_server.py): plain, STARTTLS and TLS."""
    from tests import smtp_server

    running = smtp_server.start(tmp_path_factory.mktemp("mail"))
    yield running
    running.stop()


@pytest.fixture
def mailbox(servers):
    """What the servers took, emptied before and after the test."""
    servers.mailbox.reset()
    yield servers.mailbox
    servers.mailbox.reset()
