"""Table models for the case window: rows from a CaseDetail plus column specs.

One generic model (`RowsModel`) shows any list of dataclass rows through a tuple of `Column`
specs; the specs below say what each table of the case window shows. The models hold what the
service returned and never touch the database. Colour is never the only signal: every
coloured cell also says in words what the colour means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from caseload_app.domain import codes, school_naming
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.status import Deadline, Rag, exception_greys, rag_for
from caseload_app.domain.text import days_text
from caseload_app.services.case_read import (
    AdviceInfo,
    ExceptionInfo,
    PlacementInfo,
    ReviewInfo,
    TaskInfo,
)
from caseload_app.ui.models.rows import (  # noqa: F401 - re-exported for the case window
    INK,
    RAG_COLOUR,
    RAG_TEXT,
    Column,
    RagRole,
    RowRole,
    RowsModel,
    SortRole,
)


# --------------------------------------------------------------------------- display helpers
def day(value: date | None) -> str:
    """A date with its weekday, or blank."""
    return format_date(value) if value else ""


def when(value: datetime) -> str:
    return f"{format_date(value.date())} {value:%H:%M}"


def code_label(code_list: Sequence[codes.Code], code: str | None) -> str:
    """The label for a stored code, or "" for none (unknown legacy codes shown as they are)."""
    return codes.label_or_code(code_list, code) or ""


def days_left_text(due: date, today: date) -> str:
    return days_text((due - today).days)


def first_line(text: str, limit: int = 120) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    more = len(line) > limit or "\n" in text.strip()
    return (line[:limit].rstrip() + "…") if more else line


def _or_far(value: date | None) -> date:
    return value or date.max


# --------------------------------------------------------------------------- timeline
def _deadline_status(d: Deadline) -> str:
    return RAG_TEXT.get(d.rag, "")


def deadline_columns(
    today: date, exception_limits: frozenset[str] = frozenset()
) -> tuple[Column, ...]:
    """Columns of the statutory deadlines table. Where an exception covers a step's time
    limit, a missed date is shown as such but not in red: the limit did not apply (Reg 5(4)…)."""

    def excused(d: Deadline) -> bool:
        return exception_greys(d.key, exception_limits)

    def met(d: Deadline) -> str:
        if d.met is None:
            return "Information only" if d.key == "comments_end" else ""
        if d.met:
            return "✓ Met"
        missed = "✗ Late" if d.done_on is not None else "✗ Missed"
        return f"{missed} (exception applies)" if excused(d) else missed

    def met_rag(d: Deadline) -> str | None:
        if d.met is False:
            return Rag.GREY if excused(d) else Rag.RED
        return None

    def days(d: Deadline) -> str:
        return "" if d.done_on or d.rag == Rag.NONE else days_left_text(d.due, today)

    return (
        Column("Step", lambda d: d.label),
        Column("Due", lambda d: day(d.due), lambda d: d.due),
        Column("Days left", days, lambda d: (d.due - today).days),
        Column(
            "RAG",
            _deadline_status,
            rag=lambda d: d.rag,
            tooltip=lambda d: (
                "Exception applies: the deadline keeps its date" if d.rag == Rag.GREY else None
            ),
        ),
        Column("Regulation", lambda d: d.regulation),
        Column("Done on", lambda d: day(d.done_on), lambda d: _or_far(d.done_on)),
        Column("Met", met, rag=met_rag),
    )


EVENT_COLUMNS = (
    Column("Date", lambda e: day(e.on_date), lambda e: e.on_date),
    Column("Step", lambda e: e.label),
    Column("By", lambda e: e.by),
    Column("Note", lambda e: first_line(e.note or ""), tooltip=lambda e: e.note),
)


def _period(e: ExceptionInfo) -> str:
    end = f" to {day(e.period_end)}" if e.period_end else " (no end date yet)"
    return f"{day(e.period_start)}{end}"


EXCEPTION_COLUMNS = (
    Column("Ground", lambda e: e.ground_label),
    Column("Time limits", lambda e: e.limits_label),
    Column("Period", _period, lambda e: e.period_start),
    Column("Recorded by", lambda e: e.recorded_by),
    Column(
        "Family told",
        lambda e: day(e.family_told) or "Not yet",
        lambda e: _or_far(e.family_told),
        rag=lambda e: None if e.family_told else Rag.AMBER,
    ),
    Column("Note", lambda e: first_line(e.note or ""), tooltip=lambda e: e.note),
)


# --------------------------------------------------------------------------- advice
def advice_columns(today: date) -> tuple[Column, ...]:
    def status(a: AdviceInfo) -> str:
        if a.received:
            return "✓ Received"
        late = f"Overdue ({(today - a.due).days} d)"
        if a.overdue and a.excused:
            return f"‖ {late}, exception applies"
        if a.overdue:
            return f"● {late}"
        return f"Awaiting ({days_left_text(a.due, today)})"

    def rag(a: AdviceInfo) -> str | None:
        if not a.overdue:
            return None
        return Rag.GREY if a.excused else Rag.RED

    return (
        Column("Type", lambda a: a.type_label, rag=rag),
        Column("Provider", lambda a: a.provider or "—", rag=rag),
        Column("Sent", lambda a: day(a.requested), lambda a: a.requested, rag=rag),
        Column(
            "Adviser received",
            lambda a: day(a.received_by_adviser),
            lambda a: a.received_by_adviser,
            rag=rag,
        ),
        Column("Due", lambda a: day(a.due), lambda a: a.due, rag=rag),
        Column("Received", lambda a: day(a.received), lambda a: _or_far(a.received), rag=rag),
        Column("Status", status, lambda a: (a.received is not None, a.due), rag=rag),
        Column("Chases", lambda a: str(a.chases), lambda a: a.chases, rag=rag),
        Column(
            "Last chased", lambda a: day(a.last_chased), lambda a: _or_far(a.last_chased), rag=rag
        ),
    )


# --------------------------------------------------------------------------- communications
DIRECTIONS = {"in": "In", "out": "Out"}

COMMUNICATION_COLUMNS = (
    Column("When", lambda c: when(c.occurred_at), lambda c: c.occurred_at),
    Column("Channel", lambda c: code_label(codes.channels(), c.channel)),
    Column("In/out", lambda c: DIRECTIONS.get(c.direction, c.direction)),
    Column("With whom", lambda c: c.with_whom),
    Column("Summary", lambda c: first_line(c.summary), tooltip=lambda c: c.summary),
    Column("Logged by", lambda c: c.logged_by),
)


# --------------------------------------------------------------------------- tasks
def task_columns(today: date) -> tuple[Column, ...]:
    def status(t: TaskInfo) -> str:
        if t.done_on:
            return "✓ Done"
        if t.due and t.due < today:
            return "● Overdue"
        return "Open"

    def rag(t: TaskInfo) -> str | None:
        return Rag.RED if not t.done_on and t.due and t.due < today else None

    return (
        Column("Task", lambda t: t.title),
        Column("Due", lambda t: day(t.due), lambda t: _or_far(t.due)),
        Column("Owner", lambda t: t.owner or ""),
        Column("Status", status, lambda t: (t.done_on is not None, _or_far(t.due)), rag=rag),
        Column("Done on", lambda t: day(t.done_on), lambda t: _or_far(t.done_on)),
    )


# --------------------------------------------------------------------------- reviews
def outcome_label(code: str | None) -> str:
    return code_label(codes.review_outcomes(), code)


def _notice_cell(r: ReviewInfo) -> str:
    """The amendment notice's date, or that none was sent, saying "late" where it is (Devon)."""
    if r.amendment_notice_due is None and r.amendment_notice is None:
        return ""
    text = day(r.amendment_notice) if r.amendment_notice else "Not sent"
    return f"{text} (late)" if r.amendment_notice_late else text


