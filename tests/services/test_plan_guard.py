"""Issued plan versions cannot be forged past the app (migration 0019's seals), on SQLite and
PostgreSQL: raw SQL may not delete one and write another in its place, nor write one issued
from the start, nor move a version in the trash into another case; the trash still takes a
case with its versions and gives it back whole; and `caseload plan verify` finds what got
past the database when its triggers were taken away."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from caseload_app.cli import main
from caseload_app.db.models import EhcpCase, PlanSeal, PlanVersion, TrashItem
from caseload_app.services.plan_integrity import PlanIntegrityService
from caseload_app.services.plans import PlanService
from caseload_app.services.trash import TrashService
from tests.backends import sqlite_only
from tests.domain.test_plan import good_plan
from tests.helpers import NOW, TODAY, new_case

ISSUED_ON = date(2026, 11, 20)
FORGED = json.dumps({"format": "caseload-ehc-plan/1", "forged": True})
INSERT_ISSUED = (
    "INSERT INTO plan_version (case_id, number, kind, content, issued_on, content_sha256, "
    "issued_by, created_by, created_at, version) VALUES (:case_id, :number, :kind, :content, "
    ":issued_on, :sha, :by, 'x', :at, 1)"
)


DROP_FILES = "DELETE FROM document WHERE plan_version_id = :id"


def sha(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def plans(db) -> PlanService:
    return PlanService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def trash(db) -> TrashService:
    return TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def verify(db) -> list[str]:
    checker = PlanIntegrityService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    return [str(f) for f in checker.verify().findings]


def issued_case(db, **who) -> tuple[int, int]:
    """A case with version 1 issued and version 2 being written: (case id, version 1's id)."""
    case_id, _ = new_case(db, **who)
    state = plans(db).save(case_id, good_plan(), None, 0)
    version = plans(db).issue(case_id, state.version_id, state.version, ISSUED_ON)
    plans(db).save(case_id, good_plan().with_placement("Hillside Primary School"), None, 0)
    return case_id, version.id


def row_of(db, version_id: int) -> dict:
    with db.read() as s:
        return dict(s.execute(select(PlanVersion.__table__).where(PlanVersion.id == version_id))
                    .mappings().one())  # fmt: skip


def forged_row(row: dict, **changes) -> dict:
    content = changes.pop("content", FORGED)
    values = dict(case_id=row["case_id"], number=row["number"], kind=row["kind"],
                  content=content, issued_on=row["issued_on"], sha=sha(content),
                  by=row["issued_by"], at=NOW)  # fmt: skip
    return values | changes


def test_an_issued_version_cannot_be_deleted_and_forged_in_its_place(db):
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    with pytest.raises(DBAPIError, match="leaves only with its case"), db.uow() as s:
        s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
        s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
    with pytest.raises(DBAPIError, match="made only by issuing the working copy"), db.uow() as s:
        s.execute(text(INSERT_ISSUED), forged_row(row, number=3))
    assert row_of(db, version_id) == row
    assert verify(db) == []


def test_a_trash_item_made_by_hand_does_not_let_a_forgery_in(db):
    """Someone who can write the trash too: the version may leave beside a trash item naming
    its case, but nothing but the version itself comes back; and on PostgreSQL not even that
    leaving is kept, since the case did not go with it."""
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    payload = json.dumps({"plan_version": [{"content_sha256": row["content_sha256"]}]})
    with db.uow() as s:
        s.add(TrashItem(record_type="ehcp_case", record_id=case_id, case_id=case_id, label="x",
                        payload=payload, deleted_at=NOW, deleted_by="x", reason="x"))  # fmt: skip
    with pytest.raises(DBAPIError, match="made only by issuing"), db.uow() as s:
        s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
        s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
        s.execute(text(INSERT_ISSUED), forged_row(row))
    if db.is_sqlite:  # no check at commit: the version leaves (verify says so) ...
        with db.uow() as s:
            s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
            s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
        assert verify(db) == [
            f"case {case_id}, plan version 1: it was taken out of its case, which is still "
            "here, not in the trash"
        ]
        with db.uow() as s:  # ... and only it may come back
            s.execute(text(INSERT_ISSUED), forged_row(row, content=row["content"]))
        assert [v.sha256 for v in plans(db).versions(case_id)][0] == row["content_sha256"]
        assert verify(db) == []
    else:
        with pytest.raises(DBAPIError, match="leaves only with its case"), db.uow() as s:
            s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
            s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
        assert row_of(db, version_id) == row


@pytest.mark.parametrize("what", ["a version never issued", "a copy of the genuine one"])
def test_no_row_is_written_issued_from_the_start(db, what):
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    genuine = {"content": row["content"]} if what.startswith("a copy") else {}
    with pytest.raises(DBAPIError, match="made only by issuing the working copy"), db.uow() as s:
        s.execute(text(INSERT_ISSUED), forged_row(row, number=7, **genuine))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 2


def test_the_content_of_an_issued_version_cannot_be_edited_in_place(db):
    _, version_id = issued_case(db)
    with pytest.raises(DBAPIError, match="cannot be changed"), db.uow() as s:
        s.execute(text("UPDATE plan_version SET content = :c WHERE id = :id"),
                  {"c": FORGED, "id": version_id})  # fmt: skip
    assert verify(db) == []


def test_a_case_with_its_versions_goes_to_the_trash_and_back_sealed_and_checked(db):
    case_id, version_id = issued_case(db)
    before = row_of(db, version_id)
    item = trash(db).delete_case(case_id, "made by mistake")
    with db.read() as s:
        (seal,) = s.scalars(select(PlanSeal))
        assert (seal.trash_id, seal.content) == (item, before["content"])
    assert verify(db) == []  # in the trash with its case: nothing missing
    trash(db).restore(item)
    assert row_of(db, version_id) == before
    with db.read() as s:
        (seal,) = s.scalars(select(PlanSeal))
        assert (seal.trash_id, seal.content, seal.version_id) == (None, None, version_id)
    assert verify(db) == []
    # and again: the seal follows the version each time
    trash(db).restore(trash(db).delete_case(case_id, "again"))
    assert row_of(db, version_id) == before


def test_what_is_in_the_trash_comes_back_only_as_it_left_and_only_once(db):
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    other, _ = new_case(db, first_name="Other", upn="", nhs_number="")
    trash(db).delete_case(case_id, "made by mistake")
    for changed in ({}, {"issued_on": date(2026, 11, 1)}, {"kind": "final"}):
        with pytest.raises(DBAPIError, match="made only by issuing"), db.uow() as s:
            s.execute(text(INSERT_ISSUED), forged_row(row, case_id=other, **changed))
    genuine = forged_row(row, case_id=other, content=row["content"])
    with db.uow() as s:  # (whoever may write plan_version may issue in that case anyway)
        s.execute(text(INSERT_ISSUED), genuine)
    with pytest.raises(DBAPIError, match="made only by issuing"), db.uow() as s:
        s.execute(text(INSERT_ISSUED), genuine | {"number": 4})


@sqlite_only
def test_a_case_given_a_new_id_on_restore_keeps_its_issued_versions(db):
    """SQLite gives a deleted case's id to the next new case: the restore renumbers it, and
    its versions still come back (they follow the case that left, not its old id)."""
    case_id, version_id = issued_case(db)
    item = trash(db).delete_case(case_id, "made by mistake")
    newer, _ = new_case(db, first_name="Newer", upn="", nhs_number="")
    assert newer == case_id
    with db.uow() as s:
        s.get(EhcpCase, newer).is_open = False  # one open case per child
    restored = trash(db).restore(item)
    assert restored.record_id != case_id
    back = plans(db).versions(restored.record_id)
    assert [(v.number, v.issued_on) for v in back] == [(1, ISSUED_ON), (2, None)]
    assert verify(db) == []


def test_removing_a_case_for_good_removes_the_copy_its_seal_kept(db):
    from tests.helpers import add_person

    case_id, _ = issued_case(db)
    item = trash(db).delete_case(case_id, "made by mistake")
    add_person(db, "dee.admin", "Dee Admin", "administrator")
    TrashService(db, "Dee Admin", today=lambda: TODAY, now=lambda: NOW).purge(item)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PlanSeal)) == 0


