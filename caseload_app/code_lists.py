"""The code lists' files: resources/codes/*.csv, read here and parsed by domain/codes.py.

`install` (run when the package is imported) hands the domain a reader for the shipped
lists, so the domain itself never touches a file. `load_codes` and its kin read any file of
the same shape, with a message naming the file when it is missing or not UTF-8.
"""

from __future__ import annotations

from pathlib import Path

from caseload_app.domain import codes
from caseload_app.domain.codes import Code, CodeListError, LocalAuthority, Stage
from caseload_app.paths import resources_dir


def codes_dir() -> Path:
    return resources_dir() / "codes"


def read_text(path: str | Path) -> str:
    path = Path(path)
    try:
        # utf-8-sig: files saved from Excel start with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise CodeListError(f"Code list file {path} is missing") from exc
    except UnicodeDecodeError as exc:
        raise CodeListError(f"{path}: not UTF-8 text ({exc.reason})") from exc


def load_codes(path: str | Path) -> tuple[Code, ...]:
    return codes.parse_codes(read_text(path), str(path))


def load_stages(path: str | Path) -> tuple[Stage, ...]:
    return codes.parse_stages(read_text(path), str(path))


def load_local_authorities(path: str | Path) -> tuple[LocalAuthority, ...]:
    return codes.parse_local_authorities(read_text(path), str(path))


def install() -> None:
    """The shipped lists, for the domain: a file name in resources/codes/ in, its text out."""
    codes.use_reader(lambda name: read_text(codes_dir() / name))
