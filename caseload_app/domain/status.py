"""A case's current state (next step, days left, RAG) computed from its recorded dates.

``case_status`` runs for every open case on each refresh (tens of thousands), so it only does
calendar arithmetic: no bank-holiday lookups, no I/O.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from caseload_app.domain.deadlines import (
    annual_review_due,
    comments_end,
    decision_not_to_issue_due,
    decision_to_assess_due,
    draft_plan_target,
    final_plan_due,
    transfer_in_parent_notice_due,
    transfer_in_review_due,
    transfer_out_due,
)
from caseload_app.domain.exceptions import covered_steps

__all__ = [
    "AMBER_DAYS",
    "CLOSED_STAGES",
    "RAG_VALUES",
    "STAGES",
    "TRANSFER_STEPS",
    "UNDER5_NOTE",
    "CaseDates",
    "CaseStatus",
    "Deadline",
    "NextStep",
    "case_status",
    "closed_on",
    "exception_greys",
    "next_step",
    "rag_for",
    "rag_for_step",
    "statutory_deadlines",
    "step_label",
]

# In the order a case goes through them (the closed ones last).
STAGE_ORDER = (
    "request_received",
    "assessment",
    "draft_issued",
    "plan_issued",
    "refused_to_assess",
    "not_issued",
    "ceased",
    "withdrawn",
)
STAGES = frozenset(STAGE_ORDER)
# withdrawn: the request, or the assessment that followed it, withdrawn before its outcome.
CLOSED_STAGES = frozenset({"refused_to_assess", "not_issued", "ceased", "withdrawn"})


class Rag(StrEnum):
    """A deadline's colour. Equal to its word ("red"), so saved views, CSVs and JSON keep
    the words they always had."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    GREY = "grey"  # an exception applies: the date still stands
    NONE = "none"  # nothing due: done, closed, or information only


RAG_VALUES = tuple(Rag)
AMBER_DAYS = 14  # "due within 14 days" includes day 14
UNDER5_NOTE = "Under-5: consider a review every 3–6 months (CoP 9.178)"
NO_PLAN_DATE_NOTE = "No plan or review date recorded: annual review date unknown"

# Step keys, labels and citations, shared by next_step and statutory_deadlines.
_DECIDE_ASSESS = ("decide_assess", "Decide whether to assess", "Reg 5(1)")
_DECIDE_ISSUE = ("decide_issue", "Decide whether to issue a plan", "Reg 10(1)")
_DRAFT_PLAN = ("draft_plan", "Serve draft plan (target)", "Target, leaving 15 days for comments")
_COMMENTS_END = ("comments_end", "Comments on draft close", "Reg 13(1)")
_FINAL_PLAN = ("final_plan", "Issue final plan", "Reg 13(2)")
_ANNUAL_REVIEW = ("annual_review", "Hold annual review", "CFA 2014 s44; Reg 2")
# A plan transferred in: the same step, on the Reg 15(5) date until this council reviews it.
_TRANSFER_REVIEW = ("annual_review", "Hold annual review", "Reg 15(5); CFA 2014 s44")
_TELL_FAMILY = ("transfer_family_told", "Tell the family of the transfer", "Reg 15(4)")
_SEND_PLAN = ("plan_sent", "Send the plan to the new council", "Reg 15(2)")
# The steps of a plan moving between councils, beside the case's next step (My week lists them).
TRANSFER_STEPS = frozenset({_TELL_FAMILY[0], _SEND_PLAN[0]})

# Stages reached only after the LA agreed to assess.
_ASSESSED_STAGES = frozenset({"assessment", "draft_issued", "plan_issued", "not_issued"})
# Stages that can only be reached once the step was done, whether or not its date was recorded.
_STAGES_PAST = {
    "decide_assess": frozenset(STAGES - {"request_received", "withdrawn"}),
    "decide_issue": frozenset({"draft_issued", "plan_issued", "not_issued", "ceased"}),
    "draft_plan": frozenset({"draft_issued", "plan_issued", "ceased"}),
    "final_plan": frozenset({"plan_issued", "ceased"}),
}


