"""caseload: EHCP caseload manager for council SEND teams."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _source_version() -> str:
    """The version written in pyproject.toml, for a source tree that was never installed."""
    import tomllib

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


try:
    __version__ = version("caseload")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = _source_version()

# The code lists (stages, primary needs, LA numbers…) are files the domain parses but never
# opens itself: give it the reader before anything asks for a list.
from caseload_app import code_lists as _code_lists  # noqa: E402

_code_lists.install()
