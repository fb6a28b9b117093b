"""Example PDFs from demo data, with render times: run from the repository root.

    python docs/make_pdf_examples.py

Writes docs/examples/case-summary.pdf (an open demo case at the draft-plan stage, given a few
extra records through the services so every section has something in it) and
docs/screenshots/case-summary-page1.png (page 1 at 80 dpi, via poppler's pdftoppm). Prints
how long the summary takes to render, and the pages and time for a 300-contact log.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from caseload_app.db.engine import open_database
from caseload_app.reports.pdf import Imprint
from caseload_app.reports.summary import CommunicationRow, SummaryData, build_summary
from caseload_app.services.case_read import CaseDetail
from caseload_app.services.caselist import CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.printing import PrintService, summary_data
from caseload_app.services.settings import CouncilDetails, TeamSettingsService

DOCS = Path(__file__).resolve().parent
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)
USER = "Asha Patel"
COUNCIL = "Bournemouth, Christchurch and Poole Council"


def pick(work: CaseworkService, cases: CaseListService, want: Callable[[CaseDetail], bool]) -> int:
    for row in cases.list_cases().rows:
        if want(work.get_case(row.case_id, opened=False)):
            return row.case_id
    raise SystemExit("no demo case fits; try another seed")


def well_populated(d: CaseDetail) -> bool:
    return (
        d.stage == "draft_issued"
        and len(d.advice) >= 3
        and len(d.communications) >= 8
        and len(d.family.siblings) > 1
    )


def enrich(work: CaseworkService, case_id: int) -> None:
    d = work.get_case(case_id, opened=False)
    contact = {
        "name": "Grandma Kowalska",
        "relation": "Grandparent",
        "phone": "07700 900123",
        "preferred_channel": "phone",
        "language": "Polish",
        "interpreter_needed": True,
    }
    work.save_contact(d.family.id, None, None, contact)
    period = (date(2026, 8, 3), date(2026, 9, 4))
    note = "Family abroad for a month (grandparent unwell); EP visit rebooked."
    work.record_exception(case_id, "absent_from_area", *period, date(2026, 8, 5), note)
    summary = (
        "Parent rang about the draft plan. She is worried that section F does not say how many "
        "hours of speech and language therapy a week, and asked whether the school named in "
        "section I can meet sensory needs at lunchtime.\nAgreed to send the health adviser's "
        "report again and to ask the school for a visit before the comment period ends."
    )
    parent = d.family.parent_carer_name
    work.log_communication(case_id, datetime(2026, 11, 23, 14, 5), "phone", "in", parent, summary)
    work.add_task(case_id, "Send health advice to parent again", date(2026, 11, 25), None)
    work.add_task(case_id, "Book school visit before comments close", date(2026, 11, 20), None)


def timed(run: Callable[[], bytes], repeat: int = 5) -> tuple[bytes, float]:
    """The output and the median wall time in ms (the first run warms caches and fonts)."""
    pdf, times = run(), []
    for _ in range(repeat):
        start = time.perf_counter()
        pdf = run()
        times.append((time.perf_counter() - start) * 1000)
    return pdf, statistics.median(times)


def with_log(data: SummaryData, count: int) -> SummaryData:
    """The same case with `count` invented contacts, one every 9 hours back from NOW."""
    rows = tuple(
        CommunicationRow(
            NOW - timedelta(hours=9 * (i + 1)),
            "Phone" if i % 2 else "Email",
            "in" if i % 3 else "out",
            "Parent",
            f"Contact {i + 1}: asked when the draft plan will be ready; explained the next steps.",
            "Ben Okafor",
        )
        for i in range(count)
    )
    return dataclasses.replace(data, communications=rows, communications_total=count)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def main() -> int:
    examples, shots = DOCS / "examples", DOCS / "screenshots"
    examples.mkdir(exist_ok=True)
    shots.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=400, seed=1, today=TODAY)
        TeamSettingsService(db).set_council(CouncilDetails(COUNCIL))
        work = CaseworkService(db, USER, today=lambda: TODAY, now=lambda: NOW)
        case_id = pick(work, CaseListService(db, today=lambda: TODAY), well_populated)
        enrich(work, case_id)
        printing = PrintService(db, USER, today=lambda: TODAY, now=lambda: NOW)
        _, whole_ms = timed(lambda: printing.case_summary(case_id))
        data = summary_data(work.get_case(case_id, opened=False))
        db.dispose()
    imprint = Imprint(USER, NOW, COUNCIL)
    pdf, render_ms = timed(lambda: build_summary(data, imprint))
    target = examples / "case-summary.pdf"
    target.write_bytes(pdf)
    long_log = with_log(data, 300)
    long_pdf, long_ms = timed(lambda: build_summary(long_log, imprint), repeat=3)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(target)]
        + [str(shots / "case-summary-page1")],
        check=True,
    )
    print(f"Wrote {target} ({page_count(pdf)} pages) and {shots / 'case-summary-page1.png'}")
    print(f"case summary: render {render_ms:.0f} ms; load, audit and render {whole_ms:.0f} ms")
    print(f"300 communications: {page_count(long_pdf)} pages, render {long_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
