"""Handover packs: after a bulk reassignment (one batch), a PDF for each receiving caseworker
listing the cases they took over. Each print is audited against the assignment rows it
covers, in the same transaction as the read (docs/statutory-rules.md, "Personal data")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import Assignment, Caseworker, EhcpCase
from caseload_app.domain import codes
from caseload_app.domain.validators import ValidationError
from caseload_app.reports.content import (
    RECENT_CONTACTS,
    HandoverCase,
    HandoverContact,
    HandoverData,
    HandoverTask,
    Imprint,
)
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import CaseDetail, case_detail
from caseload_app.services.errors import NotFound
from caseload_app.services.settings import TeamSettingsService

AUDIT_DETAIL = "handover pack"


class HandoverService(UserService):
    def pack_for(self, to_id: int, batch: str) -> bytes:
        """The handover pack for the caseworker `to_id` of the cases moved to them in `batch`."""
        council = TeamSettingsService(self._db).council().name
        now = self.now()
        with self._db.uow() as s:
            data = self._data(s, to_id, batch)
            if data is None:
                raise NotFound(f"No cases were moved to caseworker {to_id} in change {batch}.")
        # Imported here, not at the top: reportlab loads only when something is printed.
        from caseload_app.reports.handover import build_handover

        return build_handover(data, Imprint(printed_by=self.user, printed_at=now, council=council))

    def packs_for_batch(self, batch: str) -> dict[int, bytes]:
        """One handover pack per caseworker who received cases in `batch`, by caseworker id."""
        council = TeamSettingsService(self._db).council().name
        now = self.now()
        with self._db.uow() as s:
            receivers = s.scalars(
                select(Assignment.to_id)
                .where(Assignment.batch == batch, Assignment.to_id.is_not(None))
                .distinct()
                .order_by(Assignment.to_id)
            ).all()
            if not receivers:
                raise NotFound(f"There is no change {batch} with cases to hand over.")
            packs = {to_id: self._data(s, to_id, batch) for to_id in receivers if to_id}
        from caseload_app.reports.handover import build_handover

        imprint = Imprint(printed_by=self.user, printed_at=now, council=council)
        return {to_id: build_handover(data, imprint) for to_id, data in packs.items() if data}

    def _data(self, s: Session, to_id: int, batch: str) -> HandoverData | None:
        """Read the batch's moves to `to_id` and audit the print of each; None if none."""
        moves = s.scalars(
            select(Assignment)
            .where(Assignment.batch == batch, Assignment.to_id == to_id)
            .order_by(Assignment.id)
        ).all()
        if not moves:
            return None
        worker = records.load(s, Caseworker, to_id, "caseworker")
        names: dict[int | None, str] = dict(s.execute(select(Caseworker.id, Caseworker.name)).all())
        now, today, cases = self.now(), self.today(), []
        for move in moves:
            case = records.load(s, EhcpCase, move.case_id, "case")
            detail = case_detail(s, case, today)
            records.audit(s, self.user, now, "print", move, case.id, AUDIT_DETAIL)
            cases.append(_case(detail, names.get(move.from_id), move.reason))
        first = moves[0]
        return HandoverData(
            caseworker=worker.name,
            batch=batch,
            moved_at=first.assigned_at,
            moved_by=first.by,
            today=today,
            cases=tuple(cases),
        )


def _case(d: CaseDetail, from_name: str | None, reason: str) -> HandoverCase:
    step = d.status.next_step
    return HandoverCase(
        case_id=d.case_id,
        child_name=f"{d.child.first_name} {d.child.last_name}",
        date_of_birth=d.child.date_of_birth,
        stage=d.stage_label,
        next_step=step.label if step else None,
        next_due=step.due if step else None,
        days_left=d.status.days_left,
        rag=d.status.rag,
        status_note=d.status.note,
        from_name=from_name,
        reason=reason,
        tasks=tuple(HandoverTask(t.title, t.due) for t in d.tasks if t.done_on is None),
        communications=tuple(
            HandoverContact(c.occurred_at, _channel(c.channel), c.summary)
            for c in d.communications[:RECENT_CONTACTS]
        ),
    )


def _channel(code: str) -> str:
    try:
        return codes.label_for(codes.channels(), code)
    except ValidationError:
        return code  # a legacy code is shown as it is


__all__ = ["HandoverService"]
