"""Stress runs for crash safety and concurrent writers, on a real SQLite file.

    python -m tests.stress kill --kills 1000      # SIGKILL during saves, then check
    python -m tests.stress concurrent --each 2000  # two processes writing at once
    python -m tests.stress powerloss --cuts 1000   # power cuts: unsynced writes lost

The test suite runs both at a smaller size (tests/db/test_stress.py); CI runs this script
at full size. Each worker is a real process forked from a forkserver (so the imports are
paid once), and is killed with SIGKILL: no clean-up, no atexit, exactly like a crash.

Kill run: a worker logs contacts, each with its own form token, and reports the number of
each save after the service call returns (the save is then acknowledged). It is killed at
a random moment; the next worker retries from the first unacknowledged save with the same
token (as a person would press Save again), so a save that committed without its
acknowledgement reaching us must not be made twice. At the end: every acknowledged save is
present, nothing is duplicated, and the file passes integrity_check.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import sqlite3
import struct
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

PRELOAD = ["caseload_app.services.casework", "caseload_app.services.requests"]
DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _services(db_path: Path, user: str):
    from caseload_app.db.engine import open_database
    from caseload_app.services.casework import CaseworkService

    db = open_database(db_path)
    return db, CaseworkService(db, user, today=lambda: DAY, now=lambda: NOW)


def prepare(db_path: Path) -> dict[str, int]:
    """A database with one case in assessment and one advice request (ids returned)."""
    from caseload_app.db.engine import open_database
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.requests import NewRequest, RequestService

    db = open_database(db_path)
    try:
        requests = RequestService(db, "Stress", today=lambda: DAY, now=lambda: NOW)
        work = CaseworkService(db, "Stress", today=lambda: DAY, now=lambda: NOW)
        case_id = requests.create(
            NewRequest(
                first_name="Zoë",
                last_name="Brontë",
                date_of_birth=date(2016, 5, 4),
                request_received=date(2026, 7, 1),
            )
        )
        detail = work.get_case(case_id, opened=False)
        work.record_action(case_id, detail.version, "assess_agreed", date(2026, 8, 5))
        advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
        return {"case_id": case_id, "child_id": detail.child.id, "advice_id": advice_id}
    finally:
        db.dispose()


# ------------------------------------------------------------------------ kill run
def _saver(db_path: str, case_id: int, first: int, ack) -> None:
    """Log contacts save-<n>, n = first, first+1, …; send n once each save has returned."""
    _db, work = _services(Path(db_path), "Stress")
    n = first
    while True:
        work.log_communication(
            case_id, NOW, "phone", "in", "Ms Brontë", f"save {n}", token=f"save-{n}"
        )
        ack.send_bytes(struct.pack("<q", n))  # one small write: all or nothing
        n += 1


@dataclass
class KillReport:
    kills: int = 0
    acknowledged: int = 0
    # Saves that committed but were killed before their acknowledgement: each was saved
    # again with the same token, and must still be there once.
    committed_unacknowledged: int = 0
    present: int = 0
    duplicates: int = 0
    missing: list[int] = field(default_factory=list)
    worker_failures: int = 0
    integrity: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.missing
            and self.duplicates == 0
            and self.worker_failures == 0
            and self.integrity == "ok"
        )


def kill_run(db_path: Path, kills: int, seed: int = 1, max_wait: float = 0.03) -> KillReport:
    """Start a saver, let it acknowledge at least one save, kill it at a random moment
    within `max_wait` seconds after that; `kills` times. Then check the file."""
    ctx, rng, report = _context(), random.Random(seed), KillReport()
    case_id = prepare(db_path)["case_id"]
    started = time.perf_counter()
    acked: set[int] = set()
    next_n = 0
    for _ in range(kills):
        receive, send = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=_saver, args=(str(db_path), case_id, next_n, send))
        worker.start()
        send.close()
        if receive.poll(30):  # the worker is saving now
            _read_acks(receive, acked, first_only=True)
        time.sleep(rng.uniform(0, max_wait))
        if worker.is_alive():
            os.kill(worker.pid, signal.SIGKILL)
        worker.join()
        if worker.exitcode != -signal.SIGKILL:
            report.worker_failures += 1  # it stopped by itself: a save raised an error
        _read_acks(receive, acked)
        receive.close()
        report.kills += 1
        if acked:
            next_n = max(acked) + 1  # retry the one in flight, with its token
    report.seconds = round(time.perf_counter() - started, 1)
    report.acknowledged = len(acked)
    _check_kills(db_path, acked, report)
    return report


def _read_acks(receive, acked: set[int], first_only: bool = False) -> None:
    while receive.poll():
        try:
            acked.add(struct.unpack("<q", receive.recv_bytes())[0])
        except EOFError:
            return  # the worker has gone
        if first_only:
            return


def _check_kills(db_path: Path, acked: set[int], report: KillReport) -> None:
    con = sqlite3.connect(db_path)
    try:
        report.integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute(
            "SELECT summary, count(*) FROM communication WHERE summary LIKE 'save %' "
            "GROUP BY summary"
        ).fetchall()
    finally:
        con.close()
    present = {int(summary.split()[1]): n for summary, n in rows}
    report.present = len(present)
    report.duplicates = sum(n - 1 for n in present.values())
    report.missing = sorted(n for n in acked if n not in present)
    report.committed_unacknowledged = len(present.keys() - acked)


# ------------------------------------------------------------------------ concurrent run
def _writer(db_path: str, ids: dict[str, int], name: str, each: int, go, out) -> None:
    """`each` transactions: half chases (an increment), half edits of the child's setting
    made from a version read beforehand (optimistic: a conflict is reloaded and retried)."""
    from caseload_app.db.models import Child
    from caseload_app.services.errors import ConflictError

    db, work = _services(Path(db_path), name)
    tally = {"chases": 0, "edits": 0, "conflicts": 0, "errors": []}
    go.wait()
    for i in range(each // 2):
        try:
            work.chase_advice(ids["advice_id"], DAY, f"{name} {i}")
            tally["chases"] += 1
            while True:
                with db.read() as s:
                    version = s.get(Child, ids["child_id"]).version
                try:
                    work.update_child(ids["child_id"], version, {"setting": f"{name} {i}"})
                    tally["edits"] += 1
                    break
                except ConflictError:
                    tally["conflicts"] += 1  # refused, never overwritten: reload and retry
        except Exception as exc:  # anything reaching a person counts as a failure
            tally["errors"].append(f"{type(exc).__name__}: {exc}")
    out.put((name, tally))


@dataclass
class ConcurrentReport:
    each: int
    tallies: dict[str, dict] = field(default_factory=dict)
    chases_saved: int = 0
    chase_logs: int = 0
    child_version_gain: int = 0
    integrity: str = ""
    seconds: float = 0.0

    @property
    def edits(self) -> int:
        return sum(t["edits"] for t in self.tallies.values())

    @property
    def ok(self) -> bool:
        chases = sum(t["chases"] for t in self.tallies.values())
        errors = sum(len(t["errors"]) for t in self.tallies.values())
        return (
            errors == 0
            and self.chases_saved == chases == self.chase_logs
            and self.child_version_gain == self.edits
            and self.integrity == "ok"
        )


def concurrent_run(db_path: Path, each: int) -> ConcurrentReport:
    ctx = _context()
    ids = prepare(db_path)
    report = ConcurrentReport(each=each)
    con = sqlite3.connect(db_path)
    (version_before,) = con.execute(
        "SELECT version FROM child WHERE id = ?", (ids["child_id"],)
    ).fetchone()
    con.close()
    go, out = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(str(db_path), ids, name, each, go, out))
        for name in ("Asha Patel", "Ben Okafor")
    ]
    for w in workers:
        w.start()
    started = time.perf_counter()
    go.set()
    for _ in workers:
        name, tally = out.get(timeout=600)
        report.tallies[name] = tally
    for w in workers:
        w.join()
    report.seconds = round(time.perf_counter() - started, 1)
    con = sqlite3.connect(db_path)
    try:
        report.integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        (report.chases_saved,) = con.execute(
            "SELECT chases FROM advice_request WHERE id = ?", (ids["advice_id"],)
        ).fetchone()
        (report.chase_logs,) = con.execute(
            "SELECT count(*) FROM communication WHERE summary LIKE 'Chased%'"
        ).fetchone()
        (version_after,) = con.execute(
            "SELECT version FROM child WHERE id = ?", (ids["child_id"],)
        ).fetchone()
    finally:
        con.close()
    report.child_version_gain = version_after - version_before
    return report


# ------------------------------------------------------------------------ command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stress", description=__doc__)
    sub = parser.add_subparsers(dest="run", required=True)
    k = sub.add_parser("kill", help="SIGKILL a saving process again and again")
    k.add_argument("--kills", type=int, default=1000)
    k.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("concurrent", help="two processes writing the same case at once")
    c.add_argument("--each", type=int, default=2000, help="transactions per process")
    for p in (k, c):
        p.add_argument("--db", help="database file (default: a new temporary one)")
    p = sub.add_parser("powerloss", help="cut the power: writes not yet synced are lost")
    p.add_argument("--cuts", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--synchronous",
        choices=["OFF", "NORMAL", "FULL", "EXTRA"],
        help="instead of caseload's own setting (to see what it protects against)",
    )
    p.add_argument(
        "--checkpoint-pages",
        type=int,
        help="wal_autocheckpoint instead of caseload's own (small: more cuts mid-checkpoint)",
    )
    args = parser.parse_args(argv)
    if args.run == "powerloss":
        from tests.powerloss import powerloss_run

        report = powerloss_run(
            args.cuts,
            synchronous=args.synchronous,
            checkpoint_pages=args.checkpoint_pages,
            seed=args.seed,
        )
        print(json.dumps(asdict(report) | {"ok": report.ok}, indent=2))
        return 0 if report.ok else 1
    import tempfile

    folder = tempfile.mkdtemp(prefix="caseload-stress-")
    db_path = Path(args.db) if args.db else Path(folder) / "stress.sqlite3"
    if args.run == "kill":
        report = kill_run(db_path, args.kills, seed=args.seed)
    else:
        report = concurrent_run(db_path, args.each)
    print(json.dumps(asdict(report) | {"ok": report.ok}, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
