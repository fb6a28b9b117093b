"""What the kill run (tests/stress.py) does again and again until SIGKILL, and what it checks.

    contact  log a contact (form token): every acknowledged save there once
    stage    create a request, then record a stage action on it (Agree to assess): the stage,
             its stage event and its audit entry are there together or not at all
    import   import a CSV of ROWS children: after a kill each file's children are all there
             or none (all there once acknowledged)
    backup   log a contact, take a backup, rotate: every file named like a backup is whole
             and passes caseload's backup check (integrity_check, schema, checksum)
    restore  restore backup A, then B, then A…: after every kill the database is whole and is
             either the one it was or the backup, with the restore in its audit trail

Each worker is told the number of its first action (the one in flight at the last kill) and
sends each number once the service call has returned (acknowledged).
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.stress import KillReport

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 30)

ROWS = 40  # children per imported file
HEADER = (
    "child_first_name,child_last_name,date_of_birth,upn,nhs_number,postcode,primary_need,"
    "caseworker,request_received,stage,final_plan_issued,last_review,parent_carer_name,phone,email"
)


@dataclass(frozen=True)
class Kind:
    prepare: Callable[[Path], dict]
    work: Callable[[str, dict, int, object], None]
    check: Callable[[Path, dict, set[int], KillReport], None]
    max_wait: float  # seconds: a kill lands anywhere within a few of the kind's actions
    after_kill: Callable[[Path, dict, KillReport], None] | None = None


def work(kind: str, db_path: str, setup: dict, first: int, ack) -> None:
    KINDS[kind].work(db_path, setup, first, ack)


# ------------------------------------------------------------------------ contact
def _services(db_path: Path, user: str):
    from caseload_app.db.engine import open_database
    from caseload_app.services.casework import CaseworkService

    db = open_database(db_path)
    return db, CaseworkService(db, user, today=lambda: DAY, now=lambda: NOW)


def prepare(db_path: Path) -> dict[str, int]:
    """A database with one case in assessment and one advice request (ids returned)."""
    from caseload_app.db.engine import open_database
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.requests import NewRequest, RequestService

    db = open_database(db_path)
    try:
        requests = RequestService(db, "Stress", today=lambda: DAY, now=lambda: NOW)
        work = CaseworkService(db, "Stress", today=lambda: DAY, now=lambda: NOW)
        case_id = requests.create(
            NewRequest(
                first_name="Zoë",
                last_name="Brontë",
                date_of_birth=date(2016, 5, 4),
                request_received=date(2026, 7, 1),
            )
        )
        detail = work.get_case(case_id, opened=False)
        work.record_action(case_id, detail.version, "assess_agreed", date(2026, 8, 5))
        advice_id = work.request_advice(case_id, "ep", date(2026, 8, 6))
        return {"case_id": case_id, "child_id": detail.child.id, "advice_id": advice_id}
    finally:
        db.dispose()


def _saver(db_path: str, ctx: dict, first: int, ack) -> None:
    """Log contacts save-<n>, n = first, first+1, …; send n once each save has returned."""
    _db, work = _services(Path(db_path), "Stress")
    n = first
    while True:
        work.log_communication(
            ctx["case_id"], NOW, "phone", "in", "Ms Brontë", f"save {n}", token=f"save-{n}"
        )
        _ack(ack, n)
        n += 1


def _ack(ack, n: int) -> None:
    ack.send_bytes(struct.pack("<q", n))  # one small write: all or nothing


def _check_kills(db_path: Path, _setup: dict, acked: set[int], report: KillReport) -> None:
    present = _numbered(db_path, "SELECT summary FROM communication WHERE summary LIKE 'save %'")
    con = sqlite3.connect(db_path)
    try:
        report.integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    _tally(present, acked, report)


def _numbered(db_path: Path, sql: str) -> dict[int, int]:
    """{n: how many rows} for rows whose first column's last word is the number n."""
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    found: dict[int, int] = {}
    for (text,) in rows:
        n = int(text.split()[-1])
        found[n] = found.get(n, 0) + 1
    return found


