"""SQLAlchemy 2.0 typed models for the records of EHC casework (docs/statutory-rules.md).

Every editable row carries a `version` counter (optimistic concurrency: a stale save is
refused, never silently overwritten). Stage changes are rows in `stage_event`, never a
free-text field; the case row keeps each step's date for fast lists and deadline queries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from caseload_app.domain.text import LIMITS

# Stable constraint names so Alembic migrations stay identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def limited(table: str) -> tuple[CheckConstraint, ...]:
    """The database's own hold on the forms' limits (domain.text.LIMITS): a value too long
    is refused whatever program writes it (ck_<table>_<column>_length)."""
    return tuple(
        CheckConstraint(f"length({column}) <= {limit.length}", name=f"{column}_length")
        for key, limit in LIMITS.items()
        for owner, column in [key.split(".")]
        if owner == table
    )


class Versioned:
    """Mixin: an optimistic-concurrency counter that SQLAlchemy checks on every UPDATE."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Who saved this row last and when: named in the message when a stale save is refused.
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # A mixin: the table is the subclass's.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Caseworker(Versioned, Base):
    __tablename__ = "caseworker"
    __table_args__ = limited("caseworker")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    capacity_fte: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Absence(Base):
    """A caseworker away from–to (inclusive): leave, sickness, training."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworker.id"), index=True)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class Family(Versioned, Base):
    __tablename__ = "family"
    __table_args__ = limited("family")

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_carer_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(60))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)

    children: Mapped[list[Child]] = relationship(back_populates="family")
    contacts: Mapped[list[Contact]] = relationship(back_populates="family")


class Contact(Versioned, Base):
    """Another person to contact about the family's children (the main one is on family)."""

    __tablename__ = "contact"
    __table_args__ = limited("contact")

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(60), default="")  # e.g. "Grandparent"
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(60))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)

    family: Mapped[Family] = relationship(back_populates="contacts")


