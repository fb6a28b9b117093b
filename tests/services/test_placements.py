"""A child's placements as history, on SQLite and PostgreSQL: added, corrected, ended and
withdrawn (into the trash, and back), each audited and refused on a stale form or to someone
who may not edit the child; two of the same rank never on the same days; out of area from
the establishment's LA; the case list's "School or setting" follows the main placement."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import insert, select

from caseload_app.db.models import AppSetting, AuditEntry, Child, Establishment, Placement
from caseload_app.domain import codes
from caseload_app.domain.establishments import establishment_search_text
from caseload_app.services.errors import (
    ConflictError,
    FieldErrors,
    NotFound,
    PermissionDenied,
    UserError,
)
from caseload_app.services.placements import PlacementService
from caseload_app.services.trash import TrashService
from tests.helpers import NOW, TODAY, add_person, login_for, new_case

OAK_HILL, OAKWOOD, QUEENS = 113503, 113504, 201113
ROWS = [  # urn, la, number, name, open
    (OAK_HILL, 839, 2001, "Oak Hill Primary School", True),
    (OAKWOOD, 839, 2002, "Oakwood Academy", False),
    (QUEENS, 838, 7001, "Queen's Park Special School", True),
]


def add_establishments(db) -> dict[int, int]:
    """The register's rows (as an import leaves them): URN → id."""
    with db.uow() as s:
        for urn, la, number, name, is_open in ROWS:
            s.execute(
                insert(Establishment).values(
                    urn=urn,
                    la_code=la,
                    establishment_number=number,
                    name=name,
                    type_code="",
                    type_name="",
                    phase="",
                    postcode=None,
                    is_open=is_open,
                    search_text=establishment_search_text(name, urn, la, number, None),
                    imported_at=datetime(2026, 11, 1, 9, 0),
                )
            )
    with db.read() as s:
        return dict(s.execute(select(Establishment.urn, Establishment.id)).all())


def set_council_la(db, number: str) -> None:
    with db.uow() as s:
        s.add(AppSetting(key="council_la", value=number))


@pytest.fixture
def setup(db):
    case_id, work = new_case(db)
    child_id = work.get_case(case_id).child.id
    ids = add_establishments(db)
    set_council_la(db, "839")
    return db, child_id, ids, service(db)


def service(db, user: str = "Asha Patel") -> PlacementService:
    return PlacementService(db, user, today=lambda: TODAY, now=lambda: NOW)


def at(establishment_id: int, starts: date, **more) -> dict:
    return {"kind": "setting", "establishment_id": establishment_id, "starts": starts, **more}


def setting_of(db, child_id: int) -> str | None:
    with db.read() as s:
        return s.get(Child, child_id).setting


def count_placements(db) -> int:
    with db.read() as s:
        return len(s.scalars(select(Placement.id)).all())


@pytest.mark.parametrize(
    ("column", "code_list"),
    [
        ("kind", codes.placement_kinds),
        ("provision", codes.placement_provision),
        ("attendance", codes.attendance),
        ("work_based", codes.work_based),
    ],
)
def test_every_code_fits_its_column(column, code_list):
    # PostgreSQL refuses a code longer than the column (SQLite would keep it)
    width = Placement.__table__.c[column].type.length
    assert all(len(c.code) <= width for c in code_list()), [c.code for c in code_list()]


def test_a_placement_is_added_audited_shown_and_named_in_the_case_list(setup):
    db, child_id, ids, places = setup
    new_id = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1), provision="SEN unit"))
    [info] = places.placements(child_id)
    assert (info.id, info.version, info.kind, info.rank) == (new_id, 1, "setting", 1)
    assert info.establishment is not None and info.establishment.urn == OAK_HILL
    assert (info.label, info.provision, info.out_of_area) == (
        "Oak Hill Primary School",
        "sen_unit",
        False,
    )
    assert setting_of(db, child_id) == "Oak Hill Primary School"
    with db.read() as s:
        made = s.scalars(
            select(AuditEntry).where(
                AuditEntry.record_type == "placement", AuditEntry.action == "create"
            )
        ).one()
        assert made.record_id == new_id and made.who == "Asha Patel"
        assert made.detail == "placement: Oak Hill Primary School from Wed 1 Sep 2021 (not ended)"
        looked = s.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.record_type == "child", AuditEntry.action == "view"
            )
        ).all()
        assert looked == ["read the child's placements (1)"]


