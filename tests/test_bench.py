"""The benchmark runs end to end at a small size and writes what it measured."""

import csv
import json
import sqlite3

import pytest

from caseload_app import bench
from caseload_app.cli import main

NAMES = [
    "all cases for the list and search",
    "read a case (300 contacts)",
    "case summary PDF",
    "workload board (8-week strip)",
    "weekly leadership report PDF",
    "cold start to my week shown",
    "search keystroke (1-4 letters)",
    "open a case tab (300 contacts)",
    "save to every view up to date",
    "peak memory of the app",
    "CSV import of 150 rows",
    "plan checks, 30-page plan",
    "plan as Word, 30 pages",
    "plan as PDF, 30 pages",
    "import 100 Word plans",
    "import peak memory, 150 rows",
    "import peak memory, 1,500 rows",
]


@pytest.mark.slow  # builds a database and starts the real window in a process of its own
def test_bench_measures_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    db = tmp_path / "bench.sqlite3"
    code = main(["bench", "--children", "150", "--runs", "2", "--db", str(db), "-o", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "cold start to my week shown" in printed
    assert "app/raw" in printed
    result = json.loads(out.read_text())
    assert result["children"] == 150
    assert result["runs"] == 2
    assert result["communications"] > 150 * 12  # about 20 a child, as at full size
    assert [m["name"] for m in result["measures"]] == NAMES
    for m in result["measures"]:
        assert 0 < m["median"] <= m["p95"]
    units = {m["name"]: m["unit"] for m in result["measures"]}
    assert units["peak memory of the app"] == "MB"
    assert units["case summary PDF"] == "ms"
    assert units["import peak memory, 1,500 rows"] == "MB"
    reads = [m for m in result["measures"] if m["raw_median"] is not None]
    assert len(reads) == 3
    assert all(m["ratio"] > 0 for m in reads)
    # The case opened in a tab was given 300 contacts through the app, once.
    with sqlite3.connect(db) as raw:
        assert bench.busiest_case(raw).contacts == bench.CASE_CONTACTS
    # The 100 Word plans went into 100 children's cases (once each, however many runs).
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(DISTINCT case_id) FROM plan_version").fetchone() == (100,)
    # A second run reuses the database instead of building it again.
    assert main(["bench", "--children", "150", "--runs", "1", "--db", str(db), "-o", str(out)]) == 0
    with sqlite3.connect(db) as raw:
        assert bench.busiest_case(raw).contacts == bench.CASE_CONTACTS


def test_a_window_that_does_not_start_is_reported(tmp_path):
    broken = tmp_path / "not-a-database.sqlite3"
    broken.write_text("this is not SQLite")
    busiest = bench.Busiest(case_id=1, family_id=1, caseworker_id=None, contacts=0)
    try:
        bench.window_measures(broken, busiest, ["ab"], runs=1)
    except SystemExit as exc:
        assert "did not start" in str(exc)
        assert "not a caseload database" in str(exc)
    else:
        raise AssertionError("a broken database must stop the benchmark")


def test_peak_memory_is_the_apps_own_not_the_benchmarks():
    """The window's process is started by a benchmark that may hold hundreds of megabytes;
    its peak must not include them (ru_maxrss does, after fork and exec)."""
    import os
    import subprocess
    import sys

    ballast = b"x" * (400 << 20)  # written, so resident: as the benchmark after its reads
    code = "from caseload_app.ui.bench_ui import peak_memory_mb; print(peak_memory_mb())"
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert len(ballast)
    assert 0 < float(out.stdout) < 300


def test_the_ten_times_sheet_gives_every_copied_child_a_name_of_its_own(tmp_path):
    """At 50,000 children two share a name and birthday, told apart only by their UPN; the
    copies drop identifiers, so each copied row needs a name of its own (the full-size run
    stopped on 693 'possible repeat' refusals)."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(
        "child_first_name,child_last_name,date_of_birth,upn,nhs_number\n"
        "Ava,Smith,2016-05-04,A839200012001,\n"
        "Ava,Smith,2016-05-04,B839200012002,\n",
        encoding="utf-8",
    )
    rows = list(csv.reader(bench._ten_times(sheet, tmp_path / "ten.csv").open(encoding="utf-8")))
    body = rows[1:]
    assert len(body) == 20
    assert body[0] == ["Ava", "Smith", "2016-05-04", "A839200012001", ""]  # copy 0 as it was
    copies = body[2:]
    assert all(r[3] == "" and r[4] == "" for r in copies)
    assert len({(r[0], r[1], r[2]) for r in copies}) == len(copies)
