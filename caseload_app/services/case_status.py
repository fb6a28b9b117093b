"""Keeps a case's stored next step in step with its dates (computed by domain.status only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from caseload_app.db.models import Child, EhcpCase
from caseload_app.domain.status import CaseDates, next_step

# The ehcp_case columns that domain.status reads.
_DATE_COLUMNS = (
    "assess_decision_date",
    "issue_decision_date",
    "draft_served",
    "comments_received",
    "final_issued",
    "last_review",
)


def dates_from_columns(values: Mapping[str, object], child_dob: date | None) -> CaseDates:
    """CaseDates from ehcp_case column values (a bulk-insert row); absent columns are None."""
    return CaseDates(
        request_received=values["request_received"],
        stage=values["stage"],
        exception_applies=bool(values.get("exception_applies", False)),
        child_dob=child_dob,
        **{name: values.get(name) for name in _DATE_COLUMNS},
    )


def case_dates(case: EhcpCase, child: Child | None = None) -> CaseDates:
    child = child or case.child
    columns = {name: getattr(case, name) for name in ("request_received", "stage", *_DATE_COLUMNS)}
    columns["exception_applies"] = case.exception_applies
    return dates_from_columns(columns, child.date_of_birth if child is not None else None)


def step_fields(dates: CaseDates) -> tuple[str | None, date | None]:
    """The (next_step, next_due) column values for a case with these dates."""
    step = next_step(dates)
    return (step.key, step.due) if step else (None, None)


def set_step_columns(values: dict[str, object], child_dob: date | None) -> None:
    """Fill next_step / next_due in a bulk-insert row from its own dates."""
    values["next_step"], values["next_due"] = step_fields(dates_from_columns(values, child_dob))


def refresh_next_step(case: EhcpCase, child: Child | None = None) -> None:
    case.next_step, case.next_due = step_fields(case_dates(case, child))
