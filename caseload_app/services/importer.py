"""Importing a caseload spreadsheet (CSV): validate every row first, then all or nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, text

from caseload_app.db.engine import RefusedValue
from caseload_app.db.ids import reserve_ids
from caseload_app.db.models import (
    Assignment,
    Caseworker,
    Child,
    EhcpCase,
    Family,
    StageEvent,
)
from caseload_app.domain import codes
from caseload_app.domain.access import Can
from caseload_app.domain.parsing import parse_date
from caseload_app.domain.status import CLOSED_STAGES
from caseload_app.domain.text import check_line, check_name, child_search_text, fold, limit_of
from caseload_app.domain.validators import (
    ValidationError,
    check_date_of_birth,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    normalise_upn,
)
from caseload_app.files import atomic_open
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_status import set_step_columns

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

log = logging.getLogger(__name__)


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

    def family_key(self) -> tuple[str, ...]:
        # Siblings share a parent/carer at one address; without a name, a family of one.
        if self.parent_carer_name:
            return (fold(self.parent_carer_name), self.postcode or "", self.phone or "")
        return ("row", str(self.row))


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    families: int = 0
    new_caseworkers: list[str] = field(default_factory=list)
    fingerprint: str = ""  # of the file's bytes: an import can insist on the file it checked
    changed: bool = False  # the file was not the one checked, so nothing was written

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name} is not UTF-8 text (byte {exc.start + 1}). In Excel use "
            "Save As → 'CSV UTF-8 (Comma delimited)'."
        ) from exc


def parse_rows(text: str, today: date) -> ImportResult:
    """Check the header and every row; collect every problem rather than stopping at one."""
    result = ImportResult()
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(h.strip() for h in header):
        result.problems.append(Problem(1, "", "the file is empty: it needs a header row"))
        return result
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in COLUMNS + COMPUTED]
    for name in unknown:
        result.problems.append(
            Problem(1, name.strip(), "unknown column (expected: " + ", ".join(COLUMNS) + ")")
        )
    seen: set[str] = set()
    for c in columns:
        if c in seen and c in COLUMNS:
            result.problems.append(Problem(1, c, "this column appears twice"))
        seen.add(c)
    for name in REQUIRED:
        if name not in columns:
            result.problems.append(Problem(1, name, "required column is missing"))
    if result.problems:
        return result
    for line_no, cells in _rows(reader, result):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are common at the end of exported sheets
        if len(cells) > len(columns):
            result.problems.append(
                Problem(line_no, "", f"has {len(cells)} cells but the header has {len(columns)}")
            )
            continue
        values = dict(zip(columns, (c.strip() for c in cells), strict=False))
        row, problems = _check_row(line_no, values, today)
        result.problems.extend(problems)
        if row is not None:
            result.rows.append(row)
    _check_duplicates_in_file(result)
    return result


def _rows(reader, result: ImportResult):
    """The file's rows, numbered as a spreadsheet shows them; a row the CSV reader cannot
    read (a cell over its 131,072-character limit, a quote never closed) ends the check
    with a problem naming that row, never a crash."""
    line_no = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            result.problems.append(
                Problem(
                    line_no + 1,
                    "",
                    f"cannot be read: a cell is longer than {csv.field_size_limit():,} "
                    "characters, or a quote mark is never closed. Nothing was imported",
                )
            )
            return
        line_no += 1
        yield line_no, cells


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


@dataclass(frozen=True)
class _Known:
    """A child already seen (earlier in the file, or in the database), to spot a repeat."""

    where: str
    upn: str | None
    nhs_number: str | None

    def could_be(self, upn: str | None, nhs_number: str | None) -> bool:
        # Same name and birth date is a repeat unless an identifier on both tells them apart
        # (UPN and NHS number are optional, so a sheet imported twice has no other sign).
        differ = (self.upn and upn and self.upn != upn) or (
            self.nhs_number and nhs_number and self.nhs_number != nhs_number
        )
        return not differ


TELL_APART = "; if this is a different child, fill in their UPN or NHS number"


def _name_key(first_name: str, last_name: str, date_of_birth: date) -> tuple:
    return (fold(first_name), fold(last_name), date_of_birth)


def _repeat(known: dict[tuple, list[_Known]], row: ImportRow) -> Problem | None:
    """The problem if this row's child is one already known by name and birth date."""
    for seen in known.get(_name_key(row.first_name, row.last_name, row.date_of_birth), ()):
        if seen.could_be(row.upn, row.nhs_number):
            message = f"the same name and date of birth as {seen.where}{TELL_APART}"
            return Problem(row.row, "child_first_name", message)
    return None


