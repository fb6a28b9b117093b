"""The case as the window, printing, letters and handover read it: plain records built from
the database in one place (``case_detail``), so no reader queries the tables itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Integer, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from caseload_app.db.batch import rows_of
from caseload_app.db.models import (
    AdviceProvider,
    AdviceRequest,
    AnnualReview,
    Assignment,
    AuditEntry,
    CaseException,
    Caseworker,
    Child,
    Communication,
    Contact,
    Disagreement,
    Document,
    EhcpCase,
    Establishment,
    Family,
    Placement,
    Reassessment,
    SchoolConsultation,
    StageEvent,
    Task,
    TribunalOrder,
)
from caseload_app.db.next_step import case_dates
from caseload_app.domain import (
    ceasing,
    codes,
    deadlines,
    exceptions,
    placements,
    post16,
    reassessment,
    school_naming,
    transfers,
    tribunal,
)
from caseload_app.domain.actions import (
    ACTIONS,
    available_actions,
)
from caseload_app.domain.ceasing import InForce
from caseload_app.domain.establishments import EstablishmentChoice
from caseload_app.domain.status import CaseStatus, Deadline, case_status, statutory_deadlines
from caseload_app.services.errors import NotFound
from caseload_app.services.establishments import choice_of


# --------------------------------------------------------------------------- what the window shows
@dataclass(frozen=True)
class ChildInfo:
    id: int
    version: int
    first_name: str
    last_name: str
    date_of_birth: date
    upn: str | None
    nhs_number: str | None
    setting: str | None
    year_group: str | None
    primary_need: str | None
    secondary_need: str | None
    # SEN2's person details: needs ranked after the secondary (codes, in order), sex,
    # ethnicity, the Unique Learner Number, and why a UPN is unknown (codes).
    further_needs: tuple[str, ...] = ()
    sex: str | None = None
    ethnicity: str | None = None
    uln: str | None = None
    upn_unknown: str | None = None


@dataclass(frozen=True)
class PlacementInfo:
    """One of the child's placements (SEN2's placement details), as the window shows it."""

    id: int
    version: int
    kind: str  # placement_kinds.csv
    establishment: EstablishmentChoice | None  # from the register
    setting_name: str  # a setting not on the register ("" when none)
    starts: date
    ends: date | None
    rank: int  # 1 main, 2 dual registration
    provision: str | None  # placement_provision.csv
    attendance: str | None  # attendance.csv
    residential: str | None
    work_based: str | None  # work_based.csv
    out_of_area: bool
    label: str  # where: the establishment, the setting (not on the register) or the arrangement

    def rule(self) -> placements.Placement:
        """The placement as the domain's rules take it."""
        return placements.Placement(
            kind=self.kind,
            starts=self.starts,
            ends=self.ends,
            rank=self.rank,
            establishment_id=self.establishment.id if self.establishment else None,
            setting_name=self.setting_name,
            provision=self.provision,
            attendance=self.attendance,
            residential=self.residential,
            work_based=self.work_based,
            out_of_area=self.out_of_area,
            id=self.id,
            where=self.label,
        )


@dataclass(frozen=True)
class ContactInfo:
    id: int
    version: int
    name: str
    relation: str
    phone: str | None
    email: str | None
    preferred_channel: str | None
    language: str | None
    interpreter_needed: bool


@dataclass(frozen=True)
class SiblingInfo:
    child_id: int
    case_id: int | None
    name: str
    date_of_birth: date
    stage: str | None


@dataclass(frozen=True)
class FamilyInfo:
    id: int
    version: int
    parent_carer_name: str
    address: str
    postcode: str | None
    phone: str | None
    email: str | None
    preferred_channel: str | None
    language: str | None
    interpreter_needed: bool
    contacts: tuple[ContactInfo, ...]
    siblings: tuple[SiblingInfo, ...]


@dataclass(frozen=True)
class EventInfo:
    id: int
    action: str
    label: str
    on_date: date
    by: str
    note: str | None


@dataclass(frozen=True)
class ExceptionInfo:
    id: int
    version: int
    ground: str
    ground_label: str
    limits: tuple[str, ...]  # the time limits it covers (domain.exceptions keys), in order
    limits_label: str  # "the 6-week decision whether to assess (Reg 5(4)); …"
    period_start: date
    period_end: date | None
    family_told: date | None
    recorded_by: str
    note: str | None


