"""The keep-in-touch promise: every family with an open case hears from the council at each
stage change and at least every few weeks, in plain words. When an update is due, and the
update itself drafted from the case (where it is, what happens next and by when, who to
contact, the family's rights after a decision, and an apology with what is late when a
statutory step has been missed). The caseworker reads, edits and sends it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from caseload_app.domain import deadlines

DEFAULT_EVERY_WEEKS = 4  # a team setting: at least one update this often
# The stage events a family must hear of (a school consulted, an exception, advice asked
# for are news too, but not a change of stage).
STAGE_CHANGES = (
    "assess_agreed", "assess_refused", "issue", "not_issue", "draft_served", "final_issued",
    "cease_proposed", "ceased", "transferred_in",
)  # fmt: skip
# The stage events that bring a case into this caseload other than a request received here.
ENTRY_EVENTS = ("imported", "transferred_in")
STAGE_CHANGE_DAYS = 7  # a family hears of a stage change within a week of it
# Left for the caseworker to write: a draft holding one cannot be sent (see unfilled()).
TO_FILL = re.compile(r"\[[^\[\]]{3,80}\]")


# Words in a contact's "with whom" that say it was with the family, or with a professional
# about them (an adviser, the school): the log form's "With the family" tick follows them, and
# a contact from before migration 0024 (which set the rows then held by the same words) is
# put back from the trash so.
FAMILY_WORDS = ("parent", "mum", "dad", "mother", "father", "carer", "family", "grand", "foster",
                "guardian")  # fmt: skip
PROFESSIONAL_WORDS = (
    "adviser", "advisor", "headteacher", "teacher", "psycholog", "social care",
    "social worker", "clinical", "nhs", "sensory support", "school", "senco", "college",
    "nursery", "academy", "health", "therapist", "doctor", "nurse", "paediatric", "camhs",
    "tribunal", "officer",
)  # fmt: skip


def likely_with_family(with_whom: str) -> bool:
    """Whether a contact with this person was with the family: yes unless it names a
    professional and not the family too (a first name alone is given the benefit of the
    doubt)."""
    whom = with_whom.strip().lower()
    if not whom or any(w in whom for w in FAMILY_WORDS):
        return True
    return not any(w in whom for w in PROFESSIONAL_WORDS)


@dataclass(frozen=True)
class UpdateDue:
    due: date
    reason: str


def update_due(
    *,
    opened: date,
    last_update: date | None,
    last_change: date | None,
    every_weeks: int = DEFAULT_EVERY_WEEKS,
    entered: date | None = None,
) -> UpdateDue:
    """When the family is next owed an update: a week after a stage change they have not
    heard of, and `every_weeks` after the last update, whichever is first. With no update
    yet, the weeks run from the request, or from the day the case `entered` this caseload
    (imported, or transferred in from another council) if later: a case imported last week
    whose request was a year ago is not a year overdue."""
    fmt = deadlines.format_date
    start = max(opened, entered or opened)
    since = last_update or start
    if last_update:
        what = f"last update {fmt(last_update)}"
    elif start > opened:
        what = f"no update since the case came to us ({fmt(start)})"
    else:
        what = f"no update since the request ({fmt(opened)})"
    regular = UpdateDue(since + timedelta(weeks=every_weeks), f"Every {every_weeks} weeks: {what}")
    if last_change is not None and (last_update is None or last_change > last_update):
        change = UpdateDue(
            last_change + timedelta(days=STAGE_CHANGE_DAYS),
            f"Stage changed {fmt(last_change)}, family not told yet",
        )
        if change.due <= regular.due:
            return change
    return regular


def delay_untold(
    *, step_due: date | None, advice_due: date | None, last_update: date | None, today: date
) -> date | None:
    """The day a delay began that the family has not heard of: the case's next statutory
    step, or the advice asked for (the earliest still missing), past its date with no update
    to the family after that date. None: nothing late, or the family told of each. The
    caseworker then owes them a delay letter at once, before they have to chase (the
    promise is the team's, not the law's)."""
    untold = [
        d
        for d in (step_due, advice_due)
        if d is not None and d < today and (last_update is None or last_update <= d)
    ]
    return min(untold, default=None)


@dataclass(frozen=True)
class Late:
    """A statutory step or a piece of advice past its date."""

    what: str
    due: date
    waiting_for: str = ""  # advice still to come: what the family is told we wait for
    chased: date | None = None  # when we last chased it


@dataclass(frozen=True)
class CaseFacts:
    """What the update is drafted from (services/keep_in_touch.py gathers it)."""

    child_first_name: str
    stage: str
    request_received: date
    next_step: str | None  # its label ("Issue the final EHC plan")
    next_due: date | None
    caseworker: str  # "": none assigned yet
    caseworker_email: str
    decision: str | None  # a decision the family may appeal, made since their last update
    draft_served: date | None
    late: Sequence[Late]
    today: date
    # The last day the draft plan can be sent and still leave the family their 15 days for
    # comments within the 20 weeks, when it has passed and no draft has gone (the final
    # plan's date is at risk, though not yet missed).
    draft_too_late_since: date | None = None


@dataclass(frozen=True)
class Draft:
    subject: str
    message: str  # paragraphs separated by blank lines: the generic letter's {{message}}
    delay: bool  # it apologises for something late

    def unfilled(self) -> list[str]:
        """What the caseworker still has to write in (square brackets)."""
        return unfilled(self.message)


def draft_update(facts: CaseFacts) -> Draft:
    parts = [_where(facts), _next(facts)]
    delayed = bool(facts.late) or facts.draft_too_late_since is not None
    if delayed:
        parts.append(_sorry(facts))
    if facts.decision:
        parts.append(_rights(facts))
    parts.append(_contact(facts))
    about = "EHC plan" if facts.stage == "plan_issued" else "EHC needs assessment"
    subject = f"An update on {facts.child_first_name}'s {about}"
    if delayed:
        subject = f"Sorry for the delay: {subject[0].lower()}{subject[1:]}"
    return Draft(subject, "\n\n".join(p for p in parts if p), delayed)


def _contact(f: CaseFacts) -> str:
    new = f"with questions, or to tell us anything new about {f.child_first_name}."
    if not f.caseworker:
        return f"You can contact the SEND team at any time {new}"
    email = f" ({f.caseworker_email})" if f.caseworker_email else ""
    return f"Your named contact is {f.caseworker}{email}. You can contact me at any time {new}"


def _where(f: CaseFacts) -> str:
    fmt = deadlines.format_date
    child = f.child_first_name
    if f.stage == "request_received":
        return (
            f"We received the request for an education, health and care (EHC) needs "
            f"assessment for {child} on {fmt(f.request_received)}. We are looking at the "
            "information we have to decide whether to carry out an assessment."
        )
    if f.stage == "assessment":
        return (
            f"We are carrying out the EHC needs assessment for {child}. We have asked "
            "professionals who know or will meet them for their advice, and we will use it, "
            "and what you tell us, to decide whether a plan is needed."
        )
    if f.stage == "draft_issued":
        served = f" on {fmt(f.draft_served)}" if f.draft_served else ""
        ends = (
            f" You have until {fmt(deadlines.comments_end(f.draft_served))} to send us your "
            "comments and to tell us which school or college you would like named."
            if f.draft_served
            else ""
        )
        return f"We sent you {child}'s draft EHC plan{served}.{ends}"
    if f.stage == "plan_issued":
        return (
            f"{child}'s EHC plan is in place. We review it with you, the school and others "
            "who work with them at least once a year."
        )
    return f"This is an update on {child}'s case."


def _next(f: CaseFacts) -> str:
    fmt = deadlines.format_date
    if f.next_step and f.next_due:
        step = lower_first(f.next_step)
        when = "was due by" if f.next_due < f.today else "is due by"
        text = f"What happens next: {step}, which {when} {fmt(f.next_due)}."
    else:
        text = ""
    if f.stage in ("request_received", "assessment"):
        final = deadlines.final_plan_due(f.request_received)
        gives = "gives" if final >= f.today else "gave"
        text += (
            f" The law {gives} us until {fmt(final)} (20 weeks from the request) to issue a "
            "final plan, if one is needed, unless one of the exceptions it allows applies."
        )
    return text.strip()


def _sorry(f: CaseFacts) -> str:
    fmt = deadlines.format_date
    parts = []
    if f.late:
        lines = "; ".join(f"{lower_first(late.what)} (due {fmt(late.due)})" for late in f.late)
        parts.append(f"I am sorry that we are late: {lines}.")
    if f.draft_too_late_since is not None:
        final = deadlines.final_plan_due(f.request_received)
        parts.append(
            f"The law gives us until {fmt(final)} to issue {f.child_first_name}'s final plan. "
            "We have not yet sent you the draft plan, and you have 15 days to comment on it, "
            "so the final plan may be later than that, and I am sorry."
        )
    waiting = [late for late in f.late if late.waiting_for]
    if waiting:
        names = _and(late.waiting_for for late in waiting)
        parts.append(f"The reason is that we are still waiting for {names}.")
    else:
        parts.append("The reason is [the reason for the delay].")
    chased = [late.chased for late in waiting if late.chased is not None]
    doing = f"we chased it on {fmt(max(chased))}, and " if chased else ""
    parts.append(
        f"What we are doing about it: {doing}[what the council is doing]. We now expect this "
        "by [the new expected date]. You have the right to complain about the delay; our "
        "complaints procedure is on the council's website, and if you are not satisfied with "
        "our answer you can go to the Local Government and Social Care Ombudsman."
    )
    return " ".join(parts)


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


RIGHTS_DAYS = 92  # a decision's appeal rights are told while it may still be appealed
RIGHTS = {
    "assess_refused": "not to carry out an EHC needs assessment",
    "not_issue": "not to issue an EHC plan",
    "ceased": "to stop maintaining the EHC plan",
    "final_issued": "on the EHC plan (sections B, F and I, and the school or college named)",
}


def _rights(f: CaseFacts) -> str:
    what = RIGHTS.get(f.decision or "", "")
    if not what:
        return ""
    # No date is given: the two months run from the decision letter, which may not be the
    # day the decision was recorded.
    return (
        f"You can appeal to the SEND Tribunal against our decision {what}. You have two "
        "months from the date of our decision letter, or one month from a mediation "
        f"certificate if that is later. Before appealing you must contact a mediation "
        f"adviser{_ONLY_SCHOOL if f.decision == 'final_issued' else ''}; mediation itself is "
        "your choice. SENDIASS, the free and impartial advice service, can help you."
    )


# docs/statutory-rules.md, Mediation and appeal: no mediation advice is needed for an appeal
# only about the school or type of school named in the plan.
_ONLY_SCHOOL = " (unless you appeal only about the school or type of school named)"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def unfilled(*texts: str) -> list[str]:
    """The square-bracketed words left in these texts (an edited subject and message)."""
    return [found for text in texts for found in TO_FILL.findall(text)]


def email_text(greeting: str, message: str, signed: str) -> str:
    """The update as an e-mail: the greeting and signing-off a letter prints around it (the
    generic letter adds its own, so the message itself has neither)."""
    return (
        f"Dear {greeting or 'parent or carer'},\n\n{message.strip()}\n\n"
        f"Yours sincerely,\n\n{signed or 'SEND Team'}\n"
    )
