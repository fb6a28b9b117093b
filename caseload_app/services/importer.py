"""Importing a caseload spreadsheet (CSV): check every row first, then all or nothing.

Any size of file, in bounded memory: the rows are checked a line at a time into a scratch
database (import_staging), and written from there in batches inside one transaction."""

from __future__ import annotations

import csv
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
from caseload_app.db.next_step import set_step_columns
from caseload_app.domain.access import Can
from caseload_app.domain.status import CLOSED_STAGES
from caseload_app.domain.text import child_keys, fold
from caseload_app.files import atomic_open
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.import_rows import (  # noqa: F401 - the importer's public names
    COLUMNS,
    REQUIRED,
    STAGE_ORDER,
    ImportRow,
    Problem,
)
from caseload_app.services.import_staging import (
    Cancelled,
    FileCheck,
    NotUtf8,
    Progress,
    Staging,
    report,
    same_child_as,
)

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    children: int = 0  # rows that are right (all of them are imported, or none)
    problems: list[Problem] = field(default_factory=list)  # the first SHOWN, by row
    problem_count: int = 0
    problem_rows: int = 0
    written: bool = False
    families: int = 0
    new_caseworkers: list[str] = field(default_factory=list)
    fingerprint: str = ""  # of the file's bytes: an import can insist on the file it checked
    changed: bool = False  # the file was not the one checked, so nothing was written
    cancelled: bool = False  # stopped by the person: nothing was written

    @property
    def ok(self) -> bool:
        return not self.problem_count and not self.cancelled


