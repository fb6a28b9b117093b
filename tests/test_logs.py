"""The log: rotating, and never a child's personal data (tracebacks without messages)."""

import logging
import sqlite3

import pytest

from caseload_app import logs
from caseload_app.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    """CASELOAD_HOME in a temporary folder (conftest puts the log handlers back)."""
    monkeypatch.setenv("CASELOAD_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _personal_data(db_path) -> set[str]:
    """Every name, identifier, date of birth, postcode and phone number in the database."""
    found: set[str] = set()
    with sqlite3.connect(db_path) as con:
        for query in (
            "SELECT first_name, last_name, upn, nhs_number, date_of_birth FROM child",
            "SELECT parent_carer_name, postcode, phone, email, address FROM family",
        ):
            for row in con.execute(query):
                found.update(str(v) for v in row if v and len(str(v)) >= 4)
    return found


def test_configure_logs_to_one_rotating_file_once(tmp_path, home):
    path = logs.configure(tmp_path / "logs")
    assert path == tmp_path / "logs" / logs.LOG_FILE
    assert logs.configure(tmp_path / "logs") == path  # again: still one handler
    assert sum(1 for h in logs.log.handlers if getattr(h, "baseFilename", "") == str(path)) == 1
    assert logs.log_file() == path
    line = "x" * 1000
    for _ in range(logs.MAX_BYTES // 1000 + 50):
        logging.getLogger("caseload_app.services.example").info(line)
    assert path.with_name(logs.LOG_FILE + ".1").exists()  # rotated, not grown without end
    assert path.stat().st_size < logs.MAX_BYTES


def test_an_unwritable_log_folder_is_not_fatal(tmp_path, home):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert logs.configure(blocker / "logs") is None


def test_a_crash_report_names_where_but_never_what():
    # The data arrives in variables, as in the app: source lines (which are logged) hold none.
    name, nhs, born = "Zoë Łukasz", "943 476 5919", "2014-03-02"

    def save_child(who):
        raise ValueError(f"could not save {who}, NHS {nhs}")

    try:
        try:
            save_child(name)
        except ValueError as inner:
            raise RuntimeError(f"{name} born {born}: {inner}") from inner
    except RuntimeError as exc:
        report = logs.crash_report(type(exc), exc, exc.__traceback__)
    assert "builtins.RuntimeError (message not logged)" in report
    assert "builtins.ValueError (message not logged)" in report
    assert "in save_child" in report
    assert "test_logs.py" in report
    for secret in (name, nhs, born):
        assert secret not in report


def test_a_working_day_at_the_command_line_logs_no_personal_data(tmp_path, home, monkeypatch):
    db = tmp_path / "caseload.sqlite3"
    assert main(["demo", "--db", str(db), "--children", "30"]) == 0
    sheet = tmp_path / "export.csv"
    assert main(["export", "--db", str(db), "-o", str(sheet)]) == 0
    fresh = tmp_path / "fresh.sqlite3"
    assert main(["import", "--db", str(fresh), "--create", str(sheet)]) == 0
    assert main(["import", "--db", str(fresh), str(sheet)]) == 1  # duplicates, refused
    assert main(["backup", "--db", str(db)]) == 0
    assert (
        main(["report", "summary", "--db", str(db), "--child", "1", "-o", str(tmp_path / "s.pdf")])
        == 0
    )
    secrets = _personal_data(db)
    with sqlite3.connect(db) as con:
        first, last = con.execute("SELECT first_name, last_name FROM child WHERE id = 1").fetchone()

    def crash(args):
        raise RuntimeError(f"{first} {last} could not be printed")

    from caseload_app import cli

    monkeypatch.setitem(cli.COMMANDS, "board", crash)
    with pytest.raises(RuntimeError):
        main(["board", "--db", str(db)])

    text = (home / "logs" / logs.LOG_FILE).read_text(encoding="utf-8")
    assert "Imported 30 rows" in text
    assert "Exported 30 children" in text
    assert "Verified backup taken" in text
    assert "Unexpected error" in text
    assert "RuntimeError (message not logged)" in text
    assert len(secrets) > 100
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
