"""A calendar published to a file Outlook subscribes to: rewritten, and the writing audited,
only when its dates change; a folder that is not there (a network drive offline) is said
plainly and the old file is left as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from caseload_app.db.models import AuditEntry
from caseload_app.services.calendar import CalendarService
from caseload_app.services.errors import UserError
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_calendar import events, team


def exports(db) -> list[str]:
    with db.read() as s:
        query = select(AuditEntry.detail).where(AuditEntry.record_type == "calendar")
        return list(s.scalars(query.order_by(AuditEntry.id)))


def test_the_published_file_is_rewritten_only_when_its_dates_change(db, tmp_path):
    ids = team(db, "Asha Patel")
    case_id, work = new_case(db, caseworker_id=ids["Asha Patel"])
    clock = [NOW]
    calendar = CalendarService(db, "Asha Patel", today=lambda: TODAY, now=lambda: clock[0])
    target = tmp_path / "asha.ics"
    first = calendar.publish(ids["Asha Patel"], target)
    assert first.written and first.dates == len(events(target.read_bytes())) > 0
    written = target.read_bytes()
    clock[0] += timedelta(minutes=5)  # a new time stamp, the same dates
    again = calendar.publish(ids["Asha Patel"], target)
    assert (again.written, target.read_bytes()) == (False, written)
    work.add_task(case_id, "Chase the EP advice", TODAY + timedelta(days=10), None)
    moved = calendar.publish(ids["Asha Patel"], target)
    assert moved.written and moved.dates == first.dates + 1
    assert any("Chase the EP advice" in str(e["SUMMARY"]) for e in events(target.read_bytes()))
    assert exports(db) == [
        f"Published calendar of Asha Patel: {first.dates} dates, to asha.ics",
        f"Published calendar of Asha Patel: {moved.dates} dates, to asha.ics",
    ]


def test_a_folder_that_has_gone_is_said_plainly_and_nothing_is_written(db, tmp_path):
    ids = team(db, "Asha Patel")
    new_case(db, caseworker_id=ids["Asha Patel"])
    calendar = CalendarService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    gone = tmp_path / "drive" / "asha.ics"
    with pytest.raises(UserError, match="cannot be reached now"):
        calendar.publish(ids["Asha Patel"], gone)
    assert exports(db) == []
    gone.parent.mkdir()  # the drive is back: the next try writes it
    assert calendar.publish(ids["Asha Patel"], gone).written
