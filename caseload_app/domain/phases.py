"""School year groups and phase transfers in England (pure: no database, no clock).

Year groups are numbers: N (nursery) is -1, R (reception) is 0, Year 1 is 1 … Year 13 is 13.
A child's year group in the academic year starting 1 September of year S follows from their
age on 31 August of S (the "age on 31 August" rule): a child who is 4 on that day is in
Reception, 3 in Nursery, 5 in Year 1, …, 17 in Year 13. So a child born on 31 August starts
Reception in the September just after their 4th birthday, and one born on 1 September a year
later. Numbers below -1 (not yet in nursery) or above 13 (post-18) are still returned and
labelled "pre-school" / "post-18".

Phase transfers (SEND Regs 2014 reg 18) next September, by the year group a child is in now:

| now | next September | kind | amended plan by (last lawful day) |
|---|---|---|---|
| N | R | school-phase | 14 February |
| Y2 in an infant school | Y3 (junior) | school-phase | 14 February |
| Y6 | Y7 | school-phase | 14 February |
| Y11 | Y12 (post-16) | secondary-post16 | 30 March |

A recorded year group (Child.year_group) is used instead of the one from the date of birth
when it is within one year of it (a child held back or moved up a year); further off, it is
taken as stale or mistyped.

Infant schools are recognised by a simple, documented rule: the setting's name contains the
word "infant" (any case) and not "junior" (an "Infant and Junior School" is all-through).
Middle-school systems (e.g. Y4→Y5, Y8→Y9) are not derived: a caseworker records those on the
case (phase transfer year and kind), and the planner honours what is recorded.

Not every Year 11 moves. Reg 2 defines a "transfer between phases of education" as one of six
moves, the last "(f) secondary school to a post-16 institution", and a post-16 institution is
not a school (CFA 2014 s83). A pupil staying in their own school's sixth form therefore makes
no phase transfer and has no 31 March date. The year group is still derived as above; the
caseworker records "no phase transfer" (deadlines.NO_PHASE_TRANSFER) for that September, and
`planned_transfer` then returns None (docs/statutory-rules.md, "Phase transfers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from caseload_app.domain import deadlines

__all__ = [
    "NURSERY",
    "RECEPTION",
    "Transfer",
    "academic_year_start",
    "current_year_group",
    "is_infant_school",
    "parse_year_group",
    "planned_transfer",
    "transfer_for",
    "transfer_next_september",
    "year_group_for",
    "year_group_label",
]

NURSERY = -1
RECEPTION = 0


@dataclass(frozen=True)
class Transfer:
    key: str  # nursery_reception, infant_junior, primary_secondary, secondary_post16
    label: str  # "Primary → secondary"
    from_group: int
    to_group: int
    kind: str  # one of deadlines.PHASE_TRANSFER_KINDS
    year: int  # calendar year of the move (September)
    legal_date: date  # last lawful day for the amended plan


_TRANSFERS = {
    NURSERY: ("nursery_reception", "Nursery → reception", "school-phase"),
    2: ("infant_junior", "Infant → junior", "school-phase"),
    6: ("primary_secondary", "Primary → secondary", "school-phase"),
    11: ("secondary_post16", "Secondary → post-16", "secondary-post16"),
}


def academic_year_start(on: date) -> int:
    """The calendar year in which the academic year containing `on` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def _age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def year_group_for(dob: date, on: date) -> int:
    """The chronological year group on `on` (N = -1, R = 0, Y1 = 1 …), from age on 31 Aug."""
    start = academic_year_start(on)
    return _age_on(dob, date(start, 8, 31)) - 4


def year_group_label(group: int) -> str:
    if group == NURSERY:
        return "N"
    if group == RECEPTION:
        return "R"
    if 1 <= group <= 13:
        return f"Y{group}"
    return "pre-school" if group < NURSERY else "post-18"


_RECORDED = re.compile(r"^(?:y|yr|year)?\s*(\d{1,2})$")


