"""Code lists (SEN2 primary needs, stages, advice types, LA numbers, ...).

The lists are data, not code: CSV files in resources/codes/ that are refreshed each year from
the DfE SEN2 guide without touching Python. Each file has a header line with at least the
columns `code` and `label` (la_codes.csv: `code,name,status`; stages.csv adds `open`). Extra
columns are allowed and ignored, so a file can carry notes. The domain only parses their text
(`parse_codes`…); caseload_app/code_lists.py reads the files, and hands the domain a reader at
start (`use_reader`). Each list is parsed once per process.

Lookups for people (`code_for`) accept either the code or the label, case-insensitively,
because spreadsheets being imported usually contain what people typed: "Moderate learning
difficulty", "mld", "MLD" all mean the same thing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from caseload_app.domain.errors import ValidationError

__all__ = [
    "BECAME_RESPONSIBLE",
    "Code",
    "CodeListError",
    "LocalAuthority",
    "Stage",
    "advice_types",
    "attendance",
    "cease_reasons",
    "channels",
    "code_for",
    "ehcp_sections",
    "exception_grounds",
    "la_codes",
    "label_for",
    "listed",
    "local_authorities",
    "open_stage_codes",
    "parse_codes",
    "parse_local_authorities",
    "parse_stages",
    "placement_kinds",
    "placement_provision",
    "placement_residential",
    "primary_needs",
    "read_rows",
    "request_date_label",
    "disagreement_abouts",
    "request_sources",
    "review_outcomes",
    "sen2_codes",
    "sen2_direct_payments",
    "sen2_ethnicities",
    "sen2_sexes",
    "sen2_upn_unknown_reasons",
    "shipped_text",
    "stages",
    "use_reader",
    "work_based",
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


# A shipped list's text by its file name ("stages.csv"): given at start by code_lists.install.
_reader: Callable[[str], str] | None = None


def use_reader(read: Callable[[str], str]) -> None:
    """Where the shipped lists' text comes from (a file name in, its text out)."""
    global _reader
    _reader = read
    for shipped in (*_SHIPPED, *_ALSO_SHIPPED):
        shipped.cache_clear()


def _shipped(name: str) -> str:
    if _reader is None:
        raise CodeListError(f"No code lists were loaded, so {name} cannot be read")
    return _reader(name)


# Lists parsed elsewhere in the domain (the plan's checks): cleared with these on a new reader.
_ALSO_SHIPPED: list = []


def shipped_text(name: str, parsed_by=None) -> str:
    """A shipped list's text, for a list the domain parses outside this module; ``parsed_by``
    (a functools.cache'd function) is cleared whenever the reader changes."""
    if parsed_by is not None and parsed_by not in _ALSO_SHIPPED:
        _ALSO_SHIPPED.append(parsed_by)
    return _shipped(name)


def read_rows(text: str, source: str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a CSV list, every required column non-empty;
    CodeListError naming the line otherwise."""
    return _read_rows(text, source, required)


# --- reading -------------------------------------------------------------------------------


def _read_rows(text: str, source: str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) for every non-blank data row, with every required column non-empty."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)  # Excel's BOM
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for raw in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue  # blank lines are harmless; don't make editors fight them
            if header is None:
                header = _check_header(source, line, cells, required)
                continue
            if len(cells) != len(header):
                raise CodeListError(
                    f"{source} line {line}: expected {len(header)} values "
                    f"({','.join(header)}), found {len(cells)}"
                )
            row = dict(zip(header, cells, strict=True))
            for column in required:
                if not row[column]:
                    raise CodeListError(f"{source} line {line}: '{column}' is empty")
            rows.append((line, row))
    except csv.Error as exc:
        raise CodeListError(f"{source} line {reader.line_num}: {exc}") from exc
    if header is None:
        raise CodeListError(f"{source}: file is empty; expected a header line {','.join(required)}")
    return rows


def _check_header(source: str, line: int, cells: list[str], required: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    for name in cells:
        if name in seen:
            raise CodeListError(f"{source} line {line}: column '{name}' appears twice")
        seen.add(name)
    for column in required:
        if column not in seen:
            raise CodeListError(
                f"{source} line {line}: missing column '{column}' "
                f"(header should start {','.join(required)}; found {','.join(cells)})"
            )
    return cells


def _key(text: str) -> str:
    """How typed text is compared: case, runs of spaces and the kind of dash don't matter."""
    text = text.replace("\u2014", "-").replace("\u2013", "-")
    return " ".join(text.split()).casefold()


def _check_unique(source: str, entries: Sequence[tuple[int, Code]]) -> None:
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
                    f"{source} line {line}: duplicate {what} '{value}' "
                    f"(already used as a {other_what} on line {other_line})"
                )
            first_line[key] = (line, what)


