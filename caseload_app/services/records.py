"""Saving edits to a record: version check, field validation, audit of old → new.

Shared by every service that edits a row, so a stale save is refused the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from caseload_app.db import pg_security
from caseload_app.db.models import AuditEntry, Submission
from caseload_app.domain.audit_actions import check_action
from caseload_app.domain.text import check_line, check_lines, check_name
from caseload_app.services.errors import ConflictError, FieldErrors, NotFound


def load(session: Session, model, record_id: int, what: str):
    """The row, locked until the end of a write transaction (SELECT … FOR UPDATE).

    On PostgreSQL two people's saves of the same row then queue here, and the second sees
    the first's version (and is refused with who changed what) instead of overwriting it or
    losing an increment; SQLite's writers already queue at BEGIN IMMEDIATE.
    """
    write = not session.get_bind().get_execution_options().get("readonly")
    row = _locked(session, model, record_id) if write else None
    if row is None:
        # A row this person may read but not change cannot be locked on a team database
        # (no UPDATE privilege, or row-level security): load it plainly, and the service's
        # own check then says why not.
        row = session.get(model, record_id)
    if row is None:
        raise NotFound(f"That {what} no longer exists (it may have been deleted).")
    return row


def _locked(session: Session, model, record_id: int):
    if session.get_bind().dialect.name != "postgresql":
        return session.get(model, record_id)  # SQLite: the writer holds the whole file
    try:
        with session.begin_nested():  # a refused lock must not abort the transaction
            return session.get(model, record_id, with_for_update=True, populate_existing=True)
    except ProgrammingError:
        return None


def show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def check_version(session: Session, row, expected: int, what: str) -> None:
    """Refuse a save made from a form opened before someone else's save. `row` comes from
    `load`, which locked it: its version is the latest committed one."""
    if row.version == expected:
        return
    last = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.record_type == row.__tablename__,
            AuditEntry.record_id == row.id,
            AuditEntry.action != "view",  # name the change, not someone's look at it
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    at = row.updated_at.strftime("%d %b %Y %H:%M") if row.updated_at else None
    raise ConflictError(what, row.updated_by, at, last.detail if last else "")


def validate(
    changes: Mapping[str, object], checks: Mapping[str, Callable[[object], object]]
) -> dict[str, object]:
    """Run each field's check; collect every failure so the form can mark each field."""
    clean: dict[str, object] = {}
    errors: dict[str, str] = {}
    for field, value in changes.items():
        if field not in checks:
            raise ValueError(f"{field} cannot be edited here")  # a bug, not user input
        try:
            clean[field] = checks[field](value)
        except ValueError as exc:  # ValidationError is a ValueError
            errors[field] = str(exc)
    if errors:
        raise FieldErrors(errors)
    return clean


def apply(
    session: Session,
    row,
    changes: Mapping[str, object],
    *,
    user: str,
    now: datetime,
    case_id: int | None,
) -> list[str]:
    """Set the changed fields, stamp who/when, and audit old → new. Returns what changed."""
    diffs = []
    for field, value in changes.items():
        old = getattr(row, field)
        if old != value:
            diffs.append(f"{field}: {show(old)} → {show(value)}")
            setattr(row, field, value)
    if diffs:
        row.updated_by = user
        row.updated_at = now
        audit(session, user, now, "update", row, case_id, "; ".join(diffs))
    return diffs


@dataclass
class Named:
    """Names a record for the audit trail when the row itself is not in the session (or,
    like a setting, has no integer id)."""

    __tablename__: str
    id: int | None


def audit(
    session: Session,
    user: str,
    now: datetime,
    action: str,
    row,
    case_id: int | None,
    detail: str,
) -> None:
    if row.id is None:
        session.flush()  # a new row needs its id before the audit can name it
    write_audit(
        session,
        at=now,
        who=user,
        action=action,
        record_type=row.__tablename__,
        record_id=row.id,
        case_id=case_id,
        detail=detail,
    )


def write_audit(
    session: Session,
    *,
    at: datetime,
    who: str,
    action: str,
    record_type: str,
    record_id: int | None = None,
    case_id: int | None = None,
    detail: str | None = None,
) -> None:
    """One audit entry, in the session's transaction. On a team database through the
    server's checked function (people cannot insert into the trail directly), after the
    changes made so far, so the entry follows the rows it describes."""
    check_action(action)
    entry: dict[str, Any] = dict(
        at=at,
        who=who,
        action=action,
        record_type=record_type,
        record_id=record_id,
        case_id=case_id,
        detail=detail,
    )
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        pg_security.write_audit(session.connection(), **entry)
    else:
        session.add(AuditEntry(**entry))


def add_entry(session: Session, entry: AuditEntry) -> None:
    """`write_audit` for an entry made ready beforehand (an export's, say)."""
    write_audit(
        session,
        at=entry.at,
        who=entry.who,
        action=entry.action,
        record_type=entry.record_type,
        record_id=entry.record_id,
        case_id=entry.case_id,
        detail=entry.detail,
    )


def create(
    session: Session,
    row,
    *,
    user: str,
    now: datetime,
    case_id: int | None,
    detail: str,
    token: str | None = None,
) -> int:
    """Add a new record, audit its creation and note the form that saved it (so a second Save
    of the same form finds it): every "add a …" action ends here. Returns the new id."""
    session.add(row)
    audit(session, user, now, "create", row, case_id, detail)
    remember(session, token, row, user=user, now=now)
    return row.id


def submitted(session: Session, token: str | None) -> int | None:
    """The record a form with this token already saved, if it did (a second Save)."""
    if not token:
        return None
    return session.scalar(select(Submission.record_id).where(Submission.token == token))


def remember(session: Session, token: str | None, row, *, user: str, now: datetime) -> None:
    """Note, in the same transaction as the save, that this form has been saved."""
    if token:
        if row.id is None:
            session.flush()
        session.add(
            Submission(
                token=token, record_type=row.__tablename__, record_id=row.id, at=now, who=user
            )
        )


def optional(check: Callable[[str], object]) -> Callable[[object], object]:
    """A check for an optional text field: blank means 'not known' (None)."""

    def run(value: object) -> object:
        text = "" if value is None else str(value).strip()
        return check(text) if text else None

    return run


def required_text(label: str, limit: int) -> Callable[[object], str]:
    """One line that must be filled in, cleaned (domain.text.clean_line) and limited."""

    def run(value: object) -> str:
        return check_line(label, "" if value is None else str(value), limit, required=True)

    return run


def plain_text(limit: int, label: str = "This") -> Callable[[object], str]:
    """One optional line, cleaned and limited."""

    def run(value: object) -> str:
        return check_line(label, "" if value is None else str(value), limit)

    return run


def text_lines(limit: int, label: str = "This") -> Callable[[object], str]:
    """Optional text of several lines (an address, an outcome), cleaned and limited."""

    def run(value: object) -> str:
        return check_lines(label, "" if value is None else str(value), limit)

    return run


def name(label: str, limit: int) -> Callable[[object], str]:
    """A person's name (domain.text.check_name)."""

    def run(value: object) -> str:
        return check_name(label, "" if value is None else str(value), limit)

    return run
