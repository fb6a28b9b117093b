"""`caseload chronology --case ID -o FILE.pdf|.csv [--from] [--to]`: the format from the file's
suffix, the range stated, anything else refused in words with nothing written."""

import csv
from datetime import date, datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from tests.helpers import new_case


@pytest.fixture
def case(tmp_path):
    """A file with Zoë's case: the request (Wed 1 Jul 2026), the decision to assess (Wed 5
    Aug) and a phone call (Wed 2 Sep, 14:05)."""
    path = tmp_path / "cli.sqlite3"
    db = open_database(path)
    try:
        case_id, work = new_case(db)
        version = work.get_case(case_id, opened=False).version
        work.record_action(case_id, version, "assess_agreed", date(2026, 8, 5))
        work.log_communication(
            case_id, datetime(2026, 9, 2, 14, 5), "phone", "in", "Mum", "Asked about the EP"
        )
    finally:
        db.dispose()
    return path, case_id


def chronology(path, case_id, out, *more) -> int:
    return main(["chronology", "--db", str(path), "--case", str(case_id), "-o", str(out), *more])


def test_a_pdf_of_a_range_and_a_csv_of_everything(case, tmp_path, capsys):
    path, case_id = case
    pdf = tmp_path / "zoe.pdf"
    assert chronology(path, case_id, pdf, "--from", "2026-08-01", "--to", "2026-09-30") == 0
    assert capsys.readouterr().out == (
        f"Wrote {pdf} (2 entries; From Sat 1 Aug 2026 to Wed 30 Sep 2026)\n"
    )
    pages = PdfReader(BytesIO(pdf.read_bytes())).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Chronology — Zoë Brontë" in text
    assert "From Sat 1 Aug 2026 to Wed 30 Sep 2026 · 2 entries" in text
    assert "Agreed to assess" in text and "Phone from Mum: Asked about the EP" in text
    assert "Request received" not in text  # before the range
    table = tmp_path / "zoe.csv"
    assert chronology(path, case_id, table) == 0
    assert "(3 entries; Everything recorded up to" in capsys.readouterr().out
    with table.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["date"], r["time"], r["what"]) for r in rows] == [
        ("2026-07-01", "", "Stage"),
        ("2026-08-05", "", "Stage"),
        ("2026-09-02", "14:05", "Contact"),
    ]


def test_another_kind_of_file_a_backwards_range_or_no_such_case_is_refused(case, tmp_path, capsys):
    path, case_id = case
    assert chronology(path, case_id, tmp_path / "zoe.docx") == 1
    assert "zoe.docx is neither a PDF nor a CSV: give a file name ending in .pdf" in (
        capsys.readouterr().err
    )
    assert (
        chronology(path, case_id, tmp_path / "z.pdf", "--from", "2026-09-01", "--to", "2026-08-01")
        == 1
    )
    assert "The range ends (Sat 1 Aug 2026) before it starts (Tue 1 Sep 2026)." in (
        capsys.readouterr().err
    )
    assert chronology(path, 999, tmp_path / "z.pdf") == 1
    assert "There is no case 999" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("cli.")) == []
    with pytest.raises(SystemExit):
        chronology(path, case_id, tmp_path / "z.pdf", "--from", "someday")
