"""Statutory date arithmetic for EHCP casework: the one place these rules live.

Conventions (see docs/statutory-rules.md, "Counting time"):
- "within N weeks/days/months **of** D": D itself is not counted.
- "N days/months **beginning/starting with** D": D is day 1.
- Calendar time unless a rule says "working days".
- A deadline never moves to the next working day, except where the law itself says so
  (the First-tier Tribunal's own rules for the appeal deadline, see ``appeal_deadline``).

Regulation references are to the Special Educational Needs and Disability Regulations 2014
("SEND Regs 2014", SI 2014/1530) unless stated otherwise.
"""

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "NO_PHASE_TRANSFER",
    "PHASE_TRANSFER_CHOICES",
    "PHASE_TRANSFER_KINDS",
    "add_months",
    "add_working_days",
    "advice_due",
    "amended_plan_due",
    "amendment_comments_end",
    "amendment_notice_due",
    "amendment_notice_late",
    "annual_review_due",
    "appeal_deadline",
    "comments_end",
    "days_beginning_with",
    "decision_not_to_issue_due",
    "decision_to_assess_due",
    "draft_plan_target",
    "final_plan_due",
    "format_date",
    "is_working_day",
    "mediation_certificate_due",
    "months_starting_with",
    "phase_transfer_due",
    "post16_transfer_due",
    "recorded_phase_transfer_due",
    "reassessment_decision_due",
    "reassessment_not_too_soon_from",
    "reassessment_plan_due",
    "reassessment_timeline",
    "request_timeline",
    "review_decision_due",
    "review_invitations_by",
    "review_papers_by",
    "review_report_due",
    "review_timeline",
    "transfer_in_parent_notice_due",
    "transfer_in_review_due",
    "transfer_out_due",
    "transfer_out_timeline",
    "under5_review_window",
    "weekday_name",
    "weeks_of",
]

_ONE_DAY = timedelta(days=1)
# Fixed English names: strftime("%a") follows the OS locale, and letters must not change
# language because a caseworker's PC is set up differently.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PHASE_TRANSFER_KINDS = ("school-phase", "secondary-post16")
# Recorded on a case: no transfer between phases of education that September (a pupil staying
# in their own school's sixth form moves to no "post-16 institution": a school is not one,
# CFA 2014 s83), so Reg 18(1) sets no date (docs/statutory-rules.md, "Phase transfers").
NO_PHASE_TRANSFER = "none"
PHASE_TRANSFER_CHOICES = (*PHASE_TRANSFER_KINDS, NO_PHASE_TRANSFER)


# --------------------------------------------------------------------------- counting helpers


def weeks_of(d: date, n: int) -> date:
    """Last day of "within ``n`` weeks of ``d``": ``d`` is not counted, so d + 7n days."""
    return d + timedelta(days=7 * n)


def days_beginning_with(d: date, n: int) -> date:
    """Last day of "``n`` days beginning with ``d``": ``d`` is day 1, so d + (n - 1) days."""
    if n < 1:
        raise ValueError("a period beginning with a day is at least 1 day long")
    return d + timedelta(days=n - 1)


def add_months(d: date, n: int) -> date:
    """The same date ``n`` months later (or earlier if negative), clamped to the month's end.

    This is the last day of "within ``n`` months of ``d``": where the corresponding date does
    not exist (31 Jan + 1 month) the period ends on the last day of that month.
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def months_starting_with(d: date, n: int) -> date:
    """Last day of "the period of ``n`` months starting (beginning) with ``d``".

    Normally the day before the corresponding date ``n`` months later (1 Jan 2025, 12 ->
    31 Dec 2025). Where there is no corresponding date (29 Feb, or 31 Jan + 1 month) the period
    runs to the end of that month: 29 Feb 2024, 12 -> 28 Feb 2025, not 27 Feb
    (docs/statutory-rules.md, "Counting time").
    """
    if n < 1:
        raise ValueError("a period of months starting with a day is at least 1 month long")
    same_date = add_months(d, n)
    if same_date.day < d.day:
        # Clamped: the corresponding date does not exist, so the month's last day is the end.
        return same_date
    return same_date - _ONE_DAY


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    # One lookup per year per process: the holidays package builds its tables on every call.
    # GB/ENG covers England and Wales (their bank holidays are the same), including one-off
    # days such as 3 Jun 2022, 19 Sep 2022 and 8 May 2023.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a bank holiday in England."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def add_working_days(d: date, n: int) -> date:
    """The ``n``-th working day after ``d`` (before it if ``n`` is negative); ``d`` not counted.

    ``n == 0`` returns ``d`` unchanged, even if ``d`` is not a working day.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def _next_working_day_on_or_after(d: date) -> date:
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def weekday_name(d: date) -> str:
    """Short English weekday name: "Wed"."""
    return _WEEKDAYS[d.weekday()]


