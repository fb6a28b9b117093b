"""Correcting what was recorded: an exception can be ended, corrected or withdrawn, with the
history showing old → new and who (issue: "no end date yet" for ever)."""

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.errors import ConflictError, FieldErrors, UserError
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case


def exception_on(db):
    case_id, work = new_case(db)
    exception_id = work.record_exception(
        case_id, "absent_from_area", date(2026, 11, 2), None, None, "holiday abroad"
    )
    return case_id, work, exception_id


def test_an_exception_is_ended_and_corrected_with_old_and_new_in_the_history(db):
    case_id, work, exception_id = exception_on(db)
    (row,) = work.get_case(case_id).exceptions
    assert row.period_end is None
    changed = work.update_exception(
        exception_id,
        row.version,
        {"period_end": date(2026, 11, 20), "ground": "exceptional_circumstances"},
    )
    assert len(changed) == 2  # both fields, each audited old → new
    case = work.get_case(case_id)
    (row,) = case.exceptions
    assert (row.period_end, row.ground) == (date(2026, 11, 20), "exceptional_circumstances")
    assert case.exception_applies  # the deadline it covered stays marked
    with db.read() as s:
        details = list(
            s.scalars(select(AuditEntry.detail).where(AuditEntry.record_type == "case_exception"))
        )
    assert any("absent_from_area" in d and "exceptional_circumstances" in d for d in details)
    assert any("2026-11-20" in d for d in details)
    with pytest.raises(ConflictError):  # a form opened before that save
        work.update_exception(exception_id, row.version - 1, {"note": "stale"})


def test_impossible_corrections_are_refused_field_by_field(db):
    case_id, work, exception_id = exception_on(db)
    (row,) = work.get_case(case_id).exceptions
    with pytest.raises(FieldErrors) as refused:
        work.update_exception(exception_id, row.version, {"period_end": date(2026, 11, 1)})
    assert "ends before it starts" in refused.value.errors["period_end"]
    with pytest.raises(FieldErrors) as refused:
        work.update_exception(
            exception_id, row.version, {"ground": "waiting_list", "family_told": date(2027, 1, 1)}
        )
    assert set(refused.value.errors) == {"ground", "family_told"}
    assert work.get_case(case_id).exceptions[0].version == row.version  # nothing saved


def test_a_withdrawn_exception_goes_to_the_trash_and_comes_back(db):
    case_id, work, exception_id = exception_on(db)
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Say why"):
        trash.withdraw_exception(exception_id, "  ")
    item = trash.withdraw_exception(exception_id, "recorded on the wrong case")
    case = work.get_case(case_id)
    assert case.exceptions == () and not case.exception_applies
    (listed,) = trash.items()
    assert (listed.id, listed.kind, listed.reason) == (
        item,
        "Exception",
        "recorded on the wrong case",
    )
    assert listed.label == "Exception from Mon 2 Nov 2026: " + listed.label.split(": ", 1)[1]
    trash.restore(item)
    case = work.get_case(case_id)
    assert [e.id for e in case.exceptions] == [exception_id] and case.exception_applies