@dataclass(frozen=True, slots=True)
class CaseDates:
    request_received: date
    stage: str
    # Date the decision whether to assess was made (agreed or refused).
    assess_decision_date: date | None = None
    # Date the decision whether to issue a plan was made (for stage not_issued: the decision
    # not to issue).
    issue_decision_date: date | None = None
    issue_decision: str | None = None  # "issue" or "not_issue" (None: not recorded)
    draft_served: date | None = None
    comments_received: date | None = None  # the family's comments on the draft arrived
    final_issued: date | None = None
    last_review: date | None = None  # date of the last annual review meeting
    # The time limits a recorded exception covers (domain.exceptions keys).
    exception_limits: frozenset[str] = frozenset()
    child_dob: date | None = None
    # Ceasing (s45, Reg 31(1)): the proposal and the consultations that must precede it.
    cease_proposed: date | None = None
    cease_family_consulted: date | None = None
    cease_school_consulted: date | None = None
    # A plan transferred in from another council (Reg 15): the transfer, the plan's last
    # review (or making) under the old council, and the day the family was told.
    transferred_in: date | None = None
    transfer_last_review: date | None = None
    transfer_family_told: date | None = None
    # The child moving to another council's area (Reg 15(2)): the move, the day this
    # council became aware of it, and the day it sent the plan.
    moved_out: date | None = None
    move_aware: date | None = None
    plan_sent: date | None = None
    # The request (or its assessment) withdrawn before its outcome: the case closed that day.
    withdrawn_date: date | None = None

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")


@dataclass(frozen=True, slots=True)
class NextStep:
    key: str
    label: str
    due: date
    regulation: str


@dataclass(frozen=True, slots=True)
class CaseStatus:
    next_step: NextStep | None
    days_left: int | None
    rag: Rag
    note: str | None


@dataclass(frozen=True, slots=True)
class Deadline:
    key: str
    label: str
    due: date
    regulation: str
    done_on: date | None  # when the step was done, if it has been (or is recorded)
    met: bool | None  # None while still open and not yet past due, or not an LA duty
    rag: Rag  # "none" once done, for closed cases, and for information-only rows


_STEP_LABELS = {
    spec[0]: spec[1]
    for spec in (
        _DECIDE_ASSESS,
        _DECIDE_ISSUE,
        _DRAFT_PLAN,
        _COMMENTS_END,
        _FINAL_PLAN,
        _ANNUAL_REVIEW,
        _TELL_FAMILY,
        _SEND_PLAN,
    )
}


def step_label(key: str) -> str:
    """Human label for a stored step key ("decide_assess" -> "Decide whether to assess")."""
    return _STEP_LABELS.get(key, key)


def exception_greys(step_key: str | None, limits: frozenset[str]) -> bool:
    """Whether exceptions recorded against these time limits grey this step. Only the limits
    of Reg 5(4), 8(2), 10(4) and 13(3) have exceptions, each its own: an exception against
    the 6-week decision leaves the 20-week limit its colour, and none ever greys a review."""
    return bool(limits) and step_key is not None and step_key in covered_steps(limits)


def _step(spec: tuple[str, str, str], due: date) -> NextStep:
    key, label, regulation = spec
    return NextStep(key, label, due, regulation)


def _has_plan(case: CaseDates) -> bool:
    return case.stage == "plan_issued" or (
        case.final_issued is not None and case.stage not in CLOSED_STAGES
    )


def _review_base(case: CaseDates) -> date | None:
    # s44: 12 months from the last review, or from the plan being made if never reviewed.
    return case.last_review if case.last_review is not None else case.final_issued


def _under_transfer_rule(case: CaseDates) -> bool:
    """A plan transferred in whose review this council has not yet held since the transfer
    (Reg 15(5)): the first review's date follows the transfer, then s44 as usual."""
    return (
        case.transferred_in is not None
        and case.transfer_last_review is not None
        and (case.last_review is None or case.last_review < case.transferred_in)
    )


def _review_step(case: CaseDates) -> NextStep | None:
    if _under_transfer_rule(case):
        assert case.transferred_in is not None and case.transfer_last_review is not None
        # SEND Regs 2014 reg 15(5)
        due = transfer_in_review_due(case.transfer_last_review, case.transferred_in)
        return _step(_TRANSFER_REVIEW, due)
    base = _review_base(case)
    if base is None:
        return None
    # CFA 2014 s44(1)
    return _step(_ANNUAL_REVIEW, annual_review_due(base))


