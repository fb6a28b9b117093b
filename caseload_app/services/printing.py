"""Printing a case: load it, audit the print (naming who made it), lay it out as a PDF.

Every print is audited before the PDF is handed over (docs/statutory-rules.md, "Personal
data"); the load and the audit entry are one transaction, so the entry describes exactly
what was read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from caseload_app.db.batch import one_snapshot
from caseload_app.db.models import EhcpCase
from caseload_app.domain import codes
from caseload_app.domain.deadlines import NO_PHASE_TRANSFER, format_date
from caseload_app.files import write_atomically
from caseload_app.reports.content import (
    AdviceRow,
    AssignmentRow,
    ChildDetails,
    CommunicationRow,
    ContactRow,
    DisagreementRow,
    EventRow,
    ExceptionRow,
    FamilyDetails,
    Imprint,
    ReviewRow,
    SummaryData,
    TaskRow,
)
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import (
    CaseDetail,
    DisagreementInfo,
    FamilyInfo,
    ReviewInfo,
    case_detail,
)
from caseload_app.services.errors import NotFound, UserError
from caseload_app.services.settings import TeamSettingsService

DEFAULT_COMMUNICATIONS = 20


class PrintService(UserService):
    def case_summary(self, case_id: int, communications: int = DEFAULT_COMMUNICATIONS) -> bytes:
        """The case summary PDF with the `communications` most recent contacts."""
        return self._summary(case_id, communications, "case summary")

    def summary_to_file(
        self, case_id: int, path: Path, communications: int = DEFAULT_COMMUNICATIONS
    ) -> Path:
        """Write the case summary to `path` atomically (never half a file); returns the path."""
        path = Path(path)
        pdf = self._summary(case_id, communications, f"case summary saved as {path.name}")
        write_atomically(path, pdf)
        return path

    def _summary(self, case_id: int, communications: int, what: str) -> bytes:
        if communications < 0:
            raise UserError("The number of communications to print cannot be negative.")
        council = TeamSettingsService(self._db).council().name
        now = self.now()
        with self._db.uow() as s:
            one_snapshot(s)  # the summary as of one moment, not torn by a save part-way
            case = s.get(EhcpCase, case_id)
            if case is None:
                raise NotFound(f"There is no case {case_id} (it may have been deleted).")
            detail = case_detail(s, case, self.today())
            records.audit(s, self.user, now, "print", case, case.id, what)
        # Imported here, not at the top: reportlab loads only when something is printed.
        from caseload_app.reports.summary import build_summary

        data = summary_data(detail, communications)
        return build_summary(data, Imprint(printed_by=self.user, printed_at=now, council=council))


# --------------------------------------------------------------------------- mapping
def summary_data(d: CaseDetail, communications: int = DEFAULT_COMMUNICATIONS) -> SummaryData:
    """What the report needs from the case window's detail, codes turned into labels."""
    return SummaryData(
        case_id=d.case_id,
        child_id=d.child.id,
        today=d.today,
        child=_child(d),
        family=_family(d.family, d.child.id),
        caseworker=d.caseworker,
        request_received=d.request_received,
        request_source=None
        if d.request_source == codes.BECAME_RESPONSIBLE  # the label below says it
        else codes.label_or_code(codes.request_sources(), d.request_source),
        request_date_label=codes.request_date_label(d.request_source),
        stage=d.stage_label,
        is_open=d.is_open,
        status=d.status,
        deadlines=d.deadlines + _school_responses(d),
        exception_limits=d.exception_limits,
        exceptions=tuple(
            ExceptionRow(
                e.ground_label,
                e.period_start,
                e.period_end,
                e.family_told,
                e.recorded_by,
                e.note,
                e.limits_label,
            )
            for e in d.exceptions
        ),
        advice=tuple(
            AdviceRow(
                a.type_label,
                a.requested,
                a.due,
                a.received,
                a.chases,
                a.last_chased,
                a.received_by_adviser,
            )
            for a in d.advice
        ),
        reviews=tuple(_review(r) for r in d.reviews),
        phase_transfer=_phase_transfer(d),
        phase_transfer_due=d.phase_transfer_due,
        disagreements=tuple(_disagreement(x) for x in d.disagreements),
        tasks=tuple(TaskRow(t.title, t.due, t.owner) for t in d.tasks if t.done_on is None),
        events=tuple(EventRow(e.on_date, e.label, e.by, e.note) for e in d.events),
        assignments=tuple(
            AssignmentRow(a.assigned_at, a.from_name, a.to_name, a.by, a.reason)
            for a in d.assignments
        ),
        communications=tuple(
            CommunicationRow(
                c.occurred_at,
                codes.label_or_code(codes.channels(), c.channel) or c.channel,
                c.direction,
                c.with_whom,
                c.summary,
                c.logged_by,
            )
            for c in d.communications[: max(communications, 0)]
        ),
        communications_total=len(d.communications),
    )


