"""The keep-in-touch promise over a real database: families due an update (after a stage
change, or weeks without one), the team's setting, the update drafted from the case (audited
as a view), and the command line."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.errors import UserError
from caseload_app.services.keep_in_touch import KeepInTouchService
from caseload_app.services.settings import TeamSettingsService
from tests.helpers import NOW, TODAY, new_case


def keep(db, today=TODAY) -> KeepInTouchService:
    return KeepInTouchService(db, "Asha Patel", today=lambda: today, now=lambda: NOW)


def test_a_family_not_told_of_a_stage_change_is_due_within_a_week(db):
    case_id, work = new_case(db)  # request received Wed 1 Jul 2026
    (due,) = keep(db).due(days=0)
    assert (due.case_id, due.due) == (case_id, date(2026, 7, 29))  # 4 weeks: long overdue
    work.log_communication(case_id, datetime(2026, 11, 20, 9), "phone", "out", "Mum", "Update")
    assert keep(db).due(days=7) == []  # told on 20 Nov: next due 18 Dec
    (later,) = keep(db).due(days=30)
    assert (later.due, later.reason) == (
        date(2026, 12, 18),
        "Every 4 weeks: last update Fri 20 Nov 2026",
    )
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", TODAY)
    (changed,) = keep(db).due(days=7)
    assert changed.due == TODAY + timedelta(days=7)
    assert changed.reason == "Stage changed Tue 24 Nov 2026, family not told yet"
    work.log_communication(case_id, datetime(2026, 11, 24, 10), "letter", "in", "Mum", "Reply")
    assert keep(db).due(days=7) == [changed]  # only what the council sends counts


def test_the_team_decides_how_often(db):
    new_case(db)
    settings = TeamSettingsService(db, "admin", now=lambda: NOW)
    assert settings.update_every_weeks() == 4
    settings.set_update_every_weeks(2)
    assert keep(db).due(days=0)[0].due == date(2026, 7, 15)
    with pytest.raises(UserError, match="every 1 to 26 weeks"):
        settings.set_update_every_weeks(0)
    assert keep(db).on_time_share() == (0, 1)
    assert keep(db, today=date(2026, 7, 10)).on_time_share() == (1, 1)


def test_the_update_is_drafted_from_the_case_and_the_look_audited(db):
    case_id, work = new_case(db)
    work.record_action(
        case_id, work.get_case(case_id).version, "assess_refused", TODAY, "Needs met at SEN support"
    )
    made = keep(db).draft(case_id)
    assert made.draft.subject.startswith("An update on Zoë's")
    assert "against our decision not to carry out an EHC needs assessment" in made.draft.message
    assert made.to == "Ms Jo Brontë" and made.channel == "letter"
    with db.read() as s:
        detail = s.scalar(select(AuditEntry.detail).where(AuditEntry.detail == "Drafted an update"))
    assert detail == "Drafted an update"


def test_late_advice_is_apologised_for(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_agreed", date(2026, 8, 5))
    work.request_advice(case_id, "ep", date(2026, 8, 6))
    made = keep(db).draft(case_id)
    assert made.draft.delay
    assert "advice we asked for (due Thu 17 Sep 2026)" in made.draft.message
    assert len(made.draft.unfilled()) == 3


def test_the_command_line_lists_and_drafts(tmp_path, capsys):
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    case_id, _ = new_case(db, request_received=date.today() - timedelta(days=50))
    db.dispose()
    assert main(["updates", "due", "--db", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["case_id"], row["child"], row["days_left"]) == (case_id, "Zoë Brontë", -22)
    assert main(["updates", "draft", "--db", str(path), "--case", str(case_id)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("To: Ms Jo Brontë (by letter)")
    assert "Subject: Sorry for the delay" in out and "Still to write in:" in out
    assert "You can contact the SEND team at any time" in out  # no caseworker yet


def test_rights_are_told_only_while_the_decision_may_still_be_appealed(db):
    case_id, work = new_case(db)
    work.record_action(case_id, work.get_case(case_id).version, "assess_refused",
                       date(2026, 7, 20), "Needs met at SEN support")  # fmt: skip
    recent = keep(db, today=date(2026, 8, 10)).draft(case_id).draft.message
    assert "appeal to the SEND Tribunal" in recent
    long_ago = keep(db, today=date(2027, 3, 1)).draft(case_id).draft.message
    assert "appeal to the SEND Tribunal" not in long_ago
