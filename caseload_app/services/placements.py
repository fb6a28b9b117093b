"""A child's placements as history (SEN2's placement details): adding, correcting, ending and
withdrawing one. Each is one transaction, audited, refused on a stale form, and allowed to
whoever may edit the child (as the child's details are).

The case list's "School or setting" is the child's own `setting` text; when the child's main
placement today changes, that text follows it, so the list keeps saying where the child is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import Child, Establishment, Placement
from caseload_app.domain import codes, placements
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import (
    PlacementInfo,
    live_case_id,
    placement_info,
    placement_infos,
)
from caseload_app.services.errors import FieldErrors, NotFound
from caseload_app.services.fields import refusals_beside_fields
from caseload_app.services.settings import stored_la_number

DEFAULTS: dict[str, object] = {
    "establishment_id": None,
    "setting_name": "",
    "ends": None,
    "rank": 1,
    "provision": None,
    "attendance": None,
    "residential": None,
    "work_based": None,
}


class PlacementService(UserService):
    def placements(self, child_id: int) -> list[PlacementInfo]:
        """The child's placements, newest first. Looking is recorded in the audit trail."""
        with self._db.uow() as s:
            child = s.get(Child, child_id)  # only read: not locked
            if child is None:
                raise NotFound("That child no longer exists (they may have been deleted).")
            found = placement_infos(s, child.id)
            detail = f"read the child's placements ({len(found)})"
            records.audit(s, self.user, self._now(), "view", child, live_case_id(child), detail)
            return list(found)

    def add(self, child_id: int, values: Mapping[str, object], token: str | None = None) -> int:
        """A new placement; returns its id. Out of area, when not said, is whether the
        establishment is in another council's area."""
        clean = records.validate(values, placements.field_checks())
        with refusals_beside_fields("placement", values), self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            child = records.load(s, Child, child_id, "child")
            self._check_children(s, [child])
            if "kind" not in clean:
                raise FieldErrors({"kind": "Say where the child is placed"})
            if "starts" not in clean:
                raise FieldErrors({"starts": "Start date is needed"})
            merged = {**DEFAULTS, **clean}
            if "out_of_area" not in clean:
                merged["out_of_area"] = _out_of_area(s, merged["establishment_id"])
            before = _main_name(s, child.id, self._today())
            rule = _checked(s, child, placements.Placement(**merged))  # type: ignore[arg-type]
            row = Placement(child_id=child.id, updated_by=self.user, updated_at=self._now())
            for key, value in merged.items():
                setattr(row, key, value)
            detail = f"placement: {rule.where} {placements.dates_text(rule)}"
            new_id = records.create(
                s,
                row,
                user=self.user,
                now=self._now(),
                case_id=live_case_id(child),
                detail=detail,
                token=token,
            )
            self._keep_setting(s, child, before)
            return new_id

    def update(self, placement_id: int, version: int, changes: Mapping[str, object]) -> int:
        """Correct a placement; returns its new version. Choosing another establishment says
        afresh whether it is out of area, unless that is said too."""
        clean = records.validate(changes, placements.field_checks())
        with refusals_beside_fields("placement", changes), self._db.uow() as s:
            row = records.load(s, Placement, placement_id, "placement")
            child = records.load(s, Child, row.child_id, "child")
            self._check_children(s, [child])
            records.check_version(s, row, version, "placement")
            moved = clean.get("establishment_id", row.establishment_id) != row.establishment_id
            if moved and "out_of_area" not in clean:
                clean["out_of_area"] = _out_of_area(s, clean["establishment_id"])
            merged = {key: getattr(row, key) for key in (*DEFAULTS, "kind", "starts")}
            merged |= {"out_of_area": row.out_of_area, **clean}
            before = _main_name(s, child.id, self._today())
            _checked(s, child, placements.Placement(**merged, id=row.id))  # type: ignore[arg-type]
            case_id = live_case_id(child)
            records.apply(s, row, clean, user=self.user, now=self._now(), case_id=case_id)
            s.flush()
            self._keep_setting(s, child, before)
            return row.version

    def end(self, placement_id: int, version: int, ends: date | None) -> int:
        """The child left the placement on `ends` (their last day there)."""
        if ends is None:
            raise FieldErrors({"ends": "End date is needed"})
        return self.update(placement_id, version, {"ends": ends})

    def withdraw(self, placement_id: int, version: int, reason: str) -> int:
        """A placement recorded by mistake: into the trash (restorable), with the reason.
        Returns the trash item's id."""
        from caseload_app.services.trash import TrashService  # it keeps placements' rules

        trash = TrashService(self._db, self.user, self._today, self._now)
        return trash.withdraw_placement(placement_id, version, reason)

    def _keep_setting(self, s: Session, child: Child, before: str | None) -> None:
        keep_setting_in_step(s, child, before, self._today(), self.user, self._now())


