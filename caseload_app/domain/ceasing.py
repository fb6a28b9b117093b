"""Ceasing a plan: what must come before the decision, and how long the plan stays in force.

- CFA 2014 s45(1): a council may cease to maintain a plan only if it is no longer responsible
  for the child or young person, or decides the plan is no longer necessary; s45(4): it may
  not cease it until the time for appealing has passed or, if the family appeals, until the
  appeal is finally decided.
- SEND Regs 2014 reg 31(1): while *considering* ceasing, the council must tell the family
  (the child's parent or the young person) that it is, consult them, and consult the head
  teacher or principal of the school or college named in the plan; reg 31(2)-(3): only then
  may it decide, and its decision letter gives the right of appeal, its time limits, the
  mediation information (reg 32) and where disagreement resolution and advice are found.

The decision is recorded on the day it was made (``ceased_date``); the plan stays in force
after it, so the case shows the day the time for appealing ends (``appeal_deadline``, the
First-tier Tribunal's rules included) or that an appeal is waiting to be decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from caseload_app.domain.deadlines import appeal_deadline, format_date
from caseload_app.domain.validators import ValidationError

__all__ = ["InForce", "check_consulted", "plan_in_force", "proposal_note"]

REG31 = "SEND Regs 2014 reg 31(1)"


def check_consulted(
    on: date,
    proposed: date | None,
    family_consulted: date | None,
    school_consulted: date | None,
) -> None:
    """A decision to cease on ``on`` needs, first, the proposal, the family told and
    consulted, and the school or college consulted (reg 31(1)); ValidationError saying what is
    missing otherwise."""
    if proposed is None:
        raise ValidationError(
            "Before deciding to cease the plan, record the proposal to cease, then tell and "
            f"consult the family and consult the school or college ({REG31})."
        )
    missing = []
    for when, who in (
        (family_consulted, "the family told and consulted"),
        (school_consulted, "the school or college consulted"),
    ):
        if when is None:
            missing.append(f"{who} (not recorded)")
        elif when > on:
            missing.append(f"{who} (recorded on {format_date(when)}, after {format_date(on)})")
    if missing:
        raise ValidationError(
            f"The plan cannot be ceased on {format_date(on)}: {REG31} requires "
            + " and ".join(missing)
            + " before the decision. Nothing was saved."
        )


def proposal_note(
    proposed: date, reason_label: str, family: date | None, school: date | None
) -> str:
    """The case's note while a proposal to cease waits for its consultation and decision."""
    waiting = [
        who
        for when, who in ((family, "the family"), (school, "the school or college"))
        if when is None
    ]
    tail = (
        f"still to consult {' and '.join(waiting)} (Reg 31(1))"
        if waiting
        else "consultation done: decide (Reg 31(2))"
    )
    return f"Ceasing proposed on {format_date(proposed)} ({reason_label}): {tail}."


@dataclass(frozen=True)
class InForce:
    """How long a plan the council has decided to cease stays in force (s45(4))."""

    until: date | None  # the last day for appealing; None while an appeal is undecided
    appeal_lodged: date | None
    appeal_decided: bool

    @property
    def text(self) -> str:
        if self.appeal_decided:
            return "Appeal against ceasing decided: see its outcome (Reg 44(2)(a) if dismissed)."
        if self.appeal_lodged is not None:
            return (
                "Plan maintained until the appeal is decided "
                f"(appeal lodged {format_date(self.appeal_lodged)}; s45(4))."
            )
        assert self.until is not None
        return f"Plan maintained until the appeal period ends: {format_date(self.until)}."

    def in_force_on(self, day: date) -> bool:
        if self.appeal_decided:
            return False
        return self.until is None or day <= self.until


def plan_in_force(
    decided: date,
    mediation_certificate: date | None = None,
    appeal_lodged: date | None = None,
    appeal_decided: bool = False,
) -> InForce:
    """The plan decided to be ceased on ``decided`` (the decision letter's date) stays in
    force until the last day for appealing (2 months from the letter or 1 month from a
    mediation certificate, whichever is later, with the Tribunal's rules for 25 Dec-1 Jan,
    August and non-working days) or, once an appeal is lodged, until it is decided."""
    if appeal_lodged is not None:
        return InForce(None, appeal_lodged, appeal_decided)
    return InForce(appeal_deadline(decided, mediation_certificate), None, False)
