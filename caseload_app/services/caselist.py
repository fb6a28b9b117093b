"""The case list: every case with its next step and last contact, in one query.

At 50,000 cases every microsecond per row counts: the database works out each family's
last contact (one index seek per family), rows come through Core (no ORM bookkeeping) and
are built positionally as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from caseload_app.db.engine import Database
from caseload_app.db.models import Caseworker, Child, Communication, EhcpCase, Family
from caseload_app.db.queries import as_date, join_child_family_worker
from caseload_app.domain import codes
from caseload_app.domain.exceptions import parse_limits
from caseload_app.domain.status import Rag, rag_for_step, step_label
from caseload_app.domain.text import matches as search_finds


class CaseRow(NamedTuple):
    """One case in the list. A NamedTuple: immutable like a frozen dataclass, and about six
    times faster to build (50,000 are built at each refresh)."""

    case_id: int
    child_id: int
    family_id: int
    child_name: str
    date_of_birth: date
    upn: str | None
    nhs_number: str | None
    postcode: str | None
    family_name: str
    setting: str | None
    primary_need: str | None
    stage: str
    stage_label: str
    is_open: bool
    next_step: str | None
    next_step_label: str
    next_due: date | None
    days_left: int | None
    rag: Rag
    exception_limits: str  # the time limits its exceptions cover, as stored ("" for none)
    caseworker_id: int | None
    caseworker: str
    last_contact: date | None
    days_since_contact: int | None
    search_text: str
    child_last_name: str  # the list sorts children by surname


@dataclass(frozen=True)
class CaseList:
    today: date
    rows: list[CaseRow]


class CaseListService:
    def __init__(self, db: Database, today: Callable[[], date] = date.today) -> None:
        self._db = db
        self._today = today

    def list_cases(self) -> CaseList:
        return self._load(_LIST_QUERY)

    def rows_of(self, case_ids: Collection[int]) -> list[CaseRow]:
        """Exactly these cases' rows (a page of the list), in the list's order."""
        return self._load(_LIST_QUERY.where(EhcpCase.id.in_(list(case_ids)))).rows

    def rows_for(self, case_ids: Collection[int]) -> CaseList:
        """The rows of these cases and of every other case of their families, as
        `list_cases` would give them: a contact logged for one child is the last contact of
        the siblings' cases too. A case no longer there (moved to the trash) has no row."""
        return self._load(_families_of(case_ids))

    def _load(self, query) -> CaseList:
        today = self._today()
        with self._db.read() as session:
            raw = session.connection().execute(query).all()
        return CaseList(today=today, rows=_rows(raw, today))


def rows_for_in(session: Session, case_ids: Collection[int], today: date) -> list[CaseRow]:
    """`CaseListService.rows_for`, read in a session of the caller's (the list's order read
    in the same transaction: these rows are of the same moment)."""
    return _rows(session.connection().execute(_families_of(case_ids)).all(), today)


def _families_of(case_ids: Collection[int]) -> Select:
    families = (
        select(Child.family_id)
        .join(EhcpCase, EhcpCase.child_id == Child.id)
        .where(EhcpCase.id.in_(list(case_ids)))
    )
    return _LIST_QUERY.where(Family.id.in_(families))


def _rows(raw, today: date) -> list[CaseRow]:
    stage_labels = {c.code: c.label for c in codes.stages()}
    steps = _StepCells(today)
    return [_row(r, today, stage_labels, steps) for r in raw]


class _StepCells(dict):
    """(step, due, open, exception) -> (step label, days left, RAG), each worked out once:
    thousands of cases share a step and a due date."""

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def __missing__(self, key: tuple) -> tuple[str, int | None, str]:
        step, due, is_open, exception = key
        today = self.today
        cells = (
            step_label(step) if step else "",
            (due - today).days if due else None,
            rag_for_step(
                step, due, today, is_open=is_open, exception_limits=parse_limits(exception)
            ),
        )
        self[key] = cells
        return cells


NO_CONTACT_DAYS = 14  # a family not heard from for this long: the "no contact" filter
UNALLOCATED = "Unallocated"  # how the list names a case with no caseworker
RAG_RANK = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.GREY: 3, Rag.NONE: 4}  # RAG's order


