"""A case's stored next step, in step with its dates: the one place that keeps it so.

`next_step` and `next_due` are stored (the case list sorts and filters 50,000 cases on them)
but are only ever worked out by `domain.status.next_step` from the case's own dates. Before
every flush of any session, each new case and each case whose dates or stage
changed gets them afresh (`_keep_next_steps`), so no service action has to remember to.
Bulk inserts, which bypass the ORM, fill them with `set_step_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import cast

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from caseload_app.db.models import Child, EhcpCase
from caseload_app.domain.exceptions import parse_limits
from caseload_app.domain.status import CaseDates, next_step

# The ehcp_case columns that domain.status reads.
_DATE_COLUMNS = (
    "assess_decision_date",
    "issue_decision_date",
    "draft_served",
    "comments_received",
    "final_issued",
    "last_review",
    "cease_proposed",
    "cease_family_consulted",
    "cease_school_consulted",
    "transferred_in",
    "transfer_last_review",
    "transfer_family_told",
    "moved_out",
    "move_aware",
    "plan_sent",
    "withdrawn_date",
)


def dates_from_columns(values: Mapping[str, object], child_dob: date | None) -> CaseDates:
    """CaseDates from ehcp_case column values (a bulk-insert row); absent columns are None."""
    dates = {name: cast("date | None", values.get(name)) for name in _DATE_COLUMNS}
    return CaseDates(
        request_received=cast(date, values["request_received"]),
        stage=cast(str, values["stage"]),
        exception_limits=parse_limits(cast("str | None", values.get("exception_limits"))),
        issue_decision=cast("str | None", values.get("issue_decision")),
        child_dob=child_dob,
        **dates,
    )


def case_dates(case: EhcpCase, child: Child | None = None) -> CaseDates:
    child = child or case.child
    return _own_dates(case, child.date_of_birth if child is not None else None)


def _own_dates(case: EhcpCase, child_dob: date | None) -> CaseDates:
    columns = {name: getattr(case, name) for name in ("request_received", "stage", *_DATE_COLUMNS)}
    columns["exception_limits"] = case.exception_limits
    columns["issue_decision"] = case.issue_decision
    return dates_from_columns(columns, child_dob)


def step_fields(dates: CaseDates) -> tuple[str | None, date | None]:
    """The (next_step, next_due) column values for a case with these dates."""
    step = next_step(dates)
    return (step.key, step.due) if step else (None, None)


def set_step_columns(values: dict[str, object], child_dob: date | None) -> None:
    """Fill next_step / next_due in a bulk-insert row from its own dates."""
    values["next_step"], values["next_due"] = step_fields(dates_from_columns(values, child_dob))


def refresh_next_step(case: EhcpCase) -> None:
    """The step depends on the case's own columns only (the child's age changes the
    under-5 note, which is worked out when read, never stored): the child is not loaded."""
    case.next_step, case.next_due = step_fields(_own_dates(case, None))


@event.listens_for(Session, "before_flush")
def _keep_next_steps(session: Session, _context, _instances) -> None:
    cases = {obj for obj in session.new if isinstance(obj, EhcpCase)}
    cases.update(
        obj
        for obj in session.dirty
        if isinstance(obj, EhcpCase) and _changed(obj, _STEP_COLUMNS)  # not a reassignment
    )
    for case in cases:
        if case not in session.deleted:
            refresh_next_step(case)


# Every column domain.status reads: a change to any of them may move the next step.
_STEP_COLUMNS = ("request_received", "stage", *_DATE_COLUMNS)


def _changed(obj: object, columns: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in columns)
