import subprocess
import sys

from caseload_app import __version__


def test_version_from_a_plain_checkout_is_the_one_in_pyproject():
    """A source tree that was never installed has no package metadata: the version comes
    from pyproject.toml, not "0+unknown"."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    expected = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    code = (
        "import importlib.metadata as m\n"
        "def missing(name): raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import caseload_app; print(caseload_app.__version__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert out.stdout.strip() == expected


def test_version_from_package_metadata():
    out = subprocess.run(
        [sys.executable, "-m", "caseload_app", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"caseload {__version__}"
    assert __version__ != "0+unknown"
