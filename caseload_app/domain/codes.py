"""Code lists (SEN2 primary needs, stages, advice types, LA numbers, ...).

The lists are data, not code: CSV files in resources/codes/ that are refreshed each year from
the DfE SEN2 guide without touching Python. Each file has a header line with at least the
columns `code` and `label` (la_codes.csv: `code,name,status`; stages.csv adds `open`). Extra
columns are allowed and ignored, so a file can carry notes. Files are read once per process.

Lookups for people (`code_for`) accept either the code or the label, case-insensitively,
because spreadsheets being imported usually contain what people typed: "Moderate learning
difficulty", "mld", "MLD" all mean the same thing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from caseload_app.domain.errors import ValidationError
from caseload_app.paths import resources_dir

__all__ = [
    "Code",
    "CodeListError",
    "LocalAuthority",
    "Stage",
    "advice_types",
    "channels",
    "code_for",
    "codes_dir",
    "ehcp_sections",
    "exception_grounds",
    "la_codes",
    "label_for",
    "load_codes",
    "load_local_authorities",
    "load_stages",
    "local_authorities",
    "open_stage_codes",
    "primary_needs",
    "request_sources",
    "review_outcomes",
    "stages",
]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Stage(Code):
    """A case stage; `open` says whether a case at this stage is still live."""

    open: bool


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    """A DfE LA number. Retired numbers stay valid because older UPNs still carry them."""

    code: int
    name: str
    current: bool


class CodeListError(ValueError):
    """A shipped code-list file is broken. Names the file and line: it is for whoever edits it."""


def codes_dir() -> Path:
    return resources_dir() / "codes"


# --- reading -------------------------------------------------------------------------------


def _read_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-blank data row, with every required column non-empty."""
    try:
        # utf-8-sig: files saved from Excel start with a byte-order mark.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header: list[str] | None = None
            rows: list[tuple[int, dict[str, str]]] = []
            try:
                for raw in reader:
                    line = reader.line_num
                    cells = [cell.strip() for cell in raw]
                    if not any(cells):
                        continue  # blank lines are harmless; don't make editors fight them
                    if header is None:
                        header = _check_header(path, line, cells, required)
                        continue
                    if len(cells) != len(header):
                        raise CodeListError(
                            f"{path} line {line}: expected {len(header)} values "
                            f"({','.join(header)}), found {len(cells)}"
                        )
                    row = dict(zip(header, cells, strict=True))
                    for column in required:
                        if not row[column]:
                            raise CodeListError(f"{path} line {line}: '{column}' is empty")
                    rows.append((line, row))
            except csv.Error as exc:
                raise CodeListError(f"{path} line {reader.line_num}: {exc}") from exc
    except FileNotFoundError as exc:
        raise CodeListError(f"Code list file {path} is missing") from exc
    except UnicodeDecodeError as exc:
        raise CodeListError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    if header is None:
        raise CodeListError(f"{path}: file is empty; expected a header line {','.join(required)}")
    return rows