REVIEW_COLUMNS = (
    Column("Review due", lambda r: day(r.due), lambda r: r.due),
    Column("Meeting", lambda r: day(r.meeting_date), lambda r: _or_far(r.meeting_date)),
    Column("Decision due", lambda r: day(r.decision_due), lambda r: _or_far(r.decision_due)),
    Column("Decided", lambda r: day(r.decision_date), lambda r: _or_far(r.decision_date)),
    Column("Outcome", lambda r: outcome_label(r.outcome)),
    Column(
        "Amendment notice",
        lambda r: _notice_cell(r),
        rag=lambda r: Rag.RED if r.amendment_notice_late else None,
    ),
    Column("Amended plan due", lambda r: day(r.amended_plan_due)),
    Column("Final amended plan", lambda r: day(r.final_amended_issued)),
)


@dataclass(frozen=True)
class ReviewStep:
    """One step of an annual review: when it is due by law and when it was done."""

    label: str
    due: date | None
    done: date | None
    rule: str
    status: str
    rag: str | None


def _step(label: str, due: date | None, done: date | None, rule: str, today: date) -> ReviewStep:
    if done is not None:
        on_time = due is None or done <= due
        return ReviewStep(label, due, done, rule, "✓ Done" if on_time else "✗ Late", None)
    if due is None:
        return ReviewStep(label, due, done, rule, "", None)
    rag = rag_for(due, today)
    return ReviewStep(label, due, done, rule, RAG_TEXT[rag], rag)