def _check_duplicates_in_file(result: ImportResult) -> None:
    for attr in ("upn", "nhs_number"):
        first_seen: dict[str, int] = {}
        for row in result.rows:
            value = getattr(row, attr)
            if not value:
                continue
            if value in first_seen:
                result.problems.append(
                    Problem(row.row, attr, f"the same as row {first_seen[value]}")
                )
            else:
                first_seen[value] = row.row
    known: dict[tuple, list[_Known]] = {}
    for row in result.rows:
        if problem := _repeat(known, row):
            result.problems.append(problem)
        key = _name_key(row.first_name, row.last_name, row.date_of_birth)
        known.setdefault(key, []).append(_Known(f"row {row.row}", row.upn, row.nhs_number))


class Importer(UserService):
    """Bringing in a team's existing cases: a team lead's job (it assigns any caseworker's
    cases and adds caseworkers), refused before the file is read for anyone else."""

    def import_file(
        self, path: Path, *, dry_run: bool = False, expect: str | None = None
    ) -> ImportResult:
        """One user action: check the whole file, then write every row or none. With
        `expect` (a check's fingerprint), a file changed since that check is not written.

        The check against the children already recorded runs inside the transaction that
        writes, after taking the import lock: two imports of one sheet at once queue, and
        the second finds the first's children instead of adding them again."""
        self._allowed(Can.EDIT_ANY)
        data = path.read_bytes()
        result = parse_rows(_decode(path, data), self._today())
        result.fingerprint = hashlib.sha256(data).hexdigest()
        result.changed = expect is not None and expect != result.fingerprint
        if result.ok and not dry_run and not result.changed and result.rows:
            self._check_and_write(result, source=path.name)
        else:
            with self._db.read() as session:
                self._check_against_database(session, result)
        result.problems.sort(key=lambda p: p.row)
        result.families = len({r.family_key() for r in result.rows})
        if result.written:
            log.info("Imported %d rows (%d families)", len(result.rows), result.families)
        return result

    def _check_and_write(self, result: ImportResult, source: str) -> None:
        try:
            with self._db.uow() as session:
                self._require(session, Can.EDIT_ANY)  # roles may have changed since
                _lock_imports(session)
                self._check_against_database(session, result)
                if result.ok:
                    self._write(session, result.rows, source=source)
                    result.written = True
        except RefusedValue as exc:
            # A new request (not an import) took one of the file's identifiers while this
            # import was writing: the database refused the whole import.
            result.written = False
            column = (exc.column or "").removeprefix("child.")
            result.problems.append(
                Problem(
                    0,
                    column,
                    "someone recorded a child with one of these values while the file was "
                    "being imported, so nothing was imported. Import the file again to see "
                    "which row",
                )
            )

    def _check_against_database(self, session, result: ImportResult) -> None:
        wanted = sorted({r.caseworker for r in result.rows if r.caseworker})
        known = set(session.scalars(select(Caseworker.name)))
        result.new_caseworkers = [name for name in wanted if name not in known]
        self._check_names_against_database(session, result)
        for attr, column in (("upn", Child.upn), ("nhs_number", Child.nhs_number)):
            values = [getattr(r, attr) for r in result.rows if getattr(r, attr)]
            existing: set[str] = set()
            for start in range(0, len(values), 500):
                chunk = values[start : start + 500]
                existing.update(session.scalars(select(column).where(column.in_(chunk))))
            for row in result.rows:
                if getattr(row, attr) in existing:
                    result.problems.append(
                        Problem(row.row, attr, "a child with this value is already recorded")
                    )

    def _check_names_against_database(self, session, result: ImportResult) -> None:
        births = sorted({r.date_of_birth for r in result.rows})
        recorded: dict[tuple, list[_Known]] = {}
        query = select(
            Child.id,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Child.upn,
            Child.nhs_number,
        )
        for start in range(0, len(births), 500):
            chunk = births[start : start + 500]
            for cid, first, last, dob, upn, nhs in session.execute(
                query.where(Child.date_of_birth.in_(chunk))
            ):
                known = _Known(f"child {cid}, already recorded", upn, nhs)
                recorded.setdefault(_name_key(first, last, dob), []).append(known)
        result.problems.extend(p for r in result.rows if (p := _repeat(recorded, r)))

    def _write(self, session, rows: list[ImportRow], source: str) -> None:
        now = self._now()
        workers = {
            name: wid for wid, name in session.execute(select(Caseworker.id, Caseworker.name))
        }
        for name in sorted({r.caseworker for r in rows if r.caseworker} - set(workers)):
            workers[name] = session.execute(
                insert(Caseworker).values(name=name).returning(Caseworker.id)
            ).scalar_one()
        family_ids = self._insert_families(session, rows)
        child_ids = reserve_ids(session, Child, len(rows))
        session.execute(
            insert(Child),
            [
                _child_values(r, cid, family_ids[r.family_key()])
                for r, cid in zip(rows, child_ids, strict=True)
            ],
        )
        case_ids = reserve_ids(session, EhcpCase, len(rows))
        case_rows = [
            _case_values(r, case_id, cid, workers.get(r.caseworker))
            for r, case_id, cid in zip(rows, case_ids, child_ids, strict=True)
        ]
        session.execute(insert(EhcpCase), case_rows)
        note = f"imported from {source}"
        session.execute(
            insert(StageEvent),
            [
                dict(
                    case_id=cid,
                    action="imported",
                    on_date=now.date(),
                    by=self.user,
                    recorded_at=now,
                    note=note,
                )
                for cid in case_ids
            ],
        )
        assignments = [
            dict(
                case_id=cid,
                from_id=None,
                to_id=c["caseworker_id"],
                assigned_at=now,
                by=self.user,
                reason=note,
            )
            for cid, c in zip(case_ids, case_rows, strict=True)
            if c["caseworker_id"]
        ]
        if assignments:  # an empty executemany would insert one row of defaults
            session.execute(insert(Assignment), assignments)
        records.write_audit(
            session,
            at=now,
            who=self.user,
            action="import",
            record_type="file",
            detail=f"{note}: {len(rows)} children",
        )

    def _insert_families(self, session, rows: list[ImportRow]) -> dict[tuple[str, ...], int]:
        first_of: dict[tuple[str, ...], ImportRow] = {}
        for r in rows:
            first_of.setdefault(r.family_key(), r)
        keys = list(first_of)
        ids = reserve_ids(session, Family, len(keys))
        session.execute(
            insert(Family),
            [
                dict(
                    id=family_id,
                    parent_carer_name=first_of[k].parent_carer_name,
                    postcode=first_of[k].postcode,
                    phone=first_of[k].phone,
                    email=first_of[k].email,
                )
                for k, family_id in zip(keys, ids, strict=True)
            ],
        )
        return dict(zip(keys, ids, strict=True))


