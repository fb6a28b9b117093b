"""`caseload bench --team-url`: the team database timed as each role against its owner, with
the statements and round trips each action costs, through a network delay (issue 28)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from caseload_app.bench_proxy import LatencyProxy
from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.services.people import PeopleService
from tests import pg_cluster

BIG = "SELECT md5(n::text) FROM generate_series(1, 100000) n ORDER BY n"


def _through(proxy: LatencyProxy, url: str) -> psycopg.Connection:
    via = make_url(url).set(drivername="postgresql", host="127.0.0.1", port=proxy.port)
    return psycopg.connect(via.render_as_string(hide_password=False), autocommit=True)


def _digest(conn: psycopg.Connection) -> str:
    return hashlib.sha256("".join(r[0] for r in conn.execute(BIG)).encode()).hexdigest()


def test_the_proxy_adds_its_round_trip_and_counts_each(pg_server):
    target = make_url(pg_server)
    with LatencyProxy(target.host, target.port, 40) as slow, _through(slow, pg_server) as conn:
        conn.execute("SELECT 1").fetchall()  # warm
        before, start = slow.requests, time.perf_counter()
        for _ in range(3):
            conn.execute("SELECT 1").fetchall()
        took = time.perf_counter() - start
        assert slow.requests - before == 3  # one exchange a statement, in autocommit
        assert took >= 3 * 0.040  # never faster than three round trips
        through_slow = _digest(conn)
    plain = make_url(pg_server).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as direct:
        assert through_slow == _digest(direct)  # 100,000 rows, every byte in order


TAG = f"caseload-test-bench-{os.getpid()}"  # the bench's logins end .TAG (its database's name)


@pytest.fixture
def empty_team_db(pg_server):
    """A database with nothing in it, not even the schema: the bench makes it all."""
    name = TAG.replace("-", "_")
    pg_cluster.drop_database(pg_server, name)
    pg_cluster.create_database(pg_server, name)
    yield pg_cluster.database_url(pg_server, name)
    pg_cluster.drop_database(pg_server, name)
    pg_cluster.drop_logins_tagged(pg_server, TAG)


def _bench(url, tmp_path, *extra):
    out = tmp_path / "team.json"
    laptop = tmp_path / "laptop.sqlite3"
    args = ["bench", "--team-url", url, "--children", "40", "--runs", "2", "--db", str(laptop)]
    assert main([*args, "-o", str(out), *extra]) == 0
    return json.loads(out.read_text())


def test_team_bench_times_each_role_against_the_owner(empty_team_db, tmp_path, capsys):
    result = _bench(empty_team_db, tmp_path, "--latency-ms", "2")
    printed = capsys.readouterr().out
    assert "Moving" in printed and "counts match" in printed  # the empty database filled
    assert "team database, 2 runs, 2 ms a round trip" in printed
    by_name = {m["name"]: m for m in result["measures"]}
    assert {"case list as lead", "read a case as lead", "workload board as lead"} <= set(by_name)
    assert "weekly report's figures as lead" in by_name
    assert {"read a case as caseworker", "open a case as reader"} <= set(by_name)
    assert "workload board as reader" not in by_name  # not open to a reader: said, not timed
    assert "workload board is not open to this role" in printed
    case = by_name["read a case as lead"]
    # Its many statements sent together (db.batch): a handful of round trips.
    assert case["statements"] > 5 and case["round_trips"] <= 5
    assert case["raw_median"] > 0 and case["policy_ratio"] is not None
    # Each of its round trips waited 2 ms at least.
    assert case["median"] >= case["round_trips"] * 2
    opened = by_name["open a case as lead"]
    assert opened["statements"] > case["statements"]  # and its audit entry
    assert result["latency_ms"] == 2


def test_team_bench_runs_again_with_logins_disabled_between(empty_team_db, tmp_path):
    _bench(empty_team_db, tmp_path, "--role", "lead")
    owner = open_database(empty_team_db)
    try:
        people = {p.login: p for p in PeopleService(owner, "x").people()}
    finally:
        owner.dispose()
    lead = people[f"bench-lead.{TAG}"]
    assert not lead.active  # nobody signs in with it between runs
    again = _bench(empty_team_db, tmp_path, "--role", "caseworker")  # no second fill
    assert [m["name"] for m in again["measures"]] == [
        "case list as caseworker",
        "read a case as caseworker",
        "open a case as caseworker",
    ]


def test_team_bench_refuses_a_database_with_people_of_its_own(team_server, tmp_path, capsys):
    args = ["bench", "--team-url", team_server.url, "--runs", "1", "-o", str(tmp_path / "x")]
    assert main(args) == 2
    assert "logins of its own" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