@dataclass
class CheckedText:
    """A CSV text checked on its own (no database): its problems and the rows that are right."""

    problems: list[Problem]
    rows: list[ImportRow]


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, header)."""


def parse_rows(text: str, today: date) -> CheckedText:
    """Check the header and every row of a CSV text, collecting every problem."""
    with Staging() as staging:
        staging.check_text(text, today)
        return CheckedText(staging.problems(limit=-1), list(staging.rows()))


def _not_utf8(path: Path, exc: NotUtf8) -> ImportFileError:
    return ImportFileError(
        f"{path.name} is not UTF-8 text (byte {exc.byte:,}). In Excel use "
        "Save As → 'CSV UTF-8 (Comma delimited)'."
    )


def check_file(staging: Staging, path: Path, today: date, progress, cancel) -> FileCheck:
    try:
        return staging.check_file(path, today, progress, cancel)
    except NotUtf8 as exc:
        raise _not_utf8(path, exc) from None


class Importer(UserService):
    """Bringing in a team's existing cases: a team lead's job (it assigns any caseworker's
    cases and adds caseworkers), refused before the file is read for anyone else."""

    def import_file(
        self,
        path: Path,
        *,
        dry_run: bool = False,
        expect: str | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ImportResult:
        """One user action: check the whole file, then write every row or none. With
        `expect` (a check's fingerprint), a file changed since that check is not written.
        `progress` hears how far the check and the writing are; setting `cancel` stops
        either, and nothing is written.

        The check against the children already recorded runs inside the transaction that
        writes, after taking the import lock: two imports of one sheet at once queue, and
        the second finds the first's children instead of adding them again."""
        self._allowed(Can.EDIT_ANY)
        with Staging() as staging:
            result = ImportResult()
            try:
                found = check_file(staging, path, self._today(), progress, cancel)
                result.children, result.fingerprint = found.children, found.fingerprint
                result.changed = expect is not None and expect != result.fingerprint
                clean = not any(staging.problem_count())
                if clean and not dry_run and not result.changed and result.children:
                    self._check_and_write(staging, result, path.name, progress, cancel)
                elif found.header_ok:
                    with self._db.read() as session:
                        self._check_against_database(session, staging, result)
            except Cancelled:
                result.cancelled, result.written = True, False
            _summarise(staging, result)
        if result.written:
            log.info("Imported %d rows (%d families)", result.children, result.families)
        return result

    def _check_and_write(
        self, staging: Staging, result: ImportResult, source: str, progress, cancel
    ) -> None:
        try:
            with self._db.uow() as session:
                self._require(session, Can.EDIT_ANY)  # roles may have changed since
                _lock_imports(session)
                self._check_against_database(session, staging, result)
                if not any(staging.problem_count()):
                    _Writer(self, session, staging, progress, cancel).write(result, source)
                    result.written = True
        except RefusedValue as exc:
            # A new request (not an import) took one of the file's identifiers while this
            # import was writing: the database refused the whole import.
            result.written = False
            column = (exc.column or "").removeprefix("child.")
            staging.add_problems(
                [
                    Problem(
                        0,
                        column,
                        "someone recorded a child with one of these values while the file was "
                        "being imported, so nothing was imported. Import the file again to see "
                        "which row",
                    )
                ]
            )

    def _check_against_database(self, session, staging: Staging, result: ImportResult) -> None:
        known = set(session.scalars(select(Caseworker.name)))
        result.new_caseworkers = [name for name in staging.caseworkers() if name not in known]
        _check_names_against_database(session, staging)
        for attr, column in (("upn", Child.upn), ("nhs_number", Child.nhs_number)):
            for batch in staging.values(attr):
                existing = set(
                    session.scalars(select(column).where(column.in_([v for _, v in batch])))
                )
                staging.add_problems(
                    [
                        Problem(row, attr, "a child with this value is already recorded")
                        for row, value in batch
                        if value in existing
                    ]
                )


def _summarise(staging: Staging, result: ImportResult) -> None:
    result.problem_count, result.problem_rows = staging.problem_count()
    result.problems = staging.problems()
    result.families = staging.family_count()


@dataclass(frozen=True)
class _Known:
    """A child already recorded, to spot the same child imported again."""

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


BIRTHS_AT_ONCE = 100  # birth dates looked up together: bounds the children held at once


def _check_names_against_database(session, staging: Staging) -> None:
    query = select(
        Child.id,
        Child.first_name,
        Child.last_name,
        Child.date_of_birth,
        Child.upn,
        Child.nhs_number,
    )
    births = staging.births()
    for start in range(0, len(births), BIRTHS_AT_ONCE):
        chunk = births[start : start + BIRTHS_AT_ONCE]
        recorded: dict[tuple, list[_Known]] = {}
        days = [date.fromisoformat(b) for b in chunk]
        for cid, first, last, dob, upn, nhs in session.execute(
            query.where(Child.date_of_birth.in_(days))
        ):
            known = _Known(f"child {cid}, already recorded", upn, nhs)
            recorded.setdefault((fold(first), fold(last), dob), []).append(known)
        if recorded:
            staging.add_problems(
                [p for r in staging.rows_born(chunk) if (p := _repeat(recorded, r))]
            )


def _repeat(recorded: dict[tuple, list[_Known]], row: ImportRow) -> Problem | None:
    for seen in recorded.get((fold(row.first_name), fold(row.last_name), row.date_of_birth), ()):
        if seen.could_be(row.upn, row.nhs_number):
            return Problem(row.row, "child_first_name", same_child_as(seen.where))
    return None


class _Writer:
    """Writes the checked rows inside the import's one transaction, a batch at a time."""

    def __init__(self, service: Importer, session, staging: Staging, progress, cancel) -> None:
        self.service, self.session, self.staging = service, session, staging
        self.progress, self.cancel = progress, cancel
        self.now = service._now()
        self.user = service.user

    def _tick(self, done: int, total: int) -> None:
        report(self.progress, "writing", done, total, self.cancel)

    def write(self, result: ImportResult, source: str) -> None:
        with _roomy_cache(self.session):
            self._write(result, source)

    def _write(self, result: ImportResult, source: str) -> None:
        session, now = self.session, self.now
        workers = {
            name: wid for wid, name in session.execute(select(Caseworker.id, Caseworker.name))
        }
        for name in [n for n in self.staging.caseworkers() if n not in workers]:
            workers[name] = session.execute(
                insert(Caseworker).values(name=name).returning(Caseworker.id)
            ).scalar_one()
        self._insert_families()
        note = f"imported from {source}"
        done = 0
        for batch in self.staging.rows_with_family():
            self._tick(done, result.children)
            self._insert_children(batch, workers, note)
            done += len(batch)
        self._tick(done, result.children)
        records.write_audit(
            session,
            at=now,
            who=self.user,
            action="import",
            record_type="file",
            detail=f"{note}: {done} children",
        )

    def _insert_families(self) -> None:
        for batch in self.staging.families():
            ids = reserve_ids(self.session, Family, len(batch))
            self.session.execute(
                insert(Family),
                [
                    dict(
                        id=family_id,
                        parent_carer_name=first.parent_carer_name,
                        postcode=first.postcode,
                        phone=first.phone,
                        email=first.email,
                    )
                    for (_, first), family_id in zip(batch, ids, strict=True)
                ],
            )
            self.staging.remember_families(
                [(key, family_id) for (key, _), family_id in zip(batch, ids, strict=True)]
            )

    def _insert_children(self, batch: list[tuple[ImportRow, int]], workers, note: str) -> None:
        session, now = self.session, self.now
        child_ids = reserve_ids(session, Child, len(batch))
        session.execute(
            insert(Child),
            [
                _child_values(r, cid, family_id)
                for (r, family_id), cid in zip(batch, child_ids, strict=True)
            ],
        )
        case_ids = reserve_ids(session, EhcpCase, len(batch))
        case_rows = [
            _case_values(r, case_id, cid, workers.get(r.caseworker))
            for (r, _), case_id, cid in zip(batch, case_ids, child_ids, strict=True)
        ]
        session.execute(insert(EhcpCase), case_rows)
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


IMPORT_CACHE_KIB = 131_072  # SQLite's page cache while an import writes (default: 2 MB)


@contextmanager
def _roomy_cache(session) -> Iterator[None]:
    """A big import touches every index of four tables in turn: in SQLite's default 2 MB
    page cache each batch reads back pages it has just written (1.2 million rows read 80 GB
    back from the write-ahead log). 128 MB keeps them, within the import's memory bound."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before)}"))


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
        **child_keys(
            r.first_name, r.last_name, r.parent_carer_name, r.upn, r.nhs_number, r.postcode, r.phone
        ),
    )


def _case_values(r: ImportRow, case_id: int, child_id: int, caseworker_id: int | None) -> dict:
    # A withdrawn request says nothing of how far it had gone.
    past_assessment = r.stage in STAGE_ORDER[1:] and r.stage != "withdrawn"
    values: dict[str, object] = dict(
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