def _meeting_step(r: ReviewInfo, today: date) -> ReviewStep:
    label, rule = "Review meeting held by", "CFA 2014 s44"
    meeting = r.meeting_date
    if meeting is None or meeting <= today:
        return _step(label, r.due, meeting, rule, today)
    if meeting > r.due:
        return ReviewStep(label, r.due, meeting, rule, "Booked after the due date", Rag.RED)
    return ReviewStep(label, r.due, meeting, rule, "Booked", None)


def review_steps(r: ReviewInfo, today: date) -> list[ReviewStep]:
    """The chain of one review, in order; the amendment steps only once the plan is amended."""
    decision = f"Decision: {outcome_label(r.outcome)}" if r.outcome else "Decision due"
    steps = [
        _meeting_step(r, today),
        _step("Invitations sent", r.invitations_by, r.invitations_sent, "Reg 20(3)", today),
        _step("Papers circulated", r.papers_by, r.papers_sent, "Reg 20(4)", today),
        _step("Review report sent", r.report_due, r.report_sent, "Reg 20(7)", today),
        _step(decision, r.decision_due, r.decision_date, "Reg 20(10)", today),
    ]
    if r.outcome == "amend" or r.amendment_notice:
        steps += _amendment_steps(r, today)
    return steps


def _amendment_steps(r: ReviewInfo, today: date) -> list[ReviewStep]:
    comments = "Information only" if r.amendment_comments_end else ""
    return [
        amendment_notice_step(r, today),
        ReviewStep(
            "Comments on the amendments close",
            r.amendment_comments_end,
            None,
            "Reg 22(2)(c): 15 days beginning with the day served",
            comments,
            None,
        ),
        _step(
            "Final amended plan issued",
            r.amended_plan_due,
            r.final_amended_issued,
            "Reg 22(3)",
            today,
        ),
    ]


DEVON_RULE = "Reg 20(10) with Reg 22(2); Devon [2022] EWHC 493"


def amendment_notice_step(r: ReviewInfo, today: date) -> ReviewStep:
    """The amendment notice is due with the decision, 4 weeks after the meeting (L, M & P v
    Devon CC [2022] EWHC 493 (Admin)); sent later it is late, and red: it cost the family the
    weeks the regulations give them (docs/statutory-rules.md, "Annual reviews")."""
    label, due, sent = "Amendment notice served", r.amendment_notice_due, r.amendment_notice
    if due is None:  # no meeting date yet: no clock
        return ReviewStep(label, None, sent, DEVON_RULE, "✓ Done" if sent else "", None)
    if sent is not None:
        if r.amendment_notice_late:
            return ReviewStep(
                label, due, sent, DEVON_RULE, "✗ Late — after the 4-week decision (Devon)", Rag.RED
            )
        return ReviewStep(label, due, sent, DEVON_RULE, "✓ Done, with the decision", None)
    if r.amendment_notice_late:
        return ReviewStep(
            label,
            due,
            None,
            DEVON_RULE,
            f"● Overdue — none by the 4-week date, {day(due)} (Devon)",
            Rag.RED,
        )
    return ReviewStep(
        label,
        due,
        None,
        DEVON_RULE,
        f"Due with the decision, by {day(due)} (Devon)",
        rag_for(due, today),
    )


REVIEW_STEP_COLUMNS = (
    Column("Step", lambda s: s.label),
    Column("Due by", lambda s: day(s.due)),
    Column("Done on / booked", lambda s: day(s.done)),
    Column("Status", lambda s: s.status, rag=lambda s: s.rag),
    Column("Rule", lambda s: s.rule),
)


# --------------------------------------------------------------------------- disagreements
def _about(code: str | None) -> str:
    """Which decision a disagreement is about; "(not said)" for one recorded before it was
    asked (Update… says it)."""
    return codes.label_or_code(codes.disagreement_abouts(), code) or "(not said)"


