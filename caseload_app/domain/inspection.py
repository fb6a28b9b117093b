"""The inspection list: every child and young person with an EHC plan or a request for one on
a day, by placement type, as an Ofsted/CQC area SEND inspection asks for within two weeks of
starting. Pure: the service reads the rows, the report prints them.

Who is in it: each child with a case open on the day (requested by then, not closed by
then: `open_on`), one row per child. What each row says is as at that day: a plan issued, a
review held or a stage reached after it counts as not yet happened (`stage_on`), so the list
gives the same answer whenever it is made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from caseload_app.domain import codes
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.errors import ValidationError
from caseload_app.domain.status import ClosingDates, closed_on

__all__ = [
    "COLUMNS_FILE",
    "NO_PLACEMENT",
    "PLACEMENT_TYPES",
    "InspectionChild",
    "InspectionColumn",
    "InspectionList",
    "InspectionSummary",
    "PlacementFacts",
    "age_on",
    "cells",
    "choose_columns",
    "default_columns",
    "inspection_columns",
    "open_on",
    "parse_columns",
    "placement_type",
    "stage_on",
    "summarise",
]

COLUMNS_FILE = "inspection_columns.csv"

# The placement types, in the order the list and its counts go in.
MAINSTREAM = "Mainstream school"
SEN_UNIT = "SEN unit in mainstream"
RESOURCED = "Resourced provision in mainstream"
SPECIAL = "Special school"
NON_MAINTAINED = "Non-maintained special school"
INDEPENDENT_SPECIAL = "Independent special school"
INDEPENDENT = "Independent school"
ALTERNATIVE = "Alternative provision or pupil referral unit"
EARLY_YEARS = "Nursery or early years setting"
FURTHER_EDUCATION = "Further education college"
SPECIALIST_POST16 = "Specialist post-16 institution"
WORK_BASED = "Apprenticeship or supported internship"
OTHER_ESTABLISHMENT = "Other establishment"
NOT_ON_REGISTER = "Setting not on the register"
EOTAS = "Education otherwise than at school"
EHE = "Elective home education"
NEET = "Not in education, employment or training"
OTHER_ARRANGEMENTS = "Other arrangements"
NO_PLACEMENT = "No placement recorded"
PLACEMENT_TYPES = (
    MAINSTREAM,
    SEN_UNIT,
    RESOURCED,
    SPECIAL,
    NON_MAINTAINED,
    INDEPENDENT_SPECIAL,
    INDEPENDENT,
    ALTERNATIVE,
    EARLY_YEARS,
    FURTHER_EDUCATION,
    SPECIALIST_POST16,
    WORK_BASED,
    OTHER_ESTABLISHMENT,
    NOT_ON_REGISTER,
    EOTAS,
    EHE,
    NEET,
    OTHER_ARRANGEMENTS,
    NO_PLACEMENT,
)
_KINDS = {"eotas": EOTAS, "ehe": EHE, "neet": NEET, "other": OTHER_ARRANGEMENTS}
_PROVISIONS = {"resourced": RESOURCED, "sen_unit": SEN_UNIT}
# The register's establishment types ("Other independent special school", "Academy sponsor
# led"…) by words in them, the first match winning: special and post-16 before mainstream.
_TYPE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("special post 16",), SPECIALIST_POST16),
    (("independent special",), INDEPENDENT_SPECIAL),
    (("non-maintained special",), NON_MAINTAINED),
    (("special",), SPECIAL),
    (("independent",), INDEPENDENT),
    (("pupil referral", "alternative provision"), ALTERNATIVE),
    (("nursery", "early years"), EARLY_YEARS),
    (("further education", "sixth form", "16-19", "16 to 19"), FURTHER_EDUCATION),
    (
        ("community school", "voluntary", "foundation school", "academy", "free school",
         "technical college", "studio school", "city technology"),
        MAINSTREAM,
    ),
)  # fmt: skip


def placement_type(
    kind: str | None,
    *,
    provision: str | None = None,
    work_based: str | None = None,
    type_name: str = "",
    on_register: bool = False,
) -> str:
    """A placement in plain words ("Special school", "Elective home education"…) from its
    kind, its provision, the work it is based in, and the register's type of establishment.
    `kind` None: the child has no placement on the day; any kind but the four with no
    establishment (placement_kinds.csv) is a place at a school, college or other setting."""
    if kind is None:
        return NO_PLACEMENT
    if kind in _KINDS:
        return _KINDS[kind]
    if provision in _PROVISIONS:
        return _PROVISIONS[provision]
    if work_based:
        return WORK_BASED
    if not on_register:
        return MAINSTREAM if provision == "mainstream" else NOT_ON_REGISTER
    words = " ".join(type_name.casefold().split())
    for keys, kind_of in _TYPE_WORDS:
        if any(key in words for key in keys):
            return kind_of
    return MAINSTREAM if provision == "mainstream" else OTHER_ESTABLISHMENT


# --------------------------------------------------------------------------- who is in it
class CaseDays(ClosingDates, Protocol):
    """What a case's place in the list is worked out from (a stored case, or a row of one)."""

    @property
    def stage(self) -> str: ...
    @property
    def is_open(self) -> bool: ...
    @property
    def request_received(self) -> date: ...
    @property
    def transferred_in(self) -> date | None: ...
    @property
    def withdrawn_date(self) -> date | None: ...
    @property
    def draft_served(self) -> date | None: ...
    @property
    def final_issued(self) -> date | None: ...


