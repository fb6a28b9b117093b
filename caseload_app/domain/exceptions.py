"""Exceptions to the assessment time limits: each limit has its own lawful grounds.

An exception never moves a date (docs/statutory-rules.md, "Exceptions"): the step keeps its
deadline and shows "exception applies" (grey) instead of a colour. An exception is recorded
against the time limit(s) it lawfully covers; the other limits keep their colours.

- Reg 5(4): the 6-week decision whether to assess — school or college closed for 4 weeks or
  more (a), exceptional personal circumstances (b), absence from the area for 4 weeks (c).
- Reg 8(2): the 6-week advice — exceptional personal circumstances, absence from the area,
  a missed appointment for an examination or test. No closure ground.
- Reg 10(4): the 16-week decision not to issue — school or college closure (a), early-years
  provider closure (b), exceptional personal circumstances (c), absence from the area (d), a
  missed appointment (e).
- Reg 13(3): the 20-week final plan — only Reg 10(4)(a) to (d): a missed appointment never
  excuses the 20-week limit.

"not_recorded" is no ground: it marks an exception recorded before caseload asked for one
(migration 0009), and excuses no limit until it is corrected to its ground.
"""

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ADVICE",
    "DECIDE_ASSESS",
    "DECIDE_ISSUE",
    "FINAL_PLAN",
    "LIMITS",
    "NOT_RECORDED",
    "Limit",
    "covered_steps",
    "grounds_for",
    "limits_for_ground",
    "limit_name",
    "limits_text",
    "parse_limits",
    "unlawful_limits",
]

NOT_RECORDED = "not_recorded"
DECIDE_ASSESS = "decide_assess"
ADVICE = "advice"
DECIDE_ISSUE = "decide_issue"
FINAL_PLAN = "final_plan"


@dataclass(frozen=True, slots=True)
class Limit:
    key: str  # the step key the limit governs (domain.status), or "advice"
    label: str
    regulation: str  # where its exceptions are listed
    grounds: frozenset[str]  # exception_grounds.csv codes it allows


_CLOSURE = "school_closed"
_EARLY_YEARS = "early_years_closed"
_PERSONAL = "exceptional_circumstances"
_ABSENT = "absent_from_area"
_MISSED = "missed_appointment"

# In the order of the process.
LIMITS: tuple[Limit, ...] = (
    # SEND Regs 2014 reg 5(4)(a)-(c)
    Limit(
        DECIDE_ASSESS,
        "6-week decision whether to assess",
        "Reg 5(4)",
        frozenset({_CLOSURE, _PERSONAL, _ABSENT}),
    ),
    # SEND Regs 2014 reg 8(2)(a)-(c)
    Limit(ADVICE, "6-week advice", "Reg 8(2)", frozenset({_PERSONAL, _ABSENT, _MISSED})),
    # SEND Regs 2014 reg 10(4)(a)-(e)
    Limit(
        DECIDE_ISSUE,
        "16-week decision not to issue",
        "Reg 10(4)",
        frozenset({_CLOSURE, _EARLY_YEARS, _PERSONAL, _ABSENT, _MISSED}),
    ),
    # SEND Regs 2014 reg 13(3): only reg 10(4)(a)-(d)
    Limit(
        FINAL_PLAN,
        "20-week final plan",
        "Reg 13(3)",
        frozenset({_CLOSURE, _EARLY_YEARS, _PERSONAL, _ABSENT}),
    ),
)
_BY_KEY = {limit.key: limit for limit in LIMITS}
_ORDER = {limit.key: n for n, limit in enumerate(LIMITS)}


def grounds_for(limit_key: str) -> frozenset[str]:
    """The grounds the regulations allow for one time limit."""
    return _BY_KEY[limit_key].grounds


def limit_name(key: str) -> str:
    """'the 20-week final plan (Reg 13(3))', for messages and lists."""
    limit = _BY_KEY.get(key)
    return f"the {limit.label} ({limit.regulation})" if limit else repr(key)


def limits_for_ground(ground: str) -> tuple[str, ...]:
    """The time limits a ground can excuse, in the order of the process."""
    return tuple(limit.key for limit in LIMITS if ground in limit.grounds)


def unlawful_limits(ground: str, limits: Iterable[str]) -> list[str]:
    """The chosen limits this ground cannot excuse (unknown keys included), in order."""
    allowed = set(limits_for_ground(ground))
    return sorted((k for k in set(limits) if k not in allowed), key=lambda k: _ORDER.get(k, 99))


def limits_text(limits: Iterable[str]) -> str:
    """The stored form: known keys, space-separated, in the order of the process."""
    return " ".join(sorted({k for k in limits if k in _BY_KEY}, key=_ORDER.__getitem__))


def parse_limits(text: str | None) -> frozenset[str]:
    """The stored form read back; unknown words (a hand-edited database) are ignored."""
    return frozenset(k for k in (text or "").split() if k in _BY_KEY)


def covered_steps(limits: frozenset[str]) -> frozenset[str]:
    """The case steps an exception against these limits greys. The draft plan has no limit in
    law: its target exists to meet the 20-week limit, so it follows that limit's exception."""
    steps = set(limits)
    if FINAL_PLAN in limits:
        steps.add("draft_plan")
    return frozenset(steps)