@dataclass(frozen=True)
class AdviceInfo:
    id: int
    version: int
    advice_type: str
    type_label: str
    requested: date  # sent
    received_by_adviser: date  # the 6 weeks count from here (Reg 8(1))
    due: date
    received: date | None
    chases: int
    last_chased: date | None
    overdue: bool
    excused: bool  # an exception covers the 6-week advice limit (Reg 8(2))
    provider_id: int | None = None  # the team or adviser asked, when recorded
    provider: str = ""  # its name ("" when none is recorded)


@dataclass(frozen=True)
class CommunicationInfo:
    id: int
    occurred_at: datetime
    channel: str
    direction: str
    with_whom: str
    summary: str
    logged_by: str
    with_family: bool  # with the family, not a school or adviser (migration 0024)
    has_letter: bool = False  # an issued letter is kept with it and can be reprinted
    version: int = 1


@dataclass(frozen=True)
class TaskInfo:
    id: int
    version: int
    title: str
    due: date | None
    owner: str | None
    owner_id: int | None
    done_on: date | None


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    version: int
    due: date
    meeting_date: date | None
    invitations_by: date | None
    papers_by: date | None
    report_due: date | None
    decision_due: date | None
    invitations_sent: date | None
    papers_sent: date | None
    report_sent: date | None
    decision_date: date | None
    outcome: str | None
    amendment_notice: date | None
    amendment_comments_end: date | None
    amended_plan_due: date | None
    final_amended_issued: date | None
    # The amendment notice is due with the 4-week decision (Reg 20(10) with Reg 22(2), Devon):
    # set when the plan is to be amended or a notice was sent; late when it missed that day.
    amendment_notice_due: date | None = None
    amendment_notice_late: bool = False


@dataclass(frozen=True)
class DisagreementInfo:
    id: int
    version: int
    decision: str
    decision_letter: date
    mediation_ended: date | None
    mediation_certificate: date | None
    certificate_due: date | None
    appeal_deadline: date
    appeal_lodged: date | None
    hearing_date: date | None
    outcome: str | None
    # Which decision it is about (disagreement_about.csv); None: recorded before it was asked.
    about: str | None = None


# Each step of a Tribunal order (domain.tribunal keys) -> the tribunal_order column holding the
# day it was done.
ORDER_STEP_COLUMNS = {
    "notify_due": "notified_on",
    "not_to_issue_due": "not_to_issue_on",
    "draft_plan_due": "draft_on",
    "final_plan_due": "final_on",
    "amended_plan_due": "amended_on",
    "cease_due": "ceased_on",
    "response_due": "responded_on",
}


@dataclass(frozen=True)
class OrderStepInfo:
    """One step of a Tribunal order, as a row of the Disagreements tab's orders table."""

    order_id: int
    version: int
    order: str  # "Tue 3 Mar 2026 · Make and maintain a plan" (+ " · not opposed")
    step: Deadline


@dataclass(frozen=True)
class ConsultationInfo:
    """A school consulted before it is named in Section I (s39, s40), with its 15 days to
    respond (CoP 9.83) as a deadline: a row of the Timeline tab's schools table."""

    id: int
    version: int
    school: str
    requested_by: str  # domain.school_naming.RequestedBy
    sent: date
    step: Deadline  # the school's response: due, done on, met, RAG while awaited
    response: str | None
    response_note: str | None
    decision: str | None
    decision_date: date | None
    grounds: tuple[str, ...]
    reasons: str | None


@dataclass(frozen=True)
class ReassessmentStepInfo:
    """One step of a re-assessment (regs 25(1), 27(2)), as a row of the Reviews tab's
    re-assessments table, with what the dialogs need of the re-assessment itself."""

    reassessment_id: int
    version: int
    reassessment: str  # "Tue 3 Mar 2026 · Parent · Re-assess"
    step: Deadline
    requested: date
    requested_by: str  # domain.reassessment.RequestedBy
    last_assessment: date | None
    decision: str | None
    decided: date | None
    plan_finalised: date | None
    reason: str | None
    note: str | None
    too_soon: str | None  # the Reg 24 note when asked within 6 months of the last assessment
    is_open: bool


