"""Errors a caseworker can act on, as opposed to bugs (which get a crash dialog and a log)."""

from __future__ import annotations

# Storage failures a person can act on (a full disk, a database another program holds, a
# damaged or unusable backup) come from the database layer; the services name them here so
# the window, which never imports that layer, can tell them from bugs.
from caseload_app.db.engine import DatabaseError, StorageError
from caseload_app.domain.validators import ValidationError


class UserError(Exception):
    """Something the person can put right; the message says how."""


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    """The person's role does not allow this action."""


class Stopped(UserError):
    """The person stopped a long action part-way (a bundle being made): nothing was made."""


RESTORE_STOPPED = "Stopped: nothing was restored, and nothing was changed."


class FieldErrors(UserError):
    """Form input that failed validation: one message per field, shown beside the field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class ConflictError(UserError):
    """A stale save: someone saved this record after the form was opened."""

    def __init__(self, record: str, by: str | None, at: str | None, what: str) -> None:
        self.by, self.at, self.what = by, at, what
        who = by or "someone else"
        when = f" at {at}" if at else ""
        changed = f" ({what})" if what else ""
        super().__init__(
            f"Not saved: {who} changed this {record}{when}{changed} after you opened it. "
            "Reload to see their change; your typing is still in the form."
        )


# Everything a person can act on: shown as a message, never as a crash.
ACTIONABLE = (UserError, ValidationError, DatabaseError)

__all__ = [
    "ACTIONABLE",
    "ConflictError",
    "DatabaseError",
    "FieldErrors",
    "NotFound",
    "PermissionDenied",
    "StorageError",
    "Stopped",
    "UserError",
]
