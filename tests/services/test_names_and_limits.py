"""Names are cleaned the same way in every form, and every typed field has the same limit in
the forms, the import and the database."""

from __future__ import annotations

import pytest

from caseload_app.domain.text import matches
from caseload_app.services.caselist import CaseListService
from caseload_app.services.errors import FieldErrors
from tests.helpers import TODAY, new_case


def test_a_new_request_stores_names_without_invisible_characters(db):
    case_id, work = new_case(
        db, first_name="\u202eAn\u200bna ", last_name="Smith\u2066", parent_carer_name="Ms\tJo"
    )
    case = work.get_case(case_id)
    assert (case.child.first_name, case.child.last_name) == ("Anna", "Smith")
    assert case.family.parent_carer_name == "Ms Jo"


def test_anna_smith_finds_a_child_typed_with_a_zero_width_space(db):
    new_case(db, first_name="An\u200bna", last_name="Smith")
    (row,) = CaseListService(db, today=lambda: TODAY).list_cases().rows
    assert matches("anna smith", row.search_text)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("first_name", "a" * 101, "First name is 101 characters long; the most it can be is 100"),
        ("last_name", "Sm\x00ith", "Last name contains a NUL character"),
        ("first_name", "\x1b[2JZoe", "First name contains an escape code (ESC)"),
        ("first_name", "\u200b\u200b", "First name cannot be empty"),
        ("setting", "S" * 201, "Setting is 201 characters long; the most it can be is 200"),
        ("parent_carer_name", "P" * 201, "Parent/carer name is 201 characters long"),
        ("address", "1 High St\n" + "x" * 500, "Address is 510 characters long"),
        ("language", "Pol\x00ish", "Language contains a NUL character"),
    ],
)
def test_a_new_request_refuses_junk_and_overlong_text_beside_the_field(db, field, value, says):
    with pytest.raises(FieldErrors) as refused:
        new_case(db, **{field: value})
    assert list(refused.value.errors) == [field]
    assert refused.value.errors[field].startswith(says)


def test_editing_a_child_cleans_and_limits_like_the_new_request_form(db):
    case_id, work = new_case(db)
    child = work.get_case(case_id).child
    with pytest.raises(FieldErrors) as refused:
        work.update_child(child.id, child.version, {"first_name": "Z" * 5000})
    assert list(refused.value.errors) == ["first_name"]
    work.update_child(child.id, child.version, {"first_name": "Zo\u00ebe\u200d"})
    assert work.get_case(case_id).child.first_name == "Zoëe"


def test_a_contact_name_is_cleaned_and_limited(db):
    case_id, work = new_case(db)
    family_id = work.get_case(case_id).family.id
    with pytest.raises(FieldErrors) as refused:
        work.save_contact(family_id, None, None, {"name": "N" * 201})
    assert list(refused.value.errors) == ["name"]
    work.save_contact(family_id, None, None, {"name": " Gran\u200b  Brontë ", "relation": "Gran"})
    (contact,) = work.get_case(case_id).family.contacts
    assert contact.name == "Gran Brontë"