@dataclass(frozen=True)
class AssignmentInfo:
    assigned_at: datetime
    from_name: str | None
    to_name: str | None
    by: str
    reason: str


@dataclass(frozen=True)
class ChangeInfo:
    at: datetime
    who: str
    action: str
    record_type: str
    detail: str


@dataclass(frozen=True)
class Post16MoveInfo:
    """A young person's move between post-16 institutions (Reg 18(2)), on the Reviews tab."""

    move_date: date
    moving_to: str | None  # blank while not settled: the amended plan names it
    step: Deadline  # amend the plan: due 5 months before the move, done on, met, RAG


@dataclass(frozen=True)
class TransferInfo:
    """A plan moving between councils (Reg 15): in from one, out to another, or both. The
    LA numbers as stored; the names ("202 Camden") to show."""

    transferred_in: date | None
    transferred_from: int | None
    transferred_from_name: str | None
    transfer_last_review: date | None
    transfer_family_told: date | None
    proposes_assessment: bool | None
    moved_out: date | None
    moved_to: int | None
    moved_to_name: str | None
    move_aware: date | None
    plan_sent: date | None


@dataclass(frozen=True)
class CaseDetail:
    case_id: int
    version: int
    today: date
    child: ChildInfo
    family: FamilyInfo
    caseworker_id: int | None
    caseworker: str | None
    request_received: date
    request_source: str | None
    stage: str
    stage_label: str
    is_open: bool
    status: CaseStatus
    deadlines: tuple[Deadline, ...]
    actions: tuple[tuple[str, str], ...]  # (key, label) possible now
    exception_limits: frozenset[str]  # the time limits the case's exceptions cover
    exceptions: tuple[ExceptionInfo, ...]
    advice: tuple[AdviceInfo, ...]
    communications: tuple[CommunicationInfo, ...]
    tasks: tuple[TaskInfo, ...]
    reviews: tuple[ReviewInfo, ...]
    phase_transfer_year: int | None
    phase_transfer_kind: str | None
    phase_transfer_due: date | None
    disagreements: tuple[DisagreementInfo, ...]
    tribunal_orders: tuple[OrderStepInfo, ...]  # every step of every order, in order
    consultations: tuple[ConsultationInfo, ...]  # schools consulted, first sent first
    events: tuple[EventInfo, ...]
    assignments: tuple[AssignmentInfo, ...]
    changes: tuple[ChangeInfo, ...]
    # Ceasing (s45, Reg 31): the reason as SEN2 codes it (its label), and, once decided, how
    # long the plan stays in force.
    cease_reason: str | None = None
    in_force: InForce | None = None
    # Re-assessments (s44; Regs 24-27): every step of each, first requested first.
    reassessments: tuple[ReassessmentStepInfo, ...] = ()
    post16_move: Post16MoveInfo | None = None
    # A plan moving between councils (Reg 15); None when neither was recorded.
    transfer: TransferInfo | None = None
    # The child's placements, newest first (SEN2's placement details).
    placements: tuple[PlacementInfo, ...] = ()


@dataclass(frozen=True)
class CaseworkerInfo:
    id: int
    name: str


EVENT_LABELS = {
    "request_received": "Request received",
    "imported": "Imported",
    "assess_agreed": "Agreed to assess",
    "assess_refused": "Refused to assess",
    "issue": "Decided to issue a plan",
    "not_issue": "Decided not to issue a plan",
    "draft_served": "Draft plan served",
    "school_consulted": "School or college consulted",
    "comments_received": "Family's comments on the draft received",
    "final_issued": "Final plan issued",
    "cease_proposed": "Proposed to cease the plan",
    "cease_family_consulted": "Family told and consulted about ceasing",
    "cease_school_consulted": "School or college consulted about ceasing",
    "ceased": "Decided to cease the plan",
    "withdrawn": "Request withdrawn before its outcome",
    "transferred_in": "Plan transferred in from another council",
    "transferred_out": "Plan transferred to another council",
    "advice_requested": "Advice requested",
    "exception": "Exception recorded",
}