def _ended_on(case: CaseDays) -> date | None:
    """The day the case stopped being live here: ceased, refused, not issued, or withdrawn."""
    days = [d for d in (closed_on(case), case.withdrawn_date) if d is not None]
    return min(days, default=None)


def open_on(case: CaseDays, on: date) -> bool:
    """Whether the case was live on `on`: begun here by then (a request received, or a plan
    transferred in from another council) and not closed by then. A case recorded as closed
    with no day it closed on counts as closed."""
    begun = max(d for d in (case.request_received, case.transferred_in) if d is not None)
    if begun > on:
        return False
    ended = _ended_on(case)
    if ended is None:
        return case.is_open
    return ended > on


_OPEN_ORDER = ("request_received", "assessment", "draft_issued", "plan_issued")
# Where a case that closed after the day stood before it closed.
_BEFORE_CLOSING = {
    "ceased": "plan_issued",
    "refused_to_assess": "request_received",
    "not_issued": "assessment",
}


def _entered(case: CaseDays, stage: str) -> date | None:
    if stage == "plan_issued":
        return case.final_issued or case.transferred_in
    if stage == "draft_issued":
        return case.draft_served
    if stage == "assessment":
        return case.assess_decision_date if case.assess_decision == "agreed" else None
    return None


def stage_on(case: CaseDays, on: date) -> str:
    """The stage an open case was at on `on`: its stage now, stepped back past every stage
    its recorded dates say it reached after that day (a stage with no date recorded, as in
    an old import, is taken as reached)."""
    stage = _BEFORE_CLOSING.get(case.stage, case.stage)
    if stage not in _OPEN_ORDER:
        return stage
    index = _OPEN_ORDER.index(stage)
    for step in range(index, 0, -1):
        day = _entered(case, _OPEN_ORDER[step])
        if day is not None and day > on:
            index = step - 1
    return _OPEN_ORDER[index]