def next_step(case: CaseDates) -> NextStep | None:
    """The next statutory step for an open case, or None (closed, or no date to count from).

    Recorded dates win over the stage where they disagree (a legacy import may leave the
    stage behind), so the most advanced recorded step decides.
    """
    if case.stage in CLOSED_STAGES:
        return None
    if case.stage == "plan_issued" or case.final_issued is not None:
        return _review_step(case)
    received = case.request_received
    if case.stage == "draft_issued" or case.draft_served is not None:
        # SEND Regs 2014 reg 13(2)
        return _step(_FINAL_PLAN, final_plan_due(received))
    if case.issue_decision_date is not None:
        # Not law: local 14-week target
        return _step(_DRAFT_PLAN, draft_plan_target(received))
    if case.stage == "assessment" or case.assess_decision_date is not None:
        # SEND Regs 2014 reg 10(1)
        return _step(_DECIDE_ISSUE, decision_not_to_issue_due(received))
    # SEND Regs 2014 reg 5(1)
    return _step(_DECIDE_ASSESS, decision_to_assess_due(received))


def rag_for(due: date | None, today: date, exception_applies: bool = False) -> Rag:
    """RAG for an open deadline: red overdue, amber 0-14 days left, green later; grey where
    an exception applies (the date still stands); "none" when there is no deadline."""
    if due is None:
        return Rag.NONE
    if exception_applies:
        return Rag.GREY
    days_left = (due - today).days
    if days_left < 0:
        return Rag.RED
    if days_left <= AMBER_DAYS:
        return Rag.AMBER
    return Rag.GREEN


def rag_for_step(
    step_key: str | None,
    due: date | None,
    today: date,
    *,
    is_open: bool = True,
    exception_limits: frozenset[str] = frozenset(),
) -> Rag:
    """RAG from a case's stored next step: closed cases are "none"; an exception greys only
    the steps its time limits govern."""
    if not is_open:
        return Rag.NONE
    return rag_for(due, today, exception_greys(step_key, exception_limits))


def _fifth_birthday(dob: date) -> date:
    try:
        return dob.replace(year=dob.year + 5)
    except ValueError:
        # Born 29 Feb: in England a person attains an age on 1 March in a common year.
        return date(dob.year + 5, 3, 1)


def _under_five(dob: date | None, today: date) -> bool:
    return dob is not None and today < _fifth_birthday(dob)


def case_status(case: CaseDates, today: date) -> CaseStatus:
    """Next step, days left, RAG and any advisory note for one case on ``today``."""
    if case.stage in CLOSED_STAGES:
        return CaseStatus(next_step=None, days_left=None, rag=Rag.NONE, note=None)
    step = next_step(case)
    notes = []
    if step is None:
        # Only reachable for plan_issued without a plan or review date (legacy data).
        notes.append(NO_PLAN_DATE_NOTE)
    if _has_plan(case) and _under_five(case.child_dob, today):
        # CoP 9.178 is a recommendation: shown as a note, never as a RAG colour.
        notes.append(UNDER5_NOTE)
    note = " ".join(notes) if notes else None
    if step is None:
        return CaseStatus(next_step=None, days_left=None, rag=Rag.NONE, note=note)
    exception = exception_greys(step.key, case.exception_limits)
    return CaseStatus(
        next_step=step,
        days_left=(step.due - today).days,
        rag=rag_for(step.due, today, exception),
        note=note,
    )


class ClosingDates(Protocol):
    """What a case stops being live on (a stored case, or a report's row of one)."""

    @property
    def ceased_date(self) -> date | None: ...
    @property
    def assess_decision(self) -> str | None: ...
    @property
    def assess_decision_date(self) -> date | None: ...
    @property
    def issue_decision(self) -> str | None: ...
    @property
    def issue_decision_date(self) -> date | None: ...
    @property
    def withdrawn_date(self) -> date | None: ...


def closed_on(case: ClosingDates) -> date | None:
    """When the case stopped being live: ceased, refused to assess, decided not to issue, or
    withdrawn before its outcome."""
    if case.ceased_date is not None:
        return case.ceased_date
    if case.withdrawn_date is not None:
        return case.withdrawn_date
    if case.assess_decision == "refused":
        return case.assess_decision_date
    if case.issue_decision == "not_issue":
        return case.issue_decision_date
    return None


