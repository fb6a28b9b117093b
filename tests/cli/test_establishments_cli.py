"""`caseload establishments import FILE.csv` brings in the DfE's register and lists the lines
it skipped; `caseload establishments search TEXT` finds one as the picker would; a file that
is not the register, or a person who may not, gets a message and exit status 1."""

from __future__ import annotations

from sqlalchemy import func, select

from caseload_app.cli import main
from caseload_app.db.models import Establishment
from tests.backends import sqlite_only
from tests.helpers import add_person
from tests.services.test_establishment_import import FIXTURE


def run(capsys, db, *args) -> tuple[int, str, str]:
    code = main(["establishments", *(str(a) for a in args), "--db", str(db.path)])
    out, err = capsys.readouterr()
    return code, out, err


def count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Establishment))


@sqlite_only
def test_import_prints_the_counts_and_the_lines_skipped_then_search_finds(db, capsys):
    code, out, err = run(capsys, db, "import", FIXTURE)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Imported the register from edubasealldata20261201.csv: 5 added, 0 updated, "
        "0 unchanged, 3 skipped.",
        "  line 6: skipped, URN '14A503' is not a number",
        "  line 8: skipped, URN 113503 is also on line 2 (kept there)",
        "  line 9: skipped, LA (code) '83X' is not a number",
    ]
    code, out, _ = run(capsys, db, "import", FIXTURE)
    assert out.splitlines()[0].endswith("0 added, 0 updated, 5 unchanged, 3 skipped.")
    code, out, _ = run(capsys, db, "search", "therese")
    assert (code, out.splitlines()) == (
        0,
        ["St Thérèse's Catholic Primary School (URN 113504, 839/3305, BH2 2BB)", "1 found"],
    )
    code, out, _ = run(capsys, db, "search", "839", "--limit", "2")
    assert out.splitlines()[-1] == "2 found (more with --limit)"


@sqlite_only
def test_only_the_first_twenty_skipped_lines_are_listed(db, capsys, tmp_path):
    lines = FIXTURE.read_bytes().decode("cp1252").splitlines()
    bad = [lines[1].replace("113503,", f"X{i},", 1) for i in range(25)]
    sheet = tmp_path / "many-bad.csv"
    sheet.write_bytes("\r\n".join([lines[0], *bad, lines[2]]).encode("cp1252"))
    code, out, _ = run(capsys, db, "import", sheet)
    shown = out.splitlines()
    assert code == 0
    assert shown[0].endswith("1 added, 0 updated, 0 unchanged, 25 skipped.")
    assert len(shown) == 1 + 20 + 1
    assert shown[1] == "  line 2: skipped, URN 'X0' is not a number"
    assert shown[-1] == "  … and 5 more lines skipped."


@sqlite_only
def test_a_wrong_or_missing_file_is_refused_with_exit_status_1(db, capsys, tmp_path):
    wrong = tmp_path / "caseload-import.csv"
    wrong.write_text("child_first_name,child_last_name\nAmy,Smith\n", encoding="utf-8")
    code, out, err = run(capsys, db, "import", wrong)
    assert (code, out) == (1, "")
    assert err.startswith(
        "caseload establishments: caseload-import.csv is not the register of establishments: "
        "it has no columns URN, LA (code)"
    )
    code, _, err = run(capsys, db, "import", tmp_path / "nowhere.csv")
    assert code == 1
    assert "nowhere.csv does not exist" in err
    assert count(db) == 0


@sqlite_only
def test_a_caseworker_may_not_import_the_register(db, capsys, monkeypatch):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "asha", "Asha Patel", "caseworker", by="Dee Admin")
    monkeypatch.setattr("getpass.getuser", lambda: "asha")
    code, _, err = run(capsys, db, "import", FIXTURE)
    assert code == 1
    assert "You cannot import the DfE's register of establishments" in err
    assert count(db) == 0
