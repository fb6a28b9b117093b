"""The DfE's register of establishments as caseload holds it: importing it from the "Get
Information About Schools" file, and finding one to place a child.

Reading the register is not audited: it is public reference data, not anyone's record."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Table, and_, case, insert, select, update
from sqlalchemy.orm import Session

from caseload_app.db.models import Establishment
from caseload_app.domain.access import Can
from caseload_app.domain.establishments import (
    NAME,
    URN,
    EstablishmentChoice,
    NotTheRegister,
    RegisterRow,
    parse_register_row,
    register_columns,
)
from caseload_app.domain.text import fold
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import NotFound, Stopped, UserError

log = logging.getLogger(__name__)

# progress(phase, done, total): "reading" the file (characters), then "writing" (rows).
Progress = Callable[[str, int, int], None]
BATCH = 1000  # rows per insert or update: quick on both engines, under SQLite's limits
TICK = 2000  # rows read between progress reports (and checks for Cancel)
# What caseload keeps of a row, in order: compared to tell a changed establishment.
FIELDS = (
    "la_code", "establishment_number", "name", "type_code", "type_name", "phase", "ukprn",
    "postcode", "is_open", "closed_on",
)  # fmt: skip
IS_OPEN = 2 + FIELDS.index("is_open")  # in a row read back: urn, id, then FIELDS


@dataclass(frozen=True)
class RegisterImport:
    """What an import of the register did. `closed`: establishments open until this import;
    `skipped`: (line in the file, why) for each row left out; `total`: rows in the file."""

    added: int
    updated: int
    unchanged: int
    closed: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def summary(self) -> str:
        """'12 added, 3 updated (1 newly closed), 49,870 unchanged, 2 skipped'."""
        closed = f" ({self.closed:,} newly closed)" if self.closed else ""
        return (
            f"{self.added:,} added, {self.updated:,} updated{closed}, "
            f"{self.unchanged:,} unchanged, {self.skipped_count():,} skipped"
        )

    def skipped_count(self) -> int:
        return len(self.skipped)


@dataclass
class _Read:
    rows: list[RegisterRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0


def choice_of(row: Establishment) -> EstablishmentChoice:
    return EstablishmentChoice(
        id=row.id,
        urn=row.urn,
        name=row.name,
        la_code=row.la_code,
        establishment_number=row.establishment_number,
        type_name=row.type_name,
        phase=row.phase,
        postcode=row.postcode,
        ukprn=row.ukprn,
        is_open=row.is_open,
    )


class EstablishmentService(UserService):
    def search(self, typed: str, limit: int = 20) -> list[EstablishmentChoice]:
        """Establishments whose name, URN, LAESTAB or postcode hold every word typed: an exact
        URN first, then open ones before closed, then by name."""
        words = fold(typed).split()
        if not words:
            return []
        # A URN is 6 digits (up to 9 allowed): a longer number typed is no URN, and would not
        # fit the database's integer.
        exact = len(words) == 1 and words[0].isdigit() and len(words[0]) <= 9
        exact_urn = int(words[0]) if exact else -1
        query = (
            select(Establishment)
            .where(and_(*(Establishment.search_text.contains(w, autoescape=True) for w in words)))
            .order_by(
                case((Establishment.urn == exact_urn, 0), else_=1),
                Establishment.is_open.desc(),
                Establishment.name,
                Establishment.urn,
            )
            .limit(limit)
        )
        with self._db.read() as s:
            return [choice_of(row) for row in s.scalars(query)]

    def get(self, establishment_id: int) -> EstablishmentChoice:
        with self._db.read() as s:
            row = s.get(Establishment, establishment_id)
            if row is None:
                raise NotFound("That establishment is not in the register any more.")
            return choice_of(row)

    # ------------------------------------------------------------------ importing
    def import_register(
        self,
        path: Path,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RegisterImport:
        """Bring the register up to date from the DfE's all-establishments CSV: one
        transaction, all or nothing. Matched by URN: an establishment is never deleted
        (placements point at it), a changed one is updated, a closed one marked closed.
        A row that cannot be read is skipped, with its line and why; a file that is not
        the register is refused before anything changes. `cancelled()` true stops it
        (Stopped; nothing changed)."""
        self._allowed(Can.REGISTER)  # before reading a 60 MB file for nothing
        found = _read_register(Path(path), progress, cancelled)
        with self._db.uow() as s:
            self._require(s, Can.REGISTER)  # roles may have changed since
            done = _Upsert(s, self.now(), progress, cancelled).write(found)
            detail = f"{Path(path).name}: register imported, {done.summary()}"
            records.write_audit(
                s, at=self.now(), who=self.user, action="import",
                record_type=Establishment.__tablename__, detail=detail,
            )  # fmt: skip
        log.info("Imported the register of establishments: %s", done.summary())
        return done


def _stop_if(cancelled: Callable[[], bool] | None) -> None:
    if cancelled is not None and cancelled():
        raise Stopped("Stopped: the register was not imported, nothing changed.")


# ---------------------------------------------------------------------------- the file
def _register_text(path: Path) -> str:
    """The file's text. The DfE publishes the register in Windows-1252 (an accented
    name such as "St Thérèse's" is one byte), so a file that is not UTF-8 (with or without
    a byte-order mark, as a spreadsheet may have saved it) is read as Windows-1252."""
    data = path.read_bytes()
    if not data.strip():
        raise UserError(f"{path.name} is empty: it is not the register of establishments.")
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        raise UserError(
            f"{path.name} is not a CSV file (it holds binary data: a spreadsheet workbook "
            "or a zip?). Use the edubasealldata….csv inside the zip the DfE gives."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined: shown as "?" rather than refusing the file.
        return data.decode("cp1252", errors="replace")


def _read_register(
    path: Path, progress: Progress | None, cancelled: Callable[[], bool] | None
) -> _Read:
    text = _register_text(path)
    stream = io.StringIO(text, newline="")
    lines = _numbered_rows(csv.reader(stream, strict=False))
    header = next(lines, None)
    try:
        columns = register_columns(header[1] if header else [])
    except NotTheRegister as wrong:
        which = "column" if len(wrong.missing) == 1 else "columns"
        raise UserError(
            f"{path.name} is not the register of establishments: it has no {which} "
            f"{wrong} (the DfE's file, edubasealldata….csv, has {URN}, {NAME} and the "
            "others on its first line)."
        ) from None
    found, first_line = _Read(), dict[int, int]()
    for count, (line, cells) in enumerate(lines, start=1):
        if count % TICK == 0:
            _stop_if(cancelled)
            if progress is not None:
                progress("reading", stream.tell(), len(text))
        if not any(cell.strip() for cell in cells):
            continue  # a blank line (the end of the file)
        found.total += 1
        try:
            row = parse_register_row(cells, columns)
        except ValueError as why:
            found.skipped.append((line, f"{why}"))
            continue
        if row.urn in first_line:
            found.skipped.append(
                (line, f"URN {row.urn} is also on line {first_line[row.urn]} (kept there)")
            )
            continue
        first_line[row.urn] = line
        found.rows.append(row)
    _stop_if(cancelled)
    return found


def _numbered_rows(reader) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line of the file it starts on (a quoted name may span lines)."""
    line = 1
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


