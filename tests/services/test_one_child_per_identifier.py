"""One live child per UPN and per NHS number, kept by the database itself: each way of
recording a child gets a plain message naming the field, never the value."""

from datetime import date

import pytest
from sqlalchemy import func, select

from caseload_app.db.models import Child
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.requests import NewRequest
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, new_case, services

UPN, NHS = "L837201500012", "4010232137"  # Zoë's, from tests.helpers.new_case


def children(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Child))


@pytest.mark.parametrize(("field", "value"), [("upn", UPN), ("nhs_number", "401 023 2137")])
def test_create_anyway_with_a_recorded_identifier_is_refused_beside_the_field(db, field, value):
    """The new-request form's "Create anyway" after the duplicate warning: the database
    refuses the second child, and the form says so beside the UPN or NHS number."""
    new_case(db)
    requests, _ = services(db)
    with pytest.raises(FieldErrors) as refused:
        requests.create(
            NewRequest("Someone", "Else", date(2010, 1, 1), TODAY, **{field: value}),
        )
    assert list(refused.value.errors) == [field]
    message = refused.value.errors[field]
    assert "already recorded" in message
    assert value.replace(" ", "") not in message
    assert children(db) == 1


def test_editing_a_child_to_another_childs_nhs_number_is_refused_beside_the_field(db):
    new_case(db)
    other_id, work = new_case(db, first_name="Emily", upn="", nhs_number="")
    child = work.get_case(other_id).child
    with pytest.raises(FieldErrors) as refused:
        work.update_child(child.id, child.version, {"nhs_number": "401 023 2137"})
    assert list(refused.value.errors) == ["nhs_number"]
    assert work.get_case(other_id).child.nhs_number is None


def test_a_deleted_child_whose_upn_was_given_to_a_new_child_is_not_restored(db):
    """Deleting a case takes its child to the trash; a new child recorded meanwhile with
    the same UPN keeps it, and the restore says why not, without quoting the UPN."""
    case_id, _ = new_case(db)
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    item = trash.delete_case(case_id, "entered on the wrong child")
    new_case(db, first_name="Zara", nhs_number="")  # the same UPN, now free
    with pytest.raises(UserError, match="same UPN") as refused:
        trash.restore(item)
    assert UPN not in str(refused.value)
    assert NHS not in str(refused.value)
    assert children(db) == 1
    assert len(trash.items()) == 1  # nothing half-restored
