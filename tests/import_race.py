"""Two people import the same spreadsheet at the same moment, each with the real command line
(`caseload import` in its own process): shared by the SQLite and the PostgreSQL tests."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from stdnum.gb import upn as stdnum_upn

from tests.helpers import HEADER

ROWS = 3000


def _upn(serial: int) -> str:
    body = f"839{2000 + serial // 1000:04d}15{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _nhs(serial: int) -> str:
    n = serial
    while True:
        body = f"999{(n * 7919) % 1_000_000:06d}"
        check = 11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            return body + str(check % 11)
        n += ROWS  # another number, never one a later row uses


def sheet(path: Path, rows: int = ROWS) -> Path:
    """`rows` different children, each with a UPN and an NHS number."""
    lines = [HEADER]
    for i in range(rows):
        born = date(2012, 1, 1) + timedelta(days=i % 3000)
        lines.append(
            f"Child{i},Family{i},{born:%d/%m/%Y},{_upn(i)},{_nhs(i)},BH1 1AA,ASD,,"
            "01/09/2026,assessment,,,,,"
        )
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def start_import(db: str, sheet_path: Path, login: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if login:
        env.update(LOGNAME=login, USER=login)  # getpass.getuser(): who signs in
    return subprocess.Popen(
        [sys.executable, "-m", "caseload_app", "import", "--db", db, str(sheet_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def outcomes(processes: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    done = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        done.append((process.returncode, out, err))
    return sorted(done)  # the one that succeeded (exit 0) first