# ---------------------------------------------------------------------------- the database
class _Upsert:
    """Writes the rows read into the register, in batches, in the caller's transaction."""

    def __init__(self, s: Session, now, progress: Progress | None, cancelled) -> None:
        self.s, self.now, self.progress, self.cancelled = s, now, progress, cancelled

    def write(self, found: _Read) -> RegisterImport:
        known = {
            row[0]: row
            for row in self.s.execute(
                select(
                    Establishment.urn,
                    Establishment.id,
                    *(getattr(Establishment, name) for name in FIELDS),
                )
            )
        }
        new, changed, same, closed = [], [], [], 0
        for row in found.rows:
            values = tuple(getattr(row, name) for name in FIELDS)
            before = known.get(row.urn)
            if before is None:
                new.append(self._values(row))
            elif tuple(before[2:]) != values:
                changed.append({"id": before[1], **self._values(row)})
                if before[IS_OPEN] and not row.is_open:
                    closed += 1
            else:
                same.append(before[1])
        total = len(new) + len(changed) + len(same)
        done = self._in_batches(new, self._insert, 0, total)
        done = self._in_batches(changed, self._update, done, total)
        self._in_batches(same, self._seen, done, total)
        _stop_if(self.cancelled)  # pressed after the last batch: still nothing is kept
        return RegisterImport(
            added=len(new), updated=len(changed), unchanged=len(same), closed=closed,
            skipped=found.skipped, total=found.total,
        )  # fmt: skip

    def _values(self, row: RegisterRow) -> dict:
        values = {name: getattr(row, name) for name in FIELDS}
        return {**values, "urn": row.urn, "search_text": row.search_text(),
                "imported_at": self.now}  # fmt: skip

    def _insert(self, rows: list[dict]) -> None:
        # Core's executemany: the ORM's bulk insert would split the rows by which of them
        # hold None, one statement for each.
        self.s.execute(insert(cast(Table, Establishment.__table__)), rows)

    def _update(self, rows: list[dict]) -> None:
        self.s.execute(update(Establishment), rows)  # by primary key: each row's "id"

    def _seen(self, ids: list[int]) -> None:
        """An establishment the file still lists, unchanged: imported_at says when."""
        self.s.execute(
            update(Establishment).where(Establishment.id.in_(ids)).values(imported_at=self.now)
        )

    def _in_batches(self, items: list, write, done: int, total: int) -> int:
        for start in range(0, len(items), BATCH):
            _stop_if(self.cancelled)
            write(items[start : start + BATCH])
            done += len(items[start : start + BATCH])
            if self.progress is not None:
                self.progress("writing", done, total)
        return done
