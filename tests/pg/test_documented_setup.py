"""The README's set-up of a team database, command by command as written there, on a real
server: `admin init` → `admin migrate` → `admin add-user` (the people's caseworkers come
with the file), and the order that once failed with a duplicate audit id (`add-user` before
`migrate`) works too. Afterwards the app saves, and audits, on a person's own login."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from urllib.parse import quote

import psycopg
import pytest

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.services.demo import generate_demo
from tests.helpers import login_tag


@pytest.fixture
def laptop_file(tmp_path):
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=40, seed=5, today=date(2026, 11, 24))
    db.dispose()
    assert main(["export", "--db", str(path), "-o", str(tmp_path / "all.csv")]) == 0  # audited
    with sqlite3.connect(path) as con:
        worker = con.execute("SELECT name FROM caseworker ORDER BY id LIMIT 1").fetchone()[0]
        audited = con.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    assert audited > 0  # the file brings audit entries whose ids start at 1
    return path, worker


def cli(monkeypatch, capsys, *argv, stdin: str = "") -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def as_login(url: str, login: str, password: str) -> str:
    return f"postgresql://{quote(login)}:{quote(password)}@{url.split('@', 1)[1]}"


@pytest.mark.parametrize("people_first", [False, True], ids=["as README", "people first"])
def test_the_documented_set_up_works_end_to_end(
    pg_database, laptop_file, monkeypatch, capsys, people_first
):
    owner = pg_database.replace("+psycopg", "")
    path, worker = laptop_file
    tag = login_tag(pg_database)  # the server's logins are shared by every database on it
    admin, asha = f"dee.{tag}", f"asha.{tag}"
    cli(monkeypatch, capsys, "admin", "init", "--db", owner, "--admin", admin, "--name",
        "Dee Admin", "--password-stdin", stdin="dee-password-long\n")  # fmt: skip
    dee = as_login(pg_database, admin, "dee-password-long")
    add = ["admin", "add-user", "--db", dee, asha, "--name", "Asha Patel", "--role", "caseworker"]
    if people_first:  # the order that failed: audit entries already in the team database
        cli(monkeypatch, capsys, *add, "--password-stdin", stdin="asha-password-long\n")
    out = cli(monkeypatch, capsys, "admin", "migrate", "--from", str(path), "--to", owner)
    assert "40" in out
    if not people_first:
        cli(monkeypatch, capsys, *add, "--caseworker", worker, "--password-stdin",
            stdin="asha-password-long\n")  # fmt: skip
    with psycopg.connect(as_login(pg_database, asha, "asha-password-long")) as conn:
        assert conn.execute("SELECT count(*) FROM child").fetchone() == (40,)
    with psycopg.connect(owner) as conn:  # every audit entry kept, none with a clashing id
        ids = [r[0] for r in conn.execute("SELECT id FROM audit_entry ORDER BY id")]
        assert len(ids) == len(set(ids))
    # and the administrator's next change is saved and audited with a fresh id
    cli(monkeypatch, capsys, "admin", "set-role", "--db", dee, asha, "team_lead")