DISAGREEMENT_COLUMNS = (
    Column("Decision disputed", lambda d: d.decision, tooltip=lambda d: d.decision),
    Column("About", lambda d: _about(d.about)),
    Column("Decision letter", lambda d: day(d.decision_letter), lambda d: d.decision_letter),
    Column("Mediation ended", lambda d: day(d.mediation_ended)),
    Column("Certificate due", lambda d: day(d.certificate_due)),
    Column("Certificate", lambda d: day(d.mediation_certificate)),
    Column("Appeal deadline", lambda d: day(d.appeal_deadline), lambda d: d.appeal_deadline),
    Column("Appeal lodged", lambda d: day(d.appeal_lodged)),
    Column("Hearing", lambda d: day(d.hearing_date)),
    Column("Outcome", lambda d: first_line(d.outcome or ""), tooltip=lambda d: d.outcome),
)


def _of_step(column: Column) -> Column:
    """A statutory-deadline column read from an order step's Deadline."""

    def via(fn):
        return None if fn is None else (lambda r: fn(r.step))

    return Column(
        column.title,
        lambda r: column.display(r.step),
        via(column.sort_key),
        via(column.rag),
        via(column.tooltip),
    )


def order_columns(today: date) -> tuple[Column, ...]:
    """Every step of each Tribunal order: the deadline table's columns, after the order."""
    return (
        Column("Order", lambda r: r.order, lambda r: (r.order_id, r.step.due)),
        *(_of_step(c) for c in deadline_columns(today)),
    )


def post16_columns(today: date) -> tuple[Column, ...]:
    """A young person's move between post-16 institutions: where and when, then amending the
    plan for it (Reg 18(2)) with the deadline table's columns."""
    return (
        Column("Moving on", lambda m: day(m.move_date), lambda m: m.move_date),
        Column("To", lambda m: m.moving_to or "(not settled)"),
        *(_of_step(c) for c in deadline_columns(today)),
    )


def _reassessment_why(r) -> str | None:
    text = "\n".join(x for x in (r.too_soon, r.reason, r.note) if x)
    return text or None


def reassessment_columns(today: date) -> tuple[Column, ...]:
    """Every step of each re-assessment (Reg 25(1), 27(2)): the deadline table's columns,
    after the re-assessment (its Reg 24 note, reasons and note as its tooltip)."""
    return (
        Column(
            "Re-assessment",
            lambda r: r.reassessment,
            lambda r: (r.requested, r.reassessment_id, r.step.due),
            tooltip=_reassessment_why,
        ),
        *(_of_step(c) for c in deadline_columns(today)),
    )


# --------------------------------------------------------------------------- naming a school
def _response(c) -> str:
    said = school_naming.RESPONSE_LABELS.get(c.response or "", c.response or "")
    if c.step.done_on is None:
        return said or "Awaited"
    late = "" if c.step.met else " (late)"
    return f"{said} {day(c.step.done_on)}{late}"


def _decision(c) -> str:
    if c.decision is None:
        return ""
    said = school_naming.DECISION_LABELS.get(c.decision, c.decision)
    return f"{said} {day(c.decision_date)}"


def _why(c) -> str | None:
    grounds = [school_naming.GROUND_LABELS.get(g, g) for g in c.grounds]
    text = "\n".join([*grounds, c.reasons or ""]).strip()
    return text or None


def consultation_columns(today: date) -> tuple[Column, ...]:
    """The schools consulted before one is named (s39, s40): the school's 15 days to respond
    (CoP 9.83), its RAG while awaited, the response and the decision."""

    def days(c) -> str:
        return "" if c.step.rag == Rag.NONE else days_left_text(c.step.due, today)

    return (
        Column("School", lambda c: c.school, lambda c: c.school.casefold()),
        Column(
            "Asked by",
            lambda c: school_naming.REQUESTER_LABELS.get(c.requested_by, c.requested_by),
        ),
        Column("Sent", lambda c: day(c.sent), lambda c: c.sent),
        Column("Response due", lambda c: day(c.step.due), lambda c: c.step.due),
        Column("Days left", days, lambda c: (c.step.due - today).days),
        Column("RAG", lambda c: _deadline_status(c.step), rag=lambda c: c.step.rag),
        Column(
            "Response",
            _response,
            rag=lambda c: Rag.RED if c.step.met is False else None,
            tooltip=lambda c: c.response_note,
        ),
        Column("Decision", _decision, lambda c: _or_far(c.decision_date), tooltip=_why),
    )


