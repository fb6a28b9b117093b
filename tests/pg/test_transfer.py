"""Moving a 5,000-child laptop file into an empty team database: all or nothing, counts
checked, records spot-checked, ids kept and the next new ids free."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from caseload_app.db.engine import open_database
from caseload_app.db.models import Base, Child, Communication, EhcpCase
from caseload_app.services.casework import CaseworkService
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import UserError
from caseload_app.services.transfer import move_laptop_file
from tests.helpers import new_case


@pytest.fixture(scope="module")
def laptop_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("laptop") / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=5000, seed=7, today=date(2026, 11, 24))
    db.dispose()
    return path


def counts(db) -> dict[str, int]:
    with db.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def test_a_5000_child_file_moves_whole_and_matches(laptop_file, pg_database):
    result = move_laptop_file(laptop_file, pg_database)
    source, target = open_database(laptop_file), open_database(pg_database)
    try:
        assert result.counts["child"] == 5000
        assert result.checked > 500
        moved = counts(target)
        expected = counts(source)
        expected["audit_entry"] += 1  # the move itself is recorded
        expected["app_user"] = 0  # people sign in to the server with their own logins
        assert moved == expected
        for case_id in (1, 2500, 5000):  # spot checks through the app, as a caseworker sees it
            here = CaseworkService(source, "x").get_case(case_id, opened=False)
            there = CaseworkService(target, "x").get_case(case_id, opened=False)
            assert here == there
        new_id, _ = new_case(target, first_name="After", upn="", nhs_number="")
        with target.read() as s:
            assert new_id == s.scalar(select(func.max(EhcpCase.id)))  # the next free id
            assert new_id > 5000
    finally:
        source.dispose()
        target.dispose()


def test_a_team_database_that_holds_children_is_refused_and_left_alone(laptop_file, pg_database):
    target = open_database(pg_database)
    new_case(target)
    before = counts(target)
    with pytest.raises(UserError, match="already holds 1 children"):
        move_laptop_file(laptop_file, pg_database)
    assert counts(target) == before
    target.dispose()


def test_a_team_database_with_records_of_its_own_is_refused_before_anything_is_written(
    laptop_file, pg_database
):
    """Caseworkers added on the server first (no children yet): refused in plain words,
    not an IntegrityError half-way."""
    from caseload_app.services.team import TeamService

    target = open_database(pg_database)
    TeamService(target, "Lee Lead").add_caseworker("Early Bird")
    before = counts(target)
    with pytest.raises(UserError, match=r"already holds records \(caseworker\)"):
        move_laptop_file(laptop_file, pg_database)
    assert counts(target) == before
    target.dispose()


def test_a_move_that_fails_half_way_writes_nothing(laptop_file, pg_database, monkeypatch):
    from caseload_app.services import transfer

    real = transfer._copy

    def copy_then_fail(read, write, table, shift=0):
        moved = real(read, write, table, shift)
        if table.name == Communication.__tablename__:
            raise UserError("the network dropped")
        return moved

    monkeypatch.setattr(transfer, "_copy", copy_then_fail)
    with pytest.raises(UserError, match="network dropped"):
        move_laptop_file(laptop_file, pg_database)
    target = open_database(pg_database)
    with target.read() as s:
        assert s.scalar(select(func.count()).select_from(Child)) == 0
    target.dispose()


def test_the_file_must_exist(pg_database, tmp_path):
    with pytest.raises(UserError, match="no laptop file"):
        move_laptop_file(tmp_path / "nope.sqlite3", pg_database)