def parse_codes(text: str, source: str) -> tuple[Code, ...]:
    """A `code,label` list. Raises CodeListError naming the source and line if malformed."""
    rows = _read_rows(text, source, ("code", "label"))
    entries = [(line, Code(row["code"], row["label"])) for line, row in rows]
    _check_unique(source, entries)
    return tuple(entry for _, entry in entries)


def parse_stages(text: str, source: str) -> tuple[Stage, ...]:
    """A `code,label,open` list where open is 1 (live case) or 0 (closed)."""
    entries: list[tuple[int, Stage]] = []
    for line, row in _read_rows(text, source, ("code", "label", "open")):
        if row["open"] not in ("0", "1"):
            raise CodeListError(f"{source} line {line}: 'open' must be 1 or 0, not '{row['open']}'")
        entries.append((line, Stage(row["code"], row["label"], row["open"] == "1")))
    _check_unique(source, entries)
    return tuple(entry for _, entry in entries)


def parse_local_authorities(text: str, source: str) -> tuple[LocalAuthority, ...]:
    """A `code,name,status` list of DfE LA numbers (status current or retired)."""
    result: list[LocalAuthority] = []
    first_line: dict[int, int] = {}
    for line, row in _read_rows(text, source, ("code", "name", "status")):
        code, status = row["code"], row["status"]
        if len(code) != 3 or not (code.isascii() and code.isdigit()):
            raise CodeListError(f"{source} line {line}: LA code '{code}' must be a 3-digit number")
        if status not in ("current", "retired"):
            raise CodeListError(
                f"{source} line {line}: status must be 'current' or 'retired', not '{status}'"
            )
        number = int(code)
        if number in first_line:
            raise CodeListError(
                f"{source} line {line}: duplicate code '{code}' "
                f"(first on line {first_line[number]})"
            )
        first_line[number] = line
        result.append(LocalAuthority(number, row["name"], status == "current"))
    return tuple(result)


# --- the shipped lists (read once) -----------------------------------------------------------


@cache
def primary_needs() -> tuple[Code, ...]:
    """SEN2 primary need on an EHCP. NSA (SEN support only) is deliberately absent."""
    return parse_codes(_shipped("primary_need.csv"), "primary_need.csv")


@cache
def advice_types() -> tuple[Code, ...]:
    return parse_codes(_shipped("advice_types.csv"), "advice_types.csv")


@cache
def channels() -> tuple[Code, ...]:
    return parse_codes(_shipped("channels.csv"), "channels.csv")


@cache
def stages() -> tuple[Stage, ...]:
    return parse_stages(_shipped("stages.csv"), "stages.csv")


@cache
def open_stage_codes() -> frozenset[str]:
    """Codes of stages at which a case is live (a child has at most one live case)."""
    return frozenset(stage.code for stage in stages() if stage.open)


@cache
def exception_grounds() -> tuple[Code, ...]:
    """The grounds in Reg 5(4), 8(2), 10(4) and 13(3) on which a time limit does not apply
    (which ground excuses which limit: domain.exceptions)."""
    return parse_codes(_shipped("exception_grounds.csv"), "exception_grounds.csv")


@cache
def review_outcomes() -> tuple[Code, ...]:
    return parse_codes(_shipped("review_outcomes.csv"), "review_outcomes.csv")


@cache
def cease_reasons() -> tuple[Code, ...]:
    """Why a plan ceased, as SEN2 codes it (<CeaseReason>, item 4.6 of the 2025 return)."""
    return parse_codes(_shipped("cease_reasons.csv"), "cease_reasons.csv")


@cache
def ehcp_sections() -> tuple[Code, ...]:
    return parse_codes(_shipped("ehcp_sections.csv"), "ehcp_sections.csv")


@cache
def request_sources() -> tuple[Code, ...]:
    return parse_codes(_shipped("request_sources.csv"), "request_sources.csv")


