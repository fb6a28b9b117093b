"""Keeps a case's stored next step in step with its dates (computed by domain.status only)."""

from __future__ import annotations

from datetime import date

from caseload_app.db.models import Child, EhcpCase
from caseload_app.domain.status import CaseDates, next_step


def case_dates(case: EhcpCase, child: Child | None = None) -> CaseDates:
    child = child or case.child
    return CaseDates(
        request_received=case.request_received,
        stage=case.stage,
        assess_decision_date=case.assess_decision_date,
        issue_decision_date=case.issue_decision_date,
        draft_served=case.draft_served,
        final_issued=case.final_issued,
        last_review=case.last_review,
        exception_applies=case.exception_applies,
        child_dob=child.date_of_birth if child is not None else None,
    )


def step_fields(dates: CaseDates) -> tuple[str | None, date | None]:
    """The (next_step, next_due) column values for a case with these dates."""
    step = next_step(dates)
    return (step.key, step.due) if step else (None, None)


def refresh_next_step(case: EhcpCase, child: Child | None = None) -> None:
    case.next_step, case.next_due = step_fields(case_dates(case, child))