def format_date(d: date) -> str:
    """A date as shown everywhere in the app, weekday included: "Wed 16 Apr 2025"."""
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------- assessment & plan


def decision_to_assess_due(received: date) -> date:
    """Notify the decision whether to assess: within 6 weeks of receiving the request."""
    # SEND Regs 2014 reg 4-5(1); exceptions reg 5(4)
    return weeks_of(received, 6)


def advice_due(received_by_adviser: date) -> date:
    """Advice for the assessment: within 6 weeks of the day the adviser received the request
    (most often the day it was sent)."""
    # SEND Regs 2014 reg 8(1); exceptions reg 8(2)
    return weeks_of(received_by_adviser, 6)


def decision_not_to_issue_due(received: date) -> date:
    """Notify a decision not to issue a plan: within 16 weeks of receiving the request."""
    # SEND Regs 2014 reg 10(1); exceptions reg 10(4)
    return weeks_of(received, 16)


def draft_plan_target(received: date) -> date:
    """Serve the draft plan: a local target of week 14, not a legal limit."""
    # Not law. Week 14 leaves the reg 13(1) 15-day comment period plus time to finalise
    # before the reg 13(2) 20-week limit.
    return weeks_of(received, 14)


def comments_end(draft_served: date) -> date:
    """Last day of the parent's/young person's comment period on a draft plan."""
    # SEND Regs 2014 reg 13(1): at least 15 days beginning with the day the draft was served
    return days_beginning_with(draft_served, 15)


def final_plan_due(received: date) -> date:
    """Issue the final plan: within 20 weeks of receiving the request."""
    # SEND Regs 2014 reg 13(2); exceptions reg 13(3)
    return weeks_of(received, 20)


# --------------------------------------------------------------------------- reviews


def annual_review_due(plan_made_or_last_review: date) -> date:
    """Review the plan within the 12 months starting with the date it was made or last reviewed."""
    # CFA 2014 s44(1); SEND Regs 2014 reg 2 (and regs 18-20 for the review process)
    return months_starting_with(plan_made_or_last_review, 12)


def review_invitations_by(meeting: date) -> date:
    """Latest day to send invitations to the review meeting: at least 2 weeks before it."""
    # SEND Regs 2014 reg 20(3)
    return meeting - timedelta(weeks=2)


def review_papers_by(meeting: date) -> date:
    """Latest day to circulate advice and information: at least 2 weeks before the meeting."""
    # SEND Regs 2014 reg 20(4)
    return meeting - timedelta(weeks=2)


def review_report_due(meeting: date) -> date:
    """Send the review report: within 2 weeks of the meeting."""
    # SEND Regs 2014 reg 20(7)
    return weeks_of(meeting, 2)


def review_decision_due(meeting: date) -> date:
    """Notify the decision to maintain, amend or cease: within 4 weeks of the meeting."""
    # SEND Regs 2014 reg 20(10)
    return weeks_of(meeting, 4)


def amendment_comments_end(notice_served: date) -> date:
    """Last day of the family's period for representations on proposed amendments: at least
    15 days beginning with the day the notice was served, so the day served + 14."""
    # SEND Regs 2014 reg 22(2)(c)
    return days_beginning_with(notice_served, 15)


def amendment_notice_due(meeting: date) -> date:
    """Send the amendment notice (the plan with the proposed amendments and their evidence):
    with the decision to amend, so within 4 weeks of the review meeting.

    R (L, M & P) v Devon County Council [2022] EWHC 493 (Admin): reg 20(10) (notify the
    decision within 4 weeks of the meeting) and reg 22(2) (the notice of the proposed
    amendments) are read together, so a decision to amend is notified with the amendments
    it proposes (docs/statutory-rules.md, "Annual reviews").
    """
    # SEND Regs 2014 reg 20(10) with reg 22(2)(a); Devon [2022] EWHC 493 (Admin)
    return review_decision_due(meeting)


