"""An annual review invitation letter e-mailed to a family takes the meeting with it as an
iCalendar request (METHOD:REQUEST, text/calendar; method=REQUEST): sent through a real mail
server on 127.0.0.1, read back with the email package and icalendar. It comes from the
caseworker, goes to the family, keeps its uid from one sending to the next, and names no
child. The same invitation can be saved as a file, audited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from caseload_app.db.models import AuditEntry, Caseworker
from caseload_app.paths import resources_dir
from caseload_app.services.calendar import CalendarService, Meeting
from caseload_app.services.errors import UserError
from caseload_app.services.letters import LetterService
from caseload_app.services.mail import MailService, Outgoing
from caseload_app.services.mail_settings import MailSettingsService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from tests import smtp_server
from tests.helpers import NOW, TODAY, new_case
from tests.services.test_mail import FAMILY, WHO, Clock, parsed, team_mail

MEETING = date(2026, 12, 21)
ASHA = "asha.patel@council.example"


@pytest.fixture
def keyring_kept():
    import keyring

    from tests.pg.test_signin import MemoryKeyring

    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(before)


def review_case(db, caseworker_email: str | None = ASHA) -> tuple[int, int]:
    """Zoë Brontë, Asha Patel's, with a final plan and a review meeting booked: (case, review)."""
    TeamSettingsService(db, WHO).set_council(CouncilDetails("Haworth Council", "Town Hall"))
    with db.uow() as s:
        worker = Caseworker(name=WHO, email=caseworker_email)
        s.add(worker)
        s.flush()
        worker_id = worker.id
    case_id, work = new_case(
        db, request_received=date(2025, 7, 1), caseworker_id=worker_id, email=FAMILY,
        setting="Haworth Primary School", address="1 Parsonage Lane\nHaworth",
    )  # fmt: skip
    for key, on in (
        ("assess_agreed", date(2025, 8, 5)),
        ("issue", date(2025, 10, 20)),
        ("draft_served", date(2025, 11, 3)),
        ("final_issued", date(2025, 11, 24)),
    ):
        work.record_action(case_id, work.get_case(case_id, opened=False).version, key, on, "")
    return case_id, work.schedule_review(case_id, MEETING)


def letters(db, tmp_path, clock) -> LetterService:
    return LetterService(
        db, WHO, today=lambda: TODAY, now=clock, letters_dir=tmp_path / "letters",
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
    )  # fmt: skip


def the_event(data: bytes):
    cal = Calendar.from_ical(data)
    (event,) = cal.walk("VEVENT")
    return cal, event


@pytest.fixture
def sending(db, servers, keyring_kept, tmp_path):
    """A case with its review meeting booked, its letters, and e-mail through the STARTTLS
    server with the password kept: (case, review, clock, letters, mail)."""
    team_mail(db, servers, "starttls")
    MailSettingsService(db, WHO).set_password(smtp_server.PASSWORD)
    case_id, review_id = review_case(db)
    clock = Clock()
    mail = MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=5)
    return case_id, review_id, clock, letters(db, tmp_path, clock), mail


