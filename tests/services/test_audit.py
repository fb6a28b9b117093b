"""The audit trail: administrators filter and export it; the export is audited."""

import csv
from datetime import date

import pytest

from caseload_app.services.audit import AuditFilter, AuditService
from caseload_app.services.errors import PermissionDenied, UserError
from tests.helpers import NOW, add_person, new_case


def audit(db, user="Asha Patel"):
    return AuditService(db, user, now=lambda: NOW)


@pytest.fixture
def history(db):
    case_id, work = new_case(db)
    work.get_case(case_id)  # a view
    work.add_task(case_id, '=HYPERLINK("x") ring school', None, None)
    other, _ = new_case(db, first_name="Ann", upn="", nhs_number="")
    return case_id, other


def test_filters_by_case_action_person_date_and_words(db, history):
    case_id, other = history
    everything = audit(db).search(AuditFilter())
    assert everything.total == len(everything.rows) >= 4
    assert [r.id for r in everything.rows] == sorted((r.id for r in everything.rows), reverse=True)
    for_case = audit(db).search(AuditFilter(case_id=case_id)).rows
    assert {r.case_id for r in for_case} == {case_id}
    assert {r.action for r in for_case} >= {"create", "view"}
    assert [r.detail for r in audit(db).search(AuditFilter(text="ring school")).rows] == [
        '=HYPERLINK("x") ring school'
    ]
    assert audit(db).search(AuditFilter(who="Nobody")).total == 0
    assert audit(db).search(AuditFilter(since=date(2026, 11, 24), until=date(2026, 11, 24))).total
    assert audit(db).search(AuditFilter(since=date(2026, 11, 25))).total == 0
    assert audit(db).search(AuditFilter(action="view")).total == 1
    choices = audit(db).choices()
    assert "Asha Patel" in choices.who
    assert "view" in choices.actions
    # Each search is itself recorded: the next one counts the entry of the one before it.
    before = audit(db).search(AuditFilter()).total
    assert audit(db).search(AuditFilter(), limit=2).total == before + 1


def test_a_backwards_date_range_is_explained(db, history):
    with pytest.raises(UserError, match="before the 'from' date"):
        audit(db).search(AuditFilter(since=date(2026, 11, 24), until=date(2026, 11, 1)))


def test_the_export_is_complete_safe_and_itself_audited(db, history, tmp_path):
    case_id, _ = history
    path = tmp_path / "audit.csv"
    count = audit(db).export_csv(AuditFilter(case_id=case_id), path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == count == audit(db).search(AuditFilter(case_id=case_id)).total
    assert '\'=HYPERLINK("x") ring school' in {r["detail"] for r in rows}  # formula neutralised
    last = audit(db).search(AuditFilter(action="export")).rows[0]
    assert last.who == "Asha Patel"
    assert last.at == NOW
    assert f"{count} entries to audit.csv (case {case_id})" in last.detail


def test_only_administrators_read_the_trail(db, history):
    add_person(db, "dee.admin", "Dee Admin", "administrator")
    for call in (
        lambda a: a.search(AuditFilter()),
        lambda a: a.choices(),
        lambda a: a.export_csv(AuditFilter(), "x.csv"),
    ):
        with pytest.raises(PermissionDenied):
            call(audit(db, "Asha Patel"))
    assert audit(db, "Dee Admin").search(AuditFilter()).total > 0


def test_only_the_apps_own_kinds_of_audit_entry_are_written(db):
    """On a team database the server refuses any other kind too (tests/pg/test_roles.py)."""
    from caseload_app.services import records

    refused = pytest.raises(ValueError, match="not a kind of audit entry caseload writes")
    with refused, db.uow() as s:
        records.write_audit(s, at=NOW, who="Asha Patel", action="granted", record_type="x")
    with db.read() as s:
        from sqlalchemy import func, select

        from caseload_app.db.models import AuditEntry

        assert s.scalar(select(func.count()).where(AuditEntry.action == "granted")) == 0
