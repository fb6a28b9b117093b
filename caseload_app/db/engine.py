"""Opening a database: engine with SQLite pragmas, migrations, units of work.

No module-level engine: `open_database()` returns a `Database` that app.py passes on.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from caseload_app.db import compressed, migrate, next_step, safety
from caseload_app.domain.text import LIMITS

_KEEPS_NEXT_STEPS = next_step  # imported for its before-flush rule on every session

BUSY_TIMEOUT_MS = 10_000

log = logging.getLogger(__name__)


class DatabaseError(Exception):
    """A database that cannot be opened, with a message a caseworker can act on."""


class DamagedDatabase(DatabaseError):
    """A full integrity check (a backup's) found damage that the quick check at start
    does not see: treated as a damaged database, with the backups offered."""


class StorageError(DatabaseError):
    """A save the disk refused (full, read-only, folder gone, busy): nothing was written.

    `retryable`: the same save may well work in a moment unchanged (a lost connection, a
    server restarting, a busy database), so a form may try again by itself. `advice`: what
    went wrong and what to do, without the "Not saved" around it, for an action that is not
    a save (an export that could not be recorded)."""

    def __init__(self, message: str, retryable: bool = False, advice: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.advice = advice or message


class RefusedValue(StorageError):
    """A value the database itself refused (a rule it keeps whatever the client): nothing
    was written, and saving the same again would be refused again. `column` says which
    ("child.upn") where the database said so; `reason` is the message for a form to show
    beside that field. Neither ever quotes the value."""

    def __init__(self, reason: str, advice: str, column: str | None = None) -> None:
        super().__init__(
            f"Not saved: {reason}. {advice}; your typing is still in the form.", retryable=False
        )
        self.reason = reason[:1].upper() + reason[1:] + f". {advice}."
        self.column = column


# Identifiers only one live child may have (migration 0007), by column and index name.
ONE_CHILD_EACH = {"child.upn": "UPN", "child.nhs_number": "NHS number"}
_UNIQUE_INDEXES = {f"uq_{column.replace('.', '_')}": column for column in ONE_CHILD_EACH}


def refused_value(exc: BaseException) -> RefusedValue | None:
    """The plain-words RefusedValue for a value the database refused, or None. Built from
    the kind of refusal and the rule's name only: the driver's own message can quote the
    row ("Failing row contains (…)"), so none of it is kept."""
    orig = getattr(exc, "orig", exc)
    column = _unique_column(orig)
    if column in ONE_CHILD_EACH:
        what = ONE_CHILD_EACH[column]
        return RefusedValue(
            f"a child with this {what} is already recorded (perhaps by someone else a moment ago)",
            f"Search for them, or check the {what}",
            column,
        )
    column = _checked_column(orig)
    if column in LIMITS:
        label, limit = LIMITS[column]
        return RefusedValue(
            f"{label} is longer than the {limit} characters the database allows",
            "Shorten it, then save again",
            column,
        )
    state = getattr(orig, "sqlstate", None)
    if _is_psycopg(orig) and state is None and "NUL" in str(orig):
        return RefusedValue(
            "one of the values contains a NUL character, which the database cannot store",
            "Retype the value that was pasted in, then save again",
        )
    if state == "22001":  # string_data_right_truncation: names no column
        return RefusedValue(
            "one of the values is longer than the database allows",
            "Shorten it (a name has at most 100 characters), then save again",
        )
    if state and state.startswith("22"):  # any other value the server cannot take
        return RefusedValue(
            "one of the values is not one the database can store",
            "Check what was typed or pasted, then save again",
        )
    return None


def _is_psycopg(orig: BaseException) -> bool:
    return type(orig).__module__.startswith("psycopg")


def _checked_column(orig: BaseException) -> str | None:
    """table.column of the length rule (ck_<table>_<column>_length) a statement broke."""
    if getattr(orig, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_CHECK":
        name = str(orig).removeprefix("CHECK constraint failed: ").strip()
    elif getattr(orig, "sqlstate", None) == "23514":
        name = _constraint_named(orig)
    else:
        return None
    return _LENGTH_RULES.get(name)


_LENGTH_RULES = {f"ck_{column.replace('.', '_')}_length": column for column in LIMITS}


def _unique_column(orig: BaseException) -> str | None:
    """table.column of a unique rule the statement broke (None: not one, or several)."""
    if getattr(orig, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_UNIQUE":
        return str(orig).removeprefix("UNIQUE constraint failed: ").strip()
    if getattr(orig, "sqlstate", None) == "23505":
        return _UNIQUE_INDEXES.get(_constraint_named(orig))
    return None


def _constraint_named(orig: BaseException) -> str:
    """The constraint a PostgreSQL error names (psycopg's diagnostics), or ""."""
    return getattr(getattr(orig, "diag", None), "constraint_name", None) or ""


# What a caseworker can do about each SQLite result code that is not a bug.
_STORAGE_PROBLEMS = {
    "SQLITE_FULL": "the disk holding the database is full. Free some space, then save again",
    "SQLITE_READONLY": (
        "the database file or its folder is read-only. Ask IT to give you write access, "
        "then save again"
    ),
    "SQLITE_CANTOPEN": (
        "the database folder cannot be reached (was it moved, or a network or USB drive "
        "disconnected?). Reconnect it, then save again"
    ),
    "SQLITE_IOERR": (
        "the disk reported an error while writing. Check the drive is connected and has "
        "space, then save again"
    ),
    "SQLITE_BUSY": (
        "another program kept the database busy for too long. Wait a moment, then save again"
    ),
}


# The same for a team database, by SQLSTATE (class or full code); None: the connection itself.
_SERVER_PROBLEMS = {
    "25006": (
        "the team database is read-only just now (maintenance, or a standby server). "
        "Try again later or ask IT"
    ),
    "53100": "the team database server's disk is full. Tell IT, then save again",
    "53": "the team database server is short of resources. Wait a moment, then save again",
    "57P": (
        "the team database server is restarting or shutting down. Wait a moment, then save again"
    ),
    "08": (
        "the connection to the team database was lost (network, VPN or the server). "
        "Reconnect, then save again"
    ),
    "40": "a colleague's save got in the way. Save again",
    # The session limits every caseload login has (db/pg_security.LOGIN_LIMITS).
    "55P03": (
        "someone else's work is holding these records just now. Wait a moment, then save again"
    ),
    "57014": "the team database took too long to answer. Wait a moment, then save again",
    "25P03": ("the connection to the team database was closed after a long wait. Save again"),
}


def storage_problem(exc: BaseException) -> StorageError | None:
    """The plain-words StorageError for a disk, network or server failure that is not a bug,
    or None for anything else."""
    orig = getattr(exc, "orig", exc)
    name = getattr(orig, "sqlite_errorname", "") or ""
    for code, advice in _STORAGE_PROBLEMS.items():
        if name.startswith(code):
            return _not_saved(advice, f"SQLite: {orig}", retryable=code == "SQLITE_BUSY")
    if _is_psycopg(orig):
        state = getattr(orig, "sqlstate", None)
        if state is None:
            # No state: the server never answered. Only a connection error means it could
            # not be reached; psycopg refusing a value itself (a NUL byte) is not that.
            if not isinstance(orig, _connection_errors()):
                return None
            state = "08"
        for code, advice in _SERVER_PROBLEMS.items():
            if state.startswith(code):
                technical = f"PostgreSQL {state}: {str(orig).strip()}"
                return _not_saved(advice, technical, retryable=code in _PASSING)
    return None


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg  # only ever reached with a psycopg error in hand

    return (psycopg.OperationalError, psycopg.InterfaceError)


# Server troubles that pass by themselves: lost connection, restart, busy, a colleague's lock.
_PASSING = {"08", "57P", "53", "40", "55P03", "57014", "25P03"}
LOCK_TIMEOUT = "55P03"


def _not_saved(advice: str, technical: str, *, retryable: bool) -> StorageError:
    return StorageError(
        f"Not saved: {advice}. Nothing was half-written and your typing is still in the "
        f"form. ({technical})",
        retryable=retryable,
        advice=advice,
    )


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA fullfsync = ON")  # macOS: to the disk, not its cache; else no-op
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the lock up front so two writers queue on busy_timeout instead of
        # failing half-way with "database is locked"; readers stay deferred.
        mode = "DEFERRED" if conn.get_execution_options().get("readonly") else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


class WriteHold:
    """Writes to some tables of a laptop file refused until a check has passed them: the
    tables the start leaves to the check beside the window (safety.LATER_TABLES). SQLite's
    authorizer refuses any INSERT, UPDATE or DELETE on them as it prepares the statement, the
    ORM's and Core's alike, so nothing reaches a page the check has not read; the save is
    rolled back whole and reported in words (`refusal`)."""

    CHECKING = (
        "the contact log and the case file are still being checked after the start (a few "
        "seconds on a large caseload). Wait a moment, then save again"
    )

    def __init__(self, held: Callable[[str], str | None]) -> None:
        # Which held table a table is part of (None: not held), until all are released.
        self._held: Callable[[str], str | None] | None = held
        self._released: frozenset[str] = frozenset()
        self._damage: str | None = None

    @property
    def holding(self) -> bool:
        return self._held is not None

    def release(self, table: str | None = None) -> None:
        """The check passed this held table (None: all of them): its writes go through."""
        if self._damage is not None:
            return
        if table is None:
            self._held = None
        else:
            self._released |= {table}

    def holds(self, table: str) -> bool:
        """Whether writes to this held table (one of safety.LATER_TABLES) still wait."""
        return self._held is not None and table not in self._released

    def damaged(self, problem: str) -> None:
        """The check found damage: what is held stays held, and saves say why."""
        self._damage = problem

    def authorize(self, action: int, table: str | None, *_: object) -> int:
        held = self._held
        if held is not None and action in _WRITES and table is not None:
            part = held(table)
            if part is not None and self.holds(part):
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    def refusal(self, exc: BaseException) -> StorageError | None:
        """The StorageError for a write this hold refused, or None for any other error."""
        orig = getattr(exc, "orig", exc)
        if getattr(orig, "sqlite_errorname", "") != "SQLITE_AUTH":
            return None
        if self._damage is not None:
            advice = (
                "the contact log or the case file is damaged (the check after the start found "
                "it), and nothing more is written to it. Restore a backup (File > Backups)"
            )
            return _not_saved(advice, self._damage, retryable=False)
        return _not_saved(self.CHECKING, "held until checked", retryable=True)

    def install(self, engine: Engine) -> None:
        """Each connection gets the authorizer at its first use while tables are held, and
        loses it at its first use after (setting one makes SQLite prepare every cached
        statement again, so it is set once a connection, not at every use)."""

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_conn, record, _proxy) -> None:
            held = self.holding
            if held != record.info.get("write_hold", False):
                dbapi_conn.set_authorizer(self.authorize if held else None)
                record.info["write_hold"] = held


_WRITES = frozenset({sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE})


@dataclass
class Database:
    url: str
    engine: Engine
    _write: sessionmaker[Session]
    _read: sessionmaker[Session]
    hold: WriteHold | None = None

    def held(self) -> bool:
        """Whether writes to any table still wait for the check beside the window."""
        return self.hold is not None and self.hold.holding

    def hold_writes(self, held: Callable[[str], str | None] = safety.later_table) -> WriteHold:
        """Refuse writes to the tables `held` names (a laptop file's: the held table each is
        part of, or None) until `hold.release()`."""
        if not self.is_sqlite:
            raise ValueError("Only a laptop file's writes are held: it is checked at start.")
        self.hold = WriteHold(held)
        self.hold.install(self.engine)
        return self.hold

    @property
    def path(self) -> Path | None:
        db = make_url(self.url).database
        return Path(db) if db and self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def uow(self) -> Iterator[Session]:
        """One user action: one write transaction, committed on success, rolled back on error.

        A disk that refuses the write (full, read-only, gone) is reported as a StorageError;
        the transaction is rolled back whole, so nothing is half-written.
        """
        self._check_still_there()
        try:
            with self._write.begin() as session:
                yield session
        except (DBAPIError, sqlite3.OperationalError) as exc:
            refused = refused_value(exc) or (self.hold and self.hold.refusal(exc))
            if refused:
                # Not chained: the driver's error quotes the values of the statement.
                raise refused from None
            problem = storage_problem(exc)
            if problem is None:
                raise
            if getattr(getattr(exc, "orig", None), "sqlstate", None) == LOCK_TIMEOUT:
                self._end_blockers()
            raise problem from exc

    def _end_blockers(self) -> None:
        """A save timed out waiting for a lock: ask the server to end any session that holds
        a whole table locked or idles in a transaction past its limit (which the app itself
        never does), so that saving again works. Best effort: the save is reported busy
        either way."""
        try:
            with self.engine.connect() as conn:
                ended = conn.exec_driver_sql("SELECT caseload_end_blockers()").scalar()
                conn.commit()
            if ended:
                log.warning("Ended %d team-database session(s) that blocked saving", ended)
        except DBAPIError as exc:
            log.warning("Could not ask the server to end blocking sessions (%s)", type(exc))

    def _check_still_there(self) -> None:
        # On Linux and macOS an open SQLite file whose folder was moved or deleted still
        # accepts writes, into a file nobody will ever find again: refuse them instead.
        path = self.path
        if path is not None and not path.exists():
            raise StorageError(
                f"Not saved: the database is no longer at {path} (was its folder moved, or a "
                "network or USB drive disconnected?). Reconnect it, then save again; your "
                "typing is still in the form."
            )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only look (deferred transaction, never committed)."""
        with self._read() as session, session.begin():
            yield session
            session.rollback()

    def session_user(self) -> str | None:
        """Who is signed in to a team database (their PostgreSQL login); None for a file."""
        if self.is_sqlite:
            return None
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT session_user").scalar()

    def describe(self) -> str:
        """Which database this is, for the status bar: the file, or server/database."""
        if self.is_sqlite:
            return f"Database: {self.path}"
        url = make_url(self.url)
        return f"Team database: {url.database} on {url.host}"

    def dispose(self) -> None:
        self.engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path)}"


def is_server_url(target: object) -> bool:
    """A team database address (postgresql://host/dbname) rather than a laptop file."""
    return isinstance(target, str) and target.split(":", 1)[0].startswith("postgres")


def normalise_url(target: Path | str) -> str:
    """A SQLAlchemy URL for a file path or a server address; PostgreSQL goes through psycopg 3."""
    if isinstance(target, str) and "://" in target:
        scheme, rest = target.split("://", 1)
        if scheme in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return target
    return sqlite_url(Path(target))


def make_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        _install_sqlite_pragmas(engine)
    return engine


def open_database(
    target: Path | str, *, backup_dir: Path | None = None, checked: bool = False
) -> Database:
    """Open (creating if needed) and upgrade a database; refuse one newer than this app.

    Before upgrading an existing database a verified backup copy is taken. `checked`: the
    caller has just run safety.problem_with on the file (at start, in parallel with imports).
    """
    url = normalise_url(target)
    file = (make_url(url).database or "") if url.startswith("sqlite:///") else ""  # "": a server
    if file and not checked:
        _check_sqlite_file(Path(file))
    engine = make_engine(url)
    try:
        plan = migrate.plan(engine)
        if plan.needs_upgrade:
            if plan.current is not None and file:
                backup_sqlite(Path(file), backup_dir, reason="pre-upgrade")
            log.info("Upgrading the database schema from %s to %s", plan.current, plan.head)
            _upgrade(engine)
    except Exception:
        engine.dispose()
        raise
    return Database(
        url=url,
        engine=engine,
        _write=sessionmaker(engine, expire_on_commit=False),
        _read=sessionmaker(engine.execution_options(readonly=True), expire_on_commit=False),
    )


def _upgrade(engine: Engine) -> None:
    try:
        migrate.upgrade(engine)
    except DBAPIError as exc:
        if engine.dialect.name == "sqlite":
            raise
        raise DatabaseError(
            "This team database needs upgrading for this version of caseload. Its "
            "administrator runs `caseload admin init` as the database owner; nothing has "
            f"been changed. ({str(exc.orig).strip().splitlines()[0]})"
        ) from exc


def _check_sqlite_file(path: Path) -> None:
    """A damaged or foreign file is never opened for writing (integrity check at start)."""
    if path.exists():
        problem = safety.problem_with(path)
        if problem:
            raise DatabaseError(problem)
    elif not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)


def backup_sqlite(
    path: Path,
    backup_dir: Path | None,
    *,
    reason: str,
    now: datetime | None = None,
    run: safety.BackupRun | None = None,
) -> Path:
    """Copy a database with SQLite's backup API and verify the copy before trusting it, then
    keep it compressed (safety.copy_compressed). The copy carries its number in the sequence
    of backups (see safety.next_sequence); `now` (the caller's clock) only names it. `run`:
    its progress heard, and a stop, from another thread (safety.Stopped if stopped)."""
    folder = backup_dir or path.parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")  # two a second stay apart
    dest = folder / f"{path.stem}-{reason}-{stamp}.sqlite3{compressed.SUFFIX}"
    try:
        sequence = safety.next_sequence(path, folder)
        safety.copy_compressed(path, dest, sequence=sequence, run=run)
    except (sqlite3.DatabaseError, OSError) as exc:
        if safety.is_damage(exc):
            raise DamagedDatabase(
                f"{path} is damaged: the full check made while copying it for a backup found {exc}."
            ) from exc
        raise DatabaseError(f"The backup copy of {path} could not be made: {exc}") from exc
    log.info("Verified backup taken (%s): %s", reason, dest.name)
    return dest
