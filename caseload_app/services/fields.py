"""Checks for the fields people type into forms, shared by every service that saves them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from caseload_app.db.engine import RefusedValue
from caseload_app.db.models import Child
from caseload_app.domain import codes
from caseload_app.domain.text import child_search_text, limit_of
from caseload_app.domain.validators import (
    ValidationError,
    check_date_of_birth,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    normalise_upn,
)
from caseload_app.services import records
from caseload_app.services.errors import FieldErrors


def child_checks(today: date) -> dict[str, Callable[[object], object]]:
    def dob(value: object) -> date:
        if not isinstance(value, date):
            raise ValidationError("Date of birth is needed")
        return check_date_of_birth(value, today)

    def need(value: object) -> str | None:
        text = "" if value is None else str(value).strip()
        return codes.code_for(codes.primary_needs(), text) if text else None

    return {
        "first_name": records.name("First name", limit_of("child.first_name")),
        "last_name": records.name("Last name", limit_of("child.last_name")),
        "date_of_birth": dob,
        "upn": records.optional(normalise_upn),
        "nhs_number": records.optional(normalise_nhs_number),
        "setting": records.plain_text(limit_of("child.setting"), "Setting"),
        "year_group": records.plain_text(limit_of("child.year_group"), "Year group"),
        "primary_need": need,
        "secondary_need": need,
    }


def _contact_checks() -> dict[str, Callable[[object], object]]:
    def channel(value: object) -> str | None:
        text = "" if value is None else str(value).strip()
        return codes.code_for(codes.channels(), text) if text else None

    return {
        "phone": records.optional(normalise_uk_phone),
        "email": records.optional(normalise_email),
        "preferred_channel": channel,
        "language": records.plain_text(limit_of("family.language"), "Language"),
        "interpreter_needed": bool,
    }


FAMILY_CHECKS = {
    "parent_carer_name": records.required_text(
        "Parent/carer name", limit_of("family.parent_carer_name")
    ),
    "address": records.text_lines(limit_of("family.address"), "Address"),
    "postcode": records.optional(normalise_postcode),
    **_contact_checks(),
}
CONTACT_CHECKS = {
    "name": records.required_text("Name", limit_of("contact.name")),
    "relation": records.plain_text(limit_of("contact.relation"), "Relation"),
    **_contact_checks(),
}


def refresh_search_text(child: Child) -> None:
    family = child.family
    child.search_text = child_search_text(
        child.first_name,
        child.last_name,
        family.parent_carer_name,
        child.upn,
        child.nhs_number,
        family.postcode,
        family.phone,
    )


@contextmanager
def refusals_beside_fields(table: str, fields: Iterable[str]) -> Iterator[None]:
    """A value the database refused (a child's UPN already recorded, a name too long) is
    shown beside its field, like the form's own checks, when the form has that field."""
    shown = {f"{table}.{field}": field for field in fields}
    try:
        yield
    except RefusedValue as exc:
        field = shown.get(exc.column or "")
        if field is None:
            raise
        raise FieldErrors({field: exc.reason}) from None
