import subprocess
import sys

from caseload_app import __version__


def test_version_from_package_metadata():
    out = subprocess.run(
        [sys.executable, "-m", "caseload_app", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"caseload {__version__}"
    assert __version__ != "0+unknown"