def _school_responses(d: CaseDetail) -> tuple:
    """Each school consulted on being named (s39, s40), as a line of the deadlines table: its
    response within 15 days (CoP 9.83) and, once made, the decision."""
    lines = []
    for c in d.consultations:
        decided = {"name": " · named", "not_name": " · not named"}.get(c.decision or "", "")
        lines.append(replace(c.step, label=f"{c.school}: response to consultation{decided}"))
    return tuple(lines)


def _need(code: str | None) -> str | None:
    label = codes.label_or_code(codes.primary_needs(), code)
    return f"{code} — {label}" if code and label != code else label


def _child(d: CaseDetail) -> ChildDetails:
    c = d.child
    return ChildDetails(
        first_name=c.first_name,
        last_name=c.last_name,
        date_of_birth=c.date_of_birth,
        upn=c.upn,
        nhs_number=c.nhs_number,
        setting=c.setting,
        year_group=c.year_group,
        primary_need=_need(c.primary_need),
        secondary_need=_need(c.secondary_need),
    )


def _family(f: FamilyInfo, child_id: int) -> FamilyDetails:
    return FamilyDetails(
        parent_carer_name=f.parent_carer_name,
        address=f.address,
        postcode=f.postcode,
        phone=f.phone,
        email=f.email,
        preferred_channel=codes.label_or_code(codes.channels(), f.preferred_channel),
        language=f.language,
        interpreter_needed=f.interpreter_needed,
        contacts=tuple(
            ContactRow(
                c.name,
                c.relation,
                c.phone,
                c.email,
                codes.label_or_code(codes.channels(), c.preferred_channel),
                c.language,
                c.interpreter_needed,
            )
            for c in f.contacts
        ),
        other_children=tuple(
            f"{s.name} (born {format_date(s.date_of_birth)})"
            for s in f.siblings
            if s.child_id != child_id
        ),
    )


def _review(r: ReviewInfo) -> ReviewRow:
    return ReviewRow(
        due=r.due,
        meeting_date=r.meeting_date,
        invitations_by=r.invitations_by,
        invitations_sent=r.invitations_sent,
        papers_by=r.papers_by,
        papers_sent=r.papers_sent,
        report_due=r.report_due,
        report_sent=r.report_sent,
        decision_due=r.decision_due,
        decision_date=r.decision_date,
        outcome=codes.label_or_code(codes.review_outcomes(), r.outcome),
        amendment_notice=r.amendment_notice,
        amendment_comments_end=r.amendment_comments_end,
        amended_plan_due=r.amended_plan_due,
        final_amended_issued=r.final_amended_issued,
    )


def _disagreement(x: DisagreementInfo) -> DisagreementRow:
    return DisagreementRow(
        decision=x.decision,
        decision_letter=x.decision_letter,
        appeal_deadline=x.appeal_deadline,
        mediation_ended=x.mediation_ended,
        mediation_certificate=x.mediation_certificate,
        certificate_due=x.certificate_due,
        appeal_lodged=x.appeal_lodged,
        hearing_date=x.hearing_date,
        outcome=x.outcome,
    )


def _phase_transfer(d: CaseDetail) -> str | None:
    if not d.phase_transfer_year:
        return None
    kind = {
        "school-phase": "school phase",
        "secondary-post16": "secondary to post-16",
        NO_PHASE_TRANSFER: "no phase transfer (stays in own school's sixth form)",
    }
    return f"{d.phase_transfer_year}, {kind.get(d.phase_transfer_kind or '', 'kind not set')}"


__all__ = ["DEFAULT_COMMUNICATIONS", "PrintService", "summary_data"]