def live_case_id(child: Child) -> int | None:
    return next((c.id for c in child.cases if c.is_open), None)


def case_to_read(s: Session, case_id: int) -> EhcpCase:
    """The case with its child and family, in one statement, for `case_detail`. Not locked:
    reading it changes nothing."""
    with_family = joinedload(EhcpCase.child).joinedload(Child.family)
    case = s.get(EhcpCase, case_id, options=[with_family])
    if case is None:
        raise NotFound("That case no longer exists (it may have been deleted).")
    return case


def case_detail(s: Session, case: EhcpCase, today: date) -> CaseDetail:
    """Everything about a case, read in the caller's session (so it can join a transaction).

    Its many small reads go to the database together (db.batch): one round trip to a team
    database rather than one each."""
    child, family = case.child, case.child.family
    dates = case_dates(case, child)
    ids = {"case_id": case.id, "child_id": child.id, "family_id": family.id}
    found = dict(zip(_CASE_READS, rows_of(s, list(_CASE_READS.values()), ids), strict=True))
    names: dict[int | None, str] = dict(found["names"])
    in_force = in_force_of(case, found["disagreements"])
    return CaseDetail(
        case_id=case.id,
        version=case.version,
        today=today,
        child=_child_info(child),
        family=_family_info(family, found["contacts"], found["siblings"]),
        caseworker_id=case.caseworker_id,
        caseworker=names.get(case.caseworker_id),
        request_received=case.request_received,
        request_source=case.request_source,
        stage=case.stage,
        stage_label=codes.label_for(codes.stages(), case.stage),
        is_open=case.is_open,
        status=_with_ceasing(case_status(dates, today), _ceasing_note(case, in_force)),
        deadlines=tuple(statutory_deadlines(dates, today)),
        actions=tuple((a.key, a.label) for a in available_actions(dates)),
        exception_limits=dates.exception_limits,
        exceptions=_exceptions(found["exceptions"]),
        advice=_advice(found["advice"], today, exceptions.ADVICE in dates.exception_limits),
        communications=tuple(CommunicationInfo(*row) for row in found["communications"]),
        tasks=_tasks(found["tasks"], names),
        reviews=_reviews(found["reviews"], today),
        phase_transfer_year=case.phase_transfer_year,
        phase_transfer_kind=case.phase_transfer_kind,
        phase_transfer_due=deadlines.recorded_phase_transfer_due(
            case.phase_transfer_year, case.phase_transfer_kind
        ),
        disagreements=_disagreements(found["disagreements"]),
        tribunal_orders=_orders(found["orders"], today),
        consultations=_consultations(found["consultations"], today),
        events=_events(found["events"], codes.request_date_label(case.request_source)),
        assignments=_assignments(found["assignments"], names),
        changes=tuple(ChangeInfo(*row) for row in found["changes"]),
        cease_reason=codes.label_or_code(codes.cease_reasons(), case.cease_reason),
        in_force=in_force,
        reassessments=_reassessments(found["reassessments"], today),
        post16_move=post16_move(case, today),
        transfer=_transfer(case),
        placements=_placement_infos(found["placements"], found["establishments"]),
    )


def _transfer(case: EhcpCase) -> TransferInfo | None:
    if case.transferred_in is None and case.moved_out is None:
        return None
    return TransferInfo(
        transferred_in=case.transferred_in,
        transferred_from=case.transferred_from,
        transferred_from_name=transfers.la_name(case.transferred_from),
        transfer_last_review=case.transfer_last_review,
        transfer_family_told=case.transfer_family_told,
        proposes_assessment=case.transfer_proposes_assessment,
        moved_out=case.moved_out,
        moved_to=case.moved_to,
        moved_to_name=transfers.la_name(case.moved_to),
        move_aware=case.move_aware,
        plan_sent=case.plan_sent,
    )


def post16_move(case: EhcpCase, today: date) -> Post16MoveInfo | None:
    """The post-16 move recorded on the case, with the step of amending the plan for it."""
    if case.post16_move_date is None:
        return None
    step = post16.amend_step(
        case.post16_move_date, case.post16_amended, today, is_open=case.is_open
    )
    return Post16MoveInfo(case.post16_move_date, case.post16_move_to, step)