# --------------------------------------------------------------------------- history
ASSIGNMENT_COLUMNS = (
    Column("When", lambda a: when(a.assigned_at), lambda a: a.assigned_at),
    Column("From", lambda a: a.from_name or "(nobody)"),
    Column("To", lambda a: a.to_name or "(unassigned)"),
    Column("By", lambda a: a.by),
    Column("Why", lambda a: a.reason, tooltip=lambda a: a.reason),
)

# What each kind of record is called in the History tab (table names are not words).
RECORD_WORDS = {
    "ehcp_case": "case",
    "case_exception": "exception",
    "advice_request": "advice request",
    "annual_review": "annual review",
    "tribunal_order": "Tribunal order",
    "school_consultation": "school consultation",
    "reassessment": "re-assessment",
    "plan_version": "EHC plan",
    "stage_event": "stage step",
    "communication": "contact log",
    "contact": "family contact",
}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?\b")


def in_words(detail: str) -> str:
    """An audit detail with its ISO dates as people read them ("Tue 20 Oct 2026")."""

    def one(found: re.Match) -> str:
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return found[0]
        return format_date(day) + (f" {found[4]}" if found[4] else "")

    return _ISO_DATE.sub(one, detail)


CHANGE_COLUMNS = (
    Column("When", lambda c: when(c.at), lambda c: c.at),
    Column("Who", lambda c: c.who),
    Column("Action", lambda c: c.action.replace("_", " ")),
    Column("Record", lambda c: RECORD_WORDS.get(c.record_type, c.record_type.replace("_", " "))),
    Column(
        "Detail",
        lambda c: first_line(in_words(c.detail), 200),
        tooltip=lambda c: in_words(c.detail),
    ),
)


# --------------------------------------------------------------------------- overview
CONTACT_COLUMNS = (
    Column("Name", lambda c: c.name),
    Column("Relation", lambda c: c.relation),
    Column("Phone", lambda c: c.phone or ""),
    Column("Email", lambda c: c.email or ""),
    Column("Prefers", lambda c: code_label(codes.channels(), c.preferred_channel)),
    Column("Language", lambda c: c.language or ""),
    Column(
        "Interpreter",
        lambda c: "Needed" if c.interpreter_needed else "No",
        rag=lambda c: Rag.AMBER if c.interpreter_needed else None,
    ),
)

SIBLING_COLUMNS = (
    Column("Name", lambda s: s.name),
    Column("Born", lambda s: day(s.date_of_birth), lambda s: s.date_of_birth),
    Column("Stage", lambda s: code_label(codes.stages(), s.stage) or "No case"),
)


def placement_where(p: PlacementInfo) -> str:
    """Where, with what a list of names alone would hide: dual registration, a closed school,
    residential, work-based learning."""
    notes = []
    if p.rank == 2:
        notes.append("dual registration")
    if p.establishment is not None and not p.establishment.is_open:
        notes.append("closed")
    if p.residential:
        notes.append(code_label(codes.placement_residential(), p.residential).lower())
    if p.work_based:
        notes.append(code_label(codes.work_based(), p.work_based).lower())
    return p.label + (f" ({', '.join(notes)})" if notes else "")


PLACEMENT_COLUMNS = (
    Column("From", lambda p: day(p.starts), lambda p: p.starts),
    Column("To", lambda p: day(p.ends) or "Not ended", lambda p: _or_far(p.ends)),
    Column("Where", placement_where, tooltip=lambda p: p.establishment and p.establishment.label()),
    Column("Provision", lambda p: code_label(codes.placement_provision(), p.provision)),
    Column("Attendance", lambda p: code_label(codes.attendance(), p.attendance)),
    Column("Out of area", lambda p: "Yes" if p.out_of_area else "No"),
)

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "CHANGE_COLUMNS",
    "COMMUNICATION_COLUMNS",
    "CONTACT_COLUMNS",
    "DISAGREEMENT_COLUMNS",
    "order_columns",
    "consultation_columns",
    "EVENT_COLUMNS",
    "EXCEPTION_COLUMNS",
    "PLACEMENT_COLUMNS",
    "REVIEW_COLUMNS",
    "REVIEW_STEP_COLUMNS",
    "SIBLING_COLUMNS",
    "Column",
    "ReviewStep",
    "RowsModel",
    "advice_columns",
    "amendment_notice_step",
    "deadline_columns",
    "post16_columns",
    "reassessment_columns",
    "review_steps",
    "task_columns",
]
