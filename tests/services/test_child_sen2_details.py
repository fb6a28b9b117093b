"""The person details SEN2 asks for, saved with the child's other details: sex, ethnicity,
ULN, why a UPN is unknown, and needs ranked after the secondary; each checked, each change
in the history as old → new."""

import pytest

from caseload_app.services.errors import FieldErrors
from tests.helpers import new_case


def child_of(work, case_id):
    return work.get_case(case_id).child


def save(work, case_id, **changes):
    child = child_of(work, case_id)
    return work.update_child(child.id, child.version, changes)


def refusal(work, case_id, **changes) -> dict[str, str]:
    version = child_of(work, case_id).version
    with pytest.raises(FieldErrors) as refused:
        save(work, case_id, **changes)
    assert child_of(work, case_id).version == version  # nothing saved
    return refused.value.errors


def test_the_details_are_saved_as_codes_and_each_change_is_in_the_history(db):
    case_id, work = new_case(db, upn="")
    save(
        work,
        case_id,
        sex="Female",
        ethnicity="wbri",
        uln="9276 308 686",
        primary_need="ASD",
        secondary_need="SLCN",
        further_needs="semh, mld",
    )
    child = child_of(work, case_id)
    assert (child.sex, child.ethnicity, child.uln) == ("F", "WBRI", "9276308686")
    assert child.further_needs == ("SEMH", "MLD")  # in the order given
    changes = {c.detail for c in work.get_case(case_id).changes}
    assert any("sex: — → F" in c for c in changes)
    assert any("uln: — → 9276308686" in c for c in changes)
    assert any("further_needs: — → SEMH MLD" in c for c in changes)
    save(work, case_id, further_needs="", sex="", ethnicity="")
    child = child_of(work, case_id)
    assert (child.further_needs, child.sex, child.ethnicity) == ((), None, None)


def test_each_detail_is_checked_with_a_plain_message(db):
    case_id, work = new_case(db)
    errors = refusal(
        work, case_id, sex="X", ethnicity="English", uln="9276308687", upn_unknown="UN4"
    )
    assert set(errors) == {"sex", "ethnicity", "uln", "upn_unknown"}
    assert errors["uln"] == "ULN check digit should be 6, not 7"
    assert "'X' is not an accepted value" in errors["sex"]
    assert "UN10" in errors["upn_unknown"]  # the accepted codes are listed


def test_further_needs_come_after_the_secondary_and_repeat_neither(db):
    case_id, work = new_case(db)
    save(work, case_id, primary_need="ASD")
    assert refusal(work, case_id, further_needs="SLCN") == {
        "further_needs": "Further needs come after the secondary need: record that first."
    }
    save(work, case_id, secondary_need="SLCN")
    assert refusal(work, case_id, further_needs="MLD ASD") == {
        "further_needs": "ASD is already the primary need."
    }
    assert refusal(work, case_id, further_needs="SLCN") == {
        "further_needs": "SLCN is already the secondary need."
    }
    assert refusal(work, case_id, further_needs="MLD mld") == {
        "further_needs": "MLD is listed twice."
    }
    assert (
        "not an accepted value" in refusal(work, case_id, further_needs="MLD NSA")["further_needs"]
    )
    save(work, case_id, further_needs="MLD")
    # Making a further need the secondary one leaves it twice: said beside the secondary.
    assert refusal(work, case_id, secondary_need="MLD") == {
        "secondary_need": "MLD is already the secondary need."
    }
    # Both in one save: the secondary moves up and the further needs follow it.
    save(work, case_id, secondary_need="MLD", further_needs="SLCN")
    assert child_of(work, case_id).further_needs == ("SLCN",)


def test_a_reason_for_no_upn_only_for_a_child_with_neither_upn_nor_uln(db):
    case_id, work = new_case(db)  # has a UPN
    assert refusal(work, case_id, upn_unknown="UN8") == {
        "upn_unknown": "The child has a UPN, so no reason for an unknown UPN is needed: "
        "clear the reason or the UPN."
    }
    save(work, case_id, upn="", upn_unknown="UN8")
    assert child_of(work, case_id).upn_unknown == "UN8"
    # The UPN arrives later: clear the reason with it, or be told.
    errors = refusal(work, case_id, upn="L837201500012")
    assert errors == {
        "upn": "The child has a UPN, so no reason for an unknown UPN is needed: "
        "clear the reason or the UPN."
    }
    assert "ULN" in refusal(work, case_id, uln="9276308686")["uln"]
    save(work, case_id, upn="L837201500012", upn_unknown="")
    child = child_of(work, case_id)
    assert (child.upn, child.upn_unknown) == ("L837201500012", None)


def test_a_disagreement_says_which_decision_it_is_about(db):
    from datetime import date

    case_id, work = new_case(db)
    with pytest.raises(FieldErrors) as refused:
        work.add_disagreement(case_id, "Refusal to assess", date(2026, 8, 4), " ")
    assert refused.value.errors == {"about": "Choose which decision the disagreement is about"}
    with pytest.raises(FieldErrors) as refused:
        work.add_disagreement(case_id, "Refusal to assess", date(2026, 8, 4), "tribunal")
    assert "not an accepted value" in refused.value.errors["about"]
    assert work.get_case(case_id).disagreements == ()
    row_id = work.add_disagreement(
        case_id, "Refusal to assess", date(2026, 8, 4), "Decision not to assess"
    )
    (row,) = work.get_case(case_id).disagreements
    assert (row.id, row.about) == (row_id, "not_assess")  # the label is taken for its code
    work.update_disagreement(row.id, row.version, {"about": "other"})
    (row,) = work.get_case(case_id).disagreements
    assert row.about == "other"
    assert any("about: not_assess → other" in c.detail for c in work.get_case(case_id).changes)
    with pytest.raises(FieldErrors) as refused:
        work.update_disagreement(row.id, row.version, {"about": ""})
    assert "about" in refused.value.errors
