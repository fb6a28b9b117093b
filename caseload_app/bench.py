"""The benchmark: `caseload bench` (or `python -m caseload_app.bench`).

Builds (or reuses) a demo database and times what a caseworker waits for, as medians and
95th percentiles over repeated runs. Beside each database read it runs the equivalent
hand-written SQL through the sqlite3 module on the same file, in the same run, and reports
app ÷ raw, so figures compare across noisy machines. Prints a table; writes JSON.

This first part measures the service-level reads and the PDFs; the window's cold start,
search keystrokes, the CSV import and peak memory are still to come (issue 9).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

AS_OF = date(2026, 11, 24)  # the demo's "today": the same data and dates on every machine


@dataclass
class Measure:
    name: str
    target_ms: float
    median_ms: float
    p95_ms: float
    raw_median_ms: float | None = None  # the hand-written SQL for the same read

    @property
    def ratio(self) -> float | None:
        if not self.raw_median_ms:
            return None
        return round(self.median_ms / self.raw_median_ms, 2)

    @property
    def met(self) -> bool:
        return self.p95_ms < self.target_ms


def timed(call: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


CONTACT_SCALE = 4.0  # about 20 communications per child: 1,000,000 for 50,000 children


def database(path: Path, children: int):
    """The demo database at `path`, made once at this size and reused afterwards."""
    from caseload_app.db.engine import open_database
    from caseload_app.services.caselist import CaseListService
    from caseload_app.services.demo import generate_demo

    db = open_database(path)
    held = len(CaseListService(db, today=lambda: AS_OF).list_cases().rows)
    if held == 0:
        generate_demo(db, children=children, seed=1, today=AS_OF, contact_scale=CONTACT_SCALE)
    elif held < children:
        db.dispose()
        raise SystemExit(f"{path} holds {held} cases, fewer than --children {children}")
    return db


def busiest_case(raw: sqlite3.Connection) -> tuple[int, int]:
    """The case whose family has the most communications: (case id, family id)."""
    return raw.execute(
        "SELECT c.id, ch.family_id FROM ehcp_case c JOIN child ch ON ch.id = c.child_id "
        "JOIN communication m ON m.family_id = ch.family_id "
        "GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1"
    ).fetchone()


def run(path: Path, children: int, runs: int) -> list[Measure]:
    from caseload_app.services.caselist import CaseListService
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.printing import PrintService
    from caseload_app.services.weekly import WeeklyReportService
    from caseload_app.services.workload import WorkloadService

    db = database(path, children)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        today = lambda: AS_OF  # noqa: E731
        user = "bench"
        case_id, family_id = busiest_case(raw)
        work = CaseworkService(db, user, today=today)
        cases = CaseListService(db, today=today)
        printing = PrintService(db, user, today=today)
        board = WorkloadService(db, user, today=today)
        weekly = WeeklyReportService(db, user, today=today)

        def raw_case() -> None:
            for sql, key in (
                ("SELECT * FROM ehcp_case WHERE id = ?", case_id),
                (
                    "SELECT * FROM child WHERE id = (SELECT child_id FROM ehcp_case WHERE id = ?)",
                    case_id,
                ),
                (
                    "SELECT * FROM communication WHERE family_id = ? ORDER BY occurred_at DESC",
                    family_id,
                ),
                ("SELECT * FROM task WHERE case_id = ?", case_id),
                ("SELECT * FROM advice_request WHERE case_id = ?", case_id),
                ("SELECT * FROM stage_event WHERE case_id = ?", case_id),
            ):
                raw.execute(sql, (key,)).fetchall()

        plan = [
            (
                "all cases for the list and search",
                300.0,  # our budget for loading the list (part of the 1.5 s cold start)
                lambda: cases.list_cases(),
                lambda: raw.execute(
                    "SELECT * FROM ehcp_case c JOIN child ch ON ch.id = c.child_id"
                ).fetchall(),
            ),
            (
                "open the busiest case",
                100.0,
                lambda: work.get_case(case_id, opened=False),
                raw_case,
            ),
            ("case summary PDF", 150.0, lambda: printing.case_summary(case_id), None),
            (
                "workload board (8-week strip)",
                300.0,
                lambda: board.board(),
                lambda: raw.execute(
                    "SELECT caseworker_id, stage, next_due FROM ehcp_case WHERE is_open"
                ).fetchall(),
            ),
            (
                "weekly leadership report PDF",
                2000.0,
                lambda: weekly.to_pdf(weekly.report(date(2026, 11, 20))),
                None,
            ),
        ]
        measures = []
        for name, target, app_call, raw_call in plan:
            app_call()  # warm: the first call pays for imports and the page cache
            samples = timed(app_call, runs)
            raw_median = statistics.median(timed(raw_call, runs)) if raw_call else None
            measures.append(
                Measure(name, target, statistics.median(samples), p95(samples), raw_median)
            )
        return measures
    finally:
        raw.close()
        db.dispose()


def table(measures: list[Measure]) -> str:
    lines = [f"{'measure':<36} {'median':>9} {'p95':>9} {'target':>8} {'app/raw':>8}  met"]
    for m in measures:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "—"
        lines.append(
            f"{m.name:<36} {m.median_ms:>7.1f}ms {m.p95_ms:>7.1f}ms {m.target_ms:>6.0f}ms "
            f"{ratio:>8}  {'yes' if m.met else 'NO'}"
        )
    return "\n".join(lines)


def contacts(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        return raw.execute("SELECT count(*) FROM communication").fetchone()[0]


def report(measures: list[Measure], children: int, runs: int, path: Path) -> dict:
    return {
        "children": children,
        "communications": contacts(path),
        "runs": runs,
        "machine": {
            "python": platform.python_version(),
            "system": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "measures": [asdict(m) | {"ratio": m.ratio, "met": m.met} for m in measures],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="caseload bench", description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse (or make) the demo database here")
    parser.add_argument("-o", "--output", type=Path, default=Path("bench.json"))
    args = parser.parse_args(argv)
    if args.children < 1 or args.runs < 1:
        parser.error("--children and --runs must be at least 1")
    path = args.db or Path(f"bench-{args.children}.sqlite3")
    measures = run(path, args.children, args.runs)
    print(table(measures))
    result = report(measures, args.children, args.runs, path)
    print(f"{args.children} children, {result['communications']} communications, {args.runs} runs")
    args.output.write_text(json.dumps(result, indent=2))
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