def test_the_case_reads_its_childs_placements_newest_first(setup):
    db, child_id, ids, places = setup
    first = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1), ends=date(2024, 7, 19)))
    second = places.add(child_id, {"kind": "ehe", "starts": date(2024, 9, 2)})
    case_id, work = new_case(db, first_name="Amy", upn=None, nhs_number=None)
    detail = work.get_case(work.case_for_child(child_id))
    assert [p.id for p in detail.placements] == [second, first]
    assert detail.placements[0].label == "Elective home education"
    assert work.get_case(case_id).placements == ()  # Amy has none


def test_a_second_placement_of_the_same_rank_on_the_same_days_is_refused(setup):
    db, child_id, ids, places = setup
    places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1), ends=date(2025, 7, 18)))
    with pytest.raises(FieldErrors) as refused:
        places.add(child_id, at(ids[QUEENS], date(2025, 1, 6)))
    assert refused.value.errors == {
        "starts": "These dates overlap the main placement at Oak Hill Primary School from "
        "Wed 1 Sep 2021 to Fri 18 Jul 2025: a child has one placement of each rank at a "
        "time. End that one first, or change these dates."
    }
    assert count_placements(db) == 1
    places.add(child_id, at(ids[QUEENS], date(2025, 1, 6), rank=2))  # dual registration
    places.add(child_id, at(ids[QUEENS], date(2025, 7, 18)))  # a move on the day
    assert count_placements(db) == 3


def test_what_a_placement_says_is_checked_field_by_field(setup):
    db, child_id, ids, places = setup
    with pytest.raises(FieldErrors) as refused:
        places.add(
            child_id,
            {"kind": "ehe", "establishment_id": ids[OAK_HILL], "starts": date(2015, 1, 1)},
        )
    assert set(refused.value.errors) == {"establishment_id", "starts"}
    assert "before the child's date of birth (Wed 4 May 2016)" in refused.value.errors["starts"]
    with pytest.raises(FieldErrors) as refused:
        places.add(child_id, {"kind": "setting", "starts": date(2021, 9, 1), "rank": 5})
    assert set(refused.value.errors) == {"rank"}
    with pytest.raises(FieldErrors) as refused:
        places.add(child_id, {"kind": "setting", "starts": date(2021, 9, 1)})
    assert "Choose the school" in refused.value.errors["establishment_id"]
    with pytest.raises(FieldErrors, match="not in the register any more"):
        places.add(child_id, at(999_999, date(2021, 9, 1)))
    assert count_placements(db) == 0
    settled = places.add(
        child_id, {"kind": "setting", "setting_name": "Little Acorns", "starts": TODAY}
    )
    [info] = places.placements(child_id)
    assert (info.id, info.label) == (settled, "Little Acorns (not on the register)")
    assert setting_of(db, child_id) == "Little Acorns"


def test_out_of_area_follows_the_establishments_la_unless_said(setup):
    db, child_id, ids, places = setup
    places.add(child_id, at(ids[QUEENS], date(2021, 9, 1), ends=date(2022, 7, 1)))
    places.add(
        child_id, at(ids[QUEENS], date(2022, 9, 1), ends=date(2023, 7, 1), out_of_area=False)
    )
    places.add(child_id, at(ids[OAK_HILL], date(2023, 9, 1)))
    by_start = {p.starts.year: p for p in places.placements(child_id)}
    assert [by_start[y].out_of_area for y in (2021, 2022, 2023)] == [True, False, False]
    # Choosing another establishment says afresh
    oak = by_start[2023]
    places.update(oak.id, oak.version, {"establishment_id": ids[QUEENS]})
    assert next(p for p in places.placements(child_id) if p.id == oak.id).out_of_area


def test_without_the_councils_la_number_nothing_is_out_of_area_by_itself(db):
    case_id, work = new_case(db)
    child_id = work.get_case(case_id).child.id
    ids = add_establishments(db)
    service(db).add(child_id, at(ids[QUEENS], date(2021, 9, 1)))
    assert service(db).placements(child_id)[0].out_of_area is False