# ------------------------------------------------------------------ what verify finds
UNGUARDED = {
    "sqlite": [
        "DROP TRIGGER plan_version_leaves",
        "DROP TRIGGER plan_version_returns",
        "DROP TRIGGER plan_version_returned",
        "DROP TRIGGER plan_version_sealed",
    ],
    "postgresql": [
        "ALTER TABLE plan_version DISABLE TRIGGER plan_version_guard",
        "ALTER TABLE plan_version DISABLE TRIGGER plan_version_left",
    ],
}


def unguarded(db) -> None:
    """What someone who owns the database file (or the server) can do: take the guard away."""
    with db.uow() as s:
        for sql in UNGUARDED["sqlite" if db.is_sqlite else "postgresql"]:
            s.execute(text(sql))


def test_verify_finds_a_forgery_made_with_the_guard_taken_away(db):
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    unguarded(db)
    with db.uow() as s:
        s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
        s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
        s.execute(text(INSERT_ISSUED), forged_row(row))
    found = verify(db)
    assert f"case {case_id}, plan version 1: it is missing: removed past caseload" in found[-1]
    assert sorted(found[:-1]) == sorted([
        f"case {case_id}, plan version 1: the database has no seal of its issue: it was "
        "written past caseload",
        f"case {case_id}, plan version 1: the audit trail has no record of issuing it with "
        "this content",
    ])  # fmt: skip


