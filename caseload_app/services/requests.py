"""A new request for an EHC needs assessment: family, child and case in one step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from caseload_app.db.models import Assignment, Child, EhcpCase, Family, StageEvent
from caseload_app.domain import codes
from caseload_app.domain.access import Can
from caseload_app.domain.text import clean_line, fold
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors, PermissionDenied
from caseload_app.services.fields import (
    CONTACT_CHECKS,
    FAMILY_CHECKS,
    child_checks,
    refresh_search_keys,
    refusals_beside_fields,
)


@dataclass(frozen=True)
class NewRequest:
    first_name: str
    last_name: str
    date_of_birth: date | None
    request_received: date | None
    request_source: str = "parent"
    upn: str = ""
    nhs_number: str = ""
    setting: str = ""
    primary_need: str = ""
    parent_carer_name: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    preferred_channel: str = ""
    language: str = ""
    interpreter_needed: bool = False
    caseworker_id: int | None = None
    family_id: int | None = None  # a sibling's family, to join rather than create


@dataclass(frozen=True)
class PossibleDuplicate:
    child_id: int
    case_id: int | None
    name: str
    date_of_birth: date
    why: str


CHILD_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "upn",
    "nhs_number",
    "setting",
    "primary_need",
)
FAMILY_FIELDS = (
    "parent_carer_name",
    "address",
    "postcode",
    "phone",
    "email",
    "preferred_channel",
    "language",
    "interpreter_needed",
)


class RequestService(UserService):
    def check(self, request: NewRequest) -> dict[str, object]:
        """Validate every field at once; FieldErrors names each field that is wrong."""
        errors: dict[str, str] = {}
        clean: dict[str, object] = {}
        for fields, checks in (
            (CHILD_FIELDS, child_checks(self._today())),
            (FAMILY_FIELDS, FAMILY_CHECKS),
        ):
            for field in fields:
                if request.family_id is not None and field in FAMILY_FIELDS:
                    continue
                if field == "parent_carer_name" and not clean_line(request.parent_carer_name):
                    clean[field] = ""  # may be added later
                    continue
                try:
                    clean.update(records.validate({field: getattr(request, field)}, checks))
                except FieldErrors as exc:
                    errors.update(exc.errors)
        received = request.request_received
        if received is None:
            errors["request_received"] = "The date the request was received is needed"
        elif received > self._today():
            errors["request_received"] = "The request date cannot be in the future"
        elif request.date_of_birth and received < request.date_of_birth:
            errors["request_received"] = "The request date is before the date of birth"
        try:
            clean["request_source"] = codes.code_for(
                codes.request_sources(), request.request_source
            )
        except ValueError as exc:
            errors["request_source"] = str(exc)
        if errors:
            raise FieldErrors(errors)
        return clean

    def possible_duplicates(self, request: NewRequest) -> list[PossibleDuplicate]:
        """Same UPN or NHS number, or the same date of birth and a similar name."""
        clean = {}
        for field in ("upn", "nhs_number"):
            try:
                clean.update(
                    records.validate(
                        {field: getattr(request, field)},
                        CONTACT_CHECKS | child_checks(self._today()),
                    )
                )
            except FieldErrors:
                clean[field] = None
        conditions = []
        if clean.get("upn"):
            conditions.append(Child.upn == clean["upn"])
        if clean.get("nhs_number"):
            conditions.append(Child.nhs_number == clean["nhs_number"])
        if request.date_of_birth:
            conditions.append(Child.date_of_birth == request.date_of_birth)
        if not conditions:
            return []
        hits = []
        with self._db.read() as s:
            for child in s.scalars(select(Child).where(or_(*conditions)).limit(50)):
                why = _why_duplicate(child, request, clean)
                if why:
                    live = next((c for c in child.cases if c.is_open), None)
                    hits.append(
                        PossibleDuplicate(
                            child_id=child.id,
                            case_id=live.id if live else None,
                            name=f"{child.first_name} {child.last_name}",
                            date_of_birth=child.date_of_birth,
                            why=why,
                        )
                    )
        return hits

    def create(self, request: NewRequest, *, token: str | None = None) -> int:
        """Create family (unless joining a sibling's), child and case; returns the case id.

        A second call with the same form token returns the first case instead of a copy.
        """
        clean = self.check(request)
        with refusals_beside_fields("child", CHILD_FIELDS):
            return self._create(request, clean, token)

    def _create(self, request: NewRequest, clean: dict[str, object], token: str | None) -> int:
        now = self._now()
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done
            access = self._require(s, Can.NEW_REQUEST)
            if request.caseworker_id not in (None, access.caseworker_id) and not access.can(
                Can.REASSIGN
            ):
                raise PermissionDenied(
                    "Only a team lead can allocate a new request to someone else: leave it "
                    "unallocated, or take it yourself."
                )
            if request.family_id is not None:
                family = records.load(s, Family, request.family_id, "family")
            else:
                family = Family(
                    **{f: clean[f] for f in FAMILY_FIELDS}, updated_by=self.user, updated_at=now
                )
                s.add(family)
            child = Child(
                family=family,
                **{f: clean[f] for f in CHILD_FIELDS},
                updated_by=self.user,
                updated_at=now,
            )
            refresh_search_keys(child)  # before the insert, so it is not a second save
            s.add(child)
            s.flush()
            case = EhcpCase(
                child=child,
                caseworker_id=request.caseworker_id,
                request_received=request.request_received,
                request_source=clean["request_source"],
                stage="request_received",
                is_open=True,
                updated_by=self.user,
                updated_at=now,
            )
            s.add(case)
            s.flush()
            s.add(
                StageEvent(
                    case_id=case.id,
                    action="request_received",
                    on_date=request.request_received,
                    by=self.user,
                    recorded_at=now,
                    note=codes.label_for(codes.request_sources(), str(clean["request_source"])),
                )
            )
            if request.caseworker_id is not None:
                s.add(
                    Assignment(
                        case_id=case.id,
                        from_id=None,
                        to_id=request.caseworker_id,
                        assigned_at=now,
                        by=self.user,
                        reason="New request",
                    )
                )
            records.audit(s, self.user, now, "create", case, case.id, "new request")
            records.remember(s, token, case, user=self.user, now=now)
            return case.id


def _why_duplicate(child: Child, request: NewRequest, clean: dict) -> str:
    if clean.get("upn") and child.upn == clean["upn"]:
        return "same UPN"
    if clean.get("nhs_number") and child.nhs_number == clean["nhs_number"]:
        return "same NHS number"
    if request.date_of_birth == child.date_of_birth and _similar(child, request):
        return "same date of birth and a similar name"
    return ""


def _similar(child: Child, request: NewRequest) -> bool:
    first, last = fold(request.first_name).strip(), fold(request.last_name).strip()
    their_first, their_last = fold(child.first_name), fold(child.last_name)
    same_last = bool(last) and (last == their_last or last[:4] == their_last[:4])
    same_first = bool(first) and (first[:3] == their_first[:3])
    return same_last and same_first
