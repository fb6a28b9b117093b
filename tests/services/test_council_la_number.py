"""The council's own DfE LA number (the SEN2 return's): kept with the council's details as
app_setting "council_la", only a current council's number, cleared when left blank, each
change audited; an unknown or retired number is refused saying so and nothing changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from caseload_app.db.models import AppSetting, AuditEntry
from caseload_app.services.errors import UserError
from caseload_app.services.settings import (
    CouncilDetails,
    TeamSettingsService,
    parse_la_number,
)
from tests.helpers import NOW

BCP = CouncilDetails("BCP Council", "Civic Centre", "Ms Mediator", la_number=839)


@pytest.fixture
def team(db):
    return TeamSettingsService(db, "Dee Admin", now=lambda: NOW)


def stored(db) -> str | None:
    with db.read() as s:
        row = s.get(AppSetting, "council_la")
        return None if row is None else row.value


def test_the_la_number_is_kept_with_the_council_and_cleared_when_blank(team, db):
    assert team.council().la_number is None
    team.set_council(BCP)
    assert team.council() == BCP
    assert stored(db) == "839"
    team.set_council(CouncilDetails("BCP Council", "Civic Centre", "Ms Mediator"))
    assert team.council().la_number is None
    assert stored(db) == ""
    with db.read() as s:
        details = list(s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "update")))
    assert "council_la: (not set) → 839" in details
    assert "council_la: 839 → (none)" in details


def test_a_three_digit_number_keeps_its_leading_zeros_as_the_dfe_writes_it(team, db):
    with db.uow() as s:
        s.add(AppSetting(key="council_la", value="201"))
    assert team.council().la_number == 201
    team.set_council(CouncilDetails("City of London", "Guildhall", la_number=202))
    assert stored(db) == "202"


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (999, "999 is not an LA number on the DfE list"),
        (835, "835 (Dorset (before 2019)) is a retired LA number: use the current one"),
        (12, "012 is not an LA number on the DfE list"),
        (1234, "'1234' is not a 3-digit LA number"),
    ],
)
def test_an_unknown_or_retired_number_is_refused_and_nothing_changes(team, db, number, why):
    team.set_council(BCP)
    with pytest.raises(UserError, match=re.escape(f"The council's LA number: {why}")):
        team.set_council(CouncilDetails("Another name", "Civic Centre", la_number=number))
    assert team.council() == BCP


def test_a_stored_value_that_is_not_a_number_reads_as_unset(team, db):
    with db.uow() as s:
        s.add(AppSetting(key="council_la", value="BCP"))
    assert team.council().la_number is None


def test_as_typed_blank_is_none_and_anything_else_must_be_a_current_council():
    assert parse_la_number("  ") is None
    assert parse_la_number(" 839 ") == 839
    for typed in ("83", "8390", "abc", "999"):
        with pytest.raises(UserError, match="The council's LA number: "):
            parse_la_number(typed)