def amendment_notice_late(
    meeting: date | None, outcome: str | None, amendment_notice: date | None, today: date
) -> bool:
    """True when the amendment notice missed the 4 weeks after the review meeting (Devon):
    sent after that day, or the plan is to be amended and that day has passed without one.

    A review whose outcome is not "amend" and that has no notice is never late: there is no
    notice to send. A notice recorded before an outcome is still measured, because the notice
    is itself the decision to amend. Without a meeting date there is no clock.
    """
    if meeting is None or (outcome != "amend" and amendment_notice is None):
        return False
    due = amendment_notice_due(meeting)
    if amendment_notice is not None:
        return amendment_notice > due
    return today > due


def amended_plan_due(meeting: date, notice_served: date | None = None) -> date:
    """Issue the final amended plan: within 8 weeks of the amendment notice.

    Before the notice is served the date is projected from the latest lawful notice date (the
    reg 20(10) decision, 4 weeks after the meeting), so it is a planning date, not a legal one.
    """
    # SEND Regs 2014 reg 22(3)
    start = notice_served if notice_served is not None else review_decision_due(meeting)
    return weeks_of(start, 8)


def phase_transfer_due(transfer_year: int, kind: str) -> date:
    """Last day to review and amend the plan ahead of a phase transfer.

    The regulation says "before 15 February" / "before 31 March" of the calendar year of
    transfer, so the last lawful day is 14 February / 30 March.
    """
    # SEND Regs 2014 reg 18(1) as amended: (a) secondary -> post-16 before 31 March;
    # (b) any other transfer between phases before 15 February.
    if kind == "school-phase":
        return date(transfer_year, 2, 15) - _ONE_DAY
    if kind == "secondary-post16":
        return date(transfer_year, 3, 31) - _ONE_DAY
    raise ValueError(f"unknown phase transfer kind {kind!r}; expected {PHASE_TRANSFER_KINDS}")


def recorded_phase_transfer_due(transfer_year: int | None, kind: str | None) -> date | None:
    """The Reg 18(1) date of a phase transfer recorded on a case; None when no year or kind is
    recorded, or when the caseworker recorded that there is no transfer (NO_PHASE_TRANSFER)."""
    if transfer_year is None or not kind or kind == NO_PHASE_TRANSFER:
        return None
    return phase_transfer_due(transfer_year, kind)


def post16_transfer_due(transfer_date: date) -> date:
    """A young person's move between post-16 institutions, at any time of year: the plan
    reviewed and amended at least 5 months before, so by the move date less 5 months, counted
    back and clamped to the month's end (31 Jul -> 28 Feb, 29 Feb in a leap year)."""
    # SEND Regs 2014 reg 18(2) (domain.post16)
    return add_months(transfer_date, -5)


def under5_review_window(last_review: date) -> tuple[date, date]:
    """Recommended (earliest, latest) next review for a child under 5: 3 to 6 months on.

    A recommendation only: never a breach and never a RAG colour.
    """
    # SEND Code of Practice 2015 para 9.178 (guidance, not a time limit)
    return add_months(last_review, 3), add_months(last_review, 6)


# --------------------------------------------------------------------------- transfer in


def transfer_in_parent_notice_due(transfer_date: date) -> date:
    """New authority tells the parent/young person about the transfer: within 6 weeks."""
    # SEND Regs 2014 reg 15(4)
    return weeks_of(transfer_date, 6)


def transfer_in_review_due(last_review: date, transfer_date: date) -> date:
    """New authority reviews the plan by the later of 12 months from the last review (or the
    plan being made) and 3 months after the transfer."""
    # SEND Regs 2014 reg 15(5)
    return max(annual_review_due(last_review), add_months(transfer_date, 3))


def transfer_in_timeline(transferred: date, last_review: date | None) -> dict[str, date]:
    """A plan transferred in from another council: tell the family within 6 weeks, and review
    by the later of its own annual date and 3 months after the transfer."""
    dates = {"family_told_by": transfer_in_parent_notice_due(transferred)}
    if last_review is not None:
        dates["review_due"] = transfer_in_review_due(last_review, transferred)
    return dates


# --------------------------------------------------------------------------- transfer out


def transfer_out_due(moved: date, aware: date) -> date:
    """The old council sends the plan to the new one on the day of the move; where it became
    aware of the move fewer than 15 working days before it, within the 15 working days
    beginning with the day it became aware (that day counts when it is a working day)."""
    # SEND Regs 2014 reg 15(2)
    fifteenth = add_working_days(aware - _ONE_DAY, 15)  # the 15th working day from ``aware``
    told_in_time = add_working_days(aware, 15) <= moved  # aware at least 15 working days before
    return moved if told_in_time else fifteenth