def _with_ceasing(status: CaseStatus, note: str | None) -> CaseStatus:
    if note is None:
        return status
    return replace(status, note=f"{status.note} {note}" if status.note else note)


def in_force_of(case: EhcpCase, disagreements: Sequence[Disagreement]) -> InForce | None:
    """A plan decided to be ceased stays in force until the time for appealing ends or an
    appeal is decided (s45(4)): read from the case's disagreements dated from the decision
    (`disagreements`: any of the case's, in any order). A plan sent to another council
    (Reg 15(2)) is not ceased by a decision: nothing to appeal."""
    if case.ceased_date is None or case.plan_sent is not None:
        return None
    ceased = case.ceased_date
    rows = sorted(
        (d for d in disagreements if d.decision_letter >= ceased),
        key=lambda d: (d.decision_letter, d.id),
    )
    lodged = [d for d in rows if d.appeal_lodged is not None]
    if lodged:
        appeal = lodged[-1]
        return ceasing.plan_in_force(
            case.ceased_date,
            appeal_lodged=appeal.appeal_lodged,
            appeal_decided=bool(appeal.outcome),
        )
    certificates = [d.mediation_certificate for d in rows if d.mediation_certificate]
    return ceasing.plan_in_force(case.ceased_date, max(certificates, default=None))


def _ceasing_note(case: EhcpCase, in_force: InForce | None) -> str | None:
    if in_force is not None:
        return in_force.text
    if case.cease_proposed is not None and case.stage != "ceased":
        label = codes.label_or_code(codes.cease_reasons(), case.cease_reason) or "no reason"
        return ceasing.proposal_note(
            case.cease_proposed, label, case.cease_family_consulted, case.cease_school_consulted
        )
    return None


def placement_infos(s: Session, child_id: int) -> tuple[PlacementInfo, ...]:
    """A child's placements, newest first, each with its establishment (one round trip)."""
    return _placement_infos(*rows_of(s, _PLACEMENT_READS, {"child_id": child_id}))


def _placement_reads() -> tuple[Select, Select]:
    """A child's placements (child_id bound), newest first, and the establishments they name."""
    mine = Placement.child_id == bindparam("child_id", type_=Integer)
    return (
        select(Placement.__table__)
        .where(mine)
        .order_by(Placement.starts.desc(), Placement.rank, Placement.id.desc()),
        select(Establishment.__table__).where(
            Establishment.id.in_(select(Placement.establishment_id).where(mine))
        ),
    )


_PLACEMENT_READS = _placement_reads()


def _placement_infos(rows: list, establishments: list) -> tuple[PlacementInfo, ...]:
    places = {e.id: e for e in establishments}
    return tuple(placement_info(row, places.get(row.establishment_id)) for row in rows)


def placement_info(row: Placement, place: Establishment | None) -> PlacementInfo:
    choice = choice_of(place) if place is not None else None
    info = PlacementInfo(
        id=row.id,
        version=row.version,
        kind=row.kind,
        establishment=choice,
        setting_name=row.setting_name or "",
        starts=row.starts,
        ends=row.ends,
        rank=row.rank,
        provision=row.provision,
        attendance=row.attendance,
        residential=row.residential,
        work_based=row.work_based,
        out_of_area=row.out_of_area,
        label="",
    )
    return replace(info, label=placements.where(info.rule(), choice.name if choice else None))


def _child_info(child: Child) -> ChildInfo:
    return ChildInfo(
        id=child.id,
        version=child.version,
        first_name=child.first_name,
        last_name=child.last_name,
        date_of_birth=child.date_of_birth,
        upn=child.upn,
        nhs_number=child.nhs_number,
        setting=child.setting,
        year_group=child.year_group,
        primary_need=child.primary_need,
        secondary_need=child.secondary_need,
        further_needs=tuple((child.further_needs or "").split()),
        sex=child.sex,
        ethnicity=child.ethnicity,
        uln=child.uln,
        upn_unknown=child.upn_unknown,
    )


def _siblings_read() -> Select:
    """The family's children, youngest last, each with their cases (if any), first first."""
    return (
        select(
            Child.id,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            EhcpCase.id.label("case_id"),
            EhcpCase.stage,
            EhcpCase.is_open,
        )
        .outerjoin(EhcpCase, EhcpCase.child_id == Child.id)
        .where(Child.family_id == bindparam("family_id", type_=Integer))
        .order_by(Child.date_of_birth, Child.id, EhcpCase.id)
    )


