"""Round trips to a team database (issue 28: a council's network adds 2–10 ms to each): the
case window is read in a handful, counted by the benchmark's proxy, and the reads it sends
together (db.batch) are those of the signed-in person, row-level security and all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from caseload_app.bench_proxy import LatencyProxy
from caseload_app.db.batch import rows_of
from caseload_app.db.engine import StorageError, open_database
from caseload_app.db.models import AuditEntry, Task
from caseload_app.services import records
from caseload_app.services.casework import CaseworkService
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.workload import WorkloadService
from tests.helpers import NOW, TODAY

# Opening a case: the pool's check that its connection is alive, BEGIN, the case with its
# child and family, the audit entry, everything else the window shows, COMMIT. Reading it
# again after a save: the same without the audit entry, and ROLLBACK for COMMIT.
OPEN_TRIPS, READ_TRIPS = 6, 5
# The workload board: the check, BEGIN, who may see it, the weights (whose urgency days its
# counts need), its figures' other four reads, ROLLBACK. Counting per caseworker and stage in
# the database costs that one trip and took the board from 0.75 to 0.2 s at 200,000 cases.
BOARD_TRIPS = 6


@pytest.fixture
def through_proxy(team_server):
    """`person`'s database and login through the counting proxy, and the proxy."""
    target = make_url(team_server.url)
    with LatencyProxy(target.host, target.port, 0) as proxy:
        opened = []

        def work(person: str) -> CaseworkService:
            via = make_url(team_server.url_for(person)).set(host="127.0.0.1", port=proxy.port)
            db = open_database(via.render_as_string(hide_password=False))
            opened.append(db)
            return db, team_server.login(person)

        yield work, proxy
        for db in opened:
            db.dispose()


def _trips(proxy: LatencyProxy, action) -> int:
    before = proxy.requests
    action()
    return proxy.requests - before


def _busy(team_server) -> None:
    """Something on every tab of Asha's case, so each read has rows to bring back."""
    asha = team_server.service(CaseworkService, "asha", team_server.signed_in("asha"))
    for title in ("Ring school", "Chase EP advice"):
        asha.add_task(team_server.case_a, title, TODAY, None)
    asha.log_communication(team_server.case_a, NOW, "phone", "out", "Mum", "Rang about it")


@pytest.mark.parametrize("person", ["lee", "asha", "ravi"])
def test_opening_a_case_takes_a_handful_of_round_trips(team_server, through_proxy, person):
    _busy(team_server)
    signed_in, proxy = through_proxy
    worker = CaseworkService(*signed_in(person), today=lambda: TODAY)
    case_id = team_server.case_a
    first = worker.get_case(case_id)  # the connection made, the schema checked
    assert len(first.tasks) == 2 and first.communications  # it read the tabs
    assert _trips(proxy, lambda: worker.get_case(case_id)) <= OPEN_TRIPS
    assert _trips(proxy, lambda: worker.get_case(case_id, opened=False)) <= READ_TRIPS
    with team_server.owner.read() as s:
        views = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "view", AuditEntry.case_id == case_id)
            .where(AuditEntry.who == team_server.login(person))
        )
    assert views == 2  # each opening audited, the refresh not


def test_the_workload_board_is_one_transaction_of_a_handful_of_round_trips(
    team_server, through_proxy
):
    signed_in, proxy = through_proxy
    lee = WorkloadService(*signed_in("lee"), today=lambda: TODAY)
    first = lee.board()
    assert {r.name for r in first.rows} == {"Asha Patel", "Ben Okafor"}
    assert _trips(proxy, lee.board) <= BOARD_TRIPS
    ravi = WorkloadService(*signed_in("ravi"), today=lambda: TODAY)
    with pytest.raises(PermissionDenied):
        ravi.board()


def test_reads_sent_together_see_what_the_person_may_see(team_server):
    """Row-level security applies to the batch as to any statement: a caseworker sees the
    case's history and her own entries of the audit trail, never another person's."""
    with team_server.owner.uow() as s:
        records.write_audit(
            s, at=NOW, who="someone-else", action="view", record_type="x", detail="x"
        )
    asha = team_server.signed_in("asha")
    trail = select(AuditEntry.id, AuditEntry.who).order_by(AuditEntry.id)
    with asha.read() as s:
        [together, tasks] = rows_of(s, [trail, select(Task.title)])
        apart = s.execute(trail).all()
    with team_server.owner.read() as s:
        everything = s.execute(trail).all()
    assert [tuple(r) for r in together] == [tuple(r) for r in apart]
    assert "someone-else" in {r.who for r in everything}
    assert "someone-else" not in {r.who for r in together}
    assert tasks == []


def test_a_failing_read_among_them_is_reported_as_any_statement_is(team_server):
    lee = team_server.signed_in("lee")
    named = select(Task.id).where(Task.title == "Amy Brontë's task")
    with lee.read() as s, pytest.raises(DBAPIError) as err:
        rows_of(s, [named, select(func.sqrt(-1))])
    assert err.value.orig.sqlstate == "2201F"  # invalid argument for a power function
    assert "sqrt" in str(err.value) and "Amy" not in str(err.value)  # the SQL, no values
    with lee.read() as s:  # and the connection is fine for the next action
        assert rows_of(s, [select(func.sqrt(4))]) == [[(2.0,)]]


def test_a_connection_lost_mid_read_is_a_storage_problem_and_not_reused(team_server):
    lee = team_server.signed_in("lee")
    with pytest.raises(StorageError) as err, lee.uow() as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        with team_server.owner.uow() as owner:
            owner.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        rows_of(s, [select(Task.id), select(Task.title)])
    assert err.value.retryable
    with lee.read() as s:
        assert rows_of(s, [select(func.sqrt(4))]) == [[(2.0,)]]