@cache
def sen2_sexes() -> tuple[Code, ...]:
    """SEN2's <Sex> (a blank on the child: not recorded)."""
    return parse_codes(_shipped("sen2_sex.csv"), "sen2_sex.csv")


@cache
def sen2_ethnicities() -> tuple[Code, ...]:
    """The DfE's main ethnicity codes (CBDS), as SEN2's <Ethnicity> takes them."""
    return parse_codes(_shipped("sen2_ethnicity.csv"), "sen2_ethnicity.csv")


@cache
def sen2_upn_unknown_reasons() -> tuple[Code, ...]:
    """Why a child has neither UPN nor ULN (SEN2's <UPNunknown>)."""
    return parse_codes(_shipped("sen2_upn_unknown.csv"), "sen2_upn_unknown.csv")


@cache
def sen2_direct_payments() -> tuple[Code, ...]:
    """Which services a plan's direct payments are for (SEN2's <DP>; the plan's Section J)."""
    return parse_codes(_shipped("sen2_direct_payments.csv"), "sen2_direct_payments.csv")


@cache
def disagreement_abouts() -> tuple[Code, ...]:
    """Which decision a disagreement is about: SEN2 counts mediation and appeals by it."""
    return parse_codes(_shipped("disagreement_about.csv"), "disagreement_about.csv")


@cache
def local_authorities() -> tuple[LocalAuthority, ...]:
    return parse_local_authorities(_shipped("la_codes.csv"), "la_codes.csv")


@cache
def placement_kinds() -> tuple[Code, ...]:
    """Where a child is placed: at an establishment, or which other arrangement (SEN2's
    SENsetting codes for a placement with no URN: resources/codes/README.md)."""
    return parse_codes(_shipped("placement_kinds.csv"), "placement_kinds.csv")


@cache
def placement_provision() -> tuple[Code, ...]:
    """Mainstream, SEN unit or resourced provision at an establishment."""
    return parse_codes(_shipped("placement_provision.csv"), "placement_provision.csv")


@cache
def attendance() -> tuple[Code, ...]:
    return parse_codes(_shipped("attendance.csv"), "attendance.csv")


@cache
def placement_residential() -> tuple[Code, ...]:
    """A residential placement by the weeks a year (SEN2's Res and PlanRes: A, B)."""
    return parse_codes(_shipped("placement_residential.csv"), "placement_residential.csv")


@cache
def work_based() -> tuple[Code, ...]:
    """Work-based learning a placement is (SEN2's WBP): apprenticeship, supported internship…"""
    return parse_codes(_shipped("work_based.csv"), "work_based.csv")


# Every list parsed once; a new reader (use_reader) empties them.
@cache
def listed(file_name: str) -> tuple[Code, ...]:
    """Any shipped `code,label` list by its file name (SEN2's own lists: sen2_*.csv)."""
    return parse_codes(_shipped(file_name), file_name)


@cache
def sen2_codes(file_name: str) -> dict[str, str]:
    """caseload's code → SEN2's, from a list's `sen2` column (blank: SEN2 has no code for it)."""
    rows = _read_rows(_shipped(file_name), file_name, ("code", "label"))
    return {row["code"]: row["sen2"] for _, row in rows if row.get("sen2")}


_SHIPPED = (
    listed,
    sen2_codes,
    primary_needs,
    advice_types,
    channels,
    stages,
    open_stage_codes,
    exception_grounds,
    review_outcomes,
    cease_reasons,
    ehcp_sections,
    request_sources,
    sen2_sexes,
    sen2_ethnicities,
    sen2_upn_unknown_reasons,
    sen2_direct_payments,
    disagreement_abouts,
    local_authorities,
    placement_kinds,
    placement_provision,
    attendance,
    work_based,
    placement_residential,
)


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


# The request source (request_sources.csv) of a case whose clock starts on the day the council
# became responsible for the child or young person under CFA 2014 s24 (Regs 5(1)(b), 10(1),
# 13(2)), e.g. on moving into the area, rather than on a request (docs/statutory-rules.md,
# "Time limits").
BECAME_RESPONSIBLE = "became_responsible"


def request_date_label(source: str | None) -> str:
    """What the case's start date is: "Request received", or for a case started by the
    council becoming responsible (s24), "Council became responsible (s24)"."""
    return (
        "Council became responsible (s24)" if source == BECAME_RESPONSIBLE else "Request received"
    )