class Child(Versioned, Base):
    __tablename__ = "child"
    __table_args__ = (
        # One live child per UPN and per NHS number (a deleted case's child is in the trash,
        # not here). Migration 0007 leaves out of these any repeats recorded before it.
        *(
            Index(
                f"uq_child_{column}",
                column,
                unique=True,
                sqlite_where=text(f"{column} IS NOT NULL"),
                postgresql_where=text(f"{column} IS NOT NULL"),
            )
            for column in ("upn", "nhs_number")
        ),
        *limited("child"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    upn: Mapped[str | None] = mapped_column(String(13), index=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    setting: Mapped[str | None] = mapped_column(String(200))
    year_group: Mapped[str | None] = mapped_column(String(10))
    primary_need: Mapped[str | None] = mapped_column(String(8))
    secondary_need: Mapped[str | None] = mapped_column(String(8))
    # Needs ranked after the secondary one (SEN2's SENtypeRank 3, 4…): codes from
    # primary_need.csv, space-separated in rank order.
    further_needs: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # What SEN2's person module asks beyond names and identifiers (resources/codes/sen2_*.csv):
    # sex, ethnicity, the Unique Learner Number, and why a UPN is not known.
    sex: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(4))
    uln: Mapped[str | None] = mapped_column(String(10))
    upn_unknown: Mapped[str | None] = mapped_column(String(4))
    # Lower-case, accent-free names/UPN/NHS/postcode/phone in one column: one substring
    # match serves search-as-you-type (kept in step by the services on every save).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Folded names the case list sorts by in SQL (domain.text.child_sort_keys), kept in
    # step with search_text.
    sort_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    family_sort_name: Mapped[str] = mapped_column(Text, default="", server_default="")

    family: Mapped[Family] = relationship(back_populates="children")
    cases: Mapped[list[EhcpCase]] = relationship(back_populates="child")


# The columns of ix_ehcp_case_position (migration 0028), open cases first.
POSITION_COLUMNS = (
    "is_open", "stage", "caseworker_id", "request_received", "next_due", "next_step",
    "last_review", "final_issued", "assess_decision_date", "issue_decision_date",
    "draft_served", "assess_decision", "issue_decision", "ceased_date", "withdrawn_date",
    "child_id",
)  # fmt: skip


class EhcpCase(Versioned, Base):
    __tablename__ = "ehcp_case"
    __table_args__ = (
        # A child has at most one live EHCP case at a time.
        Index(
            "uq_ehcp_case_live_child",
            "child_id",
            unique=True,
            sqlite_where=text("is_open = 1"),
            postgresql_where=text("is_open"),
        ),
        Index("ix_ehcp_case_worker_open_due", "caseworker_id", "is_open", "next_due"),
        Index("ix_ehcp_case_open_due", "is_open", "next_due"),
        # The case list's own order (services/case_window.ARRIVAL), read in order.
        Index("ix_ehcp_case_arrival", text("(next_due IS NULL)"), "next_due", "id"),
        # Every column the weekly report's pass over the open cases reads
        # (services/weekly_positions.py), so that it reads this index and not the rows.
        Index("ix_ehcp_case_position", *POSITION_COLUMNS),
        # The weekly report's trend: plans issued by day, with the day each was asked for.
        Index("ix_ehcp_case_final_issued", "final_issued", "request_received"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    request_received: Mapped[date] = mapped_column(Date, index=True)
    request_source: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(24), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    assess_decision_date: Mapped[date | None] = mapped_column(Date)
    assess_decision: Mapped[str | None] = mapped_column(String(10))  # agreed / refused
    issue_decision_date: Mapped[date | None] = mapped_column(Date)
    issue_decision: Mapped[str | None] = mapped_column(String(10))  # issue / not_issue
    draft_served: Mapped[date | None] = mapped_column(Date)
    comments_received: Mapped[date | None] = mapped_column(Date)  # on the draft (Reg 13(1))
    final_issued: Mapped[date | None] = mapped_column(Date)
    last_review: Mapped[date | None] = mapped_column(Date)
    ceased_date: Mapped[date | None] = mapped_column(Date)  # the decision to cease
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    # Ceasing (s45, Reg 31): the proposal, its reason as SEN2 codes it (cease_reasons.csv),
    # and the days the family and the school or college were told and consulted.
    cease_proposed: Mapped[date | None] = mapped_column(Date)
    cease_reason: Mapped[str | None] = mapped_column(String(2))
    cease_family_consulted: Mapped[date | None] = mapped_column(Date)
    cease_school_consulted: Mapped[date | None] = mapped_column(Date)
    # A plan transferred in from another council (Reg 15): the day, the old council's LA
    # number, the plan's last review (or making) there, the day the family was told
    # (Reg 15(4)) and whether this council proposed an EHC needs assessment.
    transferred_in: Mapped[date | None] = mapped_column(Date)
    transferred_from: Mapped[int | None] = mapped_column(Integer)
    transfer_last_review: Mapped[date | None] = mapped_column(Date)
    transfer_family_told: Mapped[date | None] = mapped_column(Date)
    transfer_proposes_assessment: Mapped[bool | None] = mapped_column(Boolean)
    # The child moving to another council's area (Reg 15(2)): the day, the new council's LA
    # number, the day this council became aware, the day it sent the plan.
    moved_out: Mapped[date | None] = mapped_column(Date)
    moved_to: Mapped[int | None] = mapped_column(Integer)
    move_aware: Mapped[date | None] = mapped_column(Date)
    plan_sent: Mapped[date | None] = mapped_column(Date)
    # The next statutory step as computed by domain.status on every save: stored so that
    # lists sort and filter by deadline in SQL. Never derived anywhere else.
    next_step: Mapped[str | None] = mapped_column(String(24))
    next_due: Mapped[date | None] = mapped_column(Date)
    # The time limits the case's recorded exceptions cover (domain.exceptions.limits_text),
    # "" for none: kept in step by the services whenever an exception is recorded or withdrawn.
    exception_limits: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # Phase transfer (Reg 18): the calendar year of the move and its kind.
    phase_transfer_year: Mapped[int | None] = mapped_column(Integer)
    phase_transfer_kind: Mapped[str | None] = mapped_column(String(20))
    # A move between post-16 institutions (Reg 18(2)): its day, where to, and the day the plan
    # was amended for it (due five months before the move; domain.post16).
    post16_move_date: Mapped[date | None] = mapped_column(Date)
    post16_move_to: Mapped[str | None] = mapped_column(String(120))
    post16_amended: Mapped[date | None] = mapped_column(Date)
    # The request (or the assessment that followed it) withdrawn before its outcome: the
    # family withdrew it, or moved away (SEN2 codes it as withdrawn; the case closes).
    withdrawn_date: Mapped[date | None] = mapped_column(Date)

    child: Mapped[Child] = relationship(back_populates="cases")
    caseworker: Mapped[Caseworker | None] = relationship()


class Establishment(Base):
    """A school, college or other provider from the DfE's register (Get Information About
    Schools), as last imported: reference data that placements point at by id, so an import
    that updates a name or closes a school keeps every link."""

    __tablename__ = "establishment"

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[int] = mapped_column(Integer, unique=True)
    la_code: Mapped[int | None] = mapped_column(Integer)
    establishment_number: Mapped[int | None] = mapped_column(Integer)  # LAESTAB's last four
    name: Mapped[str] = mapped_column(String(200))
    type_code: Mapped[str] = mapped_column(String(8), default="")
    type_name: Mapped[str] = mapped_column(String(120), default="")
    phase: Mapped[str] = mapped_column(String(60), default="")
    ukprn: Mapped[int | None] = mapped_column(Integer, index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Folded name, URN, LAESTAB and postcode in one column for search-as-you-type.
    search_text: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class Placement(Versioned, Base):
    """Where a child is educated, from when to when (SEN2's placements): an establishment
    from the register, a setting typed in when it is not on it, or no establishment at all
    (education otherwise than at school, elective home education, not in education,
    employment or training, other arrangements: resources/codes/placement_kinds.csv)."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("ends IS NULL OR ends >= starts", name="dates_in_order"),
        CheckConstraint("rank >= 1", name="rank_positive"),
        *limited("placement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # placement_kinds.csv
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"), index=True)
    setting_name: Mapped[str] = mapped_column(String(200), default="")  # not on the register
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    rank: Mapped[int] = mapped_column(Integer, default=1)  # 1 main, 2 dual registration…
    provision: Mapped[str | None] = mapped_column(String(12))  # mainstream/sen_unit/resourced
    attendance: Mapped[str | None] = mapped_column(String(10))  # full_time / part_time
    # By the weeks a year (placement_residential.csv; SEN2's Res: A, B); None: not residential.
    residential: Mapped[str | None] = mapped_column(String(16))
    work_based: Mapped[str | None] = mapped_column(String(24))  # apprenticeship…
    out_of_area: Mapped[bool] = mapped_column(Boolean, default=False)

    establishment: Mapped[Establishment | None] = relationship()


class StageEvent(Base):
    """A stage action: what happened, on what date, recorded by whom. Append-only."""

    __tablename__ = "stage_event"
    __table_args__ = (
        # The case's last change of stage (domain/updates.py).
        Index("ix_stage_event_case_action", "case_id", "action", "on_date"),
        # The cases that changed stage in a few recent weeks (services/weekly_positions.py).
        Index("ix_stage_event_on", "on_date", "action", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    on_date: Mapped[date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


def _sent_day(context) -> date:
    """An advice request saved without the day the adviser received it: the day it was sent."""
    return context.get_current_parameters()["requested"]


class AdviceProvider(Versioned, Base):
    """Who gives one kind of advice (resources/codes/advice_types.csv): a team ("EP team
    North") or a named adviser, its address, and its manager (the Designated Clinical
    Officer, the Principal Educational Psychologist…) to whom late advice is escalated.
    Reference data that team leads and administrators keep; retired, not deleted, once
    requests point at it."""

    __tablename__ = "advice_provider"
    __table_args__ = (
        UniqueConstraint("service", "name", name="uq_advice_provider_service_name"),
        *limited("advice_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(20))  # an advice_types code
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(Text, default="")
    manager_name: Mapped[str] = mapped_column(String(120), default="")
    manager_role: Mapped[str] = mapped_column(String(120), default="")
    manager_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AdviceRequest(Versioned, Base):
    __tablename__ = "advice_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    advice_type: Mapped[str] = mapped_column(String(20))
    requested: Mapped[date] = mapped_column(Date)  # the day the council sent the request
    # The day the adviser received it: Reg 8(1) counts the 6 weeks from here (most often
    # the day it was sent).
    received_by_adviser: Mapped[date] = mapped_column(Date, default=_sent_day)
    due: Mapped[date] = mapped_column(Date, index=True)
    received: Mapped[date | None] = mapped_column(Date)
    chases: Mapped[int] = mapped_column(Integer, default=0)
    last_chased: Mapped[date | None] = mapped_column(Date)
    # The team or adviser asked, when recorded (migration 0026): the provider board groups
    # requests by it, and those without one under their service.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("advice_provider.id"), index=True)


class Communication(Versioned, Base):
    __tablename__ = "communication"
    __table_args__ = (
        Index("ix_communication_family_when", "family_id", "occurred_at"),
        # The family's last update (domain/updates.py): the last contact going out to them.
        Index(
            "ix_communication_family_out", "family_id", "direction", "with_family", "occurred_at"
        ),
        # The families in contact in a few recent weeks (services/weekly_positions.py).
        Index("ix_communication_when", "occurred_at", "family_id", "direction", "with_family"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(8))  # in / out
    with_whom: Mapped[str] = mapped_column(String(200), default="")
    # With the family (migration 0024): only these count as keeping them informed, not a
    # chase to an adviser or a letter to the school.
    with_family: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    summary: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(120))
    # Where a letter issued before migration 0021 was kept on disk: since then the letter is
    # a document on the case file (Document.communication_id), and this is left empty.
    letter_path: Mapped[str | None] = mapped_column(Text)


class Task(Versioned, Base):
    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"), index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(120))


class AnnualReview(Versioned, Base):
    __tablename__ = "annual_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    due: Mapped[date] = mapped_column(Date, index=True)
    meeting_date: Mapped[date | None] = mapped_column(Date)
    invitations_sent: Mapped[date | None] = mapped_column(Date)
    papers_sent: Mapped[date | None] = mapped_column(Date)
    report_sent: Mapped[date | None] = mapped_column(Date)
    decision_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(10))  # maintain / amend / cease
    amendment_notice: Mapped[date | None] = mapped_column(Date)
    final_amended_issued: Mapped[date | None] = mapped_column(Date)


class CaseException(Versioned, Base):
    """A recorded exception (Reg 5(4), 8(2), 10(4), 13(3)): the deadline keeps its date."""

    __tablename__ = "case_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    ground: Mapped[str] = mapped_column(String(32))
    # The time limits it covers (domain.exceptions.limits_text): only ones its ground allows.
    limits: Mapped[str] = mapped_column(String(60), default="", server_default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    family_told: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Disagreement(Versioned, Base):
    """Mediation and tribunal tracking for one disputed decision."""

    __tablename__ = "disagreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    decision: Mapped[str] = mapped_column(String(200))  # what is disputed
    # Which decision, as SEN2 counts mediation and appeals per request
    # (resources/codes/disagreement_about.csv): None for one recorded before it was coded.
    about: Mapped[str | None] = mapped_column(String(12))
    decision_letter: Mapped[date] = mapped_column(Date)
    mediation_ended: Mapped[date | None] = mapped_column(Date)
    mediation_certificate: Mapped[date | None] = mapped_column(Date)
    appeal_lodged: Mapped[date | None] = mapped_column(Date)
    hearing_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)


class TribunalOrder(Versioned, Base):
    """A First-tier Tribunal order the council must carry out (Reg 44), or an appeal it did not
    oppose (Reg 45: ``unopposed``, dated the day it told the Tribunal), with the day each step
    was done; the due dates follow from the date and kind (domain.tribunal)."""

    __tablename__ = "tribunal_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # domain.tribunal.OrderKind
    unopposed: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_on: Mapped[date | None] = mapped_column(Date)
    not_to_issue_on: Mapped[date | None] = mapped_column(Date)
    draft_on: Mapped[date | None] = mapped_column(Date)
    final_on: Mapped[date | None] = mapped_column(Date)
    amended_on: Mapped[date | None] = mapped_column(Date)
    ceased_on: Mapped[date | None] = mapped_column(Date)
    responded_on: Mapped[date | None] = mapped_column(Date)  # to a recommendation
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))


class PlanVersion(Versioned, Base):
    """One version of a case's EHC plan (domain.plan, as JSON): the working copy being written
    (``issued_on`` empty: at most one per case), or a version issued on a day, frozen with its
    content's sha256 (the database refuses to change an issued version: an amendment is a new
    version). ``kind``: draft, final, proposed (amendments after a review, Reg 22), amended."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("case_id", "number", name="uq_plan_version_case_number"),
        Index(
            "uq_plan_version_one_working",
            "case_id",
            unique=True,
            sqlite_where=text("issued_on IS NULL"),
            postgresql_where=text("issued_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    content: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date | None] = mapped_column(Date)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    issued_by: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PlanAudit(Versioned, Base):
    """A quality audit of a case's EHC plan by a second person: the version audited, the
    checklist items as scored (JSON list, each with its question, so a later checklist change
    leaves this audit as it was), a comment per section (JSON object), and the outcome once
    decided: ``rework`` (sent back) or ``signed_off``, with the score (a percentage) and the
    sha256 of the content decided on. At most one audit open per case."""

    __tablename__ = "plan_audit"
    __table_args__ = (
        Index(
            "uq_plan_audit_one_open",
            "case_id",
            unique=True,
            sqlite_where=text("outcome IS NULL"),
            postgresql_where=text("outcome IS NULL"),
        ),
        Index("ix_plan_audit_decided_on", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    auditor: Mapped[str] = mapped_column(String(120))
    started_on: Mapped[date] = mapped_column(Date)
    items: Mapped[str] = mapped_column(Text)
    comments: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(12))
    decided_on: Mapped[date | None] = mapped_column(Date)
    score: Mapped[int | None] = mapped_column(Integer)
    plan_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class PlanSeal(Base):
    """What the database itself recorded when a plan version was issued, written only by its
    triggers (migration 0019): an issued version may leave plan_version only with its case,
    into the trash (``trash_id``, keeping its ``content``), and may come back only as it
    left. People never write this table."""

    __tablename__ = "plan_seal"
    __table_args__ = (
        Index(
            "uq_plan_seal_live_version",
            "version_id",
            unique=True,
            sqlite_where=text("trash_id IS NULL"),
            postgresql_where=text("trash_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer)  # plan_version.id (its last, if out)
    case_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str | None] = mapped_column(String(120))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    # While the version's case is in the trash: the trash item, and the version's content.
    trash_id: Mapped[int | None] = mapped_column(Integer, index=True)
    content: Mapped[str | None] = mapped_column(Text)


class StoredFile(Base):
    """A file's bytes, stored once whatever number of documents hold it (content-addressed by
    its sha256). A row is removed only when no document refers to it any more."""

    __tablename__ = "stored_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Document(Versioned, Base):
    """A document on a case's file: its kind, date, who it came from, the file's name and
    what it really is (media type by content), its bytes (stored_file, by sha256), the text
    found in it for search, and what it belongs to (an advice request, a plan version, the
    letter logged as sent, the e-mail it was attached to)."""

    __tablename__ = "document"
    # A record withdrawn by mistake (an advice request, a review) leaves its documents on the
    # case, unlinked: the file itself was not the mistake.

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_file.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    dated: Mapped[date] = mapped_column(Date)
    came_from: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text, deferred=True)  # read only where shown
    advice_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("advice_request.id", ondelete="SET NULL")
    )
    annual_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("annual_review.id", ondelete="SET NULL")
    )
    disagreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("disagreement.id", ondelete="SET NULL")
    )
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    # An issued letter's PDF, exactly as sent: the letter's entry in the communication log.
    communication_id: Mapped[int | None] = mapped_column(ForeignKey("communication.id"), index=True)
    attached_to_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)


# What becomes of an e-mail in the outbox (services/mail.py): queued, being sent, sent; to be
# tried again (retry) or stopped until a person acts (failed); perhaps received by the server
# though it never said so (unsure); saved as a draft for Outlook; or given up (cancelled).
OUTBOX_STATUSES = ("queued", "sending", "sent", "retry", "failed", "unsure", "draft", "cancelled")


class OutboxMessage(Versioned, Base):
    """An e-mail to a family, saved before the mail server is ever asked to take it: the
    message exactly as it goes (headers, body, attachments; its bytes in stored_file, by
    sha256), its own Message-ID (the same on every try), and where its delivery stands. Once
    sent, the message is a document on the case file and a communication in the log."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))  # the address
    with_whom: Mapped[str] = mapped_column(String(200))  # as the communication log says it
    subject: Mapped[str] = mapped_column(String(300))
    attachments: Mapped[str] = mapped_column(Text, default="")  # their names, one a line
    eml_sha256: Mapped[str] = mapped_column(ForeignKey("stored_file.sha256"))
    size: Mapped[int] = mapped_column(BigInteger)
    letter_id: Mapped[int | None] = mapped_column(Integer)  # the issued letter's communication
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")  # in plain words
    next_try: Mapped[datetime | None] = mapped_column(DateTime)
    sending_since: Mapped[datetime | None] = mapped_column(DateTime)
    queued_by: Mapped[str] = mapped_column(String(120))
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the message became once sent (no foreign keys: either may go to the trash alone).
    communication_id: Mapped[int | None] = mapped_column(Integer)
    document_id: Mapped[int | None] = mapped_column(Integer)


class SchoolConsultation(Versioned, Base):
    """A school or college consulted before it is named in Section I (CFA 2014 s39(2), s40(3)):
    who asked for it, the day the draft plan was sent to it, its 15 days to respond (CoP 9.83,
    domain.school_naming), its response and the council's decision to name it or not."""

    __tablename__ = "school_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    school: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(20))  # domain.school_naming.RequestedBy
    sent: Mapped[date] = mapped_column(Date)
    response_due: Mapped[date] = mapped_column(Date)
    response: Mapped[str | None] = mapped_column(String(20))  # school_naming.Response
    response_received: Mapped[date | None] = mapped_column(Date)
    response_note: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(20))  # school_naming.Decision
    decision_date: Mapped[date | None] = mapped_column(Date)
    grounds: Mapped[str | None] = mapped_column(String(60))  # s39(4) grounds, space-separated
    reasons: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))


class Reassessment(Versioned, Base):
    """A re-assessment of a plan's needs (CFA 2014 s44(2)-(3); SEND Regs 2014 regs 24-27): the
    day the request was received (or the council decided of its own accord), who asked, the
    last EHC needs assessment (for reg 24's six months), the decision and the day the family
    was told, why (a refusal, or a re-assessment within six months), and the day the
    re-assessed plan was finalised; the due dates follow (domain.reassessment)."""

    __tablename__ = "reassessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    requested: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(20))  # domain.reassessment.RequestedBy
    last_assessment: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(10))  # domain.reassessment.Decision
    decided: Mapped[date | None] = mapped_column(Date)  # the day the family was told
    reason: Mapped[str | None] = mapped_column(Text)
    plan_finalised: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))


