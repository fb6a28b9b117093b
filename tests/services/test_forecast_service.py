"""The forecast read from a database: the open requests it counts, the history it learns
from, the names of the cases at risk, and a what-if that changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import func, select, update

from caseload_app.db.models import EhcpCase
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.forecast import WhatIf
from caseload_app.services.demo import generate_demo
from caseload_app.services.forecast import ForecastService, what_if_from_json
from tests.backends import sqlite_only
from tests.services.test_exports_are_audited import opened_read_only

TODAY = date(2026, 12, 7)


@pytest.fixture
def demo(db):
    generate_demo(db, children=1500, seed=3, today=TODAY)
    return db


def _service(db) -> ForecastService:
    return ForecastService(db, "Team lead", today=lambda: TODAY)


def test_the_demo_forecast_counts_every_open_request_and_names_the_cases_at_risk(demo):
    result = _service(demo).forecast(12, named=True)
    f = result.baseline
    assert f.ok, f.missing
    with demo.read() as s:
        open_requests = s.scalar(
            select(func.count()).where(
                EhcpCase.is_open,
                EhcpCase.final_issued.is_(None),
                EhcpCase.transferred_in.is_(None),
                EhcpCase.stage.in_(("request_received", "assessment", "draft_issued")),
            )
        )
    assert f.open_cases == open_requests > 0
    assert len(f.weeks) == 12 and f.total() > 0
    assert all(w.low <= round(w.expected) <= w.high + 1 for w in f.weeks)
    assert f.at_risk and set(result.children) == {r.case_id for r in f.at_risk}
    assert all(" " in name for name in result.children.values())
    assert result.scenario is None


def test_a_plan_imported_without_its_date_or_transferred_in_is_not_waiting_for_one(demo):
    service = _service(demo)
    before = service.forecast(4).baseline.open_cases
    with demo.uow() as s:
        waiting = s.scalars(
            select(EhcpCase.id).where(EhcpCase.stage == "assessment", EhcpCase.is_open).limit(2)
        ).all()
        s.execute(update(EhcpCase).where(EhcpCase.id == waiting[0]).values(stage="plan_issued"))
        s.execute(update(EhcpCase).where(EhcpCase.id == waiting[1]).values(transferred_in=TODAY))
    assert service.forecast(4).baseline.open_cases == before - 2


def test_the_what_if_sits_beside_the_forecast(demo):
    service = _service(demo)
    names = service.caseworker_ids()
    who = sorted(names)[0]
    spec = {
        "agency": {"fte": 2, "weeks": 8},
        "leaving": {"caseworker": who, "last_day": "2026-12-20"},
    }
    what_if = what_if_from_json(json.dumps(spec), names)
    result = service.forecast(12, what_if)
    assert result.scenario is not None and result.scenario.ok
    assert result.what_if == [
        "an agency caseworker (2 FTE) for 8 weeks",
        f"{who} leaving after 20 Dec 2026",
    ]
    assert result.scenario.weeks != result.baseline.weeks


def test_a_what_if_naming_someone_or_something_not_there_is_refused(demo):
    service = _service(demo)
    with demo.read() as s:
        waiting = s.scalar(
            select(EhcpCase.id).where(EhcpCase.is_open, EhcpCase.stage == "assessment").limit(1)
        )
        held = s.scalar(select(EhcpCase.id).where(EhcpCase.stage == "plan_issued").limit(1))
    with pytest.raises(ValidationError, match="no active caseworker number 999"):
        service.forecast(12, WhatIf(moves=(((waiting,), 999),)))
    with pytest.raises(ValidationError, match=f"Case {held} is not a request waiting"):
        service.forecast(12, WhatIf(moves=(((held,), 1),)))
    with pytest.raises(ValidationError, match="There is no advice service 'EP'"):
        service.forecast(12, WhatIf(provider_days={"EP": (8.0, 1.0)}))


@sqlite_only
def test_the_forecast_and_its_what_if_change_nothing_in_the_database(demo):
    """Read from a file SQLite itself will not write to, and the file unchanged after."""
    digest = hashlib.sha256(demo.path.read_bytes()).hexdigest()
    demo.dispose()
    ro = opened_read_only(demo.path)
    try:
        service = ForecastService(ro, "Team lead", today=lambda: TODAY)
        result = service.forecast(12, WhatIf(agency=(1.0, 4), surge=(50.0, 4)))
        assert result.scenario is not None
        assert service.back_test(past_weeks=4).points
    finally:
        ro.dispose()
    assert hashlib.sha256(demo.path.read_bytes()).hexdigest() == digest


def test_the_demo_has_history_enough_for_a_meaningful_back_test(demo):
    bt = _service(demo).back_test(past_weeks=12)
    assert bt.skipped == 0
    assert [e.lead for e in bt.leads] == [4, 8, 12]
    for e in bt.leads:
        assert e.weeks == 12 and e.mean_actual > 1
        # 1,500 children make about 3 plans a week, so chance alone is off by about one:
        # the forecast is nearer than a forecast of nothing (off by all of them).
        assert e.relative is not None and e.relative < 0.9


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not JSON"),
        ("[1, 2]", "one JSON object"),
        ('{"agencies": {}}', "Unknown what-if: agencies"),
        ('{"agency": {"fte": "one", "weeks": 4}}', "agency.fte must be a number"),
        ('{"agency": {"fte": 1, "weeks": 0}}', "agency.weeks must be a whole number"),
        ('{"provider_days": {"ep": {"now": 0, "add": 1}}}', "provider_days.ep.now must be between"),
        ('{"provider_days": {"ep": 3}}', "provider_days.ep must be an object"),
        ('{"leaving": {"caseworker": "Nobody", "last_day": "2027-01-01"}}', "no active caseworker called 'Nobody'"),  # noqa: E501
        ('{"leaving": {"caseworker": "Ann", "last_day": "31/01/2027"}}', "leaving.last_day must be a date written YYYY-MM-DD"),  # noqa: E501
        ('{"moves": [{"cases": [], "to": "Ann"}]}', r"moves\[0\].cases must be a list of case numbers"),  # noqa: E501
        ('{"moves": {"cases": [1]}}', "'moves' must be a list"),
        ('{"moves": [{"cases": [true], "to": "Ann"}]}', r"moves\[0\].cases must be a list"),
        ('{"away": [{"caseworker": "Ann", "from": "2027-01-10", "to": "2027-01-03"}]}', r"away\[0\]: 'to' is before 'from'"),  # noqa: E501
        ('{"surge": {"percent": true, "weeks": 2}}', "surge.percent must be a number"),
    ],
)  # fmt: skip
def test_a_bad_what_if_file_is_refused_by_name(text, message):
    with pytest.raises(ValidationError, match=message):
        what_if_from_json(text, {"Ann": 1, "Bo": 2})


def test_a_what_if_file_names_caseworkers_by_name_or_number():
    w = what_if_from_json(
        '{"moves": [{"cases": [4, 5], "to": "bo"}], "away": [{"caseworker": 1, '
        '"from": "2027-01-04", "to": "2027-01-08"}], "provider_days": {"ep": {"now": 8, '
        '"add": 2}}, "surge": {"percent": 25, "weeks": 3}}',
        {"Ann": 1, "Bo": 2},
    )
    assert w == WhatIf(
        provider_days={"ep": (8.0, 2.0)},
        moves=(((4, 5), 2),),
        surge=(25.0, 3),
        away=((1, date(2027, 1, 4), date(2027, 1, 8)),),
    )


def test_a_caseworker_is_refused_the_forecast_that_names_the_team_s_children(demo):
    from caseload_app.services.errors import PermissionDenied
    from tests.helpers import add_person

    add_person(demo, "dee.admin", "Dee Admin", "administrator")
    add_person(demo, "asha", "Asha Patel", "caseworker", caseworker_id=1, by="Dee Admin")
    service = ForecastService(demo, "Asha Patel", today=lambda: TODAY)
    with pytest.raises(PermissionDenied, match="see the board and run team reports"):
        service.forecast(12)
    with pytest.raises(PermissionDenied):
        service.back_test(4)


def test_naming_the_children_at_risk_is_a_look_in_the_audit_trail_and_nothing_else_writes(
    demo,
):
    from caseload_app.db.models import AuditEntry

    def looks():
        with demo.read() as s:
            return s.execute(
                select(AuditEntry.who, AuditEntry.detail).where(
                    AuditEntry.record_type == "forecast"
                )
            ).all()

    service = _service(demo)
    plain = service.forecast(12, WhatIf(agency=(1.0, 4)))
    assert plain.children == {} and looks() == []
    named = service.forecast(12, named=True)
    (look,) = looks()
    assert look.who == "Team lead"
    assert f"{len(named.children)} children named" in look.detail
