"""The person-level SEN2 return as the DfE collects it (docs/SEN2.md names the specification
and what could not be verified): one Person per child, one Requests per request for an EHC
needs assessment, each with its Assessment, NamedPlan and ActivePlans.

Each module is a dataclass (built once, never changed) whose ``ELEMENTS`` give the XML
element names in the order the specification lays them out, paired with the attribute holding
each value. The writer (reports/sen2_xml.py) and the checks (domain/sen2_checks.py, rules
in resources/codes/sen2_checks.csv) both go by those names, so a renamed or reordered element
is a change in one place. A value of None is an element left out; True/False are written
1/0 as the specification's yes/no items are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import ClassVar

Value = str | int | bool | date | datetime | None


class Module:
    """Common to every module: its elements in order, with their values."""

    # The modules below the header are not frozen dataclasses: a frozen one sets each field
    # through object.__setattr__, and at 50,000 children the return makes half a million
    # modules (a tenth of its time). Slots: quicker to read, and smaller.
    __slots__ = ()

    NAME: ClassVar[str]
    ELEMENTS: ClassVar[tuple[tuple[str, str], ...]]  # (XML element, attribute)

    def items(self) -> Iterator[tuple[str, object]]:
        for element, attribute in self.ELEMENTS:
            yield element, getattr(self, attribute)

    # Each element's attribute, made once a module (the checks ask for millions of values).
    ATTRIBUTE_OF: ClassVar[dict[str, str]]

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.ATTRIBUTE_OF = dict(cls.ELEMENTS)

    def value(self, element: str) -> object:
        return getattr(self, self.ATTRIBUTE_OF[element])


@dataclass(frozen=True)
class Header(Module):
    year: int
    reference_date: date
    la: int | None
    software_code: str
    release: str
    serial_no: int
    created: datetime
    dmo: str | None
    dco: str | None
    dsco: str | None

    NAME = "Header"
    COLLECTION: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Collection", "collection"),
        ("Year", "year"),
        ("ReferenceDate", "reference_date"),
    )
    ELEMENTS = (
        ("SourceLevel", "source_level"),
        ("LEA", "lea"),
        ("SoftwareCode", "software_code"),
        ("Release", "release"),
        ("SerialNo", "serial"),
        ("DateTime", "created"),
        ("DMO", "dmo"),
        ("DCO", "dco"),
        ("DSCO", "dsco"),
    )
    collection: ClassVar[str] = "SEN2"
    source_level: ClassVar[str] = "L"

    @property
    def lea(self) -> str | None:
        return None if self.la is None else f"{self.la:03d}"

    @property
    def serial(self) -> str:
        return f"{self.serial_no:03d}"

    def collection_items(self) -> Iterator[tuple[str, object]]:
        for element, attribute in self.COLLECTION:
            yield element, getattr(self, attribute)


@dataclass(slots=True)
class Setting(Module):
    """Where a plan places the child (PlanDetail) or where they were placed (PlacementDetail):
    an establishment by URN or UKPRN, or a SEN setting code when there is none."""

    urn: int | None
    ukprn: int | None
    sen_setting: str | None
    sen_setting_other: str | None
    rank: int
    entry_date: date | None
    leaving_date: date | None
    sen_unit: bool
    resourced: bool
    residential: str | None
    work_based: str | None
    # Not sent: what the person checking the return needs to find it.
    where: str = ""

    NAME = "PlacementDetail"
    ELEMENTS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("URN", "urn"),
        ("UKPRN", "ukprn"),
        ("SENsetting", "sen_setting"),
        ("SENSettingOther", "sen_setting_other"),
        ("PlacementRank", "rank"),
        ("EntryDate", "entry_date"),
        ("LeavingDate", "leaving_date"),
        ("SENunitIndicator", "sen_unit"),
        ("ResourcedProvisionIndicator", "resourced"),
        ("Res", "residential"),
        ("WBP", "work_based"),
    )


# A plan's named setting carries no dates and its residential / work-based items belong to the
# plan (PlanRes, PlanWBP), not to the detail.
PLAN_DETAIL_ELEMENTS = tuple(
    (element, attribute)
    for element, attribute in Setting.ELEMENTS
    if element not in ("EntryDate", "LeavingDate", "Res", "WBP")
)


@dataclass(slots=True)
class PlanDetail(Setting):
    NAME = "PlanDetail"
    ELEMENTS = PLAN_DETAIL_ELEMENTS


@dataclass(slots=True)
class NamedPlan(Module):
    start_date: date | None
    details: tuple[PlanDetail, ...]
    residential: str | None
    work_based: str | None
    personal_budget: bool | None
    organised_arrangements: bool | None
    direct_payments: str | None
    cease_date: date | None
    cease_reason: str | None

    NAME = "NamedPlan"
    ELEMENTS = (
        ("StartDate", "start_date"),
        ("PlanDetail", "details"),
        ("PlanRes", "residential"),
        ("PlanWBP", "work_based"),
        ("PB", "personal_budget"),
        ("OA", "organised_arrangements"),
        ("DP", "direct_payments"),
        ("CeaseDate", "cease_date"),
        ("CeaseReason", "cease_reason"),
    )


@dataclass(slots=True)
class Assessment(Module):
    outcome: str
    outcome_date: date | None
    mediation: bool | None
    tribunal: bool | None
    other_mediation: bool | None
    other_tribunal: bool | None
    week20: bool | None
    plan: NamedPlan | None

    NAME = "Assessment"
    ELEMENTS = (
        ("AssessmentOutcome", "outcome"),
        ("AssessmentOutcomeDate", "outcome_date"),
        ("AssessmentMediation", "mediation"),
        ("AssessmentTribunal", "tribunal"),
        ("OtherMediation", "other_mediation"),
        ("OtherTribunal", "other_tribunal"),
        ("Week20", "week20"),
        ("NamedPlan", "plan"),
    )


@dataclass(slots=True)
class Need(Module):
    sen_type: str | None
    rank: int

    NAME = "SENneed"
    ELEMENTS = (("SENtype", "sen_type"), ("SENtypeRank", "rank"))


@dataclass(slots=True)
class ActivePlans(Module):
    transfer_la: str | None
    placements: tuple[Setting, ...]
    needs: tuple[Need, ...]
    review_meeting: date | None
    review_outcome: str | None
    review_draft: date | None
    phase_transfer_due: date | None
    phase_transfer_final: date | None
    last_review: date | None

    NAME = "ActivePlans"
    ELEMENTS = (
        ("TransferLA", "transfer_la"),
        ("PlacementDetail", "placements"),
        ("SENneed", "needs"),
        ("ReviewMeeting", "review_meeting"),
        ("ReviewOutcome", "review_outcome"),
        ("ReviewDraft", "review_draft"),
        ("PhaseTransferDueDate", "phase_transfer_due"),
        ("PhaseTransferFinalDate", "phase_transfer_final"),
        ("LastReview", "last_review"),
    )


@dataclass(slots=True)
class Request(Module):
    case_id: int
    received: date
    source: str | None
    rya: bool | None
    outcome_date: date | None
    outcome: str
    mediation: bool | None
    tribunal: bool | None
    exported: str | None
    assessment: Assessment | None
    active: ActivePlans | None
    # Not sent: what the builder noticed that a check should report (e.g.
    # "disagreement_uncoded": a mediation or appeal not said to be about any decision).
    noted: tuple[str, ...] = ()

    NAME = "Requests"
    ELEMENTS = (
        ("ReceivedDate", "received"),
        ("RequestSource", "source"),
        ("RYA", "rya"),
        ("RequestOutcomeDate", "outcome_date"),
        ("RequestOutcome", "outcome"),
        ("RequestMediation", "mediation"),
        ("RequestTribunal", "tribunal"),
        ("Exported", "exported"),
        ("Assessment", "assessment"),
        ("ActivePlans", "active"),
    )


@dataclass(slots=True)
class Person(Module):
    child_id: int
    surname: str
    forename: str
    birth_date: date | None
    sex: str | None
    ethnicity: str | None
    postcode: str | None
    upn: str | None
    uln: str | None
    upn_unknown: str | None
    requests: tuple[Request, ...]

    NAME = "Person"
    ELEMENTS = (
        ("Surname", "surname"),
        ("Forename", "forename"),
        ("PersonBirthDate", "birth_date"),
        ("Sex", "sex"),
        ("Ethnicity", "ethnicity"),
        ("PostCode", "postcode"),
        ("UPN", "upn"),
        ("UniqueLearnerNumber", "uln"),
        ("UPNunknown", "upn_unknown"),
        ("Requests", "requests"),
    )

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}".strip()


@dataclass(frozen=True)
class Sen2Return:
    header: Header
    persons: tuple[Person, ...]

    @property
    def requests(self) -> int:
        return sum(len(p.requests) for p in self.persons)


# Each module's element names, for the checks' rules file.
ELEMENTS_OF: dict[str, frozenset[str]] = {
    module.NAME: frozenset(element for element, _ in module.ELEMENTS)
    for module in (Header, PlanDetail, NamedPlan, Assessment, Need, ActivePlans, Request, Person)
} | {"PlacementDetail": frozenset(element for element, _ in Setting.ELEMENTS)}


# --------------------------------------------------------------------------- the period
@dataclass(frozen=True)
class ReportingPeriod:
    """SEN2 counts the calendar year before the census day; what it says of a case is as at
    the census day (anything dated later has not happened yet)."""

    census_date: date
    starts: date
    ends: date


def reporting_period(census_date: date) -> ReportingPeriod:
    year = census_date.year - 1
    return ReportingPeriod(census_date, date(year, 1, 1), date(year, 12, 31))


def by_census(value: date | None, census: date) -> date | None:
    """A date only if it had happened by the census day."""
    return value if value is not None and value <= census else None


def suggested_census_day(today: date) -> date:
    """The third Thursday of the January whose return is being made (January's own until
    the end of March, when the return is due; then next year's). Only a suggestion: the DfE
    sets the day each year, and has not always kept to the third Thursday (2021)."""
    year = today.year if today.month <= 3 else today.year + 1
    first = date(year, 1, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=14)
