"""Re-assessing the needs of a child or young person who has a plan (CFA 2014 s44(2)-(3);
SEND Regs 2014 regs 24-27). The law, and which parts of it were checked against the
regulations' own text, is in docs/statutory-rules.md, "Re-assessments".

- A request may come from the child's parent, the young person, or the school or other
  institution they attend (s44(2)); the council may also decide to re-assess of its own accord
  (s44(3)).
- A request within six months of the last EHC needs assessment may be refused unless a
  re-assessment is necessary (reg 24): a re-assessment agreed that soon says why it is needed.
- The council tells the family its decision within 15 days of receiving the request
  (reg 25(1)); a refusal carries the right of appeal (CFA 2014 s51(2)(d)), so its reasons are
  recorded.
- The re-assessed plan is finalised within 14 weeks of that notice, or of the council's own
  decision to re-assess (reg 27(2)).

The dates themselves are ``caseload_app.domain.deadlines``' (``reassessment_*``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from caseload_app.domain.deadlines import (
    format_date,
    reassessment_decision_due,
    reassessment_not_too_soon_from,
    reassessment_plan_due,
)
from caseload_app.domain.status import Deadline, Rag, rag_for

__all__ = [
    "DECISION_LABELS",
    "REQUESTER_LABELS",
    "Decision",
    "RequestedBy",
    "decision_problems",
    "is_open",
    "request_problems",
    "steps",
    "too_soon",
    "too_soon_note",
]


class RequestedBy(StrEnum):
    PARENT = "parent"  # s44(2)(a)
    YOUNG_PERSON = "young_person"  # s44(2)(a)
    SCHOOL = "school"  # the school or other institution attended, s44(2)(b)
    COUNCIL = "council"  # of its own accord, s44(3): no request, no 15-day decision


class Decision(StrEnum):
    AGREED = "agreed"
    REFUSED = "refused"


REQUESTER_LABELS: dict[str, str] = {
    "parent": "Parent",
    "young_person": "Young person",
    "school": "School or college",
    "council": "The council, of its own accord",
}
DECISION_LABELS: dict[str, str] = {"agreed": "Re-assess", "refused": "Refused"}


def too_soon(requested: date, last_assessment: date | None) -> bool:
    """Whether the request came before six months had passed since the last EHC needs
    assessment (reg 24): such a request may be refused unless a re-assessment is necessary."""
    if last_assessment is None:
        return False
    return requested < reassessment_not_too_soon_from(last_assessment)


def too_soon_note(requested: date, last_assessment: date | None) -> str | None:
    if not too_soon(requested, last_assessment):
        return None
    assert last_assessment is not None
    return (
        f"Within 6 months of the last assessment ({format_date(last_assessment)}; Reg 24): "
        "may be refused unless necessary."
    )


def request_problems(
    requested: date,
    requested_by: str,
    last_assessment: date | None,
    reason: str,
    today: date,
) -> dict[str, str]:
    """Why this request (or the council's own decision) cannot be recorded, by field."""
    problems: dict[str, str] = {}
    if requested_by not in REQUESTER_LABELS:
        problems["requested_by"] = (
            "Say who asked: the parent, the young person, the school or college, or the council."
        )
    if requested > today:
        problems["requested"] = f"{format_date(requested)} is in the future."
    if last_assessment is not None and last_assessment > requested:
        problems["last_assessment"] = "The last assessment cannot come after the request."
    council = requested_by == RequestedBy.COUNCIL
    if council and too_soon(requested, last_assessment) and not reason.strip():
        problems["reason"] = _NEEDS_WHY
    return problems


_NEEDS_WHY = (
    "Within 6 months of the last assessment a re-assessment may be refused unless it is "
    "necessary (Reg 24): say why it is necessary."
)


def decision_problems(
    requested: date,
    last_assessment: date | None,
    decision: str,
    decided: date,
    reason: str,
    today: date,
) -> dict[str, str]:
    """Why this decision cannot be recorded, by field (empty: it can)."""
    problems: dict[str, str] = {}
    if decision not in DECISION_LABELS:
        problems["decision"] = "Choose: re-assess, or refuse."
    if not requested <= decided <= today:
        problems["decided"] = "The family is told between the request and today."
    needs_why = not reason.strip()
    if decision == Decision.REFUSED and needs_why:
        problems["reason"] = (
            "Give the reasons for refusing: the family may appeal (CFA 2014 s51(2)(d))."
        )
    elif decision == Decision.AGREED and needs_why and too_soon(requested, last_assessment):
        problems["reason"] = _NEEDS_WHY
    return problems


def is_open(decision: str | None, plan_finalised: date | None) -> bool:
    """Still under way: waiting for a decision, or agreed and the plan not yet finalised."""
    return decision is None or (decision == Decision.AGREED and plan_finalised is None)


def steps(
    requested: date,
    requested_by: str,
    decision: str | None,
    decided: date | None,
    plan_finalised: date | None,
    today: date,
) -> list[Deadline]:
    """The re-assessment's steps as deadlines: the decision told to the family (reg 25(1);
    none when the council decided of its own accord) and, once agreed, the re-assessed plan
    (reg 27(2)). Done on the day recorded (met if by the due day); red, amber or green while
    open."""
    rows = []
    if requested_by != RequestedBy.COUNCIL:
        due = reassessment_decision_due(requested)
        rows.append(_step("decision_due", _DECISION, due, "Reg 25(1)", decided, today))
    if decision == Decision.AGREED and decided is not None:
        due = reassessment_plan_due(decided)
        rows.append(_step("plan_due", _PLAN, due, "Reg 27(2)", plan_finalised, today))
    return rows


_DECISION = "Tell the family whether the council will re-assess"
_PLAN = "Finalise the re-assessed plan"


def _step(key: str, label: str, due: date, cite: str, done: date | None, today: date) -> Deadline:
    if done is not None:
        return Deadline(key, label, due, cite, done, done <= due, Rag.NONE)
    missed = False if today > due else None
    return Deadline(key, label, due, cite, None, missed, rag_for(due, today))