def test_an_emailed_review_invitation_carries_the_meeting_for_the_familys_calendar(
    db, sending, mailbox
):
    case_id, review_id, clock, printed, mail = sending
    letter_id = printed.issue(case_id, "annual_review_invitation")
    at_two = Meeting(at=time(14, 0), minutes=60, place="  Room 4,\nHaworth Primary School ")
    sent = mail.send(Outgoing(case_id, letter_id=letter_id, meeting=at_two))
    assert sent.status == "sent"
    assert sent.attachments == (
        "Invitation to the annual review of Zoë's EHC plan.pdf", "invitation.ics",
    )  # fmt: skip
    (got,) = mailbox.received
    message = parsed(got.content)
    pdf, ics = message.iter_attachments()
    assert pdf.get_content_type() == "application/pdf"
    assert (ics.get_content_type(), ics.get_param("method")) == ("text/calendar", "REQUEST")
    assert ics.get_filename() == "invitation.ics"
    cal, event = the_event(ics.get_content().encode() if isinstance(ics.get_content(), str)
                           else ics.get_content())  # fmt: skip
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"annual-review-{case_id}-{review_id}@caseload"
    london = ZoneInfo("Europe/London")
    assert event.decoded("DTSTART") == datetime(2026, 12, 21, 14, 0, tzinfo=london)
    assert event.decoded("DTEND") == datetime(2026, 12, 21, 15, 0, tzinfo=london)
    assert cal.walk("VTIMEZONE")  # every calendar reads 14:00 as London's
    assert str(event["ORGANIZER"]) == f"mailto:{ASHA}"
    assert event["ORGANIZER"].params["CN"] == WHO
    attendee = event["ATTENDEE"]
    assert (str(attendee), attendee.params["RSVP"]) == (f"mailto:{FAMILY}", "TRUE")
    assert str(event["LOCATION"]) == "Room 4, Haworth Primary School"
    summary, description = str(event["SUMMARY"]), str(event["DESCRIPTION"])
    assert summary == "Annual review meeting (Haworth Council)"
    for words in (summary, description, str(event["LOCATION"])):
        assert "Zoë" not in words and "Brontë" not in words  # a calendar is often shared
    first_sequence = int(event["SEQUENCE"])

    # Sent again later with no time: the same meeting (its uid), all day, and newer.
    clock.later(days=2)
    again = mail.send(
        Outgoing(case_id, letter_id=printed.issue(case_id, "annual_review_invitation"))
    )
    assert again.status == "sent"
    _, later = the_event(_calendar_part(parsed(mailbox.received[-1].content)))
    assert str(later["UID"]) == str(event["UID"])
    assert int(later["SEQUENCE"]) > first_sequence
    assert (later.decoded("DTSTART"), later.decoded("DTEND")) == (MEETING, MEETING + timedelta(1))
    assert str(later["LOCATION"]) == "Haworth Primary School"  # where the letter says
    assert "time will be confirmed" in str(later["DESCRIPTION"])


def test_a_review_invitation_issued_in_word_takes_the_invitation_too(db, sending, mailbox):
    case_id, _, clock, printed, mail = sending
    issued = printed.issue_letter(case_id, "annual_review_invitation", format="docx")
    sent = mail.send(Outgoing(case_id, letter_id=issued.communication_id))
    assert sent.status == "sent"
    assert [name.rsplit(".", 1)[1] for name in sent.attachments] == ["docx", "ics"]
    assert _calendar_part(parsed(mailbox.received[0].content)) is not None


def test_only_the_review_invitation_letter_takes_an_invitation(db, sending, mailbox):
    case_id, _, clock, printed, mail = sending
    letter_id = printed.issue(case_id, "generic", extra={"subject": "Hello", "message": "Hi."})
    sent = mail.send(Outgoing(case_id, letter_id=letter_id))
    assert sent.attachments == ("Hello.pdf",)
    assert _calendar_part(parsed(mailbox.received[0].content)) is None


def test_the_invitation_comes_from_the_team_when_the_caseworker_has_no_address(
    db, servers, tmp_path
):
    team_mail(db, servers, "none")
    case_id, review_id = review_case(db, caseworker_email=None)
    calendar = CalendarService(db, WHO, today=lambda: TODAY, now=lambda: NOW)
    name, data = calendar.invitation(review_id)
    _, event = the_event(data)
    assert (name, str(event["ORGANIZER"])) == ("invitation.ics", "mailto:send@council.example")
    assert event.decoded("DTSTART") == MEETING
    target = tmp_path / "review.ics"
    calendar.save_invitation(review_id, target, Meeting(at=time(9, 30)))
    _, saved = the_event(target.read_bytes())
    assert saved.decoded("DTSTART").hour == 9
    with db.read() as s:
        entry = s.execute(
            select(AuditEntry.action, AuditEntry.case_id, AuditEntry.detail).where(
                AuditEntry.record_type == "calendar"
            )
        ).one()
    assert tuple(entry) == (
        "export", case_id, "Invitation to the annual review meeting, to review.ics"
    )  # fmt: skip
    with pytest.raises(UserError, match="15 minutes to 8 hours"):
        calendar.invitation(review_id, Meeting(at=time(9), minutes=5))
    with pytest.raises(UserError, match="ends .ics"):
        calendar.save_invitation(review_id, tmp_path / "review.txt")


def test_with_no_address_to_send_from_the_invitation_says_what_to_add(db, tmp_path):
    _, review_id = review_case(db, caseworker_email=None)
    calendar = CalendarService(db, WHO, today=lambda: TODAY, now=lambda: NOW)
    with pytest.raises(UserError, match="add it to the caseworker's details"):
        calendar.invitation(review_id)


def _calendar_part(message) -> bytes | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            return content.encode() if isinstance(content, str) else content
    return None
