"""The case chronology (issue 24): everything that happened on one case as dated lines (stage
events, caseworker changes, exceptions, advice, schools consulted, plans issued and audited,
reviews, re-assessments, disagreements, Tribunal orders, transfers, documents, contacts and
letters), read in one session, filtered by a date range, and given as a PDF or a CSV, each
audited as a print or an export of the case (docs/statutory-rules.md, "Personal data").

Who did something is the record's own (the person who recorded a stage, logged a contact,
added a document…); for a step recorded later on a row (advice received, a review's papers
sent) it is the person the audit trail names as having recorded that date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import or_
from sqlalchemy import select as query
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    AppSetting,
    Assignment,
    AuditEntry,
    CaseException,
    Caseworker,
    Communication,
    Disagreement,
    Document,
    EhcpCase,
    PlanAudit,
    PlanVersion,
    Reassessment,
    SchoolConsultation,
    StageEvent,
    TribunalOrder,
)
from caseload_app.domain import codes, reassessment, school_naming, transfers, tribunal
from caseload_app.domain.actions import ACTIONS
from caseload_app.domain.chronology import Chronology, Entry, check_range, select
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.documents import kind_label
from caseload_app.domain.text import how_many
from caseload_app.files import write_atomically
from caseload_app.reports.content import Imprint
from caseload_app.services import records
from caseload_app.services.base import UserService, write_audited_csv
from caseload_app.services.case_read import EVENT_LABELS, ORDER_STEP_COLUMNS
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.plan_audit import OUTCOMES
from caseload_app.services.plans import KINDS as PLAN_KINDS
from caseload_app.services.settings import COUNCIL_KEYS

__all__ = ["CSV_HEADER", "FORMATS", "ChronologyService"]

CSV_HEADER = (
    "case_id",
    "date",
    "time",
    "what",
    "who",
    "summary",
    "record_type",
    "record_id",
)
FORMATS = (".pdf", ".csv")
# Stage events that repeat a record of their own, which gives the entry instead.
_OWN_RECORD = frozenset({"advice_requested", "exception"})


class ChronologyService(UserService):
    """Anyone who may read the case may make its chronology (every signed-in role), as a
    case summary is printed: what goes out is audited."""

    def entries(
        self, case_id: int, start: date | None = None, end: date | None = None
    ) -> Chronology:
        """The case's chronology from ``start`` to ``end`` (both included; None: no limit)."""
        check_range(start, end)
        today = self.today()
        with self._db.read() as s:
            case = s.get(EhcpCase, case_id)
            if case is None:
                raise NotFound(f"There is no case {case_id} (it may have been deleted).")
            child = case.child
            name, born = f"{child.first_name} {child.last_name}", child.date_of_birth
            council = s.scalar(
                query(AppSetting.value).where(AppSetting.key == COUNCIL_KEYS["name"])
            )
            found = list(_Reader(s, case, today).entries())
        return Chronology(
            case_id=case_id,
            child_name=name,
            date_of_birth=born,
            council=council or "",
            made_on=today,
            start=start,
            end=end,
            entries=select(found, start, end, today),
        )

    def to_pdf(self, chronology: Chronology) -> bytes:
        """The chronology as a PDF; the print is audited before the bytes are handed over."""
        return self._pdf(chronology, _what(chronology, len(chronology.entries)))

    def _pdf(self, chronology: Chronology, detail: str) -> bytes:
        # Imported here, not at the top: reportlab loads only when something is printed.
        from caseload_app.reports.chronology import build_chronology

        now = self.now()
        pdf = build_chronology(
            chronology, Imprint(printed_by=self.user, printed_at=now, council=chronology.council)
        )
        with self._db.uow() as s:
            records.write_audit(
                s,
                at=now,
                who=self.user,
                action="print",
                record_type=EhcpCase.__tablename__,
                record_id=chronology.case_id,
                case_id=chronology.case_id,
                detail=detail,
            )
        return pdf

    def to_csv(self, chronology: Chronology, path: Path) -> int:
        """One row per entry, written atomically and only once the export is audited;
        returns the number of rows."""
        path = Path(path)

        def entry(count: int) -> AuditEntry:
            return AuditEntry(
                at=self.now(),
                who=self.user,
                action="export",
                record_type=EhcpCase.__tablename__,
                record_id=chronology.case_id,
                case_id=chronology.case_id,
                detail=f"{_what(chronology, count)}, as {path.name}",
            )

        rows = (
            (
                chronology.case_id,
                e.on.isoformat(),
                e.time_text,
                e.kind,
                e.who,
                e.summary,
                e.record_type,
                e.record_id,
            )
            for e in chronology.entries
        )
        return write_audited_csv(self._db, path, CSV_HEADER, rows, entry)

    def save(self, chronology: Chronology, path: Path) -> int:
        """Write the chronology to ``path``, as PDF or CSV by its suffix; returns the number
        of entries."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise UserError(
                f"{path.name} is neither a PDF nor a CSV: give a file name ending in .pdf "
                "(to print or send) or .csv (for a spreadsheet)."
            )
        if suffix == ".csv":
            return self.to_csv(chronology, path)
        count = len(chronology.entries)
        write_atomically(path, self._pdf(chronology, f"{_what(chronology, count)}, as {path.name}"))
        return count


def _what(chronology: Chronology, count: int) -> str:
    entries = how_many(count, "entry", "entries")
    return f"case chronology, {entries}, {chronology.range_text}"


# --------------------------------------------------------------------------- who recorded what
# An update's audit detail, as records.apply writes it: "field: old → new; field: old → new".
_CHANGE = re.compile(r"(?:^|; )([a-z_0-9]+): [^;]*? → ([^;]*)")
# The rows whose steps are recorded later, by updates the audit trail names.
_STEPPED = (
    "advice_request",
    "annual_review",
    "case_exception",
    "disagreement",
    "ehcp_case",
    "reassessment",
    "school_consultation",
    "tribunal_order",
)


class _Recorders:
    """Who recorded each value of a case's rows, from the audit trail: the last update that
    set it, else whoever created the row."""

    def __init__(self, s: Session, case_id: int) -> None:
        self.created: dict[tuple[str, int | None], str] = {}
        self.set: dict[tuple[str, int | None, str, str], str] = {}
        rows = s.execute(
            query(
                AuditEntry.record_type,
                AuditEntry.record_id,
                AuditEntry.action,
                AuditEntry.who,
                AuditEntry.detail,
            )
            .where(
                AuditEntry.case_id == case_id,
                AuditEntry.action.in_(("create", "update")),
                AuditEntry.record_type.in_(_STEPPED),
            )
            .order_by(AuditEntry.id)
        )
        for record_type, record_id, action, who, detail in rows:
            if action == "create":
                self.created.setdefault((record_type, record_id), who)
                continue
            for field, value in _CHANGE.findall(detail or ""):
                self.set[(record_type, record_id, field, value)] = who

    def who(self, row, field: str) -> str:
        """Who recorded ``field``'s value on ``row``: the audit trail's answer, else the
        row's own recorder (a row imported or made before its audit entry)."""
        key = (row.__tablename__, row.id)
        value = records.show(getattr(row, field))
        found = self.set.get((*key, field, value)) or self.created.get(key)
        return found or getattr(row, "recorded_by", None) or ""


