"""The case chronology: one table of everything that happened on a case (stage events, advice,
contacts, letters, documents, reviews, disagreements…), each a dated line saying what it was,
who at the council did or recorded it, and a one-line summary, for a complaint to the
Ombudsman or an Ofsted/CQC inspection. Pure: the services read the records and build the
entries; the reports lay them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.text import clean_line

__all__ = [
    "KINDS",
    "Chronology",
    "Entry",
    "check_range",
    "ordered",
    "range_text",
    "select",
    "within",
]

# What an entry is, in the order entries of one day without a time are listed: the case's
# own steps first, then what was asked for and received, then the file and the contacts.
KINDS = (
    "Stage",
    "Caseworker",
    "Exception",
    "Advice",
    "Consultation",
    "Plan",
    "Plan audit",
    "Review",
    "Re-assessment",
    "Disagreement",
    "Tribunal order",
    "Transfer",
    "Document",
    "Contact",
    "Letter",
)
_RANK = {kind: n for n, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Entry:
    """One thing that happened: its day (and time, where the record has one), what it was
    (one of KINDS), who at the council did or recorded it ("" when no record says), and a
    summary in plain words on one line. ``record_type``/``record_id`` name the row it comes
    from; ``step`` orders the entries one row gives on the same day (a review's invitations
    before its papers)."""

    on: date
    at: datetime | None
    kind: str
    who: str
    summary: str
    record_type: str
    record_id: int
    step: int = 0

    def __post_init__(self) -> None:
        if self.kind not in _RANK:
            raise ValueError(f"{self.kind!r} is not a kind of chronology entry")
        # Stored text may hold line breaks or control characters: each entry is one line.
        object.__setattr__(self, "who", clean_line(self.who))
        object.__setattr__(self, "summary", clean_line(self.summary))

    @property
    def time_text(self) -> str:
        return f"{self.at:%H:%M}" if self.at is not None else ""


@dataclass(frozen=True)
class Chronology:
    """The chronology of one case as made on ``made_on``, for the range asked (None: open)."""

    case_id: int
    child_name: str
    date_of_birth: date
    council: str
    made_on: date
    start: date | None
    end: date | None
    entries: tuple[Entry, ...]

    @property
    def range_text(self) -> str:
        return range_text(self.start, self.end, self.made_on)


def _key(entry: Entry) -> tuple:
    """Date, then time (entries without one first), then a stable order: the kind, the row,
    the step."""
    clock = entry.at.time() if entry.at is not None else time.min
    return (
        entry.on,
        entry.at is not None,
        clock,
        _RANK[entry.kind],
        entry.record_type,
        entry.record_id,
        entry.step,
    )


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=_key)


def check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(
            f"The range ends ({format_date(end)}) before it starts ({format_date(start)})."
        )


def within(entries: Iterable[Entry], start: date | None, end: date | None) -> list[Entry]:
    """The entries dated from ``start`` to ``end``, both included (None: no limit)."""
    check_range(start, end)
    return [e for e in entries if (start is None or e.on >= start) and (end is None or e.on <= end)]


def select(
    entries: Iterable[Entry], start: date | None, end: date | None, today: date
) -> tuple[Entry, ...]:
    """The chronology's lines: in the range, in order, and none dated after today (a review
    meeting booked, a hearing to come: they have not happened yet)."""
    return tuple(ordered(e for e in within(entries, start, end) if e.on <= today))


def range_text(start: date | None, end: date | None, today: date) -> str:
    """The range in words, as the printout states it at the top."""
    until = format_date(end) if end is not None else f"{format_date(today)} (the day it was made)"
    if start is None:
        return f"Everything recorded up to {until}"
    return f"From {format_date(start)} to {until}"
