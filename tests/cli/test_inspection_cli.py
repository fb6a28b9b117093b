"""`caseload inspection-list`: the CSV (and PDF) from the command line, audited; a column it
does not know is refused, naming the ones it does."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry, Placement
from tests.helpers import new_case


@pytest.fixture
def db_path(db) -> str:
    """Two requests received 1 Jul 2026: Ann's, home educated since January, still open;
    Ben's refused on 1 Aug 2026."""
    ann, work = new_case(db, first_name="Ann", last_name="Ashby", upn="", nhs_number="")
    ben, _ = new_case(db, first_name="Ben", last_name="Best", upn="", nhs_number="")
    version = work.get_case(ben, opened=False).version
    work.record_action(ben, version, "assess_refused", date(2026, 8, 1), "Needs met")
    child = work.get_case(ann, opened=False).child.id
    with db.uow() as s:
        s.add(Placement(child_id=child, kind="ehe", starts=date(2026, 1, 5)))
    return str(db.path)


def test_the_list_is_written_as_csv_and_pdf(db, db_path, tmp_path, capsys):
    out, pdf = tmp_path / "list.csv", tmp_path / "list.pdf"
    argv = ["inspection-list", "--db", db_path, "-o", str(out), "--pdf", str(pdf)]
    assert main([*argv, "--date", "2026-11-24", "--columns", "last_name,placement_type"]) == 0
    assert capsys.readouterr().out == (f"Exported 1 child (on 2026-11-24) to {out} and {pdf}\n")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [
            ["last_name", "placement_type"],
            ["Ashby", "Elective home education"],
        ]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Elective home education 1 0" in text and "Ashby" in text
    with db.read() as s:
        detail = s.scalar(
            select(AuditEntry.detail).where(AuditEntry.record_type == "inspection_list")
        )
    assert detail == "Inspection list of 1 child on 2026-11-24, 2 columns, to list.csv and list.pdf"
    # On 31 Jul Ben's request was not yet refused: both are in.
    assert main(["inspection-list", "--db", db_path, "-o", str(out), "--date", "2026-07-31"]) == 0
    assert "Exported 2 children (on 2026-07-31)" in capsys.readouterr().out


def test_an_unknown_column_is_refused_naming_the_known_ones(db_path, tmp_path, capsys):
    out = tmp_path / "list.csv"
    argv = ["inspection-list", "--db", db_path, "-o", str(out), "--columns", "upn,shoe_size"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "caseload inspection-list: No column called 'shoe_size'" in err
    assert "The columns are: child_id, upn, first_name" in err
    assert not out.exists()


def test_it_needs_somewhere_to_write(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["inspection-list", "--db", str(tmp_path / "x.sqlite3")])
    assert "-o/--output" in capsys.readouterr().err