# --------------------------------------------------------------------------- shared with the trash
def _checked(s: Session, child: Child, p: placements.Placement) -> placements.Placement:
    """The placement, named, once it is whole and clashes with none of the child's others."""
    problems = placements.problems(p, child.date_of_birth)
    place = s.get(Establishment, p.establishment_id) if p.establishment_id is not None else None
    if p.establishment_id is not None and place is None:
        problems["establishment_id"] = "That establishment is not in the register any more"
    if problems:
        raise FieldErrors(problems)
    p = replace(p, where=placements.where(p, place.name if place else None))
    other = placements.clash(p, (i.rule() for i in placement_infos(s, child.id)))
    if other is not None:
        raise FieldErrors({"starts": placements.clash_message(other)})
    return p


def refuse_clash(s: Session, placement_id: int) -> str | None:
    """Why a placement put back (from the trash) may not stay: it overlaps another of its
    rank; None when it may."""
    found = placement_infos(s, _child_of(s, placement_id))
    mine = next(i.rule() for i in found if i.id == placement_id)
    other = placements.clash(mine, (i.rule() for i in found))
    return None if other is None else placements.clash_message(other)


def _child_of(s: Session, placement_id: int) -> int:
    return s.scalars(select(Placement.child_id).where(Placement.id == placement_id)).one()


def _out_of_area(s: Session, establishment_id: object) -> bool:
    """Whether the establishment is in another council's area: its LA number is not this
    council's. False when either is not known."""
    if establishment_id is None:
        return False
    place = s.get(Establishment, establishment_id)
    ours = stored_la_number(s)
    if place is None or place.la_code is None or ours is None:
        return False
    return place.la_code != ours


def _main_name(
    s: Session, child_id: int, today: date, leaving_out: int | None = None
) -> str | None:
    """What the case list should say for the child's main placement today: the
    establishment's or setting's name, or the arrangement; None when there is none."""
    found = [i for i in placement_infos(s, child_id) if i.rank == 1 and i.id != leaving_out]
    main = placements.current((i.rule() for i in found), today)
    if main is None:
        return None
    info = next(i for i in found if i.id == main.id)
    if info.establishment is not None:
        return info.establishment.name
    return info.setting_name or codes.label_or_code(codes.placement_kinds(), info.kind)


def keep_setting_in_step(
    s: Session,
    child: Child,
    before: str | None,
    today: date,
    user: str,
    now: datetime,
    leaving_out: int | None = None,
) -> None:
    """When the child's main placement today is no longer what it was (`before`), the
    child's "School or setting" follows it (blank when there is none now)."""
    s.flush()
    after = _main_name(s, child.id, today, leaving_out)
    if after == before or (child.setting or "") == (after or ""):
        return
    changes = {"setting": after or ""}
    records.apply(s, child, changes, user=user, now=now, case_id=live_case_id(child))


def main_name_now(
    s: Session, child_id: int, today: date, leaving_out: int | None = None
) -> str | None:
    """`_main_name` for the trash, before it takes or puts back a placement."""
    return _main_name(s, child_id, today, leaving_out)


def placement_label(row: Placement) -> str:
    """How the trash names a placement: 'Placement: Oak Hill Primary from … to …'."""
    place = row.establishment
    info = placement_info(row, place)
    rule = info.rule()
    return f"Placement: {info.label} {placements.dates_text(rule)}"


__all__ = [
    "PlacementInfo",
    "PlacementService",
    "keep_setting_in_step",
    "main_name_now",
    "placement_label",
    "refuse_clash",
]
