"""Errors a caseworker can act on, as opposed to bugs (which get a crash dialog and a log)."""

from __future__ import annotations


class UserError(Exception):
    """Something the person can put right; the message says how."""


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    """The person's role does not allow this action."""


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
