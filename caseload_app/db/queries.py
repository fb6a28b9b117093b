"""Query pieces shared by the services that list cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select

from caseload_app.db.models import Caseworker, Child, EhcpCase, Family


def join_child_family_worker(query: Select) -> Select:
    """A select from ehcp_case joined to its child, the child's family and the caseworker."""
    return (
        query.join(Child, EhcpCase.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .outerjoin(Caseworker, EhcpCase.caseworker_id == Caseworker.id)
    )


def as_date(value: date | datetime | str | None) -> date | None:
    """The date of a max()/min() over a DATE or DATETIME column, which SQLite returns as
    text and PostgreSQL as a date or datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value
