"""`caseload forecast`: the weeks ahead as a table or JSON, a what-if beside them, and the
database byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from caseload_app.cli import main
from caseload_app.services.demo import generate_demo


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_forecast_with_a_what_if_as_json_changes_nothing(db, tmp_path, capsys):
    generate_demo(db, children=600, seed=5, today=date.today())
    db.dispose()
    what_if = tmp_path / "what-if.json"
    what_if.write_text('{"agency": {"fte": 1, "weeks": 6}, "surge": {"percent": 40, "weeks": 4}}')
    before = _digest(db.path)
    args = ["forecast", "--db", str(db.path), "--weeks", "8", "--what-if", str(what_if)]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert _digest(db.path) == before
    assert data["forecast"]["ok"] and len(data["forecast"]["weeks"]) == 8
    assert data["what_if"]["changes"] == [
        "an agency caseworker (1 FTE) for 6 weeks",
        "40% more new requests for 4 weeks",
    ]
    assert len(data["what_if"]["forecast"]["weeks"]) == 8
    risk = data["forecast"]["at_risk"][0]
    assert set(risk) >= {"case_id", "caseworker", "twenty_weeks", "chance", "why"}
    assert "name" not in json.dumps(risk).lower()  # cases by number: no child named
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "what-if" in table and "Most at risk of missing 20 weeks" in table
    assert _digest(db.path) == before


def test_forecast_back_test_reports_its_error(db, capsys):
    generate_demo(db, children=600, seed=5, today=date.today())
    assert main(["forecast", "--db", str(db.path), "--back-test", "--json"]) == 0
    leads = json.loads(capsys.readouterr().out)["back_test"]["leads"]
    assert [e["weeks_ahead"] for e in leads] == [4, 8, 12]
    assert all(e["weeks_checked"] == 26 and e["mean_error"] >= 0 for e in leads)


def test_a_bad_what_if_file_is_refused_with_its_reason(db, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"agency": {"fte": 1}}')
    assert main(["forecast", "--db", str(db.path), "--what-if", str(bad)]) == 1
    assert "agency.weeks must be a whole number of weeks" in capsys.readouterr().err
    assert main(["forecast", "--db", str(db.path), "--what-if", str(tmp_path / "none")]) == 1
    assert "Cannot read none" in capsys.readouterr().err


def test_forecast_on_an_empty_database_says_why_there_is_none(db, capsys):
    assert main(["forecast", "--db", str(db.path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No forecast: fewer than 10 cases finished")