def transfer_out_timeline(moved: date, aware: date) -> dict[str, date]:
    """A plan this council maintains, for a child moving to another council's area: the day
    to send it (the move itself where the council knew 15 working days ahead)."""
    return {"plan_sent_by": transfer_out_due(moved, aware)}


def reassessment_decision_due(received: date) -> date:
    """Decide whether to re-assess: within 15 days of receiving the request."""
    # SEND Regs 2014 reg 25(1) (docs/statutory-rules.md, "Time limits")
    return received + timedelta(days=15)


def reassessment_plan_due(notified: date) -> date:
    """The re-assessed plan, finalised: within 14 weeks of telling the family the council will
    re-assess (or of deciding to re-assess of its own accord). Counted from that notice, not
    from the request."""
    # SEND Regs 2014 reg 27(2)
    return weeks_of(notified, 14)


def reassessment_not_too_soon_from(last_assessment: date) -> date:
    """The first day on which six months have passed since the last EHC needs assessment:
    a request for re-assessment before it may be refused unless one is necessary."""
    # SEND Regs 2014 reg 24 (docs/statutory-rules.md, "Time limits")
    return add_months(last_assessment, 6)


def reassessment_timeline(
    received: date, notified: date | None = None, last_assessment: date | None = None
) -> dict[str, date]:
    """The dates that follow a request for re-assessment; each optional date adds its own."""
    dates = {"decision_due": reassessment_decision_due(received)}
    if last_assessment is not None:
        dates["may_refuse_as_too_soon_before"] = reassessment_not_too_soon_from(last_assessment)
    if notified is not None:
        dates["reassessed_plan_due"] = reassessment_plan_due(notified)
    return dates


# --------------------------------------------------------------------------- disputes


def mediation_certificate_due(mediation_end: date) -> date:
    """Mediation adviser issues the certificate: within 3 working days."""
    # SEND Regs 2014 Part 2 "Mediation" (regs 32-42): certificate within 3 working days of
    # being told mediation is not wanted, or of mediation concluding.
    return add_working_days(mediation_end, 3)


def appeal_deadline(
    decision_letter: date,
    mediation_certificate: date | None = None,
    *,
    tribunal_extensions: bool = True,
) -> date:
    """Last day to appeal to the First-tier Tribunal (SEND).

    The later of 2 months after the decision letter was sent and 1 month after the mediation
    certificate was issued. With ``tribunal_extensions`` (the default, because it is the law),
    the Tribunal's own calculation rules then apply: a limit ending 25 Dec-1 Jan runs to the
    first working day after 1 Jan, one ending in August to the first working day after
    31 Aug, and one ending on a non-working day to the next working day.
    """
    # Tribunal Procedure (First-tier Tribunal) (HESC Chamber) Rules 2008 r.20 (time limit),
    # r.12(2)-(3) (extensions); CFA 2014 s55 (mediation certificate)
    end = add_months(decision_letter, 2)
    if mediation_certificate is not None:
        end = max(end, add_months(mediation_certificate, 1))
    if not tribunal_extensions:
        return end
    if (end.month == 12 and end.day >= 25) or (end.month == 1 and end.day == 1):
        year = end.year + 1 if end.month == 12 else end.year
        return _next_working_day_on_or_after(date(year, 1, 2))
    if end.month == 8:
        return _next_working_day_on_or_after(date(end.year, 9, 1))
    return _next_working_day_on_or_after(end)


# --------------------------------------------------------------------------- timelines


def request_timeline(received: date) -> dict[str, date]:
    """The statutory dates that follow from a new request for an EHC needs assessment."""
    return {
        "decision_to_assess_due": decision_to_assess_due(received),
        "draft_plan_target": draft_plan_target(received),
        "decision_not_to_issue_due": decision_not_to_issue_due(received),
        "final_plan_due": final_plan_due(received),
    }


def review_timeline(meeting: date, amendment_notice: date | None = None) -> dict[str, date]:
    """The statutory dates around an annual review meeting. The amendment notice is due with
    the decision (Devon); with a notice, the family's 15 days end on ``amendment_comments_end``
    and the 8 weeks for the final amended plan run from it."""
    dates = {
        "invitations_by": review_invitations_by(meeting),
        "papers_by": review_papers_by(meeting),
        "report_due": review_report_due(meeting),
        "decision_due": review_decision_due(meeting),
        "amendment_notice_due": amendment_notice_due(meeting),
    }
    if amendment_notice is not None:
        dates["amendment_comments_end"] = amendment_comments_end(amendment_notice)
    dates["amended_plan_due"] = amended_plan_due(meeting, amendment_notice)
    return dates
