"""Complying with the First-tier Tribunal (SEND): the dates that follow an order (SEND Regs 2014
reg 44) or the council's notice that it will not oppose an appeal (reg 45, "unopposed
appeals"). The law, and which parts of it are checked against the regulation's own text, is
in docs/statutory-rules.md, "Tribunal orders".

Counting: "within N weeks of the order being made" / "of the date of the First-tier
Tribunal's order" is counted as every other "within N weeks of D" in
``caseload_app.domain.deadlines`` (``final_plan_due`` counts its 20 weeks the same way):
D itself is not counted, so the last day is D + 7N days (``weeks_of``). "Immediately" and
"with immediate effect" fall on D itself. No date moves off a weekend or a bank holiday.

Under reg 45 there is no order: each period runs from the date the council notified the
Tribunal under reg 45(1) that it would not oppose the appeal, and that is the date passed in.
"""

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from caseload_app.domain.deadlines import weeks_of
from caseload_app.domain.status import Deadline, Rag, rag_for

__all__ = [
    "KIND_LABELS",
    "ORDER_DEADLINES",
    "STEP_LABELS",
    "OrderKind",
    "order_steps",
    "order_timeline",
]


class OrderKind(StrEnum):
    """What the Tribunal ordered (reg 44), or what the council conceded (reg 45)."""

    ASSESS = "assess"  # an EHC needs assessment
    REASSESS = "reassess"  # a re-assessment
    MAKE_PLAN = "make_plan"  # make and maintain an EHC plan
    AMEND_PROVISION = "amend_provision"  # amend the plan (needs or provision)
    AMEND_SCHOOL = "amend_school"  # amend only the school or type of school named
    CEASE_DISMISSED = "cease_dismissed"  # an appeal against ceasing dismissed (reg 44 only)
    MAINTAIN = "maintain"  # continue to maintain the plan
    MAINTAIN_AMEND = "maintain_amend"  # continue to maintain it, and amend it
    # A recommendation on the plan's health or social care parts (SEND (First-tier Tribunal
    # Recommendations Power) Regulations 2017, SI 2017/1306): not binding, but answered.
    RECOMMENDATION = "recommendation"


KIND_LABELS: dict[str, str] = {
    "assess": "Assess",
    "reassess": "Re-assess",
    "make_plan": "Make and maintain a plan",
    "amend_provision": "Amend the plan (needs or provision)",
    "amend_school": "Amend only the school or type named",
    "cease_dismissed": "Appeal against ceasing dismissed: cease",
    "maintain": "Continue to maintain the plan",
    "maintain_amend": "Continue to maintain, and amend",
    "recommendation": "Health or social care recommendation (SI 2017/1306)",
}
STEP_LABELS: dict[str, str] = {
    "notify_due": "Tell the family the council will assess",
    "not_to_issue_due": "Decision not to issue (if so)",
    "draft_plan_due": "Serve the draft plan",
    "final_plan_due": "Issue the final plan",
    "amended_plan_due": "Issue the amended plan",
    "cease_due": "Cease to maintain the plan",
    "maintain_due": "Continue to maintain the plan",
    "response_due": "Respond in writing to the recommendation",
}

# The keys each kind gives, in the order the regulation gives the steps.
ORDER_DEADLINES: dict[OrderKind, tuple[str, ...]] = {
    OrderKind.ASSESS: ("notify_due", "not_to_issue_due", "final_plan_due"),
    OrderKind.REASSESS: ("notify_due", "not_to_issue_due", "final_plan_due"),
    OrderKind.MAKE_PLAN: ("draft_plan_due", "final_plan_due"),
    OrderKind.AMEND_PROVISION: ("amended_plan_due",),
    OrderKind.AMEND_SCHOOL: ("amended_plan_due",),
    OrderKind.CEASE_DISMISSED: ("cease_due",),
    OrderKind.MAINTAIN: ("maintain_due",),
    OrderKind.MAINTAIN_AMEND: ("maintain_due", "amended_plan_due"),
    OrderKind.RECOMMENDATION: ("response_due",),
}


