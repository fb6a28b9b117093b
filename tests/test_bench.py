"""The benchmark runs end to end at a small size and writes what it measured."""

import json

from caseload_app.cli import main


def test_bench_measures_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    db = tmp_path / "bench.sqlite3"
    code = main(["bench", "--children", "150", "--runs", "3", "--db", str(db), "-o", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "open the busiest case" in printed and "app/raw" in printed
    result = json.loads(out.read_text())
    assert result["children"] == 150 and result["runs"] == 3
    assert result["communications"] > 150 * 12  # about 20 a child, as at full size
    names = [m["name"] for m in result["measures"]]
    assert names == [
        "all cases for the list and search",
        "open the busiest case",
        "case summary PDF",
        "workload board (8-week strip)",
        "weekly leadership report PDF",
    ]
    for m in result["measures"]:
        assert 0 < m["median_ms"] <= m["p95_ms"]
    reads = [m for m in result["measures"] if m["raw_median_ms"] is not None]
    assert len(reads) == 3 and all(m["ratio"] > 0 for m in reads)
    # A second run reuses the database instead of building it again.
    assert main(["bench", "--children", "150", "--runs", "1", "--db", str(db), "-o", str(out)]) == 0
