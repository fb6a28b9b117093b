"""One row of a caseload spreadsheet, checked as the forms check it: each cell converted
and cleaned, every problem collected against its row and column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from caseload_app.domain import codes
from caseload_app.domain.parsing import parse_date
from caseload_app.domain.text import check_line, check_name, fold, limit_of
from caseload_app.domain.validators import (
    ValidationError,
    check_date_of_birth,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    normalise_upn,
)

COLUMNS = (
    "child_first_name",
    "child_last_name",
    "date_of_birth",
    "upn",
    "nhs_number",
    "postcode",
    "primary_need",
    "caseworker",
    "request_received",
    "stage",
    "final_plan_issued",
    "last_review",
    "parent_carer_name",
    "phone",
    "email",
)
# Columns our own export adds: recalculated on import, so an export can be imported again.
COMPUTED = ("next_step", "next_due", "rag")
REQUIRED = ("child_first_name", "child_last_name", "date_of_birth", "request_received", "stage")
STAGE_ORDER = ("request_received", "assessment", "draft_issued", "plan_issued")


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        return (
            f"{where}, column {self.column}: {self.message}"
            if self.column
            else (f"{where}: {self.message}")
        )


@dataclass(frozen=True)
class ImportRow:
    row: int
    first_name: str
    last_name: str
    date_of_birth: date
    upn: str | None
    nhs_number: str | None
    postcode: str | None
    primary_need: str | None
    caseworker: str | None
    request_received: date
    stage: str
    final_plan_issued: date | None
    last_review: date | None
    parent_carer_name: str
    phone: str | None
    email: str | None

    def family_key(self) -> str:
        # Siblings share a parent/carer at one address; without a name, a family of one.
        if self.parent_carer_name:
            return "\x1f".join(
                (fold(self.parent_carer_name), self.postcode or "", self.phone or "")
            )
        return f"row\x1f{self.row}"


class _Cell:
    """Collects the problems of one row while converting its cells."""

    def __init__(self, line: int, values: dict[str, str]) -> None:
        self.line = line
        self.values = values
        self.problems: list[Problem] = []

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.values.get(column, "")
        if not value:
            if required:
                self.problems.append(Problem(self.line, column, "is empty"))
            return None
        return value

    def convert(self, column: str, fn: Callable[[str], object], required: bool = False):
        value = self.text(column, required)
        if value is None:
            return None
        try:
            return fn(value)
        except ValidationError as exc:
            self.problems.append(Problem(self.line, column, str(exc)))
            return None

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))


def check_header(header: list[str] | None) -> tuple[list[str], list[Problem], bool]:
    """The columns a header names (in its order), what is wrong with it, and whether the
    rows can still be checked. An unknown column (a "notes" column, say) is reported but
    the rows are checked all the same, so one fix does not hide the rest; a missing or
    doubled column stops the check, since no row could be read right."""
    if header is None or not any(h.strip() for h in header):
        return [], [Problem(1, "", "the file is empty: it needs a header row")], True
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    unknown = [
        Problem(1, name.strip(), "unknown column (expected: " + ", ".join(COLUMNS) + ")")
        for name, column in zip(header, columns, strict=True)
        if column not in COLUMNS + COMPUTED
    ]
    fatal: list[Problem] = []
    seen: set[str] = set()
    for column in columns:
        if column in seen and column in COLUMNS:
            fatal.append(Problem(1, column, "this column appears twice"))
        seen.add(column)
    fatal += [
        Problem(1, name, "required column is missing") for name in REQUIRED if name not in columns
    ]
    return columns, unknown + fatal, bool(fatal)


def check_cells(
    line: int, cells: list[str], columns: list[str], today: date
) -> tuple[ImportRow | None, list[Problem]]:
    """One spreadsheet row: the row to import (None if it is blank or wrong) and its problems."""
    if not any(cell.strip() for cell in cells):
        return None, []  # blank lines are common at the end of exported sheets
    if len(cells) > len(columns):
        return None, [
            Problem(line, "", f"has {len(cells)} cells but the header has {len(columns)}")
        ]
    values = dict(zip(columns, (c.strip() for c in cells), strict=False))
    return _check_row(line, values, today)


def _check_row(line: int, values: dict[str, str], today: date):
    cell = _Cell(line, values)
    # Names as the forms take them: cleaned (invisible characters out, spacing one space),
    # then checked (letters, the form's length); junk such as NUL or an escape code is an
    # error naming the row and column, never silently kept or dropped.
    first = cell.convert("child_first_name", _name("First name", "child.first_name"), True)
    last = cell.convert("child_last_name", _name("Last name", "child.last_name"), True)
    dob = cell.convert(
        "date_of_birth", lambda v: check_date_of_birth(parse_date(v), today), required=True
    )
    received = cell.convert("request_received", parse_date, required=True)
    stage = cell.convert("stage", lambda v: codes.code_for(codes.stages(), v), required=True)
    final = cell.convert("final_plan_issued", parse_date)
    review = cell.convert("last_review", parse_date)
    row_values = dict(
        upn=cell.convert("upn", normalise_upn),
        nhs_number=cell.convert("nhs_number", normalise_nhs_number),
        postcode=cell.convert("postcode", normalise_postcode),
        primary_need=cell.convert(
            "primary_need", lambda v: codes.code_for(codes.primary_needs(), v)
        ),
        phone=cell.convert("phone", normalise_uk_phone),
        email=cell.convert("email", normalise_email),
    )
    caseworker = cell.convert("caseworker", _line("Caseworker", "caseworker.name"))
    parent = cell.convert(
        "parent_carer_name", _line("Parent/carer name", "family.parent_carer_name")
    )
    _check_dates(cell, today, dob, received, stage, final, review)
    if cell.problems or None in (first, last, dob, received, stage):
        return None, cell.problems
    row = ImportRow(
        row=line,
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        caseworker=caseworker or None,
        request_received=received,
        stage=stage,
        final_plan_issued=final,
        last_review=review,
        parent_carer_name=parent or "",
        **row_values,
    )
    return row, cell.problems


def _name(label: str, column: str) -> Callable[[str], str]:
    return lambda value: check_name(label, value, limit_of(column))


def _line(label: str, column: str) -> Callable[[str], str]:
    return lambda value: check_line(label, value, limit_of(column))


def _check_dates(cell: _Cell, today, dob, received, stage, final, review) -> None:
    for column, value in (
        ("request_received", received),
        ("final_plan_issued", final),
        ("last_review", review),
    ):
        if value and value > today:
            cell.fail(column, f"{value:%d/%m/%Y} is in the future")
        if value and dob and value < dob:
            cell.fail(column, f"{value:%d/%m/%Y} is before the date of birth")
    if final and received and final < received:
        cell.fail("final_plan_issued", "is before the request was received")
    if review and final and review < final:
        cell.fail("last_review", "is before the final plan was issued")
    if stage and final and stage != "plan_issued" and stage != "ceased":
        cell.fail("final_plan_issued", f"is filled in but the stage is {stage}, not plan_issued")
    if stage == "plan_issued" and not (final or review):
        cell.fail("final_plan_issued", "is needed when the stage is plan_issued")
