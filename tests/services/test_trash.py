"""Trash: delete moves rows out of the live tables whole; restore puts them back whole;
only an administrator removes for good; retention lists, never deletes."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from caseload_app.db.models import (
    AuditEntry,
    Child,
    Communication,
    EhcpCase,
    Family,
    StageEvent,
    Task,
    TrashItem,
)
from caseload_app.services.caselist import CaseListService
from caseload_app.services.errors import PermissionDenied, UserError
from caseload_app.services.settings import TeamSettingsService
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, add_person, new_case


def trash(db, user="Asha Patel", today=TODAY):
    return TrashService(db, user, today=lambda: today, now=lambda: NOW)


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def snapshot(db) -> dict:
    """Every live row of the tables a case spreads over, as plain tuples."""
    out = {}
    with db.read() as s:
        for model in (Family, Child, EhcpCase, StageEvent, Task, Communication):
            table = model.__table__
            out[table.name] = sorted(tuple(r) for r in s.execute(select(table)))
    return out


def a_busy_case(db):
    case_id, work = new_case(db)
    work.add_task(case_id, "Ring school", date(2026, 11, 30), None)
    work.log_communication(case_id, datetime(2026, 11, 2, 9), "phone", "in", "Ms B", "Rang")
    return case_id, work


def test_a_deleted_communication_goes_to_the_trash_and_comes_back(db):
    case_id, work = a_busy_case(db)
    comm_id = work.get_case(case_id).communications[0].id
    item = trash(db).delete_communication(comm_id, "logged on the wrong family")
    assert work.get_case(case_id).communications == ()
    [info] = trash(db).items()
    assert (info.id, info.kind, info.rows) == (item, "Communication", 1)
    assert info.label.startswith("Phone 02 Nov 2026 09:00 with Ms B: Rang")
    assert (info.deleted_by, info.reason) == ("Asha Patel", "logged on the wrong family")
    restored = trash(db).restore(item)
    assert (restored.record_type, restored.record_id, restored.renumbered) == (
        "communication",
        comm_id,
        0,
    )
    assert [c.id for c in work.get_case(case_id).communications] == [comm_id]
    assert trash(db).items() == []


def test_a_deleted_case_takes_everything_with_it_and_restores_exactly(db):
    case_id, work = a_busy_case(db)
    before = snapshot(db)
    item = trash(db).delete_case(case_id, "created by mistake")
    assert count(db, EhcpCase) == count(db, Child) == count(db, Family) == 0
    assert count(db, Task) == count(db, Communication) == count(db, StageEvent) == 0
    assert CaseListService(db, today=lambda: TODAY).list_cases().rows == []
    assert trash(db).items()[0].rows == 6  # family, child, case, event, task, contact log
    trash(db).restore(item)
    assert snapshot(db) == before  # every row, every id, every value


def a_second_case(db, case_id, *, is_open=True) -> int:
    """Another case for the same child (a new request after an earlier one closed)."""
    with db.uow() as s:
        first = s.get(EhcpCase, case_id)
        case = EhcpCase(
            child_id=first.child_id,
            request_received=date(2026, 10, 1),
            stage="request_received",
            is_open=is_open,
        )
        s.add(case)
        s.flush()
        return case.id


def test_deleting_one_of_two_cases_keeps_the_child_and_family(db):
    case_id, work = new_case(db)
    work.record_action(
        case_id, work.get_case(case_id).version, "assess_refused", date(2026, 8, 1), "not needed"
    )
    second = a_second_case(db, case_id)
    trash(db).delete_case(second, "duplicate")
    assert count(db, Child) == count(db, Family) == count(db, EhcpCase) == 1
    assert trash(db).items()[0].rows == 1


def test_a_case_cannot_come_back_beside_a_new_open_case_for_the_child(db):
    case_id, work = new_case(db)
    work.record_action(
        case_id, work.get_case(case_id).version, "assess_refused", date(2026, 8, 1), "not needed"
    )
    second = a_second_case(db, case_id)
    item = trash(db).delete_case(second, "entered too early")
    third = a_second_case(db, case_id)  # meanwhile the child has a new open case
    with pytest.raises(UserError, match="another open case"):
        trash(db).restore(item)
    assert count(db, TrashItem) == 1
    assert count(db, EhcpCase) == 2  # nothing half-restored
    with db.uow() as s:
        s.get(EhcpCase, third).is_open = False
    restored = trash(db).restore(item)
    # SQLite gave the deleted case's id to the third case; PostgreSQL never reuses an id.
    assert restored.renumbered == (1 if db.is_sqlite else 0)
    assert count(db, EhcpCase) == 3


def test_a_reused_id_is_renumbered_on_restore(db):
    case_id, work = a_busy_case(db)
    task_id = work.get_case(case_id).tasks[0].id
    item = trash(db).delete_task(task_id)
    if db.is_sqlite:
        new_id = work.add_task(case_id, "Another task", None, None)
        assert new_id == task_id  # SQLite reuses the highest id once it is free
    else:  # PostgreSQL never does by itself; a row copied in from elsewhere can
        with db.uow() as s:
            s.add(Task(id=task_id, case_id=case_id, title="Another task", created_by="x"))
    restored = trash(db).restore(item)
    assert restored.renumbered == 1
    assert restored.record_id != task_id
    assert sorted(t.title for t in work.get_case(case_id).tasks) == ["Another task", "Ring school"]


def test_deleting_a_case_needs_a_reason(db):
    case_id, _ = new_case(db)
    with pytest.raises(UserError, match="Say why"):
        trash(db).delete_case(case_id, "  ")
    assert count(db, EhcpCase) == 1


def test_only_an_administrator_removes_for_good_and_it_is_audited(db):
    case_id, work = a_busy_case(db)
    item = trash(db).delete_task(work.get_case(case_id).tasks[0].id)
    add_person(db, "dee.admin", "Dee Admin", "administrator")
    with pytest.raises(PermissionDenied):
        trash(db, user="Ben Okafor").purge(item)
    assert count(db, TrashItem) == 1
    trash(db, user="Dee Admin").purge(item)
    assert count(db, TrashItem) == 0
    with db.read() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        purge = s.scalars(select(AuditEntry).where(AuditEntry.action == "purge")).one()
        assert purge.who == "Dee Admin"
        assert "Ring school" in purge.detail
        assert purge.case_id == case_id
    assert actions[-3:] == ["delete", "create", "purge"]  # create: Dee Admin set up


def test_retention_lists_closed_cases_past_the_period_and_deletes_nothing(db):
    old, work = new_case(db, request_received=date(2019, 1, 7), date_of_birth=date(2008, 1, 1))
    work.record_action(
        old, work.get_case(old).version, "assess_refused", date(2019, 2, 1), "not needed"
    )
    recent, work2 = new_case(
        db, first_name="Ann", upn="", nhs_number="", request_received=date(2025, 1, 6)
    )
    work2.record_action(
        recent, work2.get_case(recent).version, "assess_refused", date(2025, 2, 3), "x"
    )
    new_case(db, first_name="Open", upn="", nhs_number="", request_received=date(2018, 1, 8))
    due = trash(db).retention_due()
    assert [(r.case_id, r.closed_on, r.review_from) for r in due] == [
        (old, date(2019, 2, 1), date(2025, 2, 1))
    ]
    TeamSettingsService(db, "Asha Patel").set_retention_years(1)
    assert [r.case_id for r in trash(db).retention_due()] == [old, recent]
    assert count(db, EhcpCase) == 3


def test_changing_the_retention_period_is_for_administrators_and_audited(db):
    add_person(db, "asha", "Asha Patel", "administrator")
    team = TeamSettingsService(db, "Asha Patel", now=lambda: NOW)
    team.set_retention_years(7)
    team.set_retention_years(7)  # unchanged: nothing to record
    with pytest.raises(UserError, match="1 to 100"):
        team.set_retention_years(0)
    with pytest.raises(PermissionDenied, match="change team settings"):
        TeamSettingsService(db, "Ben Okafor").set_retention_years(3)
    with db.read() as s:
        entries = s.execute(
            select(AuditEntry.who, AuditEntry.record_type, AuditEntry.detail).where(
                AuditEntry.record_type == "app_setting"
            )
        ).all()
    assert entries == [
        ("Asha Patel", "app_setting", "retention_years: (not set) → 7"),
    ]
    assert team.retention_years() == 7


def test_a_restored_item_leaves_the_trash_list_keeps_no_copy_and_cannot_come_back_twice(db):
    case_id, work = a_busy_case(db)
    item = trash(db).delete_task(work.get_case(case_id).tasks[0].id)
    trash(db).restore(item)
    assert trash(db).items() == []
    with db.read() as s:
        kept = s.get(TrashItem, item)
        assert (kept.payload, kept.restored_by) == ("{}", "Asha Patel")  # no second copy
    with pytest.raises(UserError, match="restored already, by Asha Patel"):
        trash(db).restore(item)
    assert len(work.get_case(case_id).tasks) == 1


def test_a_contact_trashed_before_0024_comes_back_with_the_family_or_not_by_whom(db):
    """Its payload has no with_family: it gets what the upgrade gave rows in the database."""
    import json

    case_id, work = new_case(db)
    for whom in ("Ms Jo Brontë", "Educational psychology adviser"):
        work.log_communication(case_id, datetime(2026, 11, 2, 9), "email", "out", whom, "Hi")
    ids = [c.id for c in work.get_case(case_id).communications]
    items = [trash(db).delete_communication(i, "wrong case") for i in ids]
    with db.uow() as s:
        for kept in s.scalars(select(TrashItem)):
            payload = json.loads(kept.payload)
            for row in payload["communication"]:
                del row["with_family"]  # as an older version wrote it
            kept.payload = json.dumps(payload)
    for item in items:
        trash(db).restore(item)
    back = {c.with_whom: c.with_family for c in work.get_case(case_id).communications}
    assert back == {"Ms Jo Brontë": True, "Educational psychology adviser": False}


def test_a_case_trashed_before_0027_comes_back_with_its_sort_keys(db):
    """Its payload has no sort keys: the restored child gets them worked out again, the same
    keys a save would give it (the list sorts by them)."""
    import json

    from caseload_app.services.fields import search_keys_of

    case_id, _work = new_case(db)
    item = trash(db).delete_case(case_id, "wrong child")
    with db.uow() as s:
        kept = s.scalars(select(TrashItem)).one()
        payload = json.loads(kept.payload)
        for row in payload["child"]:
            del row["sort_name"], row["family_sort_name"]  # as 0026's version wrote it
        kept.payload = json.dumps(payload)
    trash(db).restore(item)
    with db.read() as s:
        child = s.scalars(select(Child)).one()
        keys = search_keys_of(child)
        assert child.sort_name != "" and {k: getattr(child, k) for k in keys} == keys
