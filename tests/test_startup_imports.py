"""Opening the main window must not load what only printing or migrating needs: reportlab
(about 150 ms of a 1.5 s cold start) loads when something is printed, alembic when the database
is migrated. A fresh interpreter shows what the window's import chain really pulls in."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_AT_STARTUP = ("reportlab", "alembic")

PROBE = """
import json, sys
import caseload_app.ui.main_window
print(json.dumps(sorted(sys.modules)))
"""


@pytest.fixture(scope="module")
def loaded() -> list[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", NOT_AT_STARTUP)
def test_the_main_window_imports_without(package, loaded):
    assert [m for m in loaded if m == package or m.startswith(f"{package}.")] == []
