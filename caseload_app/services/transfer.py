"""Moving a laptop file into the team database: every table, all or nothing, with the
counts compared and a sample of rows checked before anything is committed.

Run by the team database's owner (as for `caseload admin init`): the copy keeps every id,
so the audit trail, letters and trash still point at the right records; the database's own
per-row audit is paused for the copy (one entry records the move instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Connection, Table, func, insert, select, text

from caseload_app.db import pg_security
from caseload_app.db.engine import Database, is_server_url, open_database
from caseload_app.db.lock import InstanceLock
from caseload_app.db.models import AppUser, AuditEntry, Base, Child
from caseload_app.services.errors import UserError

CHUNK = 2000
# People sign in to the server with their own logins: set them up there (admin add-user).
NOT_MOVED = {"app_user"}
SAMPLE_EVERY = 97  # rows compared field by field after the copy, per table


@dataclass(frozen=True)
class TransferResult:
    source: Path
    target: str
    counts: dict[str, int]  # table → rows moved (and found in the target)
    checked: int  # rows compared field by field
    people_left: int  # app_user rows of the file, not moved

    def summary(self) -> str:
        moved = sum(self.counts.values())
        main = ", ".join(
            f"{self.counts.get(t, 0)} {t}" for t in ("child", "ehcp_case", "communication")
        )
        people = (
            f"; {self.people_left} people of the file were not moved: add them with "
            "`caseload admin add-user`"
            if self.people_left
            else ""
        )
        return (
            f"Moved {moved} rows ({main}) from {self.source} into the team database; counts "
            f"match and {self.checked} rows were compared field by field{people}."
        )


def move_laptop_file(source: Path, target_url: str, *, who: str = "") -> TransferResult:
    source = Path(source)
    if not source.is_file():
        raise UserError(f"There is no laptop file at {source}.")
    if not is_server_url(target_url):  # a bare name or a path would open (make) a laptop file
        raise UserError(
            f"The target must be a team database (postgresql://SERVER/NAME), not {target_url}."
        )
    lock = InstanceLock(source)
    lock.acquire()  # nobody may be saving into the file while it moves
    try:
        src = open_database(source)
        dst = open_database(target_url)
        try:
            return _move(src, dst, source, target_url, who)
        finally:
            src.dispose()
            dst.dispose()
    finally:
        lock.release()


def _move(src: Database, dst: Database, source: Path, url: str, who: str) -> TransferResult:
    if dst.is_sqlite:
        raise UserError("The target must be a team database (postgresql://…).")
    tables = [t for t in Base.metadata.sorted_tables if t.name not in NOT_MOVED]
    with src.engine.connect() as read, dst.engine.begin() as write:
        _refuse_unless_empty(write, tables)
        _pause_row_audit(write, tables, paused=True)
        # Setting up people before the move (`admin init`, `add-user`) writes audit entries:
        # the file's own entries follow them, their ids moved past those already there.
        shift = {AuditEntry.__tablename__: _highest_audit_id(write)}
        before = {t.name: write.scalar(select(func.count()).select_from(t)) or 0 for t in tables}
        counts = {t.name: _copy(read, write, t, shift.get(t.name, 0)) for t in tables}
        _advance_sequences(write, tables)
        _check_counts(read, write, tables, counts, before)
        checked = sum(_spot_check(read, write, t, shift.get(t.name, 0)) for t in tables)
        _pause_row_audit(write, tables, paused=False)
        pg_security.forget_trashed_texts(write)  # an older file's trash may hold some
        people = read.scalar(select(func.count()).select_from(AppUser.__table__)) or 0
        detail = f"moved from laptop file {source}: " + ", ".join(
            f"{n} {t}" for t, n in counts.items() if n
        )
        actor = who or write.exec_driver_sql("SELECT session_user").scalar()
        write.execute(
            insert(cast(Table, AuditEntry.__table__)).values(
                at=datetime.now(),
                who=actor,
                action="import",
                record_type="database",
                detail=detail[:4000],
            )
        )
    return TransferResult(source, url, counts, checked, people)


def _refuse_unless_empty(conn: Connection, tables: list[Table]) -> None:
    held = conn.scalar(select(func.count()).select_from(Child.__table__))
    if held:
        raise UserError(
            f"The team database already holds {held} children. A laptop file can only be "
            "moved into an empty team database; nothing was changed."
        )
    # Setting up people first writes only their audit entries (kept, see _move); any other
    # record would clash with the file's ids half-way through.
    for table in tables:
        if table.name != AuditEntry.__tablename__ and conn.scalar(
            select(func.count()).select_from(table)
        ):
            raise UserError(
                f"The team database already holds records ({table.name}). A laptop file can "
                "only be moved into an empty team database (people may be set up first); "
                "nothing was changed."
            )


def _pause_row_audit(conn: Connection, tables: list[Table], *, paused: bool) -> None:
    # Inside the transaction: a failed move rolls this back too.
    word = "DISABLE" if paused else "ENABLE"
    # The per-row audit, the stamp that would re-date the file's own audit entries, and the
    # guard of issued plan versions (their seals are copied as they are: migration 0019).
    found = conn.execute(
        text(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE tgname IN ('caseload_audit', 'caseload_stamp', 'plan_version_guard')"
        )
    ).all()
    for table, trigger in found:
        if table in {t.name for t in tables}:
            conn.exec_driver_sql(f"ALTER TABLE {table} {word} TRIGGER {trigger}")


def _highest_audit_id(conn: Connection) -> int:
    return conn.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0


def _copy(read: Connection, write: Connection, table: Table, shift: int = 0) -> int:
    moved = 0
    result = read.execute(select(table).order_by(*table.primary_key.columns))
    while rows := result.mappings().fetchmany(CHUNK):
        batch = [dict(r) for r in rows]
        for row in batch if shift else ():
            row["id"] += shift
        write.execute(insert(table), batch)
        moved += len(rows)
    return moved


def _advance_sequences(conn: Connection, tables: list[Table]) -> None:
    """Ids were copied as they were: the next new row must get the next free one."""
    for table in tables:
        if "id" not in table.c or not table.c.id.autoincrement:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def _check_counts(
    read, write, tables: list[Table], counts: dict[str, int], before: dict[str, int]
) -> None:
    for table in tables:
        here = write.scalar(select(func.count()).select_from(table)) - before[table.name]
        there = read.scalar(select(func.count()).select_from(table))
        if not here == there == counts[table.name]:
            raise UserError(
                f"The move was undone: {table.name} has {there} rows in the file but {here} "
                "in the team database."
            )


def _spot_check(read, write, table: Table, shift: int = 0) -> int:
    """Every SAMPLE_EVERY-th row (by id; all rows of a table without one), compared column
    by column."""
    keys = list(table.primary_key.columns)
    query = select(table).order_by(*keys)
    if "id" in table.c:
        query = query.where(table.c.id % SAMPLE_EVERY == 1)
    sample = read.execute(query).mappings().all()
    for row in sample:
        row = dict(row)
        if shift:
            row["id"] += shift
        where = [k == row[k.name] for k in keys]
        copied = write.execute(select(table).where(*where)).mappings().one_or_none()
        if copied is None or dict(copied) != row:
            key = ", ".join(str(row[k.name]) for k in keys)
            raise UserError(
                f"The move was undone: {table.name} row {key} differs in the team database."
            )
    return len(sample)
