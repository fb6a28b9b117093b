"""`caseload providers`: the board as a table or as JSON, the cases waiting named; looked at
is audited."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.models import AuditEntry
from caseload_app.services.providers import ProviderService
from tests.helpers import new_case


def test_the_board_as_a_table_and_as_json(db, capsys):
    north = ProviderService(db, "Asha Patel").add_provider({"service": "ep", "name": "EP North"})
    case_id, work = new_case(db, first_name="Amy", upn=None, nhs_number=None)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6), provider_id=north)
    work.request_advice(case_id, "health", date(2026, 8, 6))
    assert main(["providers", "--db", str(db.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Provider", "Waiting", "Overdue", "Last", "6", "months", "Last",
                                "12", "months", "Trend"]  # fmt: skip
    names = [line[:30] for line in lines[1:]]
    assert any(n.startswith("EP North ") for n in names)
    assert any(n.startswith("Health (no team recorded)") for n in names)
    assert main(["providers", "--db", str(db.path), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    (ep,) = [p for p in found["providers"] if p["provider_id"] == north]
    assert (ep["outstanding"], ep["overdue"]) == (1, 1)  # due 17 Sep 2026; today is later
    assert ep["waiting"][0]["child"] == "Amy Brontë"
    assert ep["waiting"][0]["due"] == "2026-09-17"
    assert ep["last_12_months"] == {"arrived": 0, "median_days": None, "p90_days": None}
    with db.read() as s:
        looks = s.scalars(
            select(AuditEntry.detail).where(AuditEntry.record_type == "advice_provider",
                                            AuditEntry.action == "view")
        ).all()  # fmt: skip
    assert len(looks) == 2
