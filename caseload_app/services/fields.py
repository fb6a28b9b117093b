"""Checks for the fields people type into forms, shared by every service that saves them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from caseload_app.db.engine import RefusedValue
from caseload_app.db.models import Child
from caseload_app.domain import codes
from caseload_app.domain.text import child_keys, limit_of
from caseload_app.domain.validators import (
    ValidationError,
    check_date_of_birth,
    normalise_email,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uk_phone,
    normalise_uln,
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

    def coded(code_list: Callable[[], tuple[codes.Code, ...]]) -> Callable[[object], object]:
        def run(value: object) -> str | None:
            text = "" if value is None else str(value).strip()
            return codes.code_for(code_list(), text) if text else None

        return run

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
        "further_needs": further_needs,
        "sex": coded(codes.sen2_sexes),
        "ethnicity": coded(codes.sen2_ethnicities),
        "uln": records.optional(normalise_uln),
        "upn_unknown": coded(codes.sen2_upn_unknown_reasons),
    }


# The child's fields child_together reads.
TOGETHER_FIELDS = ("primary_need", "secondary_need", "further_needs", "upn", "uln", "upn_unknown")
MAX_FURTHER_NEEDS = 8  # all fit child.further_needs (40 characters); SEN2 itself takes two


def further_needs(value: object) -> str:
    """Needs ranked after the secondary (SEN2's SENtypeRank 3, 4…): codes (or a list of
    them) in rank order, separated by spaces or commas; stored space-separated, "" for none."""
    if isinstance(value, str) or value is None:
        words = (value or "").replace(",", " ").split()
    elif isinstance(value, (list, tuple)):
        words = [str(w) for w in value]
    else:
        raise ValidationError("Further needs are need codes separated by spaces, e.g. SLCN ASD")
    found: list[str] = []
    for word in words:
        code = codes.code_for(codes.primary_needs(), word)
        if code in found:
            raise ValidationError(f"{code} is listed twice.")
        found.append(code)
    if len(found) > MAX_FURTHER_NEEDS:
        raise ValidationError(
            f"At most {MAX_FURTHER_NEEDS} further needs: keep the most significant ones."
        )
    return " ".join(found)


def child_together(changed: Iterable[str], merged: dict[str, object]) -> dict[str, str]:
    """What is wrong with the child's fields taken together (the saved values with the
    changes over them): further needs come after the primary and secondary and repeat
    neither; a reason for an unknown UPN only for a child with no UPN or ULN. Each message
    goes beside the changed field it concerns; a problem no change touches is left alone."""
    changed = set(changed)
    problems: dict[str, str] = {}
    message = _further_needs_problem(merged)
    if message:
        _beside(problems, changed, ("further_needs", "primary_need", "secondary_need"), message)
    for identifier, name in (("upn", "UPN"), ("uln", "ULN")):
        if merged.get("upn_unknown") and merged.get(identifier):
            message = (
                f"The child has a {name}, so no reason for an unknown UPN is needed: "
                f"clear the reason or the {name}."
            )
            _beside(problems, changed, ("upn_unknown", identifier), message)
    return problems


def _further_needs_problem(merged: dict[str, object]) -> str | None:
    further = str(merged.get("further_needs") or "").split()
    if not further:
        return None
    primary, secondary = merged.get("primary_need"), merged.get("secondary_need")
    for code in further:
        if code == primary:
            return f"{code} is already the primary need."
        if code == secondary:
            return f"{code} is already the secondary need."
    if not secondary:
        return "Further needs come after the secondary need: record that first."
    return None


def _beside(problems: dict[str, str], changed: set[str], fields: tuple[str, ...], message: str):
    """The message beside the first of these fields that was changed (none: not shown)."""
    field = next((f for f in fields if f in changed), None)
    if field is not None:
        problems.setdefault(field, message)


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


def search_keys_of(child: Child) -> dict[str, str]:
    """The search and sort keys the child's names and its family's details make."""
    family = child.family
    return child_keys(
        child.first_name,
        child.last_name,
        family.parent_carer_name,
        child.upn,
        child.nhs_number,
        family.postcode,
        family.phone,
    )


def refresh_search_keys(child: Child) -> None:
    """The child's stored search and sort keys, after its or its family's details changed."""
    for column, key in search_keys_of(child).items():
        setattr(child, column, key)


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