def _tally(present: dict[int, int], acked: set[int], report: KillReport) -> None:
    report.present = len(present)
    report.duplicates = sum(n - 1 for n in present.values())
    report.missing = sorted(n for n in acked if n not in present)
    report.committed_unacknowledged = len(present.keys() - acked)


# ------------------------------------------------------------------------ helpers
def letters(n: int) -> str:
    """A number as a name (names hold no digits): 0 → Ba, 1 → Bb, … 26 → Cba…"""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return "B" + out


def number(name: str) -> int:
    n = 0
    for ch in name[1:]:
        n = n * 26 + ord(ch) - ord("a")
    return n


def _sql(db_path: Path, query: str, *params) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def _integrity(db_path: Path, report: KillReport) -> None:
    report.integrity = _sql(db_path, "PRAGMA integrity_check")[0][0]


# ------------------------------------------------------------------------ stage actions
def _stage_worker(db_path: str, _setup: dict, first: int, ack) -> None:
    from caseload_app.services.requests import NewRequest, RequestService

    db, work = _services(Path(db_path), "Stress")
    requests = RequestService(db, "Stress", today=lambda: DAY, now=lambda: NOW)
    n = first
    while True:
        case_id = requests.create(
            NewRequest(
                first_name="Stage",
                last_name=letters(n),
                date_of_birth=date(2016, 5, 4),
                request_received=date(2026, 7, 1),
            ),
            token=f"stage-{n}",
        )
        detail = work.get_case(case_id, opened=False)
        if detail.stage == "request_received":  # after a kill it may be done already
            work.record_action(case_id, detail.version, "assess_agreed", date(2026, 8, 5))
        _ack(ack, n)
        n += 1


def _check_stage(db_path: Path, _setup: dict, acked: set[int], report: KillReport) -> None:
    _integrity(db_path, report)
    rows = _sql(
        db_path,
        "SELECT ch.last_name, c.stage, "
        " (SELECT count(*) FROM stage_event e WHERE e.case_id = c.id"
        "  AND e.action = 'assess_agreed'),"
        " (SELECT count(*) FROM audit_entry a WHERE a.case_id = c.id"
        "  AND a.action = 'assess_agreed'),"
        " (SELECT count(*) FROM ehcp_case c2 WHERE c2.child_id = ch.id)"
        " FROM child ch JOIN ehcp_case c ON c.child_id = ch.id WHERE ch.first_name = 'Stage'",
    )
    present: dict[int, int] = {}
    for last_name, stage, events, audits, cases in rows:
        n = number(last_name)
        present[n] = present.get(n, 0) + 1
        if cases != 1:
            report.problem(f"request {n}: {cases} cases")
        if events == 0 and stage == "request_received" and audits == 0:
            report.count("requests killed before their stage action")
            if n in acked:
                report.problem(f"request {n}: acknowledged, but its stage action is missing")
        elif (events, audits, stage) != (1, 1, "assessment"):
            report.problem(f"request {n}: half-done ({events} events, {audits} audits, {stage})")
        else:
            report.count("stage actions recorded")
    _tally(present, acked, report)


# ------------------------------------------------------------------------ import
def _import_file(folder: Path, n: int) -> Path:
    path = folder / f"import-{n}.csv"
    lines = [
        f"{letters(row)},Imp{letters(n).lower()},2016-05-04,,,,ASD,,2026-07-01,"
        "request_received,,,,,"
        for row in range(ROWS)
    ]
    path.write_text("\r\n".join([HEADER, *lines]) + "\r\n", encoding="utf-8")
    return path


def _import_worker(db_path: str, setup: dict, first: int, ack) -> None:
    from caseload_app.services.importer import Importer

    db, _work = _services(Path(db_path), "Stress")
    importer = Importer(db, user="Stress", today=lambda: DAY)
    folder = Path(setup["folder"])
    n = first
    while True:
        if not _imported(db, n):  # the file in flight at a kill may be in already
            result = importer.import_file(_import_file(folder, n))
            if not result.written:
                raise RuntimeError(f"import {n} refused: {result.problems[:3]}")
        _ack(ack, n)
        n += 1


