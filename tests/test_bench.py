"""The benchmark runs end to end at a small size and writes what it measured."""

import csv
import json
import re
import sqlite3
from collections import Counter

import pytest

from caseload_app import bench
from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.services.demo import generate_demo
from caseload_app.services.document_files import extract_text, sniff
from caseload_app.services.documents import DocumentService

NAMES = [
    "the case list (its order, counts and first page)",
    "read a case (300 contacts)",
    "case summary PDF",
    "workload board (8-week strip)",
    "families updated on time (the board's column)",
    "weekly leadership report PDF",
    "search a case's documents (2 words)",
    "search every case's documents (rare word)",
    "SEN2 return built, checked and written (XML)",
    "20-week forecast, 12 weeks",
    "20-week forecast with a what-if",
    "forecast back-test (26 weeks)",
    "advice-provider board",
    "review catch-up plan",
    "phase-transfer planner",
    "rebalance proposal",
    "my week for the whole team",
    "export every child as CSV",
    "cold start to my week shown",
    "first start of the day (backup due)",
    "start with the disk cache dropped",
    "start until the list is searchable",
    "longest freeze of the window",
    "search keystroke to matches shown (1-4 letters)",
    "search keystroke to whole list and count",
    "open a case tab (300 contacts)",
    "save to every view up to date",
    "save that may move the case (list by school)",
    "start until a contact can be saved",
    "memory after a save",
    "peak memory of the app",
    "CSV import of 150 rows",
    "CSV import of 150 new rows into every case held",
    "plan checks, 30-page plan",
    "plan as Word, 30 pages",
    "plan as PDF, 30 pages",
    "import 100 Word plans",
    "import peak memory, 150 rows",
    "import peak memory, 1,500 rows",
    "add a 1 MB PDF, text read",
    "add a 20 MB PDF, text read",
    "storage per document (… KB files)",
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
    assert "Seeded 1,500 documents in" in printed
    result = json.loads(out.read_text())
    assert result["children"] == 150
    assert result["runs"] == 2
    assert result["communications"] > 150 * 12  # about 20 a child, as at full size
    # Ten seeded a child; the storage measure's 30 files (and 5 attachments) stay.
    assert result["documents"] == 1500 + 35
    assert [_unsized(m["name"]) for m in result["measures"]] == NAMES
    for m in result["measures"]:
        assert 0 < m["median"] <= m["p95"]
    units = {_unsized(m["name"]): m["unit"] for m in result["measures"]}
    assert units["peak memory of the app"] == "MB"
    assert units["case summary PDF"] == "ms"
    assert units["import peak memory, 1,500 rows"] == "MB"
    assert units["storage per document (… KB files)"] == "KB"
    reads = [m for m in result["measures"] if m["raw_median"] is not None]
    assert [m["name"] for m in reads[3:]] == NAMES[6:8]  # the searches, beside raw FTS
    assert all(m["ratio"] > 0 for m in reads)
    storage = next(m for m in result["measures"] if m["unit"] == "KB")
    file_kb = float(re.search(r"\((\d+) KB files\)", storage["name"])[1])
    assert storage["target"] == pytest.approx(2 * file_kb, abs=1)
    assert storage["median"] > file_kb / 2  # the files are in it: growth is not noise
    with sqlite3.connect(db) as raw:
        # The searched words are there to find, and the added PDFs are gone again.
        query = "SELECT count(*) FROM document_search WHERE document_search MATCH ?"
        assert raw.execute(query, (bench.RARE_WORDS[0],)).fetchone()[0] >= 1
        assert raw.execute("SELECT count(*) FROM document WHERE size > 500000").fetchone() == (0,)
        assert raw.execute("SELECT max(size) FROM stored_file").fetchone()[0] < 500_000
    # The case opened in a tab was given 300 contacts through the app, once.
    with sqlite3.connect(db) as raw:
        assert bench.busiest_case(raw).contacts == bench.CASE_CONTACTS
    # The 100 Word plans went into 100 children's cases (once each, however many runs).
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(DISTINCT case_id) FROM plan_version").fetchone() == (100,)
    # A second run reuses the database instead of building it again.
    assert main(["bench", "--children", "150", "--runs", "1", "--db", str(db), "-o", str(out)]) == 0
    assert "Seeded" not in capsys.readouterr().out
    with sqlite3.connect(db) as raw:
        assert bench.busiest_case(raw).contacts == bench.CASE_CONTACTS
    # …with files of its own for the storage measure (the same bytes are stored once).
    assert json.loads(out.read_text())["documents"] == 1500 + 2 * 35


def _unsized(name: str) -> str:
    return re.sub(r"\(\d+ KB files\)", "(… KB files)", name)


@pytest.fixture
def seeded(tmp_path):
    db = open_database(tmp_path / "seeded.sqlite3")
    generate_demo(db, children=30, seed=1, today=bench.AS_OF)
    added, _seconds = bench.seed_documents(db)
    assert added == 300
    yield db
    db.dispose()


def test_seeded_documents_are_ten_a_case_varied_and_made_once(seeded, tmp_path):
    with sqlite3.connect(tmp_path / "seeded.sqlite3") as raw:
        rows = raw.execute("SELECT case_id, kind, body_text, dated FROM document").fetchall()
    assert bench.seed_documents(seeded) is None  # already there: not made again
    per_case = Counter(case for case, *_ in rows)
    assert len(per_case) == 30 and set(per_case.values()) == {10}
    assert Counter(kind for _, kind, *_ in rows) == Counter(bench.SEED_KINDS * 30)
    bodies = [body for _, _, body, _ in rows]
    assert len(set(bodies)) == 300
    assert all(150 <= len(body.split()) <= 800 for body in bodies)  # a few hundred words
    assert len({w.lower() for body in bodies for w in re.findall(r"[a-z]+", body)}) > 300
    dates = sorted(day for *_, day in rows)
    assert dates[0] < "2024-01-01" < dates[-1] <= bench.AS_OF.isoformat()


def test_the_searches_find_their_words_and_the_raw_search_is_the_apps(seeded, tmp_path):
    docs = DocumentService(seeded, "bench", today=lambda: bench.AS_OF)
    rare = docs.search(bench.RARE_WORDS[0])
    assert [h.document.case_id for h in rare] == [8]  # document 7 of 300: the eighth case
    assert f"[{bench.RARE_WORDS[0]}]" in rare[0].snippet
    with sqlite3.connect(tmp_path / "seeded.sqlite3") as raw:
        for case_id in range(1, 31):
            found = docs.search(bench.CASE_WORDS, case_id=case_id)
            assert any(h.document.kind == "advice_ep" for h in found)
            by_hand = bench.raw_document_search(raw, bench.CASE_WORDS, case_id)
            assert [(h.document.id, h.snippet) for h in found] == by_hand
        assert [h.document.id for h in rare] == [
            i for i, _ in bench.raw_document_search(raw, bench.RARE_WORDS[0])
        ]


def test_the_added_files_are_what_they_say_and_their_text_is_read():
    pdf = bench.scanned_pdf(1 << 20, seed=0)
    assert abs(len(pdf) - (1 << 20)) < 50_000
    found = sniff(pdf, "scan.pdf")
    assert found.media_type == "application/pdf"
    text = extract_text(pdf, found)
    assert not text.problem and text.text.count("Zoë") >= 10  # ten pages of text
    files = bench.real_files(6, seed=1)
    kinds = [sniff(data, name).label for name, data in files]
    assert kinds == ["PDF", "Word document", "E-mail"] * 2
    assert all(extract_text(data, sniff(data, name)).text for name, data in files[:2])
    assert {data for _, data in files}.isdisjoint(data for _, data in bench.real_files(6, seed=2))


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


def test_the_import_s_peak_memory_is_its_own_not_an_earlier_child_s(tmp_path):
    """The benchmark starts the window (about 240 MB) before it imports: ru_maxrss over
    every child counted the largest of them, and reported 1,008 MB for an import of 50,000
    rows (and the same for ten times as many)."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", "x = b'x' * (400 << 20)"], check=True)
    path = tmp_path / "small.sqlite3"
    db = open_database(path)
    generate_demo(db, children=30, seed=2)
    db.dispose()
    figures = bench.import_memory(path)
    assert [m.name for m in figures] == [
        "import peak memory, 30 rows",
        "import peak memory, 300 rows",
    ]
    assert all(0 < m.median < 300 for m in figures)


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


def test_the_window_is_timed_with_the_apps_bytecode_compiled_as_an_install_leaves_it():
    import importlib.util
    from pathlib import Path

    source = Path(bench.__file__).parent / "ui" / "main_window.py"
    compiled = Path(importlib.util.cache_from_source(str(source)))
    compiled.unlink(missing_ok=True)
    bench.compile_app()
    assert compiled.is_file()
    assert compiled.stat().st_mtime >= source.stat().st_mtime


def test_a_realistic_team_holds_about_200_open_cases_each(tmp_path):
    assert bench.team_size(2000) == 9
    assert bench.team_size(50_000) == 225  # not eight caseworkers holding 6,000 each
    assert bench.team_size(100) == 8  # never fewer than the demo's own eight
    db = open_database(tmp_path / "team.sqlite3")
    try:
        generate_demo(db, children=400, seed=1, today=bench.AS_OF, caseworkers=12)
        with sqlite3.connect(tmp_path / "team.sqlite3") as raw:
            names = [n for (n,) in raw.execute("SELECT name FROM caseworker ORDER BY id")]
            held = raw.execute(
                "SELECT count(DISTINCT caseworker_id) FROM ehcp_case WHERE is_open"
            ).fetchone()[0]
    finally:
        db.dispose()
    assert len(names) == len(set(names)) == 12
    assert names[:2] == ["Asha Patel", "Ben Okafor"]  # the demo's eight first
    assert held == 12  # every one of them holds cases


def test_growth_tells_interactive_figures_from_batch_work():
    def at(size: int, list_ms: float, keystroke_ms: float, sen2_ms: float) -> list:
        return [
            bench.Measure.of(f"CSV import of {size:,} rows", 20_000, [sen2_ms], batch=True),
            bench.Measure.of("all cases for the list", 1000, [list_ms]),
            bench.Measure.of("search keystroke", 50, [keystroke_ms]),
            bench.Measure.of("SEN2 return", 5000, [list_ms], batch=True),
        ]

    grown = bench.growth(10_000, at(10_000, 100, 20, 1000), 200_000, at(200_000, 160, 29, 20_000))
    by_name = {g["name"]: g for g in grown}
    assert set(by_name) == {
        "CSV import of N rows",  # its number differs with the size
        "all cases for the list",
        "search keystroke",
        "SEN2 return",  # its number is the same at every size, and stays
    }
    assert by_name["search keystroke"]["met"]  # 1.45 times over 20 times the children
    assert not by_name["all cases for the list"]["met"]  # 1.6 times: too much
    assert by_name["all cases for the list"]["factor"] == 1.6
    sen2 = by_name["CSV import of N rows"]
    assert sen2["exponent"] == 1.0 and sen2["met"]  # linear is allowed for batch work
    worse = bench.growth(10_000, at(10_000, 1, 1, 1000), 200_000, at(200_000, 1, 1, 40_000))
    assert not next(g for g in worse if g["batch"])["met"]  # 40 times for 20: worse than linear
    # Figures whose names differ only in numbers stay apart (a 1 MB and a 20 MB PDF).
    pdfs = [bench.Measure.of(f"add a {mb} MB PDF", 1000, [mb * 10.0]) for mb in (1, 20)]
    twice = bench.growth(10_000, pdfs, 200_000, pdfs)
    assert [g["small"] for g in twice] == [10.0, 200.0]
    with pytest.raises(SystemExit, match="measured differently"):
        bench.growth(10_000, pdfs, 200_000, pdfs[:1])
    printed = bench.growth_table(10_000, 200_000, grown)
    assert "growth from 10,000 to 200,000 children" in printed and "k ≤ 1" in printed


def test_growth_refuses_fewer_than_two_sizes(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--growth", "10000"])
    assert "at least two sizes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        bench.main(["--growth", "ten,twenty"])
    assert "separated by commas" in capsys.readouterr().err
