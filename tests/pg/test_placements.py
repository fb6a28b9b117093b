"""Placements on a team database, as people on their own logins: a caseworker records her own
child's placements through the app; another caseworker cannot, through the app or past it
with a home-made client (row-level security: caseload_may_edit_child), though she may read
them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from caseload_app.db.models import EhcpCase, Placement
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.placements import PlacementService
from tests.pg.test_roles import REFUSED, attempt
from tests.services.test_placements import OAK_HILL, add_establishments, set_council_la

ADD = (
    "INSERT INTO placement (child_id, kind, setting_name, starts, rank, residential, "
    "out_of_area, version) VALUES (%(child)s, 'neet', '', '2026-09-01', 2, NULL, false, 1)"
)


def child_of(t, case_id: int) -> int:
    with t.owner.read() as s:
        return s.scalar(select(EhcpCase.child_id).where(EhcpCase.id == case_id))


def test_only_whoever_may_edit_the_child_writes_its_placements(team_server):
    t = team_server
    ids = add_establishments(t.owner)
    set_council_la(t.owner, "839")
    amy = child_of(t, t.case_a)  # Asha's case
    asha = t.service(PlacementService, "asha")
    oak = asha.add(
        amy, {"kind": "setting", "establishment_id": ids[OAK_HILL], "starts": date(2021, 9, 1)}
    )
    ben = t.service(PlacementService, "ben")
    assert [p.id for p in ben.placements(amy)] == [oak]  # he may read them
    with pytest.raises(PermissionDenied):
        ben.add(amy, {"kind": "neet", "starts": date(2026, 9, 1), "rank": 2})
    # Past the app, the database refuses him too; Asha's own client may.
    raw_ben, raw_asha = t.raw("ben"), t.raw("asha")
    assert attempt(raw_ben, ADD, {"child": amy}) == REFUSED
    assert attempt(raw_ben, "UPDATE placement SET ends = '2026-07-17'") == 0  # none his
    assert attempt(raw_ben, "DELETE FROM placement") == 0
    assert attempt(raw_asha, ADD, {"child": amy}) == 1
    bea = child_of(t, t.case_b)  # Ben's case: his to place, not hers
    assert attempt(raw_ben, ADD, {"child": bea}) == 1
    assert attempt(raw_asha, ADD, {"child": bea}) == REFUSED
    assert attempt(t.raw("ravi"), ADD, {"child": amy}) == REFUSED
    with t.owner.read() as s:
        assert s.scalars(select(Placement.id)).all() == [oak]  # every attempt rolled back