def parse_year_group(text: str | None) -> int | None:
    """A year group as people record it: "N", "N2", "Nursery", "R", "YR", "Reception", "6",
    "Y6", "Year 6", "Yr 6". None when blank or not understood."""
    key = " ".join((text or "").split()).casefold()
    if not key:
        return None
    if key in ("n", "n1", "n2", "nursery", "fs1", "yn"):
        return NURSERY
    if key in ("r", "yr", "rec", "reception", "fs2", "year r"):
        return RECEPTION
    match = _RECORDED.match(key)
    if match:
        number = int(match.group(1))
        return number if 1 <= number <= 14 else None
    return None


def current_year_group(dob: date, on: date, recorded: str | None = None) -> tuple[int, str]:
    """(year group, source). Children with an EHCP are sometimes taught out of their
    chronological cohort, so a recorded year group that is understood and within one year of
    the one from the date of birth wins ("recorded"); anything further off is taken as stale
    or mistyped and the date of birth is used ("date of birth")."""
    chronological = year_group_for(dob, on)
    parsed = parse_year_group(recorded)
    if parsed is not None and abs(parsed - chronological) <= 1:
        return parsed, "recorded"
    return chronological, "date of birth"


def is_infant_school(setting: str | None) -> bool:
    name = (setting or "").casefold()
    return bool(re.search(r"\binfants?\b", name)) and "junior" not in name


def transfer_for(group: int, setting: str | None, year: int) -> Transfer | None:
    """The phase transfer in September of `year` for a child now in `group`, if any."""
    found = _TRANSFERS.get(group)
    if found is None or (group == 2 and not is_infant_school(setting)):
        return None
    key, label, kind = found
    to_group = RECEPTION if group == NURSERY else group + 1
    return Transfer(
        key, label, group, to_group, kind, year, deadlines.phase_transfer_due(year, kind)
    )


def transfer_next_september(
    dob: date, today: date, setting: str | None = None, recorded_year_group: str | None = None
) -> Transfer | None:
    """The transfer a child makes at the start of the next academic year, if any.

    "Next September" is the start of the academic year after the one containing `today`:
    on 24 Nov 2026 it is Sep 2027; on 10 Mar 2027 it is still Sep 2027 (its legal date may
    then already have passed, which the planner shows as overdue).
    """
    group, _ = current_year_group(dob, today, recorded_year_group)
    return transfer_for(group, setting, academic_year_start(today) + 1)


_RECORDED_LABELS = {
    "school-phase": "Phase transfer (recorded on the case)",
    "secondary-post16": "Secondary → post-16 (recorded on the case)",
}


def planned_transfer(
    dob: date,
    today: date,
    setting: str | None = None,
    recorded_year_group: str | None = None,
    transfer_year: int | None = None,
    transfer_kind: str | None = None,
) -> Transfer | None:
    """The transfer next September, the one recorded on the case winning over the derived one.

    Recorded for next September: that kind (a middle-school move, say), or None when the
    caseworker recorded no transfer (deadlines.NO_PHASE_TRANSFER: the child stays in their own
    school's sixth form). Recorded for a later year: None (the child moves later). Recorded
    for an earlier year, or without a kind: history, so the derived transfer stands.
    """
    year = academic_year_start(today) + 1
    derived = transfer_next_september(dob, today, setting, recorded_year_group)
    if transfer_year is None or transfer_year < year or not transfer_kind:
        return derived
    if transfer_year > year or transfer_kind == deadlines.NO_PHASE_TRANSFER:
        return None
    if derived is not None and derived.kind == transfer_kind:
        return derived
    group, _ = current_year_group(dob, today, recorded_year_group)
    return Transfer(
        key="recorded",
        label=_RECORDED_LABELS.get(transfer_kind, "Phase transfer (recorded on the case)"),
        from_group=group,
        to_group=group + 1,
        kind=transfer_kind,
        year=year,
        legal_date=deadlines.phase_transfer_due(year, transfer_kind),
    )
