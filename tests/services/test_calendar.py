"""A caseworker's calendar (.ics): their cases' statutory dates, tasks and review meetings as
all-day events, read back with the icalendar library; children named by initials unless
asked; written only once the export is in the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from caseload_app.db.models import AuditEntry, Caseworker, EhcpCase
from caseload_app.domain.status import step_label
from caseload_app.services.calendar import CalendarService
from caseload_app.services.demo import generate_demo
from caseload_app.services.errors import NotFound, UserError
from tests.helpers import NOW, TODAY, new_case, services


def team(db, *names: str) -> dict[str, int]:
    with db.uow() as s:
        s.add_all(Caseworker(name=n) for n in names)
    return {w.name: w.id for w in services(db)[1].caseworkers()}


def events(data: bytes) -> list:
    return [c for c in Calendar.from_ical(data).walk("VEVENT")]


@pytest.fixture
def calendar(db):
    return CalendarService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)


def test_a_caseworkers_dates_are_all_day_events_named_by_initials(db, calendar):
    ids = team(db, "Asha Patel", "Ben Okafor")
    case_id, work = new_case(db, caseworker_id=ids["Asha Patel"])
    work.add_task(case_id, "Chase the EP advice", TODAY + timedelta(days=10), None)
    new_case(db, first_name="Sam", upn=None, nhs_number=None, caseworker_id=ids["Ben Okafor"])
    made = calendar.make(ids["Asha Patel"])
    found = events(made.data)
    summaries = [str(e["SUMMARY"]) for e in found]
    assert any("Chase the EP advice – Z.B. (case" in s for s in summaries)
    assert not any("Zoë" in s or "Brontë" in s or "Sam" in s for s in summaries)
    task = next(e for e in found if "Chase the EP advice" in str(e["SUMMARY"]))
    assert task.decoded("DTSTART") == TODAY + timedelta(days=10)
    assert task.decoded("DTEND") == TODAY + timedelta(days=11)  # all day
    assert str(task["TRANSP"]) == "TRANSPARENT"
    with db.read() as s:
        step, due = s.execute(
            select(EhcpCase.next_step, EhcpCase.next_due).where(EhcpCase.id == case_id)
        ).one()
    statutory = next(e for e in found if e.decoded("DTSTART") == due)
    assert (
        str(statutory["SUMMARY"]) == f"Statutory step: {step_label(step)} – Z.B. (case {case_id})"
    )
    again = events(calendar.make(ids["Asha Patel"]).data)
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in found]  # calendars update
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_names_are_shown_only_when_asked(db, calendar):
    ids = team(db, "Asha Patel")
    new_case(db, caseworker_id=ids["Asha Patel"])
    summaries = [
        str(e["SUMMARY"]) for e in events(calendar.make(ids["Asha Patel"], names=True).data)
    ]
    assert summaries and all("Zoë Brontë" in s for s in summaries)


def test_a_booked_review_meeting_is_on_the_calendar(tmp_path):
    from caseload_app.db.engine import open_database

    db = open_database(tmp_path / "demo.sqlite3")
    generate_demo(db, children=40, seed=2, today=TODAY)
    with db.read() as s:
        case_id, worker = s.execute(
            select(EhcpCase.id, EhcpCase.caseworker_id)
            .where(EhcpCase.is_open, EhcpCase.stage == "plan_issued")
            .order_by(EhcpCase.id)
            .limit(1)
        ).one()
    meeting = TODAY + timedelta(days=40)
    services(db)[1].schedule_review(case_id, meeting)
    service = CalendarService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    found = events(service.make(worker).data)
    booked = [e for e in found if str(e["SUMMARY"]).startswith("Annual review meeting –")]
    assert [(e.decoded("DTSTART"), f"(case {case_id})" in str(e["SUMMARY"])) for e in booked] == [
        (meeting, True)
    ]
    assert not any(str(e["SUMMARY"]).startswith("Annual review meeting") for e in
                   events(service.make(worker, weeks=4).data))  # fmt: skip
    db.dispose()


def test_saving_writes_the_file_after_its_audit_entry(db, calendar, tmp_path):
    ids = team(db, "Asha Patel")
    new_case(db, caseworker_id=ids["Asha Patel"])
    made = calendar.make(ids["Asha Patel"])
    count = calendar.save(made, tmp_path / "asha.ics")
    assert count == len(events((tmp_path / "asha.ics").read_bytes())) > 0
    with db.read() as s:
        entry = s.execute(
            select(AuditEntry.action, AuditEntry.who, AuditEntry.detail).where(
                AuditEntry.record_type == "calendar"
            )
        ).one()
    assert tuple(entry) == (
        "export", "Asha Patel", f"Calendar of Asha Patel: {count} dates, to asha.ics"
    )  # fmt: skip


def test_bad_requests_get_clear_answers(db, calendar, tmp_path):
    ids = team(db, "Asha Patel")
    with pytest.raises(NotFound, match="No caseworker is called 'Nobody'. The team: Asha Patel"):
        calendar.caseworker_id("Nobody")
    assert calendar.caseworker_id(" asha patel ") == ids["Asha Patel"]
    with pytest.raises(UserError, match="ends .ics"):
        calendar.save(calendar.make(ids["Asha Patel"]), tmp_path / "asha.txt")
    with pytest.raises(UserError, match="1 to 104 weeks"):
        calendar.make(ids["Asha Patel"], weeks=0)
    with pytest.raises(UserError, match="could not be written"):
        calendar.save(calendar.make(ids["Asha Patel"]), tmp_path / "no-folder" / "a.ics")
    assert not (tmp_path / "asha.txt").exists()


def test_the_command_line_writes_a_calendar(tmp_path, capsys):
    from caseload_app.cli import main
    from caseload_app.db.engine import open_database

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    generate_demo(db, children=30, seed=1, today=date.today())
    with db.read() as s:  # the caseworker of the first open case
        name = s.scalar(
            select(Caseworker.name)
            .join(EhcpCase, EhcpCase.caseworker_id == Caseworker.id)
            .where(EhcpCase.is_open)
            .order_by(EhcpCase.id)
            .limit(1)
        )
    db.dispose()
    out = tmp_path / "me.ics"
    assert main(["calendar", "--db", str(path), "--caseworker", name, "-o", str(out)]) == 0
    assert f"for {name})" in capsys.readouterr().out
    assert events(out.read_bytes())
    assert main(["calendar", "--db", str(path), "--caseworker", "Nobody", "-o", str(out)]) != 0
    assert "No caseworker is called 'Nobody'" in capsys.readouterr().err
