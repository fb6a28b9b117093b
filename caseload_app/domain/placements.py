"""A child's placements as history (SEN2's placement details): where they are educated, from
when to when. Pure rules: what a placement must say, which one is the child's main placement
on a day, and that two placements of the same rank never cover the same days.

Dates: `starts` is the first day there; `ends` the last (None while it lasts). A move on the
day is allowed: one placement may end on the day the next one of its rank starts, and on that
day the new one is the child's placement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from caseload_app.domain import codes
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.text import check_line, limit_of

AT_SETTING = "setting"  # placement_kinds.csv: at a school, college or other establishment
RANKS = {1: "Main placement", 2: "Dual registration"}  # SEN2's PlacementRank: 1 or 2


@dataclass(frozen=True)
class Placement:
    """A placement as the rules see it; `where` names it in messages ("Oak Hill Primary")."""

    kind: str
    starts: date
    ends: date | None = None
    rank: int = 1
    establishment_id: int | None = None
    setting_name: str = ""
    provision: str | None = None
    attendance: str | None = None
    residential: str | None = None
    work_based: str | None = None
    out_of_area: bool = False
    id: int | None = None
    where: str = ""

    def covers(self, day: date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)


# --------------------------------------------------------------------------- one field at a time
def _code(code_list: Callable[[], tuple[codes.Code, ...]]) -> Callable[[object], str | None]:
    def run(value: object) -> str | None:
        text = "" if value is None else str(value).strip()
        return codes.code_for(code_list(), text) if text else None

    return run


def _kind(value: object) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError(
            "Say where the child is placed (a school or college, or which arrangement)"
        )
    return codes.code_for(codes.placement_kinds(), text)


def _day(label: str, *, required: bool) -> Callable[[object], date | None]:
    def run(value: object) -> date | None:
        if value is None and not required:
            return None
        if not isinstance(value, date):
            raise ValidationError(f"{label} is needed")
        return value

    return run


def _rank(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in RANKS:
        raise ValidationError("Rank is 1 (the main placement) or 2 (dual registration)")
    return value


def _establishment(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Choose the establishment from the register")
    return value


def _setting_name(value: object) -> str:
    limit = limit_of("placement.setting_name")
    return check_line("Setting", "" if value is None else str(value), limit)


def field_checks() -> dict[str, Callable[[object], object]]:
    """Each field's own check (a known code, a date, a rank): raises ValidationError."""
    return {
        "kind": _kind,
        "establishment_id": _establishment,
        "setting_name": _setting_name,
        "starts": _day("Start date", required=True),
        "ends": _day("End date", required=False),
        "rank": _rank,
        "provision": _code(codes.placement_provision),
        "attendance": _code(codes.attendance),
        "residential": _code(codes.placement_residential),
        "work_based": _code(codes.work_based),
        "out_of_area": bool,
    }


# --------------------------------------------------------------------------- the whole placement
def problems(p: Placement, date_of_birth: date) -> dict[str, str]:
    """What is wrong with a placement as a whole, by field ({} when nothing is)."""
    found: dict[str, str] = {}
    if p.kind == AT_SETTING:
        if p.establishment_id is None and not p.setting_name:
            found["establishment_id"] = (
                "Choose the school, college or other establishment, or type the name of a "
                "setting that is not on the register"
            )
        elif p.establishment_id is not None and p.setting_name:
            found["setting_name"] = (
                "Either choose an establishment from the register or type a setting's name, "
                "not both"
            )
    else:
        kind = codes.label_for(codes.placement_kinds(), p.kind)
        if p.establishment_id is not None or p.setting_name:
            found["establishment_id"] = (
                f"{kind} has no school or setting: clear it, or choose "
                f"'{codes.label_for(codes.placement_kinds(), AT_SETTING)}'"
            )
        if p.provision is not None:
            found["provision"] = f"{kind} has no provision type (that is for an establishment)"
    if p.starts < date_of_birth:
        found["starts"] = (
            f"The start date is before the child's date of birth ({format_date(date_of_birth)})"
        )
    if p.ends is not None and p.ends < p.starts:
        found["ends"] = f"The end date is before the start date ({format_date(p.starts)})"
    return found


def where(p: Placement, establishment_name: str | None) -> str:
    """How a placement is named: the establishment, the setting typed in (said to be off the
    register), or the arrangement."""
    if establishment_name:
        return establishment_name
    if p.setting_name:
        return f"{p.setting_name} (not on the register)"
    return codes.label_or_code(codes.placement_kinds(), p.kind) or p.kind


# --------------------------------------------------------------------------- over time
def current(placements: Iterable[Placement], on: date) -> Placement | None:
    """The child's main placement on a day: of those covering it, the best rank (1 before
    2), and of those the latest to start (on a move on the day, the new one)."""
    covering = [p for p in placements if p.covers(on)]
    if not covering:
        return None
    return min(covering, key=lambda p: (p.rank, -p.starts.toordinal(), -(p.id or 0)))


def _stop(p: Placement) -> date:
    """The day after the placement's days, leaving its last day free for the next one to
    start on (a one-day placement keeps its day)."""
    if p.ends is None:
        return date.max
    return p.ends if p.ends > p.starts else p.starts + timedelta(days=1)


def overlaps(a: Placement, b: Placement) -> bool:
    return a.starts < _stop(b) and b.starts < _stop(a)


def clash(p: Placement, others: Iterable[Placement]) -> Placement | None:
    """The first other placement of the same rank whose dates overlap p's (itself excepted)."""
    for other in sorted(others, key=lambda o: (o.starts, o.id or 0)):
        same = p.id is not None and other.id == p.id
        if not same and other.rank == p.rank and overlaps(p, other):
            return other
    return None


def dates_text(p: Placement) -> str:
    """'from Wed 1 Sep 2021 to Fri 31 Jul 2026', or 'from Wed 1 Sep 2021 (not ended)'."""
    start = f"from {format_date(p.starts)}"
    return f"{start} to {format_date(p.ends)}" if p.ends else f"{start} (not ended)"


def clash_message(other: Placement) -> str:
    rank = RANKS.get(other.rank, f"rank {other.rank}").lower()
    return (
        f"These dates overlap the {rank} at {other.where} {dates_text(other)}: a child has "
        "one placement of each rank at a time. End that one first, or change these dates."
    )
