"""Regenerate the mail merge screenshot (File → Mail merge…, after a merge): run under Xvfb.

xvfb-run -a -s "-screen 0 1366x768x24" python docs/make_merge_screenshot.py [FOLDER]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from caseload_app.db.engine import open_database
from caseload_app.services.caselist import CaseListService
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.mail_merge import MailMergeService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.ui.dialogs.mail_merge import MailMergeDialog
from caseload_app.ui.window.printing import letter_choices

OUT = Path(__file__).resolve().parent / "screenshots"
TODAY = date(2026, 11, 24)
COUNCIL = CouncilDetails("BCP Council", "BCP Civic Centre\nBourne Avenue\nBournemouth\nBH2 6DY")


def book_reviews(db) -> None:
    """Every other family with a plan has its review meeting booked (the letter's date)."""
    work = CaseworkService(db, "Screenshot", today=lambda: TODAY)
    plans = [r.case_id for r in CaseListService(db, lambda: TODAY).list_cases().rows]
    plans = [c for c in plans if work.get_case(c, opened=False).stage == "plan_issued"]
    for case_id in plans[::2]:
        work.schedule_review(case_id, date(2026, 12, 14))


def until(app: QApplication, done) -> None:
    deadline = time.monotonic() + 60
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        generate_demo(db, children=60, seed=1, today=TODAY)
        TeamSettingsService(db).set_council(COUNCIL)
        book_reviews(db)
        merge = MailMergeService(db, "Screenshot", lambda: TODAY)
        choices = letter_choices(merge.letters.list_templates(), to_family=True)
        dialog = MailMergeDialog(merge, choices, [("Asha Patel", 1)], me=1)
        dialog.letter.setCurrentIndex(dialog.letter.findText("Invitation to the annual review"))
        dialog.reviews.setChecked(False)
        dialog.caseworker.setCurrentIndex(0)  # anyone's
        dialog.stage.setCurrentIndex(dialog.stage.findData("plan_issued"))
        dialog.show()
        until(app, lambda: "chosen" in dialog.chosen.text() and dialog.check_button.isEnabled())
        dialog.check()  # a dry run: nothing is issued
        until(app, lambda: not dialog.busy())
        dialog.grab().save(str(out / "mail-merge.png"))
        dialog.close()
        db.dispose()
    print(f"wrote {out / 'mail-merge.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
