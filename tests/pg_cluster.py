"""A throwaway PostgreSQL cluster for the tests and CI: a temporary data folder, 127.0.0.1 only,
a free port, SCRAM passwords. initdb and pg_ctl run as the `postgres` system user when we are
root (PostgreSQL refuses to run as root).

    python -m tests.pg_cluster start DIR   # prints the superuser URL
    python -m tests.pg_cluster stop DIR
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SUPERUSER = "postgres"


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: list[str]) -> None:
    done = subprocess.run(_as_postgres(cmd), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")


def start(folder: Path) -> str:
    """Create and start a cluster in `folder`; return the superuser's URL (also kept there)."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(folder)
    data, password, port = folder / "data", secrets.token_urlsafe(18), _free_port()
    folder.mkdir(parents=True, exist_ok=True)
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if os.geteuid() == 0:
        # The server runs as `postgres`: it must own the folder and reach it through its
        # parent (a mktemp folder is root-only).
        folder.parent.chmod(folder.parent.stat().st_mode | 0o011)
        shutil.chown(folder, "postgres")
        shutil.chown(pwfile, "postgres")
    _run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ]
    )
    pwfile.unlink()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
    _run(
        [
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        ]
    )
    url = f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"
    (folder / "url").write_text(url)
    return url


def stop(folder: Path) -> None:
    binaries = bin_dir()
    data = Path(folder) / "data"
    if binaries is not None and data.exists():
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


def run_in(server_url: str, sql: str) -> None:
    """Run one statement on the database at the URL, as its user, outside a transaction
    (CREATE/DROP DATABASE need that)."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(sql)


def create_database(server_url: str, name: str, template: str | None = None) -> None:
    copy = f" TEMPLATE {template}" if template else ""
    run_in(server_url, f"CREATE DATABASE {name}{copy}")


def drop_database(server_url: str, name: str) -> None:
    run_in(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_roles(server_url: str, names: list[str]) -> None:
    for name in names:
        run_in(server_url, f'DROP ROLE IF EXISTS "{name}"')


def drop_logins_tagged(server_url: str, tag: str) -> None:
    """Drop every role a test database's tests made (named NAME.TAG, tests/helpers.login_for),
    as far as the server lets: one still owning something elsewhere is left."""
    import psycopg

    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"%.{tag}",)
            )
        ]
        for name in names:
            with contextlib.suppress(psycopg.errors.Error):
                conn.execute(f'DROP ROLE "{name}"')


if __name__ == "__main__":
    verb, where = sys.argv[1], Path(sys.argv[2])
    if verb == "start":
        print(start(where))
    else:
        stop(where)