def _siblings(rows: list) -> list[SiblingInfo]:
    """Each child once, with their open case, else their last one."""
    cases: dict[int, list] = {}
    for row in rows:
        cases.setdefault(row.id, []).append(row)
    siblings = []
    for found in cases.values():
        sib = found[0]
        had = [c for c in found if c.case_id is not None]
        live = next((c for c in had if c.is_open), None) or (had[-1] if had else None)
        siblings.append(
            SiblingInfo(
                child_id=sib.id,
                case_id=live.case_id if live else None,
                name=f"{sib.first_name} {sib.last_name}",
                date_of_birth=sib.date_of_birth,
                stage=live.stage if live else None,
            )
        )
    return siblings


def _family_info(family: Family, contacts: list, sibling_rows: list) -> FamilyInfo:
    siblings = _siblings(sibling_rows)
    return FamilyInfo(
        id=family.id,
        version=family.version,
        parent_carer_name=family.parent_carer_name,
        address=family.address,
        postcode=family.postcode,
        phone=family.phone,
        email=family.email,
        preferred_channel=family.preferred_channel,
        language=family.language,
        interpreter_needed=family.interpreter_needed,
        contacts=tuple(
            ContactInfo(
                id=c.id,
                version=c.version,
                name=c.name,
                relation=c.relation,
                phone=c.phone,
                email=c.email,
                preferred_channel=c.preferred_channel,
                language=c.language,
                interpreter_needed=c.interpreter_needed,
            )
            for c in contacts
        ),
        siblings=tuple(siblings),
    )


def _exceptions(rows: list) -> tuple[ExceptionInfo, ...]:
    return tuple(
        ExceptionInfo(
            id=e.id,
            version=e.version,
            ground=e.ground,
            ground_label=codes.label_for(codes.exception_grounds(), e.ground),
            limits=tuple(e.limits.split()),
            limits_label="; ".join(exceptions.limit_name(k) for k in e.limits.split()),
            period_start=e.period_start,
            period_end=e.period_end,
            family_told=e.family_told,
            recorded_by=e.recorded_by,
            note=e.note,
        )
        for e in rows
    )


def _advice(rows: list, today: date, excused: bool) -> tuple[AdviceInfo, ...]:
    """The advice asked for, each row with its provider's name (None: none recorded)."""
    return tuple(
        AdviceInfo(
            id=a.id,
            version=a.version,
            advice_type=a.advice_type,
            type_label=codes.label_for(codes.advice_types(), a.advice_type),
            requested=a.requested,
            received_by_adviser=a.received_by_adviser,
            due=a.due,
            received=a.received,
            chases=a.chases,
            last_chased=a.last_chased,
            overdue=a.received is None and a.due < today,
            excused=excused,
            provider_id=a.provider_id,
            provider=a.provider_name or "",
        )
        for a in rows
    )


def _communications_read() -> Select:
    # Columns, not whole rows: a family may have hundreds of contacts (as with the changes).
    return (
        select(
            Communication.id,
            Communication.occurred_at,
            Communication.channel,
            Communication.direction,
            Communication.with_whom,
            Communication.summary,
            Communication.logged_by,
            Communication.with_family,
            or_(  # has a letter: on the case file, or (issued before 0021) in a folder
                select(Document.id).where(Document.communication_id == Communication.id).exists(),
                func.coalesce(Communication.letter_path, "") != "",
            ).label("has_letter"),
            Communication.version,
        )
        .where(Communication.family_id == bindparam("family_id", type_=Integer))
        .order_by(Communication.occurred_at.desc(), Communication.id.desc())
    )


def _tasks(rows: list, names: dict[int | None, str]) -> tuple[TaskInfo, ...]:
    return tuple(
        TaskInfo(
            id=t.id,
            version=t.version,
            title=t.title,
            due=t.due,
            owner=names.get(t.owner_id),
            owner_id=t.owner_id,
            done_on=t.done_on,
        )
        for t in rows
    )


