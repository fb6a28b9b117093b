"""Screenshots of every tab of the case window, from demo data: run under Xvfb at 1366x768.

    xvfb-run -a -s "-screen 0 1366x768x24" python docs/make_case_screenshots.py

Writes docs/screenshots/case-<tab>.png (1366x740). The case shown is an open demo case with
advice and communications, given a few extra records through the services (a contact, tasks,
an exception, a disagreement) so every tab has something in it; the reviews tab shows a
maintained plan, since a case still in assessment has no reviews yet.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from caseload_app.db.engine import open_database
from caseload_app.services.caselist import CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.ui.case import CaseView

OUT = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)


def pick(work: CaseworkService, cases: CaseListService, stage: str, want) -> int:
    """The first demo case at `stage` whose detail satisfies `want`."""
    for row in cases.list_cases().rows:
        if row.stage == stage and want(work.get_case(row.case_id)):
            return row.case_id
    raise SystemExit(f"no demo case at {stage} fits; try another seed")


def enrich_assessment(work: CaseworkService, case_id: int) -> None:
    d = work.get_case(case_id)
    work.save_contact(
        d.family.id,
        None,
        None,
        {
            "name": "Grandma Kowalska",
            "relation": "Grandparent",
            "phone": "07700 900123",
            "preferred_channel": "phone",
            "language": "Polish",
            "interpreter_needed": True,
        },
    )
    summary = (
        "Parent rang to ask when the EP visit will be.\nExplained the advice is overdue and "
        "that we chased it last week; promised a call back by Friday."
    )
    parent = d.family.parent_carer_name
    work.log_communication(case_id, datetime(2026, 11, 23, 14, 5), "phone", "in", parent, summary)
    work.add_task(case_id, "Call parent back about the EP visit", date(2026, 11, 27), None)
    work.add_task(case_id, "Ask school for attendance record", date(2026, 11, 20), None)
    period = (date(2026, 10, 1), date(2026, 11, 2))
    note = "Family abroad for a month (grandparent unwell)"
    limits = ["advice", "final_plan"]
    work.record_exception(case_id, "absent_from_area", limits, *period, date(2026, 10, 3), note)
    decision = "Refusal to name the parent's preferred school"
    work.add_disagreement(case_id, decision, TODAY, "plan_content")


def enrich_plan(work: CaseworkService, case_id: int) -> None:
    review_id = work.schedule_review(case_id, date(2026, 10, 20))
    review = next(r for r in work.get_case(case_id).reviews if r.id == review_id)
    work.update_review(
        review_id,
        review.version,
        {
            "invitations_sent": date(2026, 10, 2),
            "papers_sent": date(2026, 10, 6),
            "report_sent": date(2026, 10, 29),
            "decision_date": date(2026, 11, 12),
            "outcome": "amend",
            "amendment_notice": date(2026, 11, 16),
        },
    )
    version = work.get_case(case_id).version  # a decided review moved the case on
    work.set_phase_transfer(case_id, version, 2027, "school-phase")


def main() -> int:
    app = QApplication(sys.argv)
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=400, seed=1, today=TODAY)
        work = CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
        cases = CaseListService(db, today=lambda: TODAY)
        busy = pick(
            work,
            cases,
            "assessment",
            lambda d: d.advice and len(d.communications) >= 6 and len(d.family.siblings) > 1,
        )
        plan = pick(work, cases, "plan_issued", lambda d: d.reviews)
        enrich_assessment(work, busy)
        enrich_plan(work, plan)
        for case_id, tabs in ((busy, CaseView.TABS), (plan, ("reviews",))):
            shoot(app, work, case_id, tabs)
        db.dispose()
    return 0


def shoot(app: QApplication, work: CaseworkService, case_id: int, tabs) -> None:
    view = CaseView(work, case_id, work.caseworkers())
    view.resize(1366, 740)
    view.show()
    for tab in tabs:
        view.show_tab(tab)
        if tab == "communications":
            view.communications.table.select_row(0)
        app.processEvents()
        view.grab().save(str(OUT / f"case-{tab}.png"))
    view.close()


if __name__ == "__main__":
    sys.exit(main())
