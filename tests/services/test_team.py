from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import Assignment
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.team import TeamService
from tests.helpers import NOW, TODAY, new_case


def team(db, user="Team Lead"):
    return TeamService(db, user, today=lambda: TODAY, now=lambda: NOW)


def test_caseworkers_capacity_and_absences(db):
    lead = team(db)
    asha = lead.add_caseworker("Asha Patel", "asha@council.example.org", 1.0)
    carys = lead.add_caseworker("Carys Morgan", capacity=0.6)
    with pytest.raises(FieldErrors) as err:
        lead.add_caseworker("Asha Patel")
    assert "already a caseworker called Asha Patel" in err.value.errors["name"]
    with pytest.raises(FieldErrors):
        lead.add_caseworker("Nobody", capacity=0)
    lead.add_absence(carys, date(2026, 11, 23), date(2026, 12, 4), "Leave")
    with pytest.raises(FieldErrors, match="ends before it starts"):
        lead.add_absence(asha, date(2026, 12, 4), date(2026, 12, 1))
    workers = {w.name: w for w in lead.workers()}
    assert workers["Carys Morgan"].capacity == 0.6
    assert workers["Carys Morgan"].away_on(TODAY)
    assert not workers["Asha Patel"].away_on(TODAY)


@pytest.mark.parametrize("fte", [1e-200, 0.09, 1.51, float("nan"), float("inf"), -1.0, True])
def test_a_capacity_the_window_would_not_take_is_refused_by_the_service_too(db, fte):
    """`caseload caseworker --fte` reaches the service without the window's spin box: an FTE
    of 1e-200 made a load per FTE 200 digits long on the weekly report."""
    lead = team(db)
    with pytest.raises(FieldErrors) as err:
        lead.add_caseworker("Odd Fte", capacity=fte)
    assert "full-time equivalents" in err.value.errors["capacity"]
    asha = lead.add_caseworker("Asha Patel", capacity=0.1)
    lead.set_capacity(asha, 1.5)
    with pytest.raises(FieldErrors):
        lead.set_capacity(asha, fte)
    assert [(w.name, w.capacity) for w in lead.workers()] == [("Asha Patel", 1.5)]


def test_reassign_moves_siblings_together_and_undo_restores_exactly(db):
    lead = team(db)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    zoe, work = new_case(db, caseworker_id=asha)
    family = work.get_case(zoe).family.id
    emily, _ = new_case(
        db,
        first_name="Emily",
        upn="",
        nhs_number="",
        caseworker_id=asha,
        date_of_birth=date(2018, 2, 2),
        family_id=family,
    )
    other, _ = new_case(
        db, first_name="Sam", last_name="Other", upn="", nhs_number="", caseworker_id=asha
    )
    moved = lead.reassign([zoe], ben, "Ben has capacity")
    assert set(moved.case_ids) == {zoe, emily}  # the sibling came too
    assert work.get_case(emily).caseworker_id == ben
    assert work.get_case(other).caseworker_id == asha
    history = work.get_case(zoe).assignments
    assert (history[-1].from_name, history[-1].to_name, history[-1].reason) == (
        "Asha Patel",
        "Ben Okafor",
        "Ben has capacity",
    )
    lead.undo(moved.batch)
    assert work.get_case(zoe).caseworker_id == asha
    assert work.get_case(emily).caseworker_id == asha
    with db.read() as s:
        assert s.scalars(select(Assignment.reason).order_by(Assignment.id.desc())).first() == (
            "Undo of an earlier move"
        )


def test_splitting_a_family_needs_saying_so(db):
    lead = team(db)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    zoe, work = new_case(db, caseworker_id=asha)
    family = work.get_case(zoe).family.id
    emily, _ = new_case(
        db,
        first_name="Emily",
        upn="",
        nhs_number="",
        caseworker_id=asha,
        date_of_birth=date(2018, 2, 2),
        family_id=family,
    )
    moved = lead.reassign([zoe], ben, "Split at the family's request", split_families=True)
    assert moved.case_ids == (zoe,)
    assert work.get_case(emily).caseworker_id == asha


def test_undo_is_refused_if_a_case_moved_again(db):
    lead = team(db)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    dev = lead.add_caseworker("Dev Sharma")
    zoe, work = new_case(db, caseworker_id=asha)
    first = lead.reassign([zoe], ben, "Cover")
    lead.reassign([zoe], dev, "Cover again")
    with pytest.raises(UserError, match="moved again since"):
        lead.undo(first.batch)
    assert work.get_case(zoe).caseworker_id == dev
    with pytest.raises(FieldErrors):
        lead.reassign([zoe], asha, "  ")


def test_rename_retire_and_reinstate_on_either_database(db):
    lead = team(db)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    case_id, _ = new_case(db, caseworker_id=asha)
    with pytest.raises(FieldErrors, match="already a caseworker called Ben Okafor"):
        lead.rename_caseworker(asha, "BEN OKAFOR")
    lead.rename_caseworker(asha, "Asha Khan")
    assert lead.worker_named("asha khan").id == asha
    with pytest.raises(UserError, match="Asha Khan still holds 1 open case"):
        lead.retire_caseworker(asha)
    assert lead.open_case_counts() == {asha: 1}
    lead.reassign([case_id], ben, "leaving")
    lead.retire_caseworker(asha)
    assert [w.name for w in lead.workers()] == ["Ben Okafor"]
    lead.reinstate_caseworker(asha)
    assert [w.name for w in lead.workers()] == ["Asha Khan", "Ben Okafor"]
    with pytest.raises(UserError, match="no caseworker called 'Nobody'"):
        lead.worker_named("Nobody")