def _reviews(rows: list, today: date) -> tuple[ReviewInfo, ...]:
    out = []
    for r in rows:
        m = r.meeting_date
        out.append(
            ReviewInfo(
                id=r.id,
                version=r.version,
                due=r.due,
                meeting_date=m,
                invitations_by=deadlines.review_invitations_by(m) if m else None,
                papers_by=deadlines.review_papers_by(m) if m else None,
                report_due=deadlines.review_report_due(m) if m else None,
                decision_due=deadlines.review_decision_due(m) if m else None,
                invitations_sent=r.invitations_sent,
                papers_sent=r.papers_sent,
                report_sent=r.report_sent,
                decision_date=r.decision_date,
                outcome=r.outcome,
                amendment_notice=r.amendment_notice,
                amendment_comments_end=deadlines.amendment_comments_end(r.amendment_notice)
                if r.amendment_notice
                else None,
                amended_plan_due=deadlines.amended_plan_due(m, r.amendment_notice)
                if m and r.outcome == "amend"
                else None,
                final_amended_issued=r.final_amended_issued,
                amendment_notice_due=deadlines.amendment_notice_due(m)
                if m and (r.outcome == "amend" or r.amendment_notice)
                else None,
                amendment_notice_late=deadlines.amendment_notice_late(
                    m, r.outcome, r.amendment_notice, today
                ),
            )
        )
    return tuple(out)


def order_label(order: TribunalOrder) -> str:
    kind = tribunal.KIND_LABELS.get(order.kind, order.kind)
    conceded = " · not opposed (Reg 45)" if order.unopposed else ""
    return f"{deadlines.format_date(order.order_date)} · {kind}{conceded}"


def order_steps(order: TribunalOrder, today: date) -> list[Deadline]:
    done = {key: getattr(order, column) for key, column in ORDER_STEP_COLUMNS.items()}
    return tribunal.order_steps(
        order.order_date, order.kind, done, today, unopposed=order.unopposed
    )


def _orders(rows: list, today: date) -> tuple[OrderStepInfo, ...]:
    return tuple(
        OrderStepInfo(o.id, o.version, order_label(o), step)
        for o in rows
        for step in order_steps(o, today)
    )


def consultation_step(row: SchoolConsultation, today: date) -> Deadline:
    """The school's response to a consultation as a deadline (CoP 9.83)."""
    return school_naming.response_step(
        row.sent,
        row.response_due,
        row.response,
        row.response_received,
        today,
        decided=row.decision is not None,
    )


def consultation_label(row: SchoolConsultation) -> str:
    return f"{row.school}, sent {deadlines.format_date(row.sent)}"


def _consultations(rows: list, today: date) -> tuple[ConsultationInfo, ...]:
    return tuple(
        ConsultationInfo(
            c.id,
            c.version,
            c.school,
            c.requested_by,
            c.sent,
            consultation_step(c, today),
            c.response,
            c.response_note,
            c.decision,
            c.decision_date,
            tuple((c.grounds or "").split()),
            c.reasons,
        )
        for c in rows
    )


def reassessment_label(row: Reassessment) -> str:
    who = reassessment.REQUESTER_LABELS.get(row.requested_by, row.requested_by)
    decided = reassessment.DECISION_LABELS.get(row.decision or "", "")
    return " · ".join(x for x in (deadlines.format_date(row.requested), who, decided) if x)


def reassessment_steps(row: Reassessment, today: date) -> list[Deadline]:
    return reassessment.steps(
        row.requested, row.requested_by, row.decision, row.decided, row.plan_finalised, today
    )


def _reassessments(rows: list, today: date) -> tuple[ReassessmentStepInfo, ...]:
    return tuple(
        ReassessmentStepInfo(
            r.id,
            r.version,
            reassessment_label(r),
            step,
            r.requested,
            r.requested_by,
            r.last_assessment,
            r.decision,
            r.decided,
            r.plan_finalised,
            r.reason,
            r.note,
            reassessment.too_soon_note(r.requested, r.last_assessment),
            reassessment.is_open(r.decision, r.plan_finalised),
        )
        for r in rows
        for step in reassessment_steps(r, today)
    )


