"""Establishments from the DfE's register (Get Information About Schools): how one is shown
and found. Pure: the register's rows come from services.establishments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from caseload_app.domain.text import search_key
from caseload_app.domain.validators import ValidationError, normalise_postcode


@dataclass(frozen=True)
class EstablishmentChoice:
    """One establishment as a picker offers it."""

    id: int
    urn: int
    name: str
    la_code: int | None
    establishment_number: int | None
    type_name: str
    phase: str
    postcode: str | None
    ukprn: int | None
    is_open: bool

    @property
    def laestab(self) -> str:
        """The DfE's LA and establishment number, "839/2001" ("" when the register has none)."""
        return laestab(self.la_code, self.establishment_number)

    def label(self) -> str:
        """'Oak Hill Primary (URN 123456, 839/2001, BH1 1AA)', with '— closed' when it is."""
        where = ", ".join(p for p in (f"URN {self.urn}", self.laestab, self.postcode or "") if p)
        return f"{self.name} ({where})" + ("" if self.is_open else " — closed")


def laestab(la_code: int | None, number: int | None) -> str:
    if la_code is None or number is None:
        return ""
    return f"{la_code:03d}/{number:04d}"


def establishment_search_text(
    name: str, urn: int, la_code: int | None, number: int | None, postcode: str | None
) -> str:
    """The folded text search-as-you-type matches: name, URN, LAESTAB (with and without its
    slash) and postcode."""
    code = laestab(la_code, number)
    return search_key(name, str(urn), code, code.replace("/", ""), postcode)


# ---------------------------------------------------------------------------- the GIAS file
# The columns caseload reads from the "Get Information About Schools" all-establishments file
# (Downloads → "Establishment fields CSV", edubasealldataYYYYMMDD.csv: about 50,000 rows of
# about 140 columns; the rest are ignored). Header names as the DfE spells them, checked
# against published readers of that file (DFE-Digital's GIAS importers and witan.gias's
# column list for edubasealldata2023–2025), which also give CloseDate as dd-mm-yyyy.
URN = "URN"
LA_CODE = "LA (code)"
NUMBER = "EstablishmentNumber"
NAME = "EstablishmentName"
TYPE_CODE = "TypeOfEstablishment (code)"
TYPE_NAME = "TypeOfEstablishment (name)"
STATUS = "EstablishmentStatus (name)"
CLOSE_DATE = "CloseDate"
PHASE = "PhaseOfEducation (name)"
POSTCODE = "Postcode"
UKPRN = "UKPRN"
REGISTER_COLUMNS = (
    URN, LA_CODE, NUMBER, NAME, TYPE_CODE, TYPE_NAME, STATUS, CLOSE_DATE, PHASE, POSTCODE, UKPRN,
)  # fmt: skip
OPEN_STATUSES = frozenset({"open", "open, but proposed to close", "proposed to open"})
CLOSED = "closed"
MAX_NUMBER = 2**31 - 1  # the database's integer columns
# Longest text each column holds (db.models.Establishment).
LIMITS = {NAME: 200, TYPE_CODE: 8, TYPE_NAME: 120, PHASE: 60}
POSTCODE_LIMIT = 8


@dataclass(frozen=True)
class RegisterRow:
    """One establishment as the DfE's file gives it, checked: the fields caseload keeps."""

    urn: int
    la_code: int | None
    establishment_number: int | None
    name: str
    type_code: str
    type_name: str
    phase: str
    ukprn: int | None
    postcode: str | None
    is_open: bool
    closed_on: date | None

    def search_text(self) -> str:
        return establishment_search_text(
            self.name, self.urn, self.la_code, self.establishment_number, self.postcode
        )


class NotTheRegister(ValueError):
    """The file's header lacks columns the register has (`missing`, in the register's order)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(", ".join(missing))


def register_columns(header: list[str]) -> dict[str, int]:
    """Where each column caseload reads is in the file's header; NotTheRegister naming every
    column missing (the file is not the register, or not all of it)."""
    where = {name.strip(): i for i, name in reversed(list(enumerate(header)))}
    missing = [name for name in REGISTER_COLUMNS if name not in where]
    if missing:
        raise NotTheRegister(missing)
    return {name: where[name] for name in REGISTER_COLUMNS}


def parse_register_row(cells: list[str], columns: dict[str, int]) -> RegisterRow:
    """One row of the file, checked; ValueError saying what is wrong with it."""
    if len(cells) <= max(columns.values()):
        raise ValueError(f"it has {len(cells)} columns, fewer than the header")
    value = {name: cells[i].strip() for name, i in columns.items()}
    urn = _number(value, URN)
    if urn is None:
        raise ValueError("it has no URN")
    if not value[NAME]:
        raise ValueError(f"URN {urn} has no {NAME}")
    for name, limit in LIMITS.items():
        if len(value[name]) > limit:
            raise ValueError(f"its {name} is longer than {limit} characters")
    status = value[STATUS].casefold()
    if status != CLOSED and status not in OPEN_STATUSES:
        raise ValueError(f"{STATUS} '{value[STATUS]}' is not one the register uses")
    closed_on = _close_date(value[CLOSE_DATE])
    return RegisterRow(
        urn=urn,
        la_code=_number(value, LA_CODE),
        establishment_number=_number(value, NUMBER),
        name=value[NAME],
        type_code=value[TYPE_CODE],
        type_name=value[TYPE_NAME],
        phase=value[PHASE],
        ukprn=_number(value, UKPRN),
        postcode=_postcode(value[POSTCODE]),
        is_open=status != CLOSED,
        closed_on=closed_on if status == CLOSED else None,
    )


def _number(value: dict[str, str], column: str) -> int | None:
    text = value[column]
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_NUMBER:
        raise ValueError(f"{column} '{text}' is not a number")
    return int(text)


def _close_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        raise ValueError(f"{CLOSE_DATE} '{text}' is not a date (dd-mm-yyyy)") from None


def _postcode(text: str) -> str | None:
    """Tidied as a typed postcode is; one the typing check refuses (a British school
    overseas has its country's) is kept as the register gives it, if it fits, since it
    only helps to find the school."""
    if not text:
        return None
    try:
        return normalise_postcode(text)
    except ValidationError:
        kept = " ".join(text.upper().split())
        return kept if len(kept) <= POSTCODE_LIMIT else None