def _imported(db, n: int) -> bool:
    from sqlalchemy import func, select

    from caseload_app.db.models import Child

    with db.read() as s:
        last = f"Imp{letters(n).lower()}"
        return bool(s.scalar(select(func.count()).where(Child.last_name == last)))


def _prepare_import(db_path: Path) -> dict:
    folder = db_path.parent / "import-files"
    folder.mkdir(exist_ok=True)
    return prepare(db_path) | {"folder": str(folder)}


def _check_import(db_path: Path, _setup: dict, acked: set[int], report: KillReport) -> None:
    _integrity(db_path, report)
    rows = _sql(
        db_path,
        "SELECT ch.last_name, count(*), count(DISTINCT ch.first_name), "
        " (SELECT count(*) FROM ehcp_case c JOIN child k ON k.id = c.child_id"
        "  WHERE k.last_name = ch.last_name)"
        " FROM child ch WHERE ch.last_name LIKE 'Imp%' GROUP BY ch.last_name",
    )
    present: dict[int, int] = {}
    for last_name, children, distinct, cases in rows:
        n = number(last_name[3:].capitalize())
        present[n] = 1
        if (children, distinct, cases) != (ROWS, ROWS, ROWS):
            report.problem(f"file {n}: {children} children ({distinct} distinct), {cases} cases")
        else:
            report.count("files imported whole")
    _tally(present, acked, report)


# ------------------------------------------------------------------------ backup
def _backup_worker(db_path: str, setup: dict, first: int, ack) -> None:
    from caseload_app.services.backup import BackupService

    _db, work = _services(Path(db_path), "Stress")
    backups = BackupService(Path(db_path), Path(setup["backups"]))
    n = first
    while True:
        work.log_communication(
            setup["case_id"], NOW, "phone", "in", "Ms Brontë", f"save {n}", token=f"save-{n}"
        )
        backups.backup_now("manual")
        backups.rotate()
        _ack(ack, n)
        n += 1


def _prepare_backup(db_path: Path) -> dict:
    return prepare(db_path) | {"backups": str(db_path.parent / "backups")}


def _check_backups(folder: Path, report: KillReport) -> None:
    """Every file named like a backup is whole and good; partial copies are hidden names."""
    from caseload_app.db import safety

    for path in sorted([*folder.glob("*.sqlite3"), *folder.glob("*.sqlite3.zst")]):
        if path.name.startswith("."):
            continue
        report.count("backups checked")
        problem = safety.problem_with(path, backup=True)
        if problem:
            report.problem(f"{path.name}: {problem.replace(str(folder), '…')}")
    report.counts["partial copies left (hidden names)"] = len(list(folder.glob(".*partial")))


def _check_backup(db_path: Path, setup: dict, acked: set[int], report: KillReport) -> None:
    from caseload_app.services.backup import BackupService

    _check_kills(db_path, setup, acked, report)
    folder = Path(setup["backups"])
    _check_backups(folder, report)
    newest = BackupService(db_path, folder).newest_good()
    if newest is None:
        report.problem("no good backup left")
    else:  # the newest good backup holds every save acknowledged before it was taken
        from caseload_app.db import compressed

        inside = folder.parent / "newest-backup-inside.sqlite3"
        compressed.decompress(newest.path, inside)
        try:
            in_it = _numbered(
                inside, "SELECT summary FROM communication WHERE summary LIKE 'save %'"
            )
        finally:
            inside.unlink()
        report.counts["saves in the newest backup"] = len(in_it)


# ------------------------------------------------------------------------ restore
MARKERS = ("O", "A", "B")  # the database to begin with, and the two backups restored
# A is kept as backups were before issue 28 (a plain copy), B as they are now (compressed).
BACKUP_NAMES = {"A": "A.sqlite3", "B": "B.sqlite3.zst"}