def age_on(dob: date, on: date) -> int:
    """Age in whole years on `on`."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# --------------------------------------------------------------------------- rows
@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """The main placement on the day."""

    kind: str
    type: str  # placement_type's words
    establishment: str  # its name, or the setting typed in
    urn: int | None
    laestab: str
    out_of_area: bool
    starts: date
    ends: date | None
    provision: str | None
    attendance: str | None
    residential: bool


@dataclass(frozen=True, slots=True)
class InspectionChild:
    child_id: int
    case_id: int
    first_name: str
    last_name: str
    date_of_birth: date
    age: int
    year_group: str
    upn: str | None
    nhs_number: str | None
    uln: str | None
    sex: str | None
    ethnicity: str | None
    postcode: str | None
    primary_need: str  # labels ("" when not recorded)
    secondary_need: str
    stage: str  # code, as on the day
    stage_label: str
    request_received: date
    final_plan_issued: date | None
    last_annual_review: date | None
    caseworker: str
    recorded_setting: str
    placement: PlacementFacts | None

    @property
    def placement_type(self) -> str:
        return NO_PLACEMENT if self.placement is None else self.placement.type

    @property
    def out_of_area(self) -> bool:
        return self.placement is not None and self.placement.out_of_area


def _iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def _placed(get: Callable[[PlacementFacts], object]) -> Callable[[InspectionChild], object]:
    """A placement's cell: blank for a child with no placement on the day."""
    return lambda c: "" if c.placement is None else get(c.placement)


_PROVISION_WORDS = {"mainstream": "Mainstream", "sen_unit": "SEN unit", "resourced": "Resourced"}
_ATTENDANCE_WORDS = {"full_time": "Full-time", "part_time": "Part-time"}

# Each column's cell: what the code list's keys mean.
CELLS: dict[str, Callable[[InspectionChild], object]] = {
    "child_id": lambda c: c.child_id,
    "case_id": lambda c: c.case_id,
    "upn": lambda c: c.upn or "",
    "nhs_number": lambda c: c.nhs_number or "",
    "uln": lambda c: c.uln or "",
    "first_name": lambda c: c.first_name,
    "last_name": lambda c: c.last_name,
    "date_of_birth": lambda c: _iso(c.date_of_birth),
    "age": lambda c: c.age,
    "year_group": lambda c: c.year_group,
    "sex": lambda c: c.sex or "",
    "ethnicity": lambda c: c.ethnicity or "",
    "postcode": lambda c: c.postcode or "",
    "primary_need": lambda c: c.primary_need,
    "secondary_need": lambda c: c.secondary_need,
    "stage": lambda c: c.stage_label,
    "request_received": lambda c: _iso(c.request_received),
    "final_plan_issued": lambda c: _iso(c.final_plan_issued),
    "last_annual_review": lambda c: _iso(c.last_annual_review),
    "caseworker": lambda c: c.caseworker,
    "recorded_setting": lambda c: c.recorded_setting,
    "placement_type": lambda c: c.placement_type,
    "establishment": _placed(lambda p: p.establishment),
    "urn": _placed(lambda p: "" if p.urn is None else p.urn),
    "laestab": _placed(lambda p: p.laestab),
    "out_of_area": _placed(lambda p: _yn(p.out_of_area)),
    "placement_start": _placed(lambda p: _iso(p.starts)),
    "placement_end": _placed(lambda p: _iso(p.ends)),
    "provision": _placed(lambda p: _PROVISION_WORDS.get(p.provision or "", p.provision or "")),
    "attendance": _placed(lambda p: _ATTENDANCE_WORDS.get(p.attendance or "", p.attendance or "")),
    "residential": _placed(lambda p: _yn(p.residential)),
}


def sort_key(child: InspectionChild) -> tuple:
    """By placement type (in PLACEMENT_TYPES' order), then by name."""
    return (
        PLACEMENT_TYPES.index(child.placement_type),
        child.last_name.casefold(),
        child.first_name.casefold(),
        child.child_id,
    )


# --------------------------------------------------------------------------- columns
@dataclass(frozen=True, slots=True)
class InspectionColumn:
    key: str
    label: str
    default: bool  # ticked unless the person chooses otherwise
    description: str


