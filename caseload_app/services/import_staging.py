"""Checking a spreadsheet of any size in bounded memory.

The file is read once, a line at a time, and each checked row goes into a scratch SQLite
database of its own (SQLite's private temporary database: on disk only when its small page
cache overflows, and deleted by the operating system when it is closed, even if caseload is
killed). Repeats within the file are then found with indexed queries, and the import writes
from the scratch copy: exactly the rows that were checked, whatever happens to the file."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from caseload_app.domain.text import fold
from caseload_app.services.import_rows import (
    ImportRow,
    Problem,
    check_cells,
    check_header,
)

BATCH = 5_000  # rows per insert, here and in the import: bounds what is held at once
PROGRESS_EVERY = 2_000  # rows between progress reports and looks at the cancel flag
SHOWN = 1_000  # problems handed back to be listed; the rest are counted
# A physical line longer than this cannot be a good row: 15 cells at the CSV reader's
# 131,072-character limit, 4 bytes a character, is under 8 MB.
LINE_LIMIT = 16 * 1024 * 1024
TELL_APART = "; if this is a different child, fill in their UPN or NHS number"

# How progress is reported: (what is happening, done so far, out of)
Progress = Callable[[str, int, int], None]

ROW_FIELDS = tuple(f.name for f in fields(ImportRow))  # a checked row, column by column
ROW_COLUMNS = ", ".join(ROW_FIELDS)
_QUALIFIED = ", ".join(f"c.{name}" for name in ROW_FIELDS)  # read joined to `family f`
DATES = ("date_of_birth", "request_received", "final_plan_issued", "last_review")

SCHEMA = f"""
CREATE TABLE checked ({", ".join(ROW_FIELDS)}, first_key, last_key, family);
CREATE TABLE problem (seq INTEGER PRIMARY KEY, row INTEGER, col TEXT, message TEXT);
CREATE TABLE family (key TEXT PRIMARY KEY, first INTEGER, id INTEGER) WITHOUT ROWID;
"""
INDEXES = """
CREATE UNIQUE INDEX checked_row ON checked (row);
CREATE INDEX checked_upn ON checked (upn, row) WHERE upn IS NOT NULL;
CREATE INDEX checked_nhs ON checked (nhs_number, row) WHERE nhs_number IS NOT NULL;
CREATE INDEX checked_name ON checked (first_key, last_key, date_of_birth, row);
CREATE INDEX checked_family ON checked (family, row);
"""


class Cancelled(Exception):
    """The person pressed Cancel: nothing was written."""


class FileTooOdd(Exception):
    """Raised inside the reading loop; ends the check with a problem on its row."""


class NotUtf8(Exception):
    def __init__(self, byte: int) -> None:
        super().__init__(byte)
        self.byte = byte  # 1-based position of the first byte that is not UTF-8


@dataclass
class FileCheck:
    """What reading the file found (the rows themselves stay in the scratch database)."""

    fingerprint: str = ""
    children: int = 0
    header_ok: bool = True


class _HashingReader(io.RawIOBase):
    """Passes the file's bytes through, hashing them and counting how many were read."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.fh.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
            self.done += n
        return n

    def drain(self) -> str:
        """Read the rest (a check that stopped early still fingerprints the whole file)."""
        while self.fh.read(1 << 20):
            pass
        return self.sha.hexdigest()


def first_bad_byte(path: Path) -> int:
    """Where a file stops being UTF-8 (1-based); 0 if it is UTF-8 throughout."""
    offset, pending = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            data = pending + chunk
            try:
                _, used = codecs.utf_8_decode(data, "strict", False)
            except UnicodeDecodeError as exc:
                return offset + exc.start + 1
            offset, pending = offset + used, data[used:]
    try:
        codecs.utf_8_decode(pending, "strict", True)
    except UnicodeDecodeError as exc:
        return offset + exc.start + 1
    return 0


def _lines(text: io.TextIOBase) -> Iterator[str]:
    # newline="" on the wrapper: lines keep their endings, as the csv module needs
    while line := text.readline(LINE_LIMIT):
        if len(line) == LINE_LIMIT and not line.endswith(("\n", "\r")):
            raise FileTooOdd(f"has a line longer than {LINE_LIMIT:,} characters")
        yield line


