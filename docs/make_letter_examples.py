"""Example letters from demo data, with render times: run from the repository root.

    python docs/make_letter_examples.py

Generates demo data as of Tue 24 Nov 2026 in a temporary file, sets the council's details,
then renders every shipped letter for a demo case at the right stage to
docs/examples/letter-<name>.pdf, and page 1 of two of them (decision_to_assess,
draft_plan_cover) to docs/screenshots/letter-<name>.png at 80 dpi via poppler's pdftoppm.
Letters are previewed (rendered without being kept or logged), so nothing is written to the
demo database but the council settings and one booked review.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from caseload_app.db.engine import open_database
from caseload_app.db.models import EhcpCase
from caseload_app.domain.templates import TemplateLibrary
from caseload_app.paths import resources_dir
from caseload_app.services.case_read import CaseDetail
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.letters import LetterService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService

DOCS = Path(__file__).resolve().parent
TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)
USER = "Asha Patel"
COUNCIL = CouncilDetails(
    "Bournemouth, Christchurch and Poole Council",
    "BCP Civic Centre\nBourne Avenue\nBournemouth\nBH2 6DY",
)
MEDIATION = (
    "Wessex SEND Mediation Service (fictional), telephone 01632 960 123, "
    "email mediation@wessex-mediation.example"
)
SCREENSHOTS = ("decision_to_assess", "draft_plan_cover")
REFUSED = (
    "The information sent with the request shows that {first}'s school has only recently "
    "started the support recommended by the specialist teacher in September. We think it is "
    "too early to say whether {first}'s needs can be met through SEN support, and we have "
    "asked the school to review progress with you at the end of the spring term."
)
NOT_ISSUED = (
    "The advice we gathered shows that {first} has made good progress with the support "
    "already in place at school: reading age has risen by 18 months this year and the "
    "educational psychologist found that {first}'s needs can be met from the school's own "
    "resources, with the strategies set out in the advice."
)


def main() -> int:
    (DOCS / "examples").mkdir(exist_ok=True)
    (DOCS / "screenshots").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "demo.sqlite3")
        try:
            generate_demo(db, children=600, seed=1, today=TODAY)
            TeamSettingsService(db).set_council(COUNCIL)
            letters = LetterService(
                db,
                USER,
                today=lambda: TODAY,
                now=lambda: NOW,
                templates=TemplateLibrary(Path(tmp) / "admin", resources_dir() / "templates"),
                letters_dir=Path(tmp) / "letters",
            )
            letters.set_mediation_adviser(MEDIATION)
            timings = write_examples(db, letters)
        finally:
            db.dispose()
    for name, ms in timings.items():
        print(f"{name:<26} {ms:6.1f} ms (median of 5)")
    return 0


def write_examples(db, letters: LetterService) -> dict[str, float]:
    work = CaseworkService(db, USER, today=lambda: TODAY, now=lambda: NOW)
    details = [work.get_case(i, opened=False) for i in _case_ids(db)]
    review_case = _pick(details, lambda d: d.stage == "plan_issued" and bool(d.child.setting))
    work.schedule_review(review_case.case_id, TODAY + timedelta(weeks=3))
    jobs = _jobs(details, review_case)
    timings: dict[str, float] = {}
    for name, (case_id, kwargs) in jobs.items():
        pdf, timings[name] = _timed(lambda c=case_id, k=kwargs, n=name: letters.preview(c, n, **k))
        path = DOCS / "examples" / f"letter-{name}.pdf"
        path.write_bytes(pdf)
        print(f"Wrote {path.relative_to(DOCS.parent)}")
        if name in SCREENSHOTS:
            _screenshot(path, DOCS / "screenshots" / f"letter-{name}")
    return timings


def _jobs(details: list[CaseDetail], review_case: CaseDetail) -> dict[str, tuple[int, dict]]:
    refused = _latest(details, "refused_to_assess", "assess_refused")
    not_issued = _latest(details, "not_issued", "not_issue")
    assessed = _latest(details, "assessment", "assess_agreed")
    chase = _pick(details, lambda d: any(a.overdue and a.advice_type == "ep" for a in d.advice))
    draft = _latest(details, "draft_issued", "draft_served")
    final = _latest(details, "plan_issued", "final_issued")

    def reason(text: str, d: CaseDetail) -> dict:
        return {"extra": {"decision_reason": text.format(first=d.child.first_name)}}

    return {
        "decision_to_assess": (assessed.case_id, {}),
        "decision_not_to_assess": (refused.case_id, reason(REFUSED, refused)),
        "advice_request": (assessed.case_id, {"advice_type": "ep"}),
        "advice_chase": (chase.case_id, {"advice_type": "ep"}),
        "draft_plan_cover": (draft.case_id, {}),
        "decision_not_to_issue": (not_issued.case_id, reason(NOT_ISSUED, not_issued)),
        "final_plan_cover": (final.case_id, {}),
        "annual_review_invitation": (review_case.case_id, {}),
        "generic": (
            final.case_id,
            {
                "extra": {
                    "subject": "Your visit to the SEND team on Friday",
                    "message": (
                        "Thank you for coming in to see us on Friday with "
                        f"{final.child.first_name}. As we agreed, I have asked the school "
                        "to send us their latest report, and I will phone you when it "
                        "arrives.\n\nI have also enclosed the leaflet about travel "
                        "assistance that you asked for."
                    ),
                }
            },
        ),
    }


def _case_ids(db) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(EhcpCase.id).order_by(EhcpCase.id)))


def _pick(details: list[CaseDetail], want: Callable[[CaseDetail], bool]) -> CaseDetail:
    for detail in details:
        if want(detail) and detail.family.address and detail.family.postcode:
            return detail
    raise SystemExit("no demo case fits; try another seed")


def _latest(details: list[CaseDetail], stage: str, action: str) -> CaseDetail:
    """The case whose `action` happened most recently: its letter reads as if sent today."""

    def when(d: CaseDetail) -> date:
        return max((e.on_date for e in d.events if e.action == action), default=date.min)

    return _pick(sorted(details, key=when, reverse=True), lambda d: d.stage == stage)


def _timed(render: Callable[[], bytes]) -> tuple[bytes, float]:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        pdf = render()
        times.append((time.perf_counter() - start) * 1000)
    return pdf, statistics.median(times)


def _screenshot(pdf: Path, stem: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    print(f"Wrote {stem.with_suffix('.png').relative_to(DOCS.parent)}")


if __name__ == "__main__":
    sys.exit(main())
