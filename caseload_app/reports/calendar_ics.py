"""A caseworker's dates as an iCalendar file (RFC 5545) that Outlook, Google and Apple
calendars open or subscribe to: one all-day event a date, built with the icalendar library;
and the invitation to one meeting that goes with an e-mail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT = "-//caseload//EHCP caseload manager//EN"


@dataclass(frozen=True)
class Entry:
    uid: str  # the same thing keeps its uid from one file to the next: calendars update it
    day: date
    summary: str
    description: str
    category: str


def calendar_bytes(name: str, entries: Iterable[Entry], made_at: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    # Subscribed calendars look for changes this often (Outlook reads it; others ignore it).
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", made_at)
        event.add("dtstart", entry.day)
        event.add("dtend", entry.day + timedelta(days=1))  # all day: ends the next day
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        event.add("categories", [entry.category])
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        cal.add_component(event)
    return cal.to_ical()


def same_dates(old: bytes, new: bytes) -> bool:
    """Whether two calendars hold the same events: only the time each was made (DTSTAMP)
    differs from one writing to the next, and a calendar that subscribes to the file need
    not be told of that."""
    return _without_stamps(old) == _without_stamps(new)


def _without_stamps(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if not line.startswith(b"DTSTAMP")]


# --------------------------------------------------------------------------- invitations
@dataclass(frozen=True)
class Invitation:
    """A meeting request (RFC 5546 iTIP, METHOD:REQUEST) sent with an e-mail: the family's
    calendar offers to add it, and a later request with the same uid and a higher sequence
    moves it."""

    uid: str
    sequence: int  # goes up each time the meeting changes
    day: date
    starts: datetime | None  # a time zone's time; None: all day
    minutes: int  # how long, when it has a time
    summary: str
    description: str
    location: str
    organizer: tuple[str, str]  # (name, address)
    attendee: tuple[str, str] | None  # None: the family has no e-mail address


INVITATION_TYPE = "text/calendar"
INVITATION_PARAMS = (("method", "REQUEST"),)  # on the attachment's Content-Type, as Outlook wants


def invitation_bytes(invite: Invitation, made_at: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", made_at)
    if invite.starts is None:
        event.add("dtstart", invite.day)
        event.add("dtend", invite.day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # the time is still to be confirmed
    else:
        event.add("dtstart", invite.starts)
        event.add("dtend", invite.starts + timedelta(minutes=invite.minutes))
        event.add("transp", "OPAQUE")
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    event.add("status", "CONFIRMED")
    event.add("organizer", _mailto(invite.organizer))
    if invite.attendee is not None:
        attendee = _mailto(invite.attendee)
        attendee.params.update(
            {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE"}
        )
        event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE for a timed meeting, so every calendar agrees
    return cal.to_ical()


def _mailto(who: tuple[str, str]) -> vCalAddress:
    name, address = who
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = vText(name)
    return value