# Each family's latest contact: with the (family_id, occurred_at) index, one seek per row.
_LAST_CONTACT = (
    select(func.max(Communication.occurred_at))
    .where(Communication.family_id == Family.id)
    .correlate(Family)
    .scalar_subquery()
)
_LIST_QUERY = join_child_family_worker(
    select(
        EhcpCase.id,
        Child.id,
        Family.id,
        Child.first_name,
        Child.last_name,
        Child.date_of_birth,
        Child.upn,
        Child.nhs_number,
        Family.postcode,
        Family.parent_carer_name,
        Child.setting,
        Child.primary_need,
        EhcpCase.stage,
        EhcpCase.is_open,
        EhcpCase.next_step,
        EhcpCase.next_due,
        EhcpCase.exception_limits,
        Caseworker.id,
        Caseworker.name,
        _LAST_CONTACT,
        Child.search_text,
    )
).order_by(EhcpCase.next_due.is_(None), EhcpCase.next_due, EhcpCase.id)


def _row(r, today: date, stage_labels: dict[str, str], steps: _StepCells) -> CaseRow:
    (
        case_id,
        child_id,
        family_id,
        first,
        last,
        dob,
        upn,
        nhs,
        postcode,
        family_name,
        setting,
        need,
        stage,
        is_open,
        step,
        due,
        exception,
        cw_id,
        cw_name,
        contact_at,
        search,
    ) = r
    contact = as_date(contact_at)
    label, days_left, rag = steps[step, due, is_open, exception]
    return CaseRow(  # positional, in the field order above: the fastest way to build
        case_id,
        child_id,
        family_id,
        f"{first} {last}",
        dob,
        upn,
        nhs,
        postcode,
        family_name,
        setting,
        need,
        stage,
        stage_labels.get(stage, stage),
        is_open,
        step,
        label,
        due,
        days_left,
        rag,
        exception,
        cw_id,
        cw_name or UNALLOCATED,
        contact,
        (today - contact).days if contact else None,
        search,
        last,
    )


@dataclass(frozen=True)
class CaseFilter:
    """Filters a person picks in the case list; empty fields mean 'any'. Saved views store
    these as a dict (to_dict / from_dict)."""

    caseworker_id: int | None = None
    stage: str | None = None
    rag: str | None = None
    primary_need: str | None = None
    overdue: bool = False
    due_this_week: bool = False
    no_contact_14: bool = False
    open_only: bool = False
    # Next step due between these many days from today (inclusive), e.g. a board week cell.
    due_from_days: int | None = None
    due_to_days: int | None = None
    # Exactly these cases (a board cell's, e.g. its Tribunal steps); () means any.
    case_ids: tuple[int, ...] = ()
    # Only cases whose next step is this one (e.g. "annual_review", for a mail merge).
    next_step: str | None = None

    def matches(self, row: CaseRow) -> bool:
        return (
            (self.caseworker_id is None or row.caseworker_id == self.caseworker_id)
            and (self.stage is None or row.stage == self.stage)
            and (self.rag is None or row.rag == self.rag)
            and (self.primary_need is None or row.primary_need == self.primary_need)
            and (not self.overdue or (row.days_left is not None and row.days_left < 0))
            and (not self.due_this_week or (row.days_left is not None and 0 <= row.days_left <= 7))
            and (not self.no_contact_14 or _no_recent_contact(row))
            and (not self.open_only or row.is_open)
            and (not self.case_ids or row.case_id in self.case_ids)
            and (self.next_step is None or row.next_step == self.next_step)
            and self._due_in_window(row)
        )

    def finds(self, row: CaseRow, query: str) -> bool:
        """Whether the list in this view, searched for `query` (folded, as typed), holds
        the row: the database's rules (services/case_window.py) in Python, for a row read
        beside a page; tests/services/test_case_window.py checks that the two agree."""
        return self.matches(row) and search_finds(query, row.search_text)

    def _due_in_window(self, row: CaseRow) -> bool:
        if self.due_from_days is None and self.due_to_days is None:
            return True
        if row.days_left is None:
            return False
        low = self.due_from_days if self.due_from_days is not None else -(10**9)
        high = self.due_to_days if self.due_to_days is not None else 10**9
        return low <= row.days_left <= high

    def is_empty(self) -> bool:
        return self == CaseFilter()

    def to_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False, ())}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CaseFilter:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})  # type: ignore[arg-type]


def _no_recent_contact(row: CaseRow) -> bool:
    # Open cases only: a closed case needs no contact.
    return row.is_open and (
        row.days_since_contact is None or row.days_since_contact >= NO_CONTACT_DAYS
    )
