"""Stage actions: what may happen next to a case, and the checks on the date a person enters.

A stage change is always an action with a date, by a person (docs/statutory-rules.md,
"Stages"); this module says which actions are possible from which stage and refuses
impossible orders with a message a caseworker can act on. The service layer applies the
action to the stored case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from caseload_app.domain.ceasing import check_consulted
from caseload_app.domain.deadlines import comments_end, format_date
from caseload_app.domain.status import CaseDates
from caseload_app.domain.validators import ValidationError

# The action (and the stage it leads to) of a request withdrawn before its outcome.
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    from_stages: frozenset[str]
    to_stage: str | None  # None: the stage does not change
    needs_reason: bool = False
    # The CaseDates field holding the step this action must not precede, and its name.
    after: tuple[str, str] = ("request_received", "the request was received")


def _stages(*names: str) -> frozenset[str]:
    return frozenset(names)


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action("assess_agreed", "Agree to assess", _stages("request_received"), "assessment"),
        Action(
            "assess_refused",
            "Refuse to assess",
            _stages("request_received"),
            "refused_to_assess",
            needs_reason=True,
        ),
        Action(
            "issue",
            "Decide to issue a plan",
            _stages("assessment"),
            None,
            after=("assess_decision_date", "the decision to assess"),
        ),
        Action(
            "not_issue",
            "Decide not to issue a plan",
            _stages("assessment"),
            "not_issued",
            needs_reason=True,
            after=("assess_decision_date", "the decision to assess"),
        ),
        Action(
            "draft_served",
            "Draft plan served",
            _stages("assessment"),
            "draft_issued",
            after=("issue_decision_date", "the decision to issue"),
        ),
        Action(
            "school_consulted",
            "School or college consulted",
            _stages("draft_issued"),
            None,
            needs_reason=True,  # the setting consulted
            after=("draft_served", "the draft plan was served"),
        ),
        Action(
            "comments_received",
            "Family's comments on the draft received",
            _stages("draft_issued"),
            None,
            after=("draft_served", "the draft plan was served"),
        ),
        Action(
            "final_issued",
            "Final plan issued",
            _stages("draft_issued"),
            "plan_issued",
            after=("draft_served", "the draft plan was served"),
        ),
        # Ceasing (s45; Reg 31): the proposal with its coded reason, the family told and
        # consulted and the school or college consulted, then the decision.
        Action(
            "cease_proposed",
            "Propose to cease the plan",
            _stages("plan_issued"),
            None,
            after=("final_issued", "the final plan was issued"),
        ),
        Action(
            "cease_family_consulted",
            "Family told and consulted about ceasing",
            _stages("plan_issued"),
            None,
            after=("cease_proposed", "the proposal to cease"),
        ),
        Action(
            "cease_school_consulted",
            "School or college consulted about ceasing",
            _stages("plan_issued"),
            None,
            after=("cease_proposed", "the proposal to cease"),
        ),
        Action(
            "ceased",
            "Cease the plan",
            _stages("plan_issued"),
            "ceased",
            needs_reason=True,
            after=("final_issued", "the final plan was issued"),
        ),
        # The request, or the assessment that followed it, withdrawn before its outcome (the
        # family withdrew it, moved away, or the child died): SEN2 codes it as withdrawn, and
        # the case closes.
        Action(
            WITHDRAWN,
            "Withdraw the request",
            _stages("request_received", "assessment", "draft_issued"),
            "withdrawn",
            needs_reason=True,
        ),
    )
}
# The ceasing steps that come before the decision, each recorded once, after the proposal.
CEASE_STEPS = ("cease_proposed", "cease_family_consulted", "cease_school_consulted")


def available_actions(case: CaseDates) -> list[Action]:
    """The actions that make sense for the case now (the draft needs a decision to issue)."""
    actions = [a for a in ACTIONS.values() if case.stage in a.from_stages]
    if case.issue_decision_date is None:
        actions = [a for a in actions if a.key != "draft_served"]
    else:
        actions = [a for a in actions if a.key not in ("issue", "not_issue")]
    if case.comments_received is not None:
        actions = [a for a in actions if a.key != "comments_received"]
    done = {key for key in CEASE_STEPS if getattr(case, key) is not None}
    if case.cease_proposed is None:
        done |= {"cease_family_consulted", "cease_school_consulted"}  # nothing to consult on
    return [a for a in actions if a.key not in done]


def check_action(key: str, case: CaseDates, on: date, today: date, reason: str = "") -> Action:
    """The action if it may be recorded on `on`; otherwise ValidationError saying why not."""
    action = ACTIONS.get(key)
    if action is None:
        raise ValidationError(f"Unknown action '{key}'")
    if case.stage not in action.from_stages:
        raise ValidationError(f"'{action.label}' is not possible at this stage ({case.stage}).")
    if key == "draft_served" and case.issue_decision_date is None:
        raise ValidationError("Record the decision to issue a plan before serving the draft.")
    if key in ("issue", "not_issue") and case.issue_decision_date is not None:
        raise ValidationError("The decision whether to issue a plan is already recorded.")
    if on > today:
        raise ValidationError(f"{format_date(on)} is in the future: record what has happened.")
    field, described = action.after
    earlier = getattr(case, field)
    if earlier is not None and on < earlier:
        raise ValidationError(f"{format_date(on)} is before {described} ({format_date(earlier)}).")
    if on < case.request_received:
        raise ValidationError(
            f"{format_date(on)} is before the request was received "
            f"({format_date(case.request_received)})."
        )
    if action.needs_reason and not reason.strip():
        raise ValidationError(f"'{action.label}' needs a reason or note.")
    if key == "final_issued":
        _check_comment_window(case, on)
    if key == WITHDRAWN:
        _check_after_steps(case, on)
    if key in CEASE_STEPS:
        _check_cease_step(key, case)
    if key == "ceased":
        check_consulted(
            on, case.cease_proposed, case.cease_family_consulted, case.cease_school_consulted
        )
    if key == "comments_received" and case.comments_received is not None:
        raise ValidationError(
            f"The family's comments are already recorded as received on "
            f"{format_date(case.comments_received)}."
        )
    return action


def _check_after_steps(case: CaseDates, on: date) -> None:
    """A withdrawal comes after every step recorded before it."""
    for field, described in CHAIN:
        earlier = getattr(case, field)
        if earlier is not None and on < earlier:
            raise ValidationError(
                f"{format_date(on)} is before {described} ({format_date(earlier)})."
            )


def stage_before_withdrawal(assess_decision: str | None, draft_served: date | None) -> str:
    """The stage a withdrawn case was at, from what had been recorded on it: a draft served,
    a decision to assess, or neither (only open stages can be withdrawn)."""
    if draft_served is not None:
        return "draft_issued"
    if assess_decision == "agreed":
        return "assessment"
    return "request_received"


def _check_cease_step(key: str, case: CaseDates) -> None:
    recorded = getattr(case, key)
    if recorded is not None:
        raise ValidationError(
            f"'{ACTIONS[key].label}' is already recorded on {format_date(recorded)}: "
            "correct its date instead."
        )
    if key != "cease_proposed" and case.cease_proposed is None:
        raise ValidationError("Record the proposal to cease the plan first (Reg 31(1)).")


def _check_comment_window(case: CaseDates, on: date) -> None:
    """Reg 13(1): the family has 15 days to comment on the draft. The final plan waits for
    the end of them unless their comments have arrived (then it waits for those)."""
    if case.draft_served is None:
        return
    last_day = comments_end(case.draft_served)
    if on > last_day:
        return
    received = case.comments_received
    if received is None:
        raise ValidationError(
            f"The family have until {format_date(last_day)} to comment on the draft plan "
            f"(15 days, Reg 13(1)), so the final plan cannot be issued on {format_date(on)}. "
            "Issue it after that day, or, if their comments have arrived, first record "
            "'Family's comments on the draft received' with the date they came."
        )
    if on < received:
        raise ValidationError(
            f"{format_date(on)} is before the family's comments on the draft arrived "
            f"({format_date(received)})."
        )


def check_event_date(on: date, case: CaseDates, today: date, what: str) -> None:
    """Dates of other case events (advice requested, contact, exception): not in the future,
    not before the request."""
    if on > today:
        raise ValidationError(f"{what}: {format_date(on)} is in the future.")
    if on < case.request_received:
        raise ValidationError(
            f"{what}: {format_date(on)} is before the request was received "
            f"({format_date(case.request_received)})."
        )


# ------------------------------------------------------------------ correcting a recorded step
# The CaseDates field each action's date is kept in (None: only on the event itself).
DATE_FIELD: dict[str, str | None] = {
    "assess_agreed": "assess_decision_date",
    "assess_refused": "assess_decision_date",
    "issue": "issue_decision_date",
    "not_issue": "issue_decision_date",
    "draft_served": "draft_served",
    "school_consulted": None,
    "comments_received": "comments_received",
    "final_issued": "final_issued",
    "cease_proposed": "cease_proposed",
    "cease_family_consulted": "cease_family_consulted",
    "cease_school_consulted": "cease_school_consulted",
    "ceased": None,
    WITHDRAWN: "withdrawn_date",
}
# The statutory steps in the order they happen, with how a message names each.
CHAIN = (
    ("request_received", "the request was received"),
    ("assess_decision_date", "the decision whether to assess"),
    ("issue_decision_date", "the decision whether to issue a plan"),
    ("draft_served", "the draft plan was served"),
    ("comments_received", "the family's comments on the draft arrived"),
    ("final_issued", "the final plan was issued"),
)
# Where each action's date sits in CHAIN when it has no field of its own.
_BETWEEN = {"school_consulted": "draft_served", "ceased": "final_issued"}
# Withdrawing an action: the stage the case goes back to (None: unchanged) and the case
# columns it had set.
UNDO: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "assess_agreed": ("request_received", ("assess_decision", "assess_decision_date")),
    "assess_refused": (
        "request_received",
        ("assess_decision", "assess_decision_date", "outcome_reason"),
    ),
    "issue": (None, ("issue_decision", "issue_decision_date")),
    "not_issue": ("assessment", ("issue_decision", "issue_decision_date", "outcome_reason")),
    "draft_served": ("assessment", ("draft_served",)),
    "school_consulted": (None, ()),
    "comments_received": (None, ("comments_received",)),
    "final_issued": ("draft_issued", ("final_issued",)),
    "cease_proposed": (None, ("cease_proposed", "cease_reason")),
    "cease_family_consulted": (None, ("cease_family_consulted",)),
    "cease_school_consulted": (None, ("cease_school_consulted",)),
    "ceased": ("plan_issued", ("ceased_date", "outcome_reason")),
    # Back to the stage it was withdrawn at: stage_before_withdrawal.
    WITHDRAWN: (None, ("withdrawn_date", "outcome_reason")),
}


def check_correction(key: str, case: CaseDates, on: date, today: date) -> None:
    """A recorded step's date corrected to `on`: still in order with the steps before and
    after it, not in the future, and a final plan still outside the comment window."""
    if key not in DATE_FIELD:
        raise ValidationError("Only a stage action's date can be corrected here.")
    if on > today:
        raise ValidationError(f"{format_date(on)} is in the future: record what has happened.")
    if key in CEASE_STEPS or key == "ceased":
        _check_cease_correction(key, case, on)
        return
    if key == WITHDRAWN:
        _check_after_steps(case, on)  # the request's day among them
        return
    own = DATE_FIELD[key]
    names = [name for name, _ in CHAIN]
    anchor = own or _BETWEEN.get(key)
    if anchor is None:
        return
    position = names.index(anchor)
    before = CHAIN[: position + (0 if own else 1)]
    after = {"ceased": (), "school_consulted": CHAIN[-1:]}.get(key, CHAIN[position + 1 :])
    for field, described in before:
        earlier = getattr(case, field)
        if earlier is not None and on < earlier:
            raise ValidationError(
                f"{format_date(on)} is before {described} ({format_date(earlier)})."
            )
    for field, described in after:
        later = getattr(case, field)
        if later is not None and on > later:
            raise ValidationError(f"{format_date(on)} is after {described} ({format_date(later)}).")
    corrected: CaseDates = replace(case, **{own: on}) if own else case  # type: ignore[arg-type]
    if corrected.final_issued is not None and key in ("draft_served", "comments_received"):
        _check_comment_window(corrected, corrected.final_issued)
    if key == "final_issued":
        _check_comment_window(corrected, on)


def _check_cease_correction(key: str, case: CaseDates, on: date) -> None:
    """The ceasing steps stay in their order: after the final plan, the consultations after
    the proposal, and the decision after both (Reg 31(1)). A decided case's steps before the
    decision keep it after them."""
    final = case.final_issued
    if final is not None and on < final:
        raise ValidationError(
            f"{format_date(on)} is before the final plan was issued ({format_date(final)})."
        )
    consulted = (
        (case.cease_family_consulted, "the family was consulted"),
        (case.cease_school_consulted, "the school or college was consulted"),
    )
    if key == "cease_proposed":
        for later, described in consulted:
            if later is not None and on > later:
                raise ValidationError(
                    f"{format_date(on)} is after {described} ({format_date(later)})."
                )
    elif key in ("cease_family_consulted", "cease_school_consulted"):
        proposed = case.cease_proposed
        if proposed is not None and on < proposed:
            raise ValidationError(
                f"{format_date(on)} is before the proposal to cease ({format_date(proposed)})."
            )
    if key == "ceased" and case.cease_proposed is not None:
        check_consulted(
            on, case.cease_proposed, case.cease_family_consulted, case.cease_school_consulted
        )