# --------------------------------------------------------------------------- reading a case
class _Reader:
    """Every entry of one case, read in the caller's session."""

    def __init__(self, s: Session, case: EhcpCase, today: date) -> None:
        self.s, self.case, self.today = s, case, today
        self.recorders = _Recorders(s, case.id)

    def entries(self) -> Iterator[Entry]:
        for part in (
            self._stages,
            self._assignments,
            self._exceptions,
            self._advice,
            self._consultations,
            self._plans,
            self._plan_audits,
            self._reviews,
            self._reassessments,
            self._disagreements,
            self._orders,
            self._case_steps,
            self._documents,
            self._contacts,
        ):
            yield from part()

    def _rows(self, model, *order):
        return self.s.scalars(
            query(model).where(model.case_id == self.case.id).order_by(*order, model.id)
        )

    def _steps(self, row, kind: str, steps: tuple[tuple[str, str], ...]) -> Iterator[Entry]:
        """An entry for each (column, summary) of a row whose date column is filled in, with
        who recorded that date."""
        for n, (column, summary) in enumerate(steps):
            on = getattr(row, column)
            if on is not None:
                who = self.recorders.who(row, column)
                yield Entry(on, None, kind, who, summary, row.__tablename__, row.id, n)

    # ------------------------------------------------------------------ the case's own steps
    def _stages(self) -> Iterator[Entry]:
        start = codes.request_date_label(self.case.request_source)
        labels = EVENT_LABELS | {"request_received": start}
        for e in self._rows(StageEvent, StageEvent.on_date):
            if e.action in _OWN_RECORD:
                continue
            label = labels.get(e.action) or (
                ACTIONS[e.action].label if e.action in ACTIONS else e.action
            )
            summary = f"{label}: {e.note}" if e.note else label
            yield Entry(e.on_date, None, "Stage", e.by, summary, "stage_event", e.id)

    def _assignments(self) -> Iterator[Entry]:
        names = dict(self.s.execute(query(Caseworker.id, Caseworker.name)).all())
        for a in self._rows(Assignment, Assignment.assigned_at):
            old, new = names.get(a.from_id), names.get(a.to_id)
            if old and new:
                moved = f"Case moved from {old} to {new}"
            elif new:
                moved = f"Case assigned to {new}"
            else:
                moved = f"Case unassigned from {old or 'nobody'}"
            summary = f"{moved}: {a.reason}" if a.reason.strip() else moved
            at = a.assigned_at
            yield Entry(at.date(), at, "Caseworker", a.by, summary, "assignment", a.id)

    def _exceptions(self) -> Iterator[Entry]:
        for e in self._rows(CaseException, CaseException.period_start):
            ground = codes.label_or_code(codes.exception_grounds(), e.ground)
            note = f": {e.note}" if e.note else ""
            steps = (
                ("period_start", f"Exception began: {ground}{note}"),
                ("family_told", f"Family told of the exception: {ground}"),
                ("period_end", f"Exception ended: {ground}"),
            )
            yield from self._steps(e, "Exception", steps)

    def _advice(self) -> Iterator[Entry]:
        for a in self._rows(AdviceRequest, AdviceRequest.requested):
            kind = codes.label_or_code(codes.advice_types(), a.advice_type)
            due = format_date(a.due)
            steps = (
                ("requested", f"Advice requested: {kind} (due {due})"),
                ("received", f"Advice received: {kind} (due {due})"),
            )
            yield from self._steps(a, "Advice", steps)

    def _consultations(self) -> Iterator[Entry]:
        for c in self._rows(SchoolConsultation, SchoolConsultation.sent):
            asked = school_naming.REQUESTER_LABELS.get(c.requested_by, c.requested_by)
            reply = school_naming.RESPONSE_LABELS.get(c.response or "", c.response or "")
            note = f": {c.response_note}" if c.response_note else ""
            named = "Decided to name" if c.decision == "name" else "Decided not to name"
            grounds = "; ".join(
                school_naming.GROUND_LABELS.get(g, g) for g in (c.grounds or "").split()
            )
            steps = (
                (
                    "sent",
                    f"Consulted {c.school} on being named in the plan (asked for by: {asked})",
                ),
                ("response_received", f"{c.school} replied: {reply}{note}"),
                (
                    "decision_date",
                    f"{named} {c.school} in the plan" + (f" ({grounds})" if grounds else ""),
                ),
            )
            yield from self._steps(c, "Consultation", steps)
            if c.response == school_naming.Response.NO_RESPONSE:
                who = self.recorders.who(c, "response")
                summary = f"{c.school}: no response in its 15 days"
                yield Entry(
                    c.response_due, None, "Consultation", who, summary, c.__tablename__, c.id, 1
                )

    def _plans(self) -> Iterator[Entry]:
        for p in self._rows(PlanVersion, PlanVersion.number):
            if p.issued_on is not None:
                summary = f"{PLAN_KINDS.get(p.kind, p.kind)} issued (version {p.number})"
                yield Entry(
                    p.issued_on, None, "Plan", p.issued_by or "", summary, "plan_version", p.id
                )

    def _plan_audits(self) -> Iterator[Entry]:
        versions = query(PlanVersion.id, PlanVersion.number).where(
            PlanVersion.case_id == self.case.id
        )
        numbers = dict(self.s.execute(versions).all())
        for a in self._rows(PlanAudit, PlanAudit.started_on):
            if a.outcome is None or a.decided_on is None:
                continue  # under way: nothing decided yet
            outcome = OUTCOMES.get(a.outcome, a.outcome)
            score = f", {a.score}%" if a.score is not None else ""
            number = numbers.get(a.plan_version_id, "?")
            summary = f"Plan audit of version {number}: {outcome}{score}"
            yield Entry(a.decided_on, None, "Plan audit", a.auditor, summary, "plan_audit", a.id)

    def _reviews(self) -> Iterator[Entry]:
        for r in self._rows(AnnualReview, AnnualReview.due):
            held = f" of {format_date(r.meeting_date)}" if r.meeting_date else ""
            what = f"Annual review{held}"
            outcome = codes.label_or_code(codes.review_outcomes(), r.outcome) or "no outcome"
            steps = (
                ("invitations_sent", f"{what}: invitations sent"),
                ("papers_sent", f"{what}: papers sent"),
                ("meeting_date", "Annual review meeting"),
                ("report_sent", f"{what}: report sent"),
                ("decision_date", f"{what}: decided: {outcome}"),
                ("amendment_notice", f"{what}: proposed amendments sent"),
                ("final_amended_issued", f"{what}: amended plan issued"),
            )
            yield from self._steps(r, "Review", steps)

    def _reassessments(self) -> Iterator[Entry]:
        for r in self._rows(Reassessment, Reassessment.requested):
            asked = reassessment.REQUESTER_LABELS.get(r.requested_by, r.requested_by)
            decision = reassessment.DECISION_LABELS.get(r.decision or "", r.decision or "")
            why = f": {r.reason}" if r.reason else ""
            steps = (
                ("requested", f"Re-assessment asked for by: {asked}"),
                ("decided", f"Re-assessment decided, family told: {decision}{why}"),
                ("plan_finalised", "Re-assessed plan finalised"),
            )
            yield from self._steps(r, "Re-assessment", steps)

    def _disagreements(self) -> Iterator[Entry]:
        for d in self._rows(Disagreement, Disagreement.decision_letter):
            x = d.decision
            steps = (
                ("decision_letter", f"Letter of a decision disputed: {x}"),
                ("mediation_ended", f"Mediation ended: {x}"),
                ("mediation_certificate", f"Mediation certificate: {x}"),
                ("appeal_lodged", f"Appeal lodged: {x}"),
                ("hearing_date", f"Tribunal hearing: {x}"),
            )
            # The outcome has no date of its own: it goes with the last step that happened.
            found = [e for e in self._steps(d, "Disagreement", steps) if e.on <= self.today]
            if d.outcome and found:
                last = found[-1]
                found[-1] = replace(last, summary=f"{last.summary}; outcome: {d.outcome}")
            yield from found

    def _orders(self) -> Iterator[Entry]:
        for o in self._rows(TribunalOrder, TribunalOrder.order_date):
            kind = tribunal.KIND_LABELS.get(o.kind, o.kind)
            conceded = " (appeal not opposed, Reg 45)" if o.unopposed else ""
            note = f": {o.note}" if o.note else ""
            summary = f"Tribunal order: {kind}{conceded}{note}"
            yield Entry(
                o.order_date, None, "Tribunal order", o.recorded_by, summary, o.__tablename__, o.id
            )
            steps = tuple(
                (column, f"Tribunal order step done: {tribunal.STEP_LABELS[key]}")
                for key, column in ORDER_STEP_COLUMNS.items()
            )
            for e in self._steps(o, "Tribunal order", steps):
                yield replace(e, step=e.step + 1)

    def _case_steps(self) -> Iterator[Entry]:
        """Dates kept on the case itself rather than as stage events: a plan's moves between
        councils (Reg 15) and its amendment for a post-16 move (Reg 18(2))."""
        c = self.case
        came_from = transfers.la_name(c.transferred_from) or "another council"
        going_to = transfers.la_name(c.moved_to) or "another council"
        steps = (
            ("transfer_family_told", f"Family told of the plan's transfer from {came_from}"),
            ("move_aware", f"Council learned the child is moving to {going_to}"),
            ("moved_out", f"Child moved to {going_to}"),
            ("plan_sent", f"Plan sent to {going_to}"),
        )
        yield from self._steps(c, "Transfer", steps)
        to = c.post16_move_to or "a new post-16 institution"
        yield from self._steps(
            c, "Plan", (("post16_amended", f"Plan amended for the move to {to}"),)
        )

    # ------------------------------------------------------------------ the file and contacts
    def _documents(self) -> Iterator[Entry]:
        rows = self.s.execute(
            query(
                Document.id,
                Document.dated,
                Document.kind,
                Document.title,
                Document.came_from,
                Document.created_by,
            )
            # An issued letter's copy is listed once, as the letter (the contacts' line).
            .where(Document.case_id == self.case.id, Document.communication_id.is_(None))
            .order_by(Document.dated, Document.id)
        )  # columns only: never the text found in the files
        for doc_id, dated, kind, title, came_from, by in rows:
            summary = f"{kind_label(kind)}: {title}" + (f", from {came_from}" if came_from else "")
            yield Entry(dated, None, "Document", by, summary, "document", doc_id)

    def _contacts(self) -> Iterator[Entry]:
        """The contacts logged about this case, and the family's about no case in particular
        (a sibling's case has its own chronology)."""
        rows = self.s.execute(
            query(
                Communication.id,
                Communication.occurred_at,
                Communication.channel,
                Communication.direction,
                Communication.with_whom,
                Communication.summary,
                Communication.logged_by,
            )
            .where(
                or_(
                    Communication.case_id == self.case.id,
                    (Communication.case_id.is_(None))
                    & (Communication.family_id == self.case.child.family_id),
                )
            )
            .order_by(Communication.occurred_at, Communication.id)
        )
        for comm_id, at, channel, direction, with_whom, summary, by in rows:
            kind = "Letter" if channel == "letter" else "Contact"
            yield Entry(
                at.date(),
                at,
                kind,
                by,
                _contact(channel, direction, with_whom, summary),
                "communication",
                comm_id,
            )


def _contact(channel: str, direction: str, with_whom: str, summary: str) -> str:
    """ "Phone from Ms Jo Brontë: asked about the draft", "Letter to …: Decision to assess"."""
    label = codes.label_or_code(codes.channels(), channel) or channel
    text = summary.removeprefix("Letter: ") if channel == "letter" else summary
    way = {"in": "from", "out": "to"}.get(direction, "with")
    if channel in ("meeting", "visit"):
        way = "with"
    head = f"{label} {way} {with_whom}" if with_whom.strip() else label
    return f"{head}: {text}" if text.strip() else head
