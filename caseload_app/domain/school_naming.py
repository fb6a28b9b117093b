"""Naming the school in Section I of a plan (CFA 2014 s38(2)(b)(ii), s39, s40; CoP 9.83):
each school consulted, who asked for it, the school's 15 days to respond, its response and the
council's decision to name it or not (docs/statutory-rules.md, "Naming a school").

- s39(1)-(2): when the family asks, before the end of the period in the s38(2)(b) notice, for a
  particular school to be named, the council must consult that school's governing body,
  proprietor or principal, and any other school it is considering naming (s39(2)(b)).
- s39(3)-(4): it must name the school asked for unless the school is unsuitable for the
  child's age, ability, aptitude or special educational needs (s39(4)(a)), or the child's
  attendance there would be incompatible with the provision of efficient education for others
  (s39(4)(b)(i)) or the efficient use of resources (s39(4)(b)(ii)).
- s40(3): with no request (or, s39(5)-(6), one refused), it must consult any school it is
  considering naming before naming it.
- CoP 9.83: the school should respond within 15 days.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Deadline, Rag, rag_for

__all__ = [
    "DECISION_LABELS",
    "GROUND_LABELS",
    "REQUESTER_LABELS",
    "RESPONSE_DAYS",
    "RESPONSE_LABELS",
    "Decision",
    "Ground",
    "RequestedBy",
    "Response",
    "decision_problems",
    "response_due",
    "response_problem",
    "response_step",
]

RESPONSE_DAYS = 15  # CoP 9.83


class RequestedBy(StrEnum):
    FAMILY = "family"  # the family's request, s38(2)(b)(ii), s39(1)
    COUNCIL = "council"  # a school the council is considering, s39(2)(b) or s40(3)


class Response(StrEnum):
    AGREES = "agrees"
    OBJECTS = "objects"
    NO_RESPONSE = "no_response"  # the 15 days ended without a reply


class Decision(StrEnum):
    NAME = "name"
    NOT_NAME = "not_name"


class Ground(StrEnum):
    """The only grounds for not naming the school the family asked for (s39(4))."""

    UNSUITABLE = "unsuitable"
    OTHERS = "others"
    RESOURCES = "resources"


_VALUES: dict[type, frozenset[str]] = {
    kind: frozenset(m.value for m in kind) for kind in (Response, Decision, Ground)
}
REQUESTER_LABELS: dict[str, str] = {
    "family": "Family (s39)",
    "council": "Council (s39(2)(b), s40)",
}
RESPONSE_LABELS: dict[str, str] = {
    "agrees": "Agrees",
    "objects": "Objects",
    "no_response": "No response in 15 days",
}
DECISION_LABELS: dict[str, str] = {"name": "Named", "not_name": "Not named"}
GROUND_LABELS: dict[str, str] = {
    "unsuitable": "Unsuitable for the child's age, ability, aptitude or SEN (s39(4)(a))",
    "others": "Incompatible with the efficient education of others (s39(4)(b)(i))",
    "resources": "Incompatible with the efficient use of resources (s39(4)(b)(ii))",
}


def response_due(sent: date) -> date:
    """The last day of the school's 15 days to respond to a consultation sent on ``sent``."""
    # CoP 9.83: the school "should respond within 15 days". Unlike Reg 13(1) (the family's
    # "at least 15 days beginning with" the day served: that day is day 1, comments_end), the
    # Code gives no first day, so the project's rule for "within N ... of" a date applies: the
    # day sent is not counted and the last day is sent + 15 (sent Mon 5 Oct 2026: due Tue 20
    # Oct). Of the two readings this gives the school the later day, so a council waiting for
    # its response never closes the consultation a day early. Calendar days; no pause for
    # school holidays (the Code makes none) and, as everywhere, never moved off a weekend.
    return sent + timedelta(days=RESPONSE_DAYS)


def response_step(
    sent: date,
    due: date,
    response: str | None,
    received: date | None,
    today: date,
    *,
    decided: bool = False,
) -> Deadline:
    """The school's response as a deadline: done on the day it arrived (met if by the due
    day); missed once the 15 days ended without one; RAG only while it is awaited (and
    nothing is awaited once the council has decided)."""
    label, cite = "School's response", "CoP 9.83"
    if response in (Response.AGREES, Response.OBJECTS) and received is not None:
        return Deadline("school_response", label, due, cite, received, received <= due, Rag.NONE)
    if response == Response.NO_RESPONSE:
        return Deadline("school_response", label, due, cite, None, False, Rag.NONE)
    missed = False if today > due else None
    rag = Rag.NONE if decided else rag_for(due, today)
    return Deadline("school_response", label, due, cite, None, missed, rag)


def response_problem(
    response: str, on: date | None, sent: date, due: date, today: date
) -> tuple[str, str] | None:
    """Why this response cannot be recorded, as (field, message); None if it can."""
    if response not in _VALUES[Response]:
        return "response", "Choose the school's response."
    if response == Response.NO_RESPONSE:
        if today <= due:
            return "response", (
                f"The school has until {_day(due)} to respond (15 days, CoP 9.83): record "
                "no response after that day."
            )
        return None
    if on is None:
        return "on", "Give the day the school's response arrived."
    if on < sent:
        return "on", f"The response cannot arrive before the consultation was sent ({_day(sent)})."
    if on > today:
        return "on", f"{_day(on)} is in the future: record what has happened."
    return None


def decision_problems(
    requested_by: str,
    response: str | None,
    due: date,
    decision: str,
    on: date,
    grounds: Iterable[str],
    reasons: str,
    *,
    sent: date,
    received: date | None,
    today: date,
) -> dict[str, str]:
    """Why the decision to name the school or not cannot be recorded, by field (empty: it
    can). Not naming the school the family asked for needs an s39(4) ground and reasons."""
    problems: dict[str, str] = {}
    chosen = list(grounds)
    if decision not in _VALUES[Decision]:
        problems["decision"] = "Choose whether the school is named."
    elif response is None and today <= due:
        problems["decision"] = (
            f"The school has until {_day(due)} to respond (15 days, CoP 9.83): record its "
            "response first, or decide after that day."
        )
    if on > today:
        problems["on"] = f"{_day(on)} is in the future: record what has happened."
    elif on < sent:
        problems["on"] = f"The decision cannot come before the consultation ({_day(sent)})."
    elif received is not None and on < received:
        problems["on"] = (
            f"The decision cannot come before the school's response ({_day(received)})."
        )
    if any(g not in _VALUES[Ground] for g in chosen):
        problems["grounds"] = "Choose grounds from the list (s39(4))."
    elif decision == Decision.NAME and chosen:
        problems["grounds"] = "A school that is named needs no grounds for not naming it."
    elif decision == Decision.NOT_NAME and requested_by == RequestedBy.FAMILY:
        if not chosen:
            problems["grounds"] = (
                "The school the family asked for must be named unless one of the s39(4) "
                "grounds applies: choose which."
            )
        if not reasons.strip():
            problems["reasons"] = (
                "Say why the school the family asked for is not named: the family can appeal "
                "the school named in Section I."
            )
    return problems


def _day(d: date) -> str:
    return format_date(d)