class AppUser(Versioned, Base):
    """A person who signs in: their login (the PostgreSQL login on a team database, the
    computer's user name on a laptop), the caseworker they are, and their roles."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(63), unique=True)  # PostgreSQL's name limit
    name: Mapped[str] = mapped_column(String(120))
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    roles: Mapped[str] = mapped_column(String(120), default="")  # domain.access.roles_text
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AppSetting(Base):
    """Team-wide settings kept with the data (council name and address for letters)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Assignment(Base):
    """Assignment history: from, to, when, by whom, why. Append-only."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ehcp_case.id"), index=True)
    from_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    to_id: Mapped[int | None] = mapped_column(ForeignKey("caseworker.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    # Moves made together (one rebalance, one bulk reassignment) share a batch, so the whole
    # set can be undone in one step.
    batch: Mapped[str | None] = mapped_column(String(40), index=True)


class AuditEntry(Base):
    """Append-only audit trail: who, when, what record, old → new; views, prints, exports."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    who: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # for a case's history
    detail: Mapped[str] = mapped_column(Text, default="")


class Submission(Base):
    """A form already saved: a second Save of the same form (a double click, a retry after a
    crash) finds its token here and returns the first record instead of making another."""

    __tablename__ = "submission"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime)
    who: Mapped[str] = mapped_column(String(120))


class TrashItem(Base):
    """A deleted communication, task or case: its rows kept as JSON until restored or, by an
    administrator, removed for good. Live tables never hold deleted rows, so no query has
    to remember to leave them out."""

    __tablename__ = "trash_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    label: Mapped[str] = mapped_column(Text)  # what it was, in words, for the trash list
    payload: Mapped[str] = mapped_column(Text)  # {"table": [row, ...], ...} in insert order
    deleted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    deleted_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    # A restore marks the item (and empties its payload) rather than deleting it, so that
    # removing for good stays the only DELETE: on a team database only administrators may.
    restored_at: Mapped[datetime | None] = mapped_column(DateTime)
    restored_by: Mapped[str | None] = mapped_column(String(120))