def _check_header(path: Path, line: int, cells: list[str], required: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    for name in cells:
        if name in seen:
            raise CodeListError(f"{path} line {line}: column '{name}' appears twice")
        seen.add(name)
    for column in required:
        if column not in seen:
            raise CodeListError(
                f"{path} line {line}: missing column '{column}' "
                f"(header should start {','.join(required)}; found {','.join(cells)})"
            )
    return cells


def _key(text: str) -> str:
    """How typed text is compared: case, runs of spaces and the kind of dash don't matter."""
    text = text.replace("\u2014", "-").replace("\u2013", "-")
    return " ".join(text.split()).casefold()


def _check_unique(path: Path, entries: Sequence[tuple[int, Code]]) -> None:
    # Codes and labels share one namespace because code_for() accepts either.
    first_line: dict[str, tuple[int, str]] = {}
    for line, entry in entries:
        for what, value in (("code", entry.code), ("label", entry.label)):
            key = _key(value)
            if key in first_line:
                other_line, other_what = first_line[key]
                if other_line == line:
                    continue  # a code may equal its own label (e.g. "A")
                raise CodeListError(
                    f"{path} line {line}: duplicate {what} '{value}' "
                    f"(already used as a {other_what} on line {other_line})"
                )
            first_line[key] = (line, what)


def load_codes(path: str | Path) -> tuple[Code, ...]:
    """Read a `code,label` list. Raises CodeListError naming the file and line if malformed."""
    path = Path(path)
    entries = [
        (line, Code(row["code"], row["label"])) for line, row in _read_rows(path, ("code", "label"))
    ]
    _check_unique(path, entries)
    return tuple(entry for _, entry in entries)


def load_stages(path: str | Path) -> tuple[Stage, ...]:
    """Read a `code,label,open` list where open is 1 (live case) or 0 (closed)."""
    path = Path(path)
    entries: list[tuple[int, Stage]] = []
    for line, row in _read_rows(path, ("code", "label", "open")):
        if row["open"] not in ("0", "1"):
            raise CodeListError(f"{path} line {line}: 'open' must be 1 or 0, not '{row['open']}'")
        entries.append((line, Stage(row["code"], row["label"], row["open"] == "1")))
    _check_unique(path, entries)
    return tuple(entry for _, entry in entries)


def load_local_authorities(path: str | Path) -> tuple[LocalAuthority, ...]:
    """Read a `code,name,status` list of DfE LA numbers (status current or retired)."""
    path = Path(path)
    result: list[LocalAuthority] = []
    first_line: dict[int, int] = {}
    for line, row in _read_rows(path, ("code", "name", "status")):
        code, status = row["code"], row["status"]
        if len(code) != 3 or not (code.isascii() and code.isdigit()):
            raise CodeListError(f"{path} line {line}: LA code '{code}' must be a 3-digit number")
        if status not in ("current", "retired"):
            raise CodeListError(
                f"{path} line {line}: status must be 'current' or 'retired', not '{status}'"
            )
        number = int(code)
        if number in first_line:
            raise CodeListError(
                f"{path} line {line}: duplicate code '{code}' (first on line {first_line[number]})"
            )
        first_line[number] = line
        result.append(LocalAuthority(number, row["name"], status == "current"))
    return tuple(result)


# --- the shipped lists (read once) -----------------------------------------------------------


@cache
def primary_needs() -> tuple[Code, ...]:
    """SEN2 primary need on an EHCP. NSA (SEN support only) is deliberately absent."""
    return load_codes(codes_dir() / "primary_need.csv")


@cache
def advice_types() -> tuple[Code, ...]:
    return load_codes(codes_dir() / "advice_types.csv")


@cache
def channels() -> tuple[Code, ...]:
    return load_codes(codes_dir() / "channels.csv")


@cache
def stages() -> tuple[Stage, ...]:
    return load_stages(codes_dir() / "stages.csv")


@cache
def open_stage_codes() -> frozenset[str]:
    """Codes of stages at which a case is live (a child has at most one live case)."""
    return frozenset(stage.code for stage in stages() if stage.open)


@cache
def exception_grounds() -> tuple[Code, ...]:
    """The four grounds in Reg 5(4), 8(2), 10(4) on which time limits do not apply."""
    return load_codes(codes_dir() / "exception_grounds.csv")


@cache
def review_outcomes() -> tuple[Code, ...]:
    return load_codes(codes_dir() / "review_outcomes.csv")


@cache
def ehcp_sections() -> tuple[Code, ...]:
    return load_codes(codes_dir() / "ehcp_sections.csv")


@cache
def request_sources() -> tuple[Code, ...]:
    return load_codes(codes_dir() / "request_sources.csv")


@cache
def local_authorities() -> tuple[LocalAuthority, ...]:
    return load_local_authorities(codes_dir() / "la_codes.csv")


def la_codes() -> dict[int, str]:
    """Every LA number a UPN may carry (current and retired) -> name. A fresh dict each call."""
    return {la.code: la.name for la in local_authorities()}


# --- lookups -------------------------------------------------------------------------------


def _accepted(codes: Sequence[Code]) -> str:
    return ", ".join(
        code.code if _key(code.code) == _key(code.label) else f"{code.code} ({code.label})"
        for code in codes
    )


def _shown(text: str) -> str:
    # Enough of what was typed to recognise it, never a whole pasted cell.
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def label_for(codes: Iterable[Code], code: str) -> str:
    """The label for a stored code (exact match first, then ignoring case)."""
    codes = tuple(codes)
    for entry in codes:
        if entry.code == code:
            return entry.label
    for entry in codes:
        if _key(entry.code) == _key(code):
            return entry.label
    raise ValidationError(f"'{_shown(code)}' is not a known code; use one of: {_accepted(codes)}")


def code_for(codes: Iterable[Code], text: str) -> str:
    """The code meant by `text`, which may be the code or the label in any case."""
    codes = tuple(codes)
    key = _key(text)
    if not key:
        raise ValidationError(f"A value is needed; use one of: {_accepted(codes)}")
    for entry in codes:
        if _key(entry.code) == key:
            return entry.code
    for entry in codes:
        if _key(entry.label) == key:
            return entry.code
    raise ValidationError(
        f"'{_shown(text)}' is not an accepted value; use one of: {_accepted(codes)}"
    )


def label_or_code(codes: Iterable[Code], code: str | None) -> str | None:
    """The label for a stored code; an unknown (legacy) code is shown as it is; blank → None."""
    if not code:
        return None
    try:
        return label_for(codes, code)
    except ValidationError:
        return code