def _prepare_restore(db_path: Path) -> dict:
    """A database holding contact 'marker O', and backups A and B of it holding 'marker A'
    and 'marker B' instead (with their checksums, as caseload takes them)."""
    from caseload_app.db import safety

    setup = prepare(db_path)
    folder = db_path.parent / "restore-from"
    folder.mkdir()
    base = folder / "base.sqlite3"
    shutil.copyfile(db_path, base)
    contents = {}
    for marker in MARKERS:
        variant = folder / f"variant-{marker}.sqlite3"
        shutil.copyfile(base, variant)
        con = sqlite3.connect(variant)
        with con:
            con.execute(
                "INSERT INTO communication (family_id, case_id, occurred_at, channel,"
                " direction, with_whom, summary, logged_by, version)"
                " SELECT ch.family_id, c.id, '2026-11-24 10:30:00', 'phone', 'in', 'Ms Brontë',"
                " ?, 'Stress', 1 FROM ehcp_case c JOIN child ch ON ch.id = c.child_id LIMIT 1",
                (f"marker {marker}",),
            )
        con.close()
        if marker == "O":
            shutil.copyfile(variant, db_path)
        elif marker == "A":
            safety.copy_verified(variant, folder / BACKUP_NAMES[marker])
        else:
            safety.copy_compressed(variant, folder / BACKUP_NAMES[marker])
        contents[marker] = _content(variant)
        variant.unlink()
    base.unlink()
    return setup | {
        "from": str(folder),
        "backups": str(db_path.parent / "backups"),
        "contents": contents,
    }


def _content(path: Path) -> list:
    """What a person would see: every child, case and contact (restore entries aside)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [
            con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("child", "ehcp_case", "communication", "stage_event")
        ]
    finally:
        con.close()


def _restore_worker(db_path: str, setup: dict, first: int, ack) -> None:
    from caseload_app.services.backup import BackupService

    service = BackupService(Path(db_path), Path(setup["backups"]))
    n = first
    while True:
        backup = Path(setup["from"]) / BACKUP_NAMES["AB"[n % 2]]
        service.restore(backup, user="Stress")
        service.rotate()  # the copies each restore keeps of the replaced database
        _ack(ack, n)
        n += 1


def _after_restore_kill(db_path: Path, setup: dict, report: KillReport) -> None:
    """Whatever moment the kill came, the database is one whole database: the one it was,
    or the backup, and a restored one has its restore in its audit trail."""
    from caseload_app.db import safety

    problem = safety.problem_with(db_path)
    if problem:
        report.problem(f"after kill {report.kills}: {problem}")
        return
    found = [
        m
        for m in MARKERS
        if _sql(db_path, "SELECT 1 FROM communication WHERE summary = ?", f"marker {m}")
    ]
    if len(found) != 1:
        report.problem(f"after kill {report.kills}: markers {found}")
        return
    marker = found[0]
    report.count(f"database {marker} after a kill")
    if _content(db_path) != [[tuple(r) for r in t] for t in setup["contents"][marker]]:
        report.problem(f"after kill {report.kills}: not the whole of database {marker}")
    restores = _sql(db_path, "SELECT detail FROM audit_entry WHERE action = 'restore'")
    expected = 0 if marker == "O" else 1
    if len(restores) != expected or (expected and BACKUP_NAMES[marker] not in restores[0][0]):
        report.problem(
            f"after kill {report.kills}: database {marker} with {len(restores)} restore "
            "entries in its audit trail"
        )


def _check_restore(db_path: Path, setup: dict, acked: set[int], report: KillReport) -> None:
    _integrity(db_path, report)
    _check_backups(Path(setup["backups"]), report)
    report.count("restores acknowledged", len(acked))


KINDS: dict[str, Kind] = {
    "contact": Kind(prepare, _saver, _check_kills, max_wait=0.03),
    "stage": Kind(prepare, _stage_worker, _check_stage, max_wait=0.1),
    "import": Kind(_prepare_import, _import_worker, _check_import, max_wait=0.5),
    "backup": Kind(_prepare_backup, _backup_worker, _check_backup, max_wait=0.3),
    "restore": Kind(
        _prepare_restore,
        _restore_worker,
        _check_restore,
        max_wait=0.3,
        after_kill=_after_restore_kill,
    ),
}