def order_timeline(
    order_date: date, kind: OrderKind | str, *, unopposed: bool = False
) -> dict[str, date]:
    """The last lawful day of each step the council must take after a Tribunal order.

    ``order_date`` is the date of the order (reg 44) or, with ``unopposed``, the date the council
    told the Tribunal it would not oppose the appeal (reg 45(1)). ValueError for a kind that is
    not an ``OrderKind``, or for ``cease_dismissed`` with ``unopposed`` (a council that does
    not oppose an appeal against ceasing keeps the plan: ``maintain``).
    """
    kind = OrderKind(kind)
    if unopposed:
        return _unopposed(order_date, kind)
    return _ordered(order_date, kind)


def _ordered(order: date, kind: OrderKind) -> dict[str, date]:
    if kind in (OrderKind.ASSESS, OrderKind.REASSESS):
        return {
            # SEND Regs 2014 reg 44(2)(b): tell the family within 2 weeks of the order
            "notify_due": weeks_of(order, 2),
            # reg 44(2)(b)(i): a decision not to issue, within 10 weeks of the order
            "not_to_issue_due": weeks_of(order, 10),
            # reg 44(2)(b)(ii): the finalised plan, within 14 weeks of the order
            "final_plan_due": weeks_of(order, 14),
        }
    if kind is OrderKind.MAKE_PLAN:
        return {
            # reg 44(2)(c)(i): the draft plan, within 5 weeks of the order
            "draft_plan_due": weeks_of(order, 5),
            # reg 44(2)(c)(ii): the finalised plan, within 11 weeks of the order
            "final_plan_due": weeks_of(order, 11),
        }
    if kind is OrderKind.CEASE_DISMISSED:
        # reg 44(2)(a): cease to maintain the plan immediately
        return {"cease_due": order}
    if kind is OrderKind.RECOMMENDATION:
        # SI 2017/1306 reg 6: the council (social care) or the commissioning body (health)
        # answers in writing within 5 weeks of the recommendation (figure from the DfE's
        # guidance; the regulation's own words not seen: docs/statutory-rules.md)
        return {"response_due": weeks_of(order, 5)}
    # The rest of reg 44(2) was not found in its own text; the figures are the Tribunal's
    # published guidance (HMCTS SEND18). See docs/statutory-rules.md, "Tribunal orders".
    if kind is OrderKind.AMEND_PROVISION:
        # reg 44(2), amend the special educational provision: within 5 weeks of the order
        return {"amended_plan_due": weeks_of(order, 5)}
    if kind is OrderKind.AMEND_SCHOOL:
        # reg 44(2), amend the school or type named: within 2 weeks of the order
        return {"amended_plan_due": weeks_of(order, 2)}
    if kind is OrderKind.MAINTAIN:
        # reg 44(2), continue to maintain: with immediate effect
        return {"maintain_due": order}
    # reg 44(2), continue to maintain (at once) and amend: within 5 weeks of the order
    return {"maintain_due": order, "amended_plan_due": weeks_of(order, 5)}


def _unopposed(notified: date, kind: OrderKind) -> dict[str, date]:
    if kind is OrderKind.RECOMMENDATION:
        raise ValueError("a recommendation follows a hearing: it is never an unopposed appeal")
    if kind in (OrderKind.ASSESS, OrderKind.REASSESS):
        return {
            # SEND Regs 2014 reg 45(3) (substituted by SI 2015/359 reg 8): an appeal under
            # CFA 2014 s51(2)(a) or (d); tell the family within 2 weeks of the reg 45(1) notice
            "notify_due": weeks_of(notified, 2),
            # reg 45(3A)(a): a decision not to issue, within 10 weeks of that notice
            "not_to_issue_due": weeks_of(notified, 10),
            # reg 45(3A)(b): the finalised plan, within 14 weeks of that notice
            "final_plan_due": weeks_of(notified, 14),
        }
    if kind is OrderKind.AMEND_PROVISION:
        # reg 45(4): an appeal under s51(2)(c)(i) or (ii), or (e); the amended plan within
        # 5 weeks of the reg 45(1) notice
        return {"amended_plan_due": weeks_of(notified, 5)}
    if kind is OrderKind.CEASE_DISMISSED:
        raise ValueError(
            "an unopposed appeal against ceasing keeps the plan: use maintain (or maintain_amend)"
        )
    # The rest of reg 45 was not found in its own text; the figures are those of published
    # summaries of reg 45, and mirror reg 44. See docs/statutory-rules.md, "Tribunal orders".
    if kind is OrderKind.MAKE_PLAN:
        # reg 45, an appeal under s51(2)(b): draft within 5 weeks, final within 11, of the notice
        return {"draft_plan_due": weeks_of(notified, 5), "final_plan_due": weeks_of(notified, 11)}
    if kind is OrderKind.AMEND_SCHOOL:
        # reg 45, an appeal about the school or type named only: within 2 weeks of the notice
        return {"amended_plan_due": weeks_of(notified, 2)}
    if kind is OrderKind.MAINTAIN:
        # reg 45, an appeal against ceasing: the plan continues to be maintained
        return {"maintain_due": notified}
    # reg 45, an appeal against ceasing with amendments agreed: amended within 5 weeks
    return {"maintain_due": notified, "amended_plan_due": weeks_of(notified, 5)}