def test_verify_finds_a_version_whose_content_does_not_match_its_hash(db):
    case_id, version_id = issued_case(db)
    row = row_of(db, version_id)
    unguarded(db)
    with db.uow() as s:
        s.execute(text(DROP_FILES), {"id": version_id})  # its kept files first
        s.execute(text("DELETE FROM plan_version WHERE id = :id"), {"id": version_id})
        s.execute(text(INSERT_ISSUED), forged_row(row, sha=row["content_sha256"]))
        s.execute(text("UPDATE plan_seal SET version_id = (SELECT max(id) FROM plan_version)"))
    assert verify(db) == [
        f"case {case_id}, plan version 1: its content is not the content it was issued with "
        "(sha256 differs)"
    ]


def test_verify_finds_a_changed_copy_in_the_trash_and_a_version_not_put_back(db):
    case_id, _ = issued_case(db)
    item = trash(db).delete_case(case_id, "made by mistake")
    with db.uow() as s:
        s.execute(text("UPDATE plan_seal SET content = :c"), {"c": FORGED})
    assert verify(db) == [
        f"case {case_id}, plan version 1: the copy kept while its case is in the trash has "
        "been changed"
    ]
    with db.uow() as s:
        s.execute(text("UPDATE trash_item SET restored_at = :at WHERE id = :id"),
                  {"at": NOW, "id": item})  # fmt: skip
    assert verify(db) == [
        f"case {case_id}, plan version 1: it left with its case into the trash and was not "
        "put back on restore"
    ]


def test_verify_is_audited_and_the_command_says_what_it_found(tmp_path, capsys):
    from caseload_app.db.engine import open_database

    path = tmp_path / "team.sqlite3"
    db = open_database(path)
    issued_case(db)
    db.dispose()
    assert main(["plan", "verify", "--db", str(path)]) == 0
    assert "1 issued version(s) checked, 0 finding(s)." in capsys.readouterr().out
    db = open_database(path)
    unguarded(db)
    with db.uow() as s:
        s.execute(text("DELETE FROM plan_seal"))
    db.dispose()
    assert main(["plan", "verify", "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert "plan version 1: the database has no seal of its issue" in out
    assert "1 issued version(s) checked, 1 finding(s)." in out
    db = open_database(path)
    with db.read() as s:
        details = s.scalars(text("SELECT detail FROM audit_entry WHERE action = 'view' "
                                 "AND record_type = 'plan_version'")).all()  # fmt: skip
    db.dispose()
    assert details == [
        "checked the issued plan versions: 1 versions, 0 findings",
        "checked the issued plan versions: 1 versions, 1 findings",
    ]
