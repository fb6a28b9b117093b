"""`caseload admin` on a real team server: init as the owner, then the administrator
manages people on their own login; and the same commands on a laptop file."""

from __future__ import annotations

import getpass
import io
from urllib.parse import quote

import psycopg

from caseload_app.cli import main
from tests.helpers import login_tag


def run(capsys, monkeypatch, *argv, stdin: str = ""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_login(url: str, login: str, password: str) -> str:
    return f"postgresql://{quote(login)}:{quote(password)}@{url.split('@', 1)[1]}"


def test_init_then_the_administrator_manages_people(pg_database, capsys, monkeypatch):
    owner = pg_database.replace("+psycopg", "")
    tag = login_tag(pg_database)  # the server's logins are shared by its databases
    dee_cli, asha_cli = f"dee.{tag}", f"asha.{tag}"
    code, out, err = run(
        capsys,
        monkeypatch,
        "admin",
        "init",
        "--db",
        owner,
        "--admin",
        dee_cli,
        "--name",
        "Dee Admin",
        "--password-stdin",
        stdin="dee-password-long\n",
    )
    assert code == 0, err
    assert f"{dee_cli} (Dee Admin) is its first administrator" in out
    code, out, _ = run(  # again: an upgrade, nothing duplicated
        capsys,
        monkeypatch,
        "admin",
        "init",
        "--db",
        owner,
        "--admin",
        dee_cli,
        "--name",
        "Dee Admin",
        "--no-password",
    )
    assert code == 0
    assert "is an administrator (1 people)" in out
    dee = as_login(pg_database, dee_cli, "dee-password-long")
    code, out, err = run(
        capsys,
        monkeypatch,
        "admin",
        "add-user",
        "--db",
        dee,
        asha_cli,
        "--name",
        "Asha Patel",
        "--role",
        "caseworker",
        "--password-stdin",
        stdin="asha-password-long\n",
    )
    assert code == 0, err
    asha = as_login(pg_database, asha_cli, "asha-password-long")
    with psycopg.connect(asha) as conn:
        assert conn.execute("SELECT session_user").fetchone() == (asha_cli,)
    code, _, err = run(  # a caseworker cannot make themselves an administrator
        capsys, monkeypatch, "admin", "set-role", "--db", asha, asha_cli, "administrator"
    )
    assert code == 1
    assert "You cannot manage people and roles" in err
    code, out, _ = run(capsys, monkeypatch, "admin", "users", "--db", dee)
    assert asha_cli in out
    assert "Caseworker" in out
    assert out.strip().endswith("2 people")
    code, out, _ = run(capsys, monkeypatch, "admin", "disable-user", "--db", dee, asha_cli)
    assert code == 0
    assert "can no longer sign in" in out
    try:
        psycopg.connect(asha).close()
        raise AssertionError("a disabled login connected")
    except psycopg.OperationalError:
        pass


def test_the_same_commands_manage_a_laptop_file(tmp_path, capsys, monkeypatch):
    path = str(tmp_path / "laptop.sqlite3")
    me = getpass.getuser()
    code, out, err = run(
        capsys,
        monkeypatch,
        "admin",
        "init",
        "--db",
        path,
        "--create",
        "--admin",
        "dee",
        "--name",
        me,
        "--no-password",
    )
    assert code == 0, err
    assert "laptop file is ready" in out, err
    code, out, err = run(
        capsys,
        monkeypatch,
        "admin",
        "add-user",
        "--db",
        path,
        "asha",
        "--name",
        "Asha Patel",
        "--role",
        "caseworker",
        "team_lead",
    )
    assert code == 0, err
    assert "Added asha (Asha Patel): caseworker, team_lead" in out, err
    code, _, err = run(
        capsys,
        monkeypatch,
        "admin",
        "set-password",
        "--db",
        path,
        "asha",
        "--password-stdin",
        stdin="whatever-long-enough\n",
    )
    assert code == 1
    assert "laptop file has no passwords" in err
