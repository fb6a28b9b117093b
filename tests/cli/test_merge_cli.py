"""`caseload merge`: a dry run lists who would get the letter and who not, issuing nothing; the
merge issues the rest, saves its report as CSV and the letters as one PDF; run again, it sends
nobody the letter twice; a letter that is not to families is refused before anything."""

from __future__ import annotations

import csv
from datetime import date

import pypdf
import pytest
from sqlalchemy import func, select

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.db.models import Communication
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from tests.helpers import new_case

TYPED = ["--set", "subject=Our new office", "--set", "message=We have moved."]
EVER = ["--reviews-due", "2020-01-01", "2035-12-31"]


def _with_plan(db, address: str | None, **names) -> int:
    case_id, work = new_case(db, request_received=date(2025, 1, 1), **names)
    for key, on in (
        ("assess_agreed", date(2025, 2, 5)),
        ("issue", date(2025, 4, 20)),
        ("draft_served", date(2025, 5, 3)),
        ("final_issued", date(2025, 12, 10)),
    ):
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, "")
    if address:
        family = work.get_case(case_id, opened=False).family
        work.update_family(family.id, family.version, {"address": address})
    return case_id


@pytest.fixture
def laptop(tmp_path):
    """Two families whose annual reviews fall due: one with an address, one without."""
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    TeamSettingsService(db).set_council(CouncilDetails("Haworth Council", "Town Hall\nHaworth"))
    with_address = _with_plan(db, "1 Parsonage Lane")
    without = _with_plan(
        db,
        None,
        first_name="Ann",
        last_name="Eyre",
        parent_carer_name="Mr Tom Eyre",
        upn="",
        nhs_number="",
    )
    yield path, db, with_address, without
    db.dispose()


def run(capsys, path, *argv) -> tuple[int, str, str]:
    code = main(["merge", *(str(a) for a in argv), "--db", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def letters(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Communication))


def test_a_dry_run_lists_who_would_get_it_and_issues_nothing(capsys, laptop):
    path, db, with_address, without = laptop
    code, out, _ = run(capsys, path, "generic", *EVER, *TYPED, "--dry-run")
    assert code == 0
    assert out.splitlines() == [
        f"EHCP/{with_address:06d}  Zoë Brontë                   would be issued",
        f"EHCP/{without:06d}  Ann Eyre                     skipped: no address for the family "
        "(edit the family's details)",
        "Letter to the family (write your own): 1 letter would be issued, 1 skipped (nothing "
        "was issued).",
    ]
    assert letters(db) == 0


def test_a_merge_issues_saves_its_report_and_letters_and_sends_nobody_a_second(
    capsys, laptop, tmp_path
):
    path, db, with_address, without = laptop
    report, pdf = tmp_path / "merge.csv", tmp_path / "letters.pdf"
    code, out, _ = run(
        capsys, path, "generic", "--case", with_address, without, *TYPED,
        "--report", report, "--pdf", pdf,
    )  # fmt: skip
    assert code == 0, out
    assert f"EHCP/{with_address:06d}  Zoë Brontë                   issued" in out
    assert f"Wrote 1 letter to {pdf}, to print in one go" in out
    assert letters(db) == 1
    with report.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [row[3] for row in rows] == ["Result", "Issued", "Skipped"]
    assert "We have moved." in pypdf.PdfReader(pdf).pages[0].extract_text()
    code, out, _ = run(capsys, path, "generic", "--case", with_address, *TYPED)
    assert code == 0
    assert f"EHCP/{with_address:06d}  Zoë Brontë                   skipped: already sent" in out
    assert letters(db) == 1


def test_a_letter_not_to_families_or_missing_its_text_is_refused(capsys, laptop):
    path, db, with_address, _ = laptop
    code, _, err = run(capsys, path, "advice_request", "--case", with_address)
    assert code == 1
    assert "goes to the adviser, not the family" in err
    code, _, err = run(capsys, path, "generic", "--case", with_address)
    assert code == 1
    assert "needs text typed for it (message, subject)" in err
    code, _, err = run(capsys, path, "generic", *TYPED)
    assert (code, err.strip()) == (
        1,
        "caseload merge: Choose whom the letter goes to: annual reviews due between two "
        "dates, a stage, a caseworker, or the cases by number.",
    )
    assert letters(db) == 0


def test_format_docx_issues_word_letters(capsys, laptop):
    from caseload_app.db.models import Document

    path, db, with_address, _ = laptop
    code, out, _ = run(capsys, path, "generic", "--case", with_address, *TYPED, "--format", "docx")
    assert code == 0, out
    with db.read() as s:
        names = s.scalars(select(Document.file_name).where(Document.kind == "letter_sent")).all()
    assert len(names) == 1 and names[0].endswith("-generic.docx")
    code, _, err = run(capsys, path, "generic", "--case", with_address, *TYPED,
                       "--format", "docx", "--pdf", path.parent / "all.pdf")  # fmt: skip
    assert code != 0 and "no PDF to print: leave out --pdf" in err