# Where each step's limit is set: (kind group, key) -> provision, for an order (reg 44) and an
# unopposed appeal (reg 45). "(letter not checked)": see docs/statutory-rules.md.
_ASSESSING = (OrderKind.ASSESS, OrderKind.REASSESS)
_CITE_ORDERED = {
    "notify_due": "Reg 44(2)(b)",
    "not_to_issue_due": "Reg 44(2)(b)(i)",
    ("assess", "final_plan_due"): "Reg 44(2)(b)(ii)",
    "draft_plan_due": "Reg 44(2)(c)(i)",
    ("make_plan", "final_plan_due"): "Reg 44(2)(c)(ii)",
    "cease_due": "Reg 44(2)(a)",
    "response_due": "SI 2017/1306 reg 6 (not checked)",
}
_CITE_UNOPPOSED = {
    "notify_due": "Reg 45(3)",
    "not_to_issue_due": "Reg 45(3A)(a)",
    ("assess", "final_plan_due"): "Reg 45(3A)(b)",
    ("amend_provision", "amended_plan_due"): "Reg 45(4)",
}


def _cite(kind: OrderKind, key: str, unopposed: bool) -> str:
    table = _CITE_UNOPPOSED if unopposed else _CITE_ORDERED
    group = "assess" if kind in _ASSESSING else kind.value
    found = table.get((group, key)) or table.get(key)
    return found or ("Reg 45 (not checked)" if unopposed else "Reg 44(2) (letter not checked)")


def order_steps(
    order_date: date,
    kind: OrderKind | str,
    done: Mapping[str, date | None],
    today: date,
    *,
    unopposed: bool = False,
) -> list[Deadline]:
    """Each step the council must take after the order, with when it was done (``done`` by
    step key), whether it was in time, and its RAG while open (no exception moves these).

    After an order to assess, the council either decides not to issue within 10 weeks or
    issues the plan within 14 (reg 44(2)(b)(i)/(ii)): whichever it did, the other does not
    apply; past 10 weeks without a decision not to issue, only the plan remains. "Continue
    to maintain" is in force from the order: shown done on the day itself.
    """
    kind = OrderKind(kind)
    rows = []
    for key, due in order_timeline(order_date, kind, unopposed=unopposed).items():
        on = order_date if key == "maintain_due" else done.get(key)
        label, cite = STEP_LABELS[key], _cite(kind, key, unopposed)
        if on is not None:
            rows.append(Deadline(key, label, due, cite, on, on <= due, Rag.NONE))
        elif _not_applicable(key, done, due, today):
            rows.append(Deadline(key, label, due, cite, None, None, Rag.NONE))
        else:
            missed = False if today > due else None
            rows.append(Deadline(key, label, due, cite, None, missed, rag_for(due, today)))
    return rows


def _not_applicable(key: str, done: Mapping[str, date | None], due: date, today: date) -> bool:
    if key == "not_to_issue_due":  # a plan was issued, or the 10 weeks passed without one
        return done.get("final_plan_due") is not None or today > due
    if key == "final_plan_due":  # a decision not to issue was made instead
        return done.get("not_to_issue_due") is not None
    return False