def _disagreements(rows: list) -> tuple[DisagreementInfo, ...]:
    return tuple(
        DisagreementInfo(
            id=d.id,
            version=d.version,
            decision=d.decision,
            decision_letter=d.decision_letter,
            mediation_ended=d.mediation_ended,
            mediation_certificate=d.mediation_certificate,
            certificate_due=deadlines.mediation_certificate_due(d.mediation_ended)
            if d.mediation_ended
            else None,
            appeal_deadline=deadlines.appeal_deadline(d.decision_letter, d.mediation_certificate),
            appeal_lodged=d.appeal_lodged,
            hearing_date=d.hearing_date,
            outcome=d.outcome,
            about=d.about,
        )
        for d in rows
    )


def _events(rows: list, start_label: str) -> tuple[EventInfo, ...]:
    """The case's stage events; its first is labelled as what started the clock."""
    labels = EVENT_LABELS | {"request_received": start_label}
    return tuple(
        EventInfo(
            id=e.id,
            action=e.action,
            label=labels.get(
                e.action, ACTIONS[e.action].label if e.action in ACTIONS else e.action
            ),
            on_date=e.on_date,
            by=e.by,
            note=e.note,
        )
        for e in rows
    )


def _assignments(rows: list, names: dict[int | None, str]) -> tuple[AssignmentInfo, ...]:
    return tuple(
        AssignmentInfo(
            assigned_at=a.assigned_at,
            from_name=names.get(a.from_id),
            to_name=names.get(a.to_id),
            by=a.by,
            reason=a.reason,
        )
        for a in rows
    )


def _case_reads() -> dict[str, Select]:
    """What the case window reads besides the case, child and family: each statement needs
    only their ids (bound as case_id, child_id, family_id), none another's rows, so all can
    be sent at once. Made once, so each is compiled once."""
    case_id, family_id = bindparam("case_id", type_=Integer), bindparam("family_id", type_=Integer)
    placements, establishments = _PLACEMENT_READS
    return {
        "names": select(Caseworker.id, Caseworker.name),
        "contacts": select(Contact.__table__)
        .where(Contact.family_id == family_id)
        .order_by(Contact.id),
        "siblings": _siblings_read(),
        "exceptions": select(CaseException.__table__)
        .where(CaseException.case_id == case_id)
        .order_by(CaseException.period_start),
        "advice": select(AdviceRequest.__table__, AdviceProvider.name.label("provider_name"))
        .outerjoin(AdviceProvider, AdviceProvider.id == AdviceRequest.provider_id)
        .where(AdviceRequest.case_id == case_id)
        .order_by(AdviceRequest.requested, AdviceRequest.id),
        "communications": _communications_read(),
        "tasks": select(Task.__table__)
        .where(Task.case_id == case_id)
        .order_by(Task.done_on.is_not(None), Task.due),
        "reviews": select(AnnualReview.__table__)
        .where(AnnualReview.case_id == case_id)
        .order_by(AnnualReview.due),
        "disagreements": select(Disagreement.__table__)
        .where(Disagreement.case_id == case_id)
        .order_by(Disagreement.decision_letter),
        "orders": select(TribunalOrder.__table__)
        .where(TribunalOrder.case_id == case_id)
        .order_by(TribunalOrder.order_date, TribunalOrder.id),
        "consultations": select(SchoolConsultation.__table__)
        .where(SchoolConsultation.case_id == case_id)
        .order_by(SchoolConsultation.sent, SchoolConsultation.id),
        "events": select(StageEvent.__table__)
        .where(StageEvent.case_id == case_id)
        .order_by(StageEvent.on_date, StageEvent.id),
        "assignments": select(Assignment.__table__)
        .where(Assignment.case_id == case_id)
        .order_by(Assignment.assigned_at),
        "changes": select(
            AuditEntry.at,
            AuditEntry.who,
            AuditEntry.action,
            AuditEntry.record_type,
            AuditEntry.detail,
        )
        .where(AuditEntry.case_id == case_id, AuditEntry.action != "view")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        "reassessments": select(Reassessment.__table__)
        .where(Reassessment.case_id == case_id)
        .order_by(Reassessment.requested, Reassessment.id),
        "placements": placements,
        "establishments": establishments,
    }


_CASE_READS = _case_reads()
