"""What goes on the page: the plain inputs of the PDF reports (who printed it, the case
summary, the handover pack, the letter), filled in by the services and laid out by the other
reports modules.

Stdlib and the domain only, never reportlab, Qt or the database, so the services (and the main
window that imports them) can build these without loading reportlab: it loads only when
something is printed, which keeps it off the window's cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from caseload_app.domain.status import CaseStatus, Deadline
from caseload_app.domain.templates import long_date

if TYPE_CHECKING:  # numpy loads with the forecast, not with every service
    from caseload_app.domain.backtest import BackTest
    from caseload_app.domain.forecast import Forecast

__all__ = [
    "RECENT_CONTACTS",
    "AdviceRow",
    "AssignmentRow",
    "ChildDetails",
    "CommunicationRow",
    "ContactRow",
    "DisagreementRow",
    "EventRow",
    "ExceptionRow",
    "FamilyDetails",
    "HandoverCase",
    "HandoverContact",
    "HandoverData",
    "HandoverTask",
    "Imprint",
    "LetterData",
    "ReviewRow",
    "SummaryData",
    "TaskRow",
    "WeeklyForecast",
]


# --------------------------------------------------------------------------- every print
@dataclass(frozen=True)
class Imprint:
    """Who printed the document and when, for the footer of every page."""

    printed_by: str
    printed_at: datetime
    council: str = ""


# --------------------------------------------------------------------------- weekly report
@dataclass(frozen=True)
class WeeklyForecast:
    """The weekly report's forecast page: the forecast made on `made_on` (always the day the
    report is run), how it did on past weeks, and the caseworkers' names; or, with no
    forecast, why the page is left out (`left_out`)."""

    made_on: date
    forecast: Forecast | None = None
    back_test: BackTest | None = None
    caseworkers: Mapping[int, str] = field(default_factory=dict)
    left_out: str = ""


# --------------------------------------------------------------------------- case summary
@dataclass(frozen=True)
class ChildDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    upn: str | None = None
    nhs_number: str | None = None
    setting: str | None = None
    year_group: str | None = None
    primary_need: str | None = None  # label, e.g. "ASD — Autistic spectrum disorder"
    secondary_need: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class ContactRow:
    name: str
    relation: str = ""
    phone: str | None = None
    email: str | None = None
    preferred_channel: str | None = None  # label
    language: str | None = None
    interpreter_needed: bool = False


@dataclass(frozen=True)
class FamilyDetails:
    parent_carer_name: str = ""
    address: str = ""
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    preferred_channel: str | None = None  # label
    language: str | None = None
    interpreter_needed: bool = False
    contacts: tuple[ContactRow, ...] = ()
    other_children: tuple[str, ...] = ()  # "Emily Brontë (born Thu 2 Feb 2018)"


@dataclass(frozen=True)
class ExceptionRow:
    ground: str  # label
    period_start: date
    period_end: date | None
    family_told: date | None
    recorded_by: str
    note: str | None = None
    limits: str = ""  # the time limits it covers, in words


@dataclass(frozen=True)
class AdviceRow:
    advice_type: str  # label
    requested: date
    due: date
    received: date | None = None
    chases: int = 0
    last_chased: date | None = None
    received_by_adviser: date | None = None  # when not the day it was sent


@dataclass(frozen=True)
class ReviewRow:
    due: date
    meeting_date: date | None = None
    invitations_by: date | None = None
    invitations_sent: date | None = None
    papers_by: date | None = None
    papers_sent: date | None = None
    report_due: date | None = None
    report_sent: date | None = None
    decision_due: date | None = None
    decision_date: date | None = None
    outcome: str | None = None  # label
    amendment_notice: date | None = None
    amendment_comments_end: date | None = None
    amended_plan_due: date | None = None
    final_amended_issued: date | None = None


@dataclass(frozen=True)
class DisagreementRow:
    decision: str
    decision_letter: date
    appeal_deadline: date
    mediation_ended: date | None = None
    mediation_certificate: date | None = None
    certificate_due: date | None = None
    appeal_lodged: date | None = None
    hearing_date: date | None = None
    outcome: str | None = None


@dataclass(frozen=True)
class CommunicationRow:
    occurred_at: datetime
    channel: str  # label
    direction: str  # "in" / "out"
    with_whom: str
    summary: str
    logged_by: str


@dataclass(frozen=True)
class TaskRow:
    title: str
    due: date | None
    owner: str | None


@dataclass(frozen=True)
class EventRow:
    on_date: date
    label: str
    by: str
    note: str | None = None


@dataclass(frozen=True)
class AssignmentRow:
    assigned_at: datetime
    from_name: str | None
    to_name: str | None
    by: str
    reason: str = ""


@dataclass(frozen=True)
class SummaryData:
    """Everything the summary shows. Communications are the ones to print, newest first;
    `communications_total` is how many the family has in all."""

    case_id: int
    child_id: int
    today: date
    child: ChildDetails
    family: FamilyDetails
    caseworker: str | None
    request_received: date
    request_source: str | None  # label
    stage: str  # label
    is_open: bool
    status: CaseStatus
    deadlines: tuple[Deadline, ...] = ()
    exception_limits: frozenset[str] = frozenset()  # the time limits exceptions cover
    exceptions: tuple[ExceptionRow, ...] = ()
    advice: tuple[AdviceRow, ...] = ()
    reviews: tuple[ReviewRow, ...] = ()
    phase_transfer: str | None = None  # "2027, school phase"
    phase_transfer_due: date | None = None
    # "Request received", or "Council became responsible (s24)" (codes.request_date_label)
    request_date_label: str = "Request received"
    disagreements: tuple[DisagreementRow, ...] = ()
    tasks: tuple[TaskRow, ...] = ()  # open tasks only
    events: tuple[EventRow, ...] = ()
    assignments: tuple[AssignmentRow, ...] = ()
    communications: tuple[CommunicationRow, ...] = ()
    communications_total: int = 0


# --------------------------------------------------------------------------- handover pack
RECENT_CONTACTS = 3


@dataclass(frozen=True)
class HandoverTask:
    title: str
    due: date | None


@dataclass(frozen=True)
class HandoverContact:
    occurred_at: datetime
    channel: str
    summary: str


@dataclass(frozen=True)
class HandoverCase:
    case_id: int
    child_name: str
    date_of_birth: date
    stage: str
    next_step: str | None
    next_due: date | None
    days_left: int | None
    rag: str
    status_note: str | None
    from_name: str | None
    reason: str
    tasks: tuple[HandoverTask, ...] = ()
    communications: tuple[HandoverContact, ...] = ()  # newest first; only the first 3 print


@dataclass(frozen=True)
class HandoverData:
    caseworker: str
    batch: str
    moved_at: datetime
    moved_by: str
    today: date
    cases: tuple[HandoverCase, ...]


# --------------------------------------------------------------------------- letter
@dataclass(frozen=True)
class LetterData:
    council_name: str
    council_address: tuple[str, ...]  # one line each
    letter_date: date
    recipient: tuple[str, ...]  # name first, then the address lines
    child_name: str  # "": a letter about several children (they are listed in its body)
    date_of_birth: date | None
    reference: str  # our reference, e.g. "EHCP/000123"
    title: str  # the subject line
    body: str  # filled template body: paragraphs separated by blank lines
    caseworker: str
    caseworker_email: str = ""
    team: str = "SEND Team"
    logo: Path | None = None  # an optional PNG or JPEG for the letterhead

    def about(self) -> str:
        """The line under the subject naming the child ("" for a letter about several)."""
        if not self.child_name:
            return ""
        born = f", date of birth {long_date(self.date_of_birth)}" if self.date_of_birth else ""
        return f"{self.child_name}{born}"

    def details(self) -> list[tuple[str, str]]:
        """The letterhead's labelled lines beside the council's address, PDF and Word alike."""
        rows = [
            ("Date", long_date(self.letter_date)),
            ("Our ref", self.reference),
            ("Please ask for", self.caseworker),
        ]
        if self.caseworker_email:
            rows.append(("Email", self.caseworker_email))
        return rows