class Staging:
    """The scratch database of one check (and the import that follows it)."""

    def __init__(self) -> None:
        # "" is SQLite's private temporary database; isolation_level=None: we batch ourselves
        self.con = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        # A scratch copy: nothing to recover after a crash, so no journal; a bigger page
        # cache than the default 2 MB keeps the repeat checks off the disk for most files.
        self.con.executescript("PRAGMA journal_mode = OFF; PRAGMA cache_size = -65536;")
        self.con.executescript(SCHEMA)

    def _many(self, sql: str, rows: list) -> None:
        # One transaction a batch: left to autocommit, each row would be written out alone,
        # 150 times slower.
        self.con.execute("BEGIN")
        self.con.executemany(sql, rows)
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading the file
    def check_file(
        self,
        path: Path,
        today: date,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> FileCheck:
        size = path.stat().st_size
        with path.open("rb") as raw:
            hashing = _HashingReader(raw)
            text = io.TextIOWrapper(
                io.BufferedReader(hashing, 1 << 20), encoding="utf-8-sig", newline=""
            )
            try:
                found = self._check_lines(
                    _lines(text),
                    today,
                    lambda: report(progress, "checking", hashing.done, size, cancel),
                )
            except UnicodeDecodeError:
                raise NotUtf8(first_bad_byte(path)) from None
            found.fingerprint = hashing.drain()
        report(progress, "checking", size, size, cancel)
        self.find_repeats()
        return found

    def check_text(self, text: str, today: date) -> FileCheck:
        found = self._check_lines(_lines(io.StringIO(text, newline="")), today, lambda: None)
        self.find_repeats()
        return found

    def _check_lines(self, lines: Iterator[str], today: date, tick: Callable[[], None]):
        found = FileCheck()
        reader = csv.reader(lines)
        try:
            columns, problems, fatal = check_header(next(reader, None))
        except (csv.Error, FileTooOdd) as exc:
            columns, problems, fatal = [], [_unreadable(1, exc)], True
        self.add_problems(problems)
        if fatal:
            found.header_ok = False
            return found
        batch: list[ImportRow] = []
        for line, cells in self._rows(reader):
            row, problems = check_cells(line, cells, columns, today)
            self.add_problems(problems)
            if row is not None:
                batch.append(row)
                found.children += 1
            if len(batch) >= BATCH:
                self._add_rows(batch)
                batch = []
            if line % PROGRESS_EVERY == 0:
                tick()
        self._add_rows(batch)
        return found

    def _rows(self, reader) -> Iterator[tuple[int, list[str]]]:
        """The file's rows, numbered as a spreadsheet shows them (the header is row 1); a row
        the CSV reader cannot read ends the check with a problem naming it, never a crash."""
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, FileTooOdd) as exc:
                self.add_problems([_unreadable(line + 1, exc)])
                return
            line += 1
            yield line, cells

    def _add_rows(self, rows: list[ImportRow]) -> None:
        self._many(
            f"INSERT INTO checked VALUES ({', '.join('?' * (len(ROW_FIELDS) + 3))})",
            [
                (
                    *(_stored(getattr(r, f)) for f in ROW_FIELDS),
                    fold(r.first_name),
                    fold(r.last_name),
                    r.family_key(),
                )
                for r in rows
            ],
        )

    # ------------------------------------------------------------------ problems
    def add_problems(self, problems: list[Problem]) -> None:
        if problems:
            self._many(
                "INSERT INTO problem (row, col, message) VALUES (?, ?, ?)",
                [(p.row, p.column, p.message) for p in problems],
            )

    def problem_count(self) -> tuple[int, int]:
        """How many problems, in how many rows."""
        return self.con.execute("SELECT count(*), count(DISTINCT row) FROM problem").fetchone()

    def problems(self, limit: int = SHOWN) -> list[Problem]:
        """The first problems, by row and in the order they were found."""
        query = "SELECT row, col, message FROM problem ORDER BY row, seq LIMIT ?"
        return [Problem(*p) for p in self.con.execute(query, (limit,))]

    # ------------------------------------------------------------------ repeats in the file
    def find_repeats(self) -> None:
        self.con.executescript(INDEXES)
        for column in ("upn", "nhs_number"):
            self.add_problems(
                [
                    Problem(row, column, f"the same as row {first}")
                    for row, first in self.con.execute(
                        f"SELECT row, first FROM (SELECT row, min(row) OVER (PARTITION BY"
                        f" {column}) AS first FROM checked WHERE {column} IS NOT NULL)"
                        " WHERE row > first ORDER BY row"
                    )
                ]
            )
        # The earliest row of the same name and birth date that no identifier tells apart
        # (UPN and NHS number are optional, so a sheet pasted twice has no other sign).
        repeats = self.con.execute(
            "SELECT r.row, (SELECT e.row FROM checked e WHERE e.first_key = r.first_key"
            " AND e.last_key = r.last_key AND e.date_of_birth = r.date_of_birth"
            " AND e.row < r.row AND NOT coalesce(e.upn <> r.upn, 0)"
            " AND NOT coalesce(e.nhs_number <> r.nhs_number, 0) ORDER BY e.row LIMIT 1)"
            " AS first FROM checked r ORDER BY r.row"
        )
        self.add_problems(
            [
                Problem(row, "child_first_name", same_child_as(f"row {first}"))
                for row, first in repeats
                if first is not None
            ]
        )

    # ------------------------------------------------------------------ reading rows back
    # Batches are read by a query each (WHERE row > the last one's), not from one open
    # cursor, so no statement is left open while the scratch database is written to.
    def values(self, column: str) -> Iterator[list[tuple[int, str]]]:
        """(row, value) of a filled-in identifier column, a batch at a time."""
        query = (
            f"SELECT row, {column} FROM checked WHERE {column} IS NOT NULL AND row > ?"
            " ORDER BY row LIMIT 500"
        )
        last = 0
        while batch := self.con.execute(query, (last,)).fetchall():
            yield batch
            last = batch[-1][0]

    def caseworkers(self) -> list[str]:
        query = "SELECT DISTINCT caseworker FROM checked WHERE caseworker IS NOT NULL"
        return sorted(name for (name,) in self.con.execute(query))

    def births(self) -> list[str]:
        query = "SELECT DISTINCT date_of_birth FROM checked ORDER BY date_of_birth"
        return [born for (born,) in self.con.execute(query)]

    def rows_born(self, births: list[str]) -> list[ImportRow]:
        marks = ", ".join("?" * len(births))
        query = f"SELECT {ROW_COLUMNS} FROM checked WHERE date_of_birth IN ({marks})"
        return [_row(values) for values in self.con.execute(query + " ORDER BY row", births)]

    def rows(self) -> Iterator[ImportRow]:
        """Every checked row in file order."""
        cursor = self.con.execute(f"SELECT {ROW_COLUMNS} FROM checked ORDER BY row")
        for values in cursor:
            yield _row(values)

    def family_count(self) -> int:
        return self.con.execute("SELECT count(DISTINCT family) FROM checked").fetchone()[0]

    def families(self) -> Iterator[list[tuple[str, ImportRow]]]:
        """Each family once (its key and its first row), in the order the file meets them."""
        self.con.execute(
            "INSERT INTO family (key, first) SELECT family, min(row) FROM checked GROUP BY family"
        )
        self.con.execute("CREATE INDEX family_first ON family (first)")
        query = (
            f"SELECT f.first, f.key, {_QUALIFIED} FROM family f JOIN checked c ON c.row = f.first"
            " WHERE f.first > ? ORDER BY f.first LIMIT ?"
        )
        last = 0
        while batch := self.con.execute(query, (last, BATCH)).fetchall():
            yield [(values[1], _row(values[2:])) for values in batch]
            last = batch[-1][0]

    def remember_families(self, ids: list[tuple[str, int]]) -> None:
        self._many("UPDATE family SET id = ? WHERE key = ?", [(i, k) for k, i in ids])

    def rows_with_family(self) -> Iterator[list[tuple[ImportRow, int]]]:
        """Every checked row in file order with its family's id, a batch at a time."""
        cursor = self.con.execute(
            f"SELECT {_QUALIFIED}, f.id FROM checked c JOIN family f ON f.key = c.family"
            " ORDER BY c.row"
        )
        while batch := cursor.fetchmany(BATCH):
            yield [(_row(values[:-1]), values[-1]) for values in batch]


def same_child_as(where: str) -> str:
    return f"the same name and date of birth as {where}{TELL_APART}"


def _stored(value):
    return value.isoformat() if isinstance(value, date) else value


def _row(values) -> ImportRow:
    cells = dict(zip(ROW_FIELDS, values, strict=True))
    for name in DATES:
        if cells[name] is not None:
            cells[name] = date.fromisoformat(cells[name])
    cells["parent_carer_name"] = cells["parent_carer_name"] or ""
    return ImportRow(**cells)


def _unreadable(row: int, exc: Exception) -> Problem:
    if isinstance(exc, FileTooOdd):
        return Problem(row, "", f"cannot be read: it {exc}. Nothing was imported")
    return Problem(
        row,
        "",
        f"cannot be read: a cell is longer than {csv.field_size_limit():,} characters, or a "
        "quote mark is never closed. Nothing was imported",
    )


def report(progress: Progress | None, phase: str, done: int, total: int, cancel) -> None:
    """Stop if the person pressed Cancel, else tell how far `phase` has got. While writing
    this runs inside the transaction, so a Cancel undoes everything written so far."""
    if cancel is not None and cancel.is_set():
        raise Cancelled
    if progress is not None:
        progress(phase, done, total)
