"""Stress runs for crash safety and concurrent writers, on a real SQLite file.

    python -m tests.stress kill --kills 1000      # SIGKILL during saves, then check
    python -m tests.stress kill --kind all --kills 200  # …stage actions, import, backup, restore
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
from pathlib import Path

from tests import kill_kinds
from tests.kill_kinds import DAY, NOW, _services, prepare

__all__ = ["DAY", "NOW", "_services", "prepare", "kill_run", "concurrent_run"]

PRELOAD = [
    "caseload_app.services.casework",
    "caseload_app.services.requests",
    "caseload_app.services.importer",
    "caseload_app.services.backup",
    "tests.kill_kinds",
]


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


# ------------------------------------------------------------------------ kill run
@dataclass
class KillReport:
    kind: str = "contact"
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
    # What each kind checks besides (first few of each): half-done actions, bad backups…
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # what the kind saw, for a person
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            not self.missing
            and self.duplicates == 0
            and self.worker_failures == 0
            and self.integrity == "ok"
            and not self.problems
        )

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def problem(self, text: str) -> None:
        self.count("problems")
        if len(self.problems) < 10:
            self.problems.append(text)


def kill_run(
    db_path: Path,
    kills: int,
    seed: int = 1,
    max_wait: float | None = None,
    kind: str = "contact",
) -> KillReport:
    """Start a worker doing `kind`'s action again and again, let it acknowledge at least
    one, kill it at a random moment within `max_wait` seconds after that; `kills` times.
    Then check the file (and, for some kinds, after every kill)."""
    spec = kill_kinds.KINDS[kind]
    wait = spec.max_wait if max_wait is None else max_wait
    ctx, rng, report = _context(), random.Random(seed), KillReport(kind=kind)
    setup = spec.prepare(db_path)
    started = time.perf_counter()
    acked: set[int] = set()
    next_n = 0
    for _ in range(kills):
        receive, send = ctx.Pipe(duplex=False)
        worker = ctx.Process(target=kill_kinds.work, args=(kind, str(db_path), setup, next_n, send))
        worker.start()
        send.close()
        if receive.poll(60):  # the worker is at work now
            _read_acks(receive, acked, first_only=True)
        time.sleep(rng.uniform(0, wait))
        if worker.is_alive():
            os.kill(worker.pid, signal.SIGKILL)
        worker.join()
        if worker.exitcode != -signal.SIGKILL:
            report.worker_failures += 1  # it stopped by itself: an action raised an error
        _read_acks(receive, acked)
        receive.close()
        report.kills += 1
        if spec.after_kill is not None:
            spec.after_kill(db_path, setup, report)
        if acked:
            next_n = max(acked) + 1  # retry the one in flight (with its token)
    report.seconds = round(time.perf_counter() - started, 1)
    report.acknowledged = len(acked)
    spec.check(db_path, setup, acked, report)
    return report


def _read_acks(receive, acked: set[int], first_only: bool = False) -> None:
    while receive.poll():
        try:
            acked.add(struct.unpack("<q", receive.recv_bytes())[0])
        except EOFError:
            return  # the worker has gone
        if first_only:
            return


# ------------------------------------------------------------------------ concurrent run
def _writer(db_path: str, ids: dict[str, int], name: str, each: int, pause: float, go, out) -> None:
    """`each` transactions: half chases (an increment), half edits of the child's setting.
    An edit is made as a person makes it: the form is read (its version), the person takes
    up to `pause` seconds, then saves with that version. When the colleague saved in between,
    the save is refused as stale (never overwriting); the form is reloaded and saved again."""
    from caseload_app.db.models import Child
    from caseload_app.services.errors import ConflictError

    db, work = _services(Path(db_path), name)
    rng = random.Random(name)
    tally = {"chases": 0, "edits": 0, "attempts": 0, "conflicts": 0, "redone": 0, "errors": []}
    go.wait()
    for i in range(each // 2):
        try:
            work.chase_advice(ids["advice_id"], DAY, f"{name} {i}")
            tally["chases"] += 1
            refused = False
            while True:
                with db.read() as s:
                    version = s.get(Child, ids["child_id"]).version
                time.sleep(rng.uniform(0, pause))
                tally["attempts"] += 1
                try:
                    # the value names the version the form showed: a stale save let through shows
                    work.update_child(
                        ids["child_id"], version, {"setting": f"{name} {i} v{version}"}
                    )
                except ConflictError:
                    tally["conflicts"] += 1  # refused as stale: reload and save again
                    refused = True
                    continue
                tally["edits"] += 1
                tally["redone"] += refused
                break
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
    # The child's audit trail, edit by edit: each edit's "old" value is the previous edit's
    # "new" one, and each was made from the version it was saved over (the value names the
    # version its form showed). A break, or a save over a version its form never showed,
    # is a colleague's edit overwritten unseen (lost).
    audit_chain_breaks: int = 0
    stale_saves_let_through: int = 0
    final_setting_is_last_edit: bool = False
    integrity: str = ""
    seconds: float = 0.0

    def _sum(self, key: str) -> int:
        return sum(t[key] for t in self.tallies.values())

    @property
    def edits(self) -> int:
        return self._sum("edits")

    @property
    def attempts(self) -> int:
        return self._sum("attempts")

    @property
    def conflicts(self) -> int:
        """Saves refused as stale (a colleague saved after the form was read)."""
        return self._sum("conflicts")

    @property
    def redone(self) -> int:
        """Edits saved after at least one refusal (reloaded and saved again)."""
        return self._sum("redone")

    @property
    def lost(self) -> int:
        """Acknowledged edits that did not count or were overwritten: must be 0."""
        return (
            abs(self.edits - self.child_version_gain)
            + self.audit_chain_breaks
            + self.stale_saves_let_through
        )

    @property
    def ok(self) -> bool:
        errors = sum(len(t["errors"]) for t in self.tallies.values())
        return (
            errors == 0
            and self.chases_saved == self._sum("chases") == self.chase_logs
            and self.lost == 0
            and self.attempts == self.edits + self.conflicts
            and self.final_setting_is_last_edit
            and self.integrity == "ok"
        )

    def summary(self) -> dict:
        return asdict(self) | {
            "attempts": self.attempts,
            "conflicts_refused_as_stale": self.conflicts,
            "redone": self.redone,
            "edits": self.edits,
            "lost": self.lost,
            "ok": self.ok,
        }


def concurrent_run(db_path: Path, each: int, pause: float = 0.002) -> ConcurrentReport:
    ctx = _context()
    ids = prepare(db_path)
    report = ConcurrentReport(each=each)
    con = sqlite3.connect(db_path)
    (version_before,) = con.execute(
        "SELECT version FROM child WHERE id = ?", (ids["child_id"],)
    ).fetchone()
    (audit_before,) = con.execute("SELECT coalesce(max(id), 0) FROM audit_entry").fetchone()
    con.close()
    go, out = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(str(db_path), ids, name, each, pause, go, out))
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
        (version_after, setting) = con.execute(
            "SELECT version, setting FROM child WHERE id = ?", (ids["child_id"],)
        ).fetchone()
        details = [
            d
            for (d,) in con.execute(
                "SELECT detail FROM audit_entry WHERE id > ? AND record_type = 'child' "
                "AND record_id = ? AND action = 'update' ORDER BY id",
                (audit_before, ids["child_id"]),
            )
        ]
    finally:
        con.close()
    report.child_version_gain = version_after - version_before
    _check_chain(details, setting, version_before, report)
    return report


def _check_chain(
    details: list[str], setting: str, version_before: int, report: ConcurrentReport
) -> None:
    """Edits as the audit trail saw them ("setting: 'old' → 'new'"): each starts from the
    one before and was saved over the version its form showed; the last is what the child's
    record holds."""
    pairs = [[v.strip("'\"") for v in d.removeprefix("setting: ").split(" → ")] for d in details]
    report.audit_chain_breaks = sum(
        1 for before, after in zip(pairs, pairs[1:], strict=False) if after[0] != before[1]
    )
    report.audit_chain_breaks += abs(len(pairs) - report.edits)
    report.stale_saves_let_through = sum(
        1
        for k, (_old, new) in enumerate(pairs)
        if new.rsplit(" v", 1)[-1] != str(version_before + k)
    )
    report.final_setting_is_last_edit = bool(pairs) and pairs[-1][1] == setting


# ------------------------------------------------------------------------ command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stress", description=__doc__)
    sub = parser.add_subparsers(dest="run", required=True)
    k = sub.add_parser("kill", help="SIGKILL a saving process again and again")
    k.add_argument("--kills", type=int, default=1000, help="kills of each kind")
    k.add_argument("--seed", type=int, default=1)
    k.add_argument(
        "--kind",
        choices=["contact", "stage", "import", "backup", "restore", "all"],
        default="contact",
        help="what the killed process does (tests/kill_kinds.py); all: each in turn",
    )
    c = sub.add_parser("concurrent", help="two processes writing the same case at once")
    c.add_argument("--each", type=int, default=2000, help="transactions per process")
    c.add_argument(
        "--pause",
        type=float,
        default=0.002,
        help="longest pause (s) between reading a form and saving it (makes stale saves)",
    )
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
        kinds = ["contact", "stage", "import", "backup", "restore"]
        reports = []
        for kind in kinds if args.kind == "all" else [args.kind]:
            path = db_path if args.kind != "all" else Path(folder) / kind / db_path.name
            path.parent.mkdir(exist_ok=True)
            reports.append(kill_run(path, args.kills, seed=args.seed, kind=kind))
            print(json.dumps(asdict(reports[-1]) | {"ok": reports[-1].ok}, indent=2))
        return 0 if all(r.ok for r in reports) else 1
    report = concurrent_run(db_path, args.each, pause=args.pause)
    print(json.dumps(report.summary(), indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