# Any fixed number: every import on a team database takes this lock (transaction-scoped,
# so it is let go at commit or rollback whatever happens; any login may take one).
IMPORT_LOCK = 0x63617365  # "case"


def _lock_imports(session) -> None:
    """Imports queue here on PostgreSQL; SQLite's writers already hold the whole file
    from BEGIN IMMEDIATE."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})


def _child_values(r: ImportRow, child_id: int, family_id: int) -> dict:
    return dict(
        id=child_id,
        family_id=family_id,
        first_name=r.first_name,
        last_name=r.last_name,
        date_of_birth=r.date_of_birth,
        upn=r.upn,
        nhs_number=r.nhs_number,
        primary_need=r.primary_need,
        search_text=child_search_text(
            r.first_name, r.last_name, r.parent_carer_name, r.upn, r.nhs_number, r.postcode, r.phone
        ),
    )


def _case_values(r: ImportRow, case_id: int, child_id: int, caseworker_id: int | None) -> dict:
    past_assessment = r.stage in STAGE_ORDER[1:]
    values = dict(
        id=case_id,
        child_id=child_id,
        caseworker_id=caseworker_id,
        request_received=r.request_received,
        stage=r.stage,
        is_open=r.stage not in CLOSED_STAGES,
        issue_decision="issue" if r.stage in ("draft_issued", "plan_issued") else None,
        final_issued=r.final_plan_issued,
        last_review=r.last_review,
        assess_decision=(
            "refused" if r.stage == "refused_to_assess" else "agreed" if past_assessment else None
        ),
    )
    set_step_columns(values, r.date_of_birth)
    return values


def write_template(path: Path) -> None:
    with atomic_open(path, "w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh).writerow(COLUMNS)