def _decided_to_issue(case: CaseDates) -> bool:
    """The recorded decision was to issue a plan (where the decision itself was not recorded,
    as in an old import, any stage but "not_issued" says a plan followed)."""
    if case.issue_decision is not None:
        return case.issue_decision == "issue"
    return case.stage != "not_issued"


def statutory_deadlines(case: CaseDates, today: date) -> list[Deadline]:
    """Every statutory deadline relevant to the case so far, in the order of the process.

    A row is done when its date is recorded (``met`` = done on or before the due date). An
    open row past its due date is already missed (``met`` False). Closed cases keep their
    history but show no RAG.
    """
    closed = case.stage in CLOSED_STAGES
    received = case.request_received
    rows: list[Deadline] = []

    def add(spec: tuple[str, str, str], due: date, done_on: date | None) -> None:
        key, label, regulation = spec
        if done_on is not None:
            met: bool | None = done_on <= due
            if key == "decide_issue" and _decided_to_issue(case):
                met = None  # Reg 10(1) limits a decision not to issue; issuing has none
            rag = Rag.NONE
        elif case.stage in _STAGES_PAST.get(key, ()):
            # The stage says the step happened but its date was never recorded (legacy data):
            # neither a breach nor something to chase.
            met, rag = None, Rag.NONE
        elif case.withdrawn_date is not None:
            # Withdrawn before the step: missed only if its day had passed by then.
            met, rag = (False if case.withdrawn_date > due else None), Rag.NONE
        else:
            met = False if today > due else None
            exception = exception_greys(key, case.exception_limits)
            rag = Rag.NONE if closed else rag_for(due, today, exception)
        rows.append(Deadline(key, label, due, regulation, done_on, met, rag))

    if case.transferred_in is not None:
        # A plan made by another council: no request of this council's to time (Reg 15(3)).
        _transfer_rows(case, add)
        return rows
    # SEND Regs 2014 reg 5(1)
    add(_DECIDE_ASSESS, decision_to_assess_due(received), case.assess_decision_date)

    # A case withdrawn during its assessment: only open stages can be withdrawn, so a
    # decision on assessing recorded by then was to assess.
    withdrawn_assessing = case.stage == "withdrawn" and case.assess_decision_date is not None
    agreed_to_assess = (
        case.stage in _ASSESSED_STAGES
        or withdrawn_assessing
        or any(
            d is not None for d in (case.issue_decision_date, case.draft_served, case.final_issued)
        )
    )
    if not agreed_to_assess:
        return rows

    # SEND Regs 2014 reg 10(1)
    add(_DECIDE_ISSUE, decision_not_to_issue_due(received), case.issue_decision_date)
    if case.stage == "not_issued":
        return rows

    # Target only (not law)
    add(_DRAFT_PLAN, draft_plan_target(received), case.draft_served)
    if case.draft_served is not None:
        # SEND Regs 2014 reg 13(1): the family's period, not an LA action: information only.
        key, label, regulation = _COMMENTS_END
        due = comments_end(case.draft_served)
        rows.append(Deadline(key, label, due, regulation, done_on=None, met=None, rag=Rag.NONE))
    # SEND Regs 2014 reg 13(2)
    add(_FINAL_PLAN, final_plan_due(received), case.final_issued)

    if _has_plan(case):
        review = _review_step(case)
        if review is not None:
            add(_ANNUAL_REVIEW, review.due, None)
    _moving_out_row(case, add)
    return rows


def _transfer_rows(case: CaseDates, add) -> None:
    """A plan transferred in: the family told within 6 weeks (Reg 15(4)), and the review on
    the Reg 15(5) date until this council holds one (then every 12 months, s44)."""
    assert case.transferred_in is not None
    add(_TELL_FAMILY, transfer_in_parent_notice_due(case.transferred_in), case.transfer_family_told)
    review = _review_step(case) if _has_plan(case) else None  # none once the case closed
    if review is not None:
        add((review.key, review.label, review.regulation), review.due, None)
    _moving_out_row(case, add)


def _moving_out_row(case: CaseDates, add) -> None:
    """The child moving away: the plan sent to the new council by the Reg 15(2) day."""
    if case.moved_out is not None and case.move_aware is not None:
        add(_SEND_PLAN, transfer_out_due(case.moved_out, case.move_aware), case.plan_sent)
