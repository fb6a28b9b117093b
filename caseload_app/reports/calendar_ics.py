"""A caseworker's dates as an iCalendar file (RFC 5545) that Outlook, Google and Apple
calendars open or subscribe to: one all-day event a date, built with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

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
