"""`caseload --self-test`: does this installation work? For IT after deploying, and for CI on
the frozen bundle.

Each step uses what a caseworker's day uses, on a temporary database that is deleted after:
migrations, the statutory dates, demo data, a PDF (reportlab and the fonts), and the main
window built offscreen (Qt and its plugins). Prints a line per step; exit 0 if all passed,
otherwise 1 with what failed. Nothing in the user's own folders is read or written.
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported by the steps themselves: the self-test times each import
    from caseload_app.db.engine import Database

PDF_MAGIC = b"%PDF-"


@dataclass
class Trial:
    """What the steps share: the temporary folder and what earlier steps made."""

    folder: Path
    db: Database | None = None
    case_id: int | None = None

    def database(self) -> Database:
        if self.db is None:
            raise AssertionError("an earlier step made no database")
        return self.db

    def case(self) -> int:
        if self.case_id is None:
            raise AssertionError("an earlier step made no case")
        return self.case_id


def make_database(t: Trial) -> str:
    from caseload_app.db.engine import open_database

    t.db = open_database(t.folder / "self-test.sqlite3")
    return "a new database, migrated to the current schema"


def compute_timeline(t: Trial) -> str:
    from caseload_app.domain import deadlines

    received = date(2026, 1, 5)
    final = deadlines.request_timeline(received)["final_plan_due"]
    if final != date(2026, 5, 25):  # the known answer: 20 weeks on (regulation 13)
        raise AssertionError(f"the 20-week date for {received} came out as {final}")
    return f"request on {received:%d %b %Y}: final plan due {final:%d %b %Y}"


def add_demo_cases(t: Trial) -> str:
    from caseload_app.services.caselist import CaseListService
    from caseload_app.services.demo import generate_demo

    generate_demo(t.database(), children=12, seed=1)
    rows = CaseListService(t.database()).list_cases().rows
    if not rows:
        raise AssertionError("the demo data made no cases")
    t.case_id = rows[0].case_id
    return f"{len(rows)} fictional cases"


def render_summary(t: Trial) -> str:
    from caseload_app.services.printing import PrintService

    pdf = PrintService(t.database(), "self-test").case_summary(t.case())
    if not pdf.startswith(PDF_MAGIC):
        raise AssertionError("the case summary is not a PDF")
    if not reportlab_accelerated():
        raise AssertionError("reportlab's C accelerators (rl_accel) are missing: printing is slow")
    return f"case summary PDF, {len(pdf):,} bytes, text measured by reportlab's C accelerators"


def reportlab_accelerated() -> bool:
    """Whether reportlab found its C accelerators (the rl_accel package; a frozen bundle
    holds them only if they were named to it, as reportlab imports them through exec)."""
    from reportlab.lib import rl_accel

    return type(rl_accel.unicode2T1) is type(len)  # a built-in, not reportlab's Python


def forecast_a_plan(t: Trial) -> str:
    """The forecast's arithmetic (numpy, frozen with the app) on a known answer: 20 plans
    each finalised 10 days after their draft, one draft served 3 days ago."""
    from datetime import timedelta

    from caseload_app.domain.forecast import CaseRecord, Worker, forecast

    today, day = date(2026, 12, 7), timedelta(days=1)
    past = [
        CaseRecord(n, 1, today - 200 * day, today - (170 + n) * day, "agreed",
                   today - (60 + n) * day, "issue", today - (60 + n) * day,
                   today - (50 + n) * day, is_open=False)
        for n in range(20)
    ]  # fmt: skip
    served = today - 3 * day
    waiting = CaseRecord(99, 1, today - 100 * day, today - 60 * day, "agreed", served, "issue",
                         served)  # fmt: skip
    made = forecast([*past, waiting], [], [Worker(1, "Self-test", 1.0)], today, weeks=2)
    if not made.ok or round(made.weeks[0].expected, 6) != 1.0:
        raise AssertionError(f"the forecast came out as {made.weeks or made.missing}")
    return "one plan expected in the first week, as it should be"


def build_window(t: Trial) -> str:
    from caseload_app.ui.smoke import show_main_window  # Qt lives in ui/

    return show_main_window(t.database(), t.folder)


STEPS: tuple[tuple[str, Callable[[Trial], str]], ...] = (
    ("create a database", make_database),
    ("compute a timeline", compute_timeline),
    ("add demo cases", add_demo_cases),
    ("render a summary PDF", render_summary),
    ("forecast a plan", forecast_a_plan),
    ("build the main window", build_window),
)


def run(out: TextIO = sys.stdout, steps=STEPS) -> int:
    from caseload_app import __version__

    print(f"caseload {__version__} self-test ({sys.executable})", file=out)
    with tempfile.TemporaryDirectory(prefix="caseload-self-test-") as folder:
        trial = Trial(Path(folder))
        try:
            for name, step in steps:
                start = time.perf_counter()
                try:
                    what = step(trial)
                except Exception as exc:
                    print(f"FAILED  {name}: {type(exc).__name__}: {exc}", file=out)
                    print(traceback.format_exc(), file=out)
                    return 1
                print(f"ok      {name}: {what} ({time.perf_counter() - start:.2f} s)", file=out)
        finally:
            if trial.db is not None:
                trial.db.dispose()
    print("self-test passed", file=out)
    return 0