def test_ending_and_correcting_keep_the_case_lists_setting_in_step(setup):
    db, child_id, ids, places = setup
    oak = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)))
    assert setting_of(db, child_id) == "Oak Hill Primary School"
    version = places.end(oak, 1, date(2026, 7, 17))
    assert version == 2 and setting_of(db, child_id) == ""  # no placement today
    queens = places.add(child_id, at(ids[QUEENS], date(2026, 9, 3), attendance="part_time"))
    assert setting_of(db, child_id) == "Queen's Park Special School"
    places.update(queens, 1, {"kind": "eotas", "establishment_id": None})
    assert setting_of(db, child_id) == "Education otherwise than at a school or college"
    with pytest.raises(FieldErrors, match="End date is needed"):
        places.end(oak, version, None)
    with db.read() as s:
        changes = s.scalars(
            select(AuditEntry.detail)
            .where(AuditEntry.record_type == "child", AuditEntry.action == "update")
            .order_by(AuditEntry.id)
        ).all()
    assert changes[-1] == (
        "setting: Queen's Park Special School → Education otherwise than at a school or college"
    )


def test_a_stale_form_is_refused_naming_who_changed_what(setup):
    db, child_id, ids, places = setup
    oak = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)))
    service(db, "Lee Lead").update(oak, 1, {"attendance": "part_time"})
    with pytest.raises(ConflictError, match="Lee Lead changed this placement") as refused:
        places.end(oak, 1, date(2026, 7, 17))
    assert "attendance: — → part_time" in str(refused.value)
    with pytest.raises(ConflictError):
        places.withdraw(oak, 1, "wrong child")
    assert places.placements(child_id)[0].ends is None


def test_a_placement_withdrawn_by_mistake_goes_to_the_trash_and_comes_back(setup):
    db, child_id, ids, places = setup
    oak = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)))
    with pytest.raises(UserError, match="Say why this placement"):
        places.withdraw(oak, 1, "  ")
    item = places.withdraw(oak, 1, "recorded on the wrong child")
    assert places.placements(child_id) == [] and setting_of(db, child_id) == ""
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    [kept] = trash.items()
    assert (kept.id, kept.kind, kept.reason) == (item, "Placement", "recorded on the wrong child")
    assert kept.label == "Placement: Oak Hill Primary School from Wed 1 Sep 2021 (not ended)"
    trash.restore(item)
    [back] = places.placements(child_id)
    assert (back.id, back.label) == (oak, "Oak Hill Primary School")
    assert setting_of(db, child_id) == "Oak Hill Primary School"


def test_a_withdrawn_placement_overlapping_one_added_since_is_not_restored(setup):
    db, child_id, ids, places = setup
    oak = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)))
    item = places.withdraw(oak, 1, "wrong school")
    queens = places.add(child_id, at(ids[QUEENS], date(2021, 9, 1)))
    trash = TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="Not restored: These dates overlap the main placement"):
        trash.restore(item)
    assert [p.id for p in places.placements(child_id)] == [queens]
    assert len(trash.items()) == 1


def test_a_second_save_of_the_same_form_adds_nothing(setup):
    db, child_id, ids, places = setup
    first = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)), token="form-1")
    again = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)), token="form-1")
    assert first == again and count_placements(db) == 1


def test_a_read_only_person_or_another_caseworker_cannot_change_placements(setup):
    db, child_id, ids, places = setup
    oak = places.add(child_id, at(ids[OAK_HILL], date(2021, 9, 1)))
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "ravi", "Ravi Reader", "read_only", by="Dee Admin")
    add_person(db, "ben", "Ben Okafor", "caseworker", by="Dee Admin")
    for login in ("ravi", "ben"):
        person = service(db, login_for(db, login))
        assert len(person.placements(child_id)) == 1  # anyone signed in may read them
        with pytest.raises(PermissionDenied):
            person.add(child_id, {"kind": "neet", "starts": date(2026, 9, 1), "rank": 2})
        with pytest.raises(PermissionDenied):
            person.end(oak, 1, date(2026, 7, 17))
        with pytest.raises(PermissionDenied):
            person.withdraw(oak, 1, "not mine")
    [still] = places.placements(child_id)
    assert (still.version, still.ends, count_placements(db)) == (1, None, 1)


def test_the_placements_of_a_child_no_longer_there_are_not_found(setup):
    db, child_id, ids, places = setup
    with pytest.raises(NotFound, match="no longer exists"):
        places.placements(child_id + 100)
    with pytest.raises(NotFound, match="no longer exists"):
        places.add(child_id + 100, {"kind": "neet", "starts": date(2026, 9, 1)})