def parse_columns(text: str, source: str) -> tuple[InspectionColumn, ...]:
    """The `key,label,default,description` list; every key must be one caseload can fill."""
    columns: list[InspectionColumn] = []
    seen: dict[str, int] = {}
    for line, row in codes.read_rows(text, source, ("key", "label", "default")):
        key = row["key"]
        if key not in CELLS:
            raise CodeListError(
                f"{source} line {line}: caseload has no column '{key}' (it has: {', '.join(CELLS)})"
            )
        if key in seen:
            raise CodeListError(f"{source} line {line}: '{key}' is already on line {seen[key]}")
        if row["default"] not in ("0", "1"):
            raise CodeListError(
                f"{source} line {line}: 'default' must be 1 or 0, not '{row['default']}'"
            )
        seen[key] = line
        description = row.get("description", "")
        columns.append(InspectionColumn(key, row["label"], row["default"] == "1", description))
    return tuple(columns)


@cache
def inspection_columns() -> tuple[InspectionColumn, ...]:
    """The shipped list of columns (resources/codes/inspection_columns.csv), in file order."""
    return parse_columns(
        codes.shipped_text(COLUMNS_FILE, parsed_by=inspection_columns), COLUMNS_FILE
    )


def default_columns() -> tuple[InspectionColumn, ...]:
    return tuple(c for c in inspection_columns() if c.default)


def choose_columns(keys: Iterable[str] | None) -> tuple[InspectionColumn, ...]:
    """The columns asked for by key, in the order asked (each once); None: the defaults.
    An unknown key is refused, naming the known ones."""
    if keys is None:
        return default_columns()
    by_key = {c.key: c for c in inspection_columns()}
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    unknown = [k for k in wanted if k not in by_key]
    if unknown:
        raise ValidationError(
            f"No column called {', '.join(repr(k) for k in unknown)} in the inspection list. "
            f"The columns are: {', '.join(by_key)}."
        )
    if not wanted:
        raise ValidationError("Choose at least one column for the inspection list.")
    return tuple(by_key[k] for k in wanted)


def cells(child: InspectionChild, columns: Sequence[InspectionColumn]) -> list[object]:
    return [CELLS[c.key](child) for c in columns]


# --------------------------------------------------------------------------- the whole list
@dataclass(frozen=True)
class InspectionList:
    on: date
    columns: tuple[InspectionColumn, ...]
    children: tuple[InspectionChild, ...]  # sorted by placement type, then name
    council: str = ""

    def header(self) -> list[str]:
        return [c.key for c in self.columns]

    def rows(self) -> list[list[object]]:
        return [cells(child, self.columns) for child in self.children]


@dataclass(frozen=True)
class InspectionSummary:
    total: int
    out_of_area: int
    # (placement type, children, of whom out of area), in PLACEMENT_TYPES' order; only types
    # with children.
    by_placement: tuple[tuple[str, int, int], ...]
    by_stage: tuple[tuple[str, int], ...]  # (stage label, children), in the stages' order
    by_need: tuple[tuple[str, int], ...]  # (primary need, children), in SEN2's order


NOT_RECORDED = "Not recorded"


def summarise(children: Sequence[InspectionChild]) -> InspectionSummary:
    placed = Counter(c.placement_type for c in children)
    away = Counter(c.placement_type for c in children if c.out_of_area)
    by_placement = tuple((t, placed[t], away[t]) for t in PLACEMENT_TYPES if placed[t])
    stage_order = [s.code for s in codes.stages()]
    stages = Counter((c.stage, c.stage_label) for c in children)
    by_stage = tuple(
        (label, n)
        for (_code, label), n in sorted(
            stages.items(),
            key=lambda item: (_position(stage_order, item[0][0]), item[0][1]),
        )
    )
    need_order = [n.label for n in codes.primary_needs()]
    needs = Counter(c.primary_need or NOT_RECORDED for c in children)
    by_need = tuple(
        sorted(needs.items(), key=lambda item: (_need_position(need_order, item[0]), item[0]))
    )
    return InspectionSummary(
        total=len(children),
        out_of_area=sum(away.values()),
        by_placement=by_placement,
        by_stage=by_stage,
        by_need=by_need,
    )


def _position(order: list[str], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _need_position(order: list[str], label: str) -> int:
    if label == NOT_RECORDED:
        return len(order) + 1  # last, after any need not on SEN2's list
    return _position(order, label)
