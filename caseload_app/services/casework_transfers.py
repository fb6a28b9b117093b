"""A plan moving between councils with its child (SEND Regs 2014 reg 15): the caseworker's
actions on one case, each one transaction, mixed into CaseworkService.

- A plan transferred in: a case begun for it (a new request whose source is "Council became
  responsible") becomes a maintained plan; the family is told within 6 weeks and the first
  review follows the Reg 15(5) date (domain.status).
- A child moving away: the plan is sent by the Reg 15(2) day; once sent, the case closes as
  ceased with SEN2's reason 5, "Transferred to another local authority in England" (no new
  stage: SEN2 and the weekly report already count a ceased plan and its reason).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from caseload_app.db.models import EhcpCase, StageEvent
from caseload_app.domain import transfers
from caseload_app.domain.deadlines import format_date
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors, UserError

# SEN2's <CeaseReason> for a plan transferred to another council in England (cease_reasons.csv)
TRANSFERRED_REASON = "5"


def _la_code(errors: dict[str, str], field: str, typed: str | int | None) -> int | None:
    try:
        return transfers.parse_la_code(typed)
    except ValueError as exc:
        errors[field] = str(exc)
        return None


class TransferWork(UserService):
    def record_transfer_in(
        self,
        case_id: int,
        version: int,
        *,
        transferred_in: date | None,
        transferred_from: str | int | None,
        transfer_last_review: date | None,
        transfer_family_told: date | None = None,
        proposes_assessment: bool | None = None,
    ) -> list[str]:
        """The plan transferred in from another council (first time: the case, begun for it,
        becomes a maintained plan), or its details corrected. Returns what changed."""
        errors = transfers.check_transfer_in(
            transferred_in, transfer_last_review, transfer_family_told, self._today()
        )
        code = _la_code(errors, "transferred_from", transferred_from)
        if errors:
            raise FieldErrors(errors)
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            first = _check_can_transfer_in(case)
            changes: dict[str, object] = {
                "transferred_in": transferred_in,
                "transferred_from": code,
                "transfer_last_review": transfer_last_review,
                "transfer_family_told": transfer_family_told,
                "transfer_proposes_assessment": proposes_assessment,
            }
            if first:
                changes["stage"] = "plan_issued"  # an existing plan, now this council's
            diffs = records.apply(
                s, case, changes, user=self.user, now=self._now(), case_id=case.id
            )
            if first:
                assert transferred_in is not None
                self._event(s, case, "transferred_in", transferred_in, transfers.la_name(code))
            return diffs

    def record_transfer_out(
        self,
        case_id: int,
        version: int,
        *,
        moved_out: date | None,
        moved_to: str | int | None,
        move_aware: date | None,
        plan_sent: date | None = None,
    ) -> list[str]:
        """The child moving to another council's area: when, where, when this council knew,
        and (once done) when it sent the plan (Reg 15(2)). Returns what changed."""
        errors = transfers.check_transfer_out(moved_out, move_aware, plan_sent, self._today())
        code = _la_code(errors, "moved_to", moved_to)
        if errors:
            raise FieldErrors(errors)
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            if not case.is_open or case.stage != "plan_issued":
                raise UserError(
                    "Only a maintained plan moves with the child (Reg 15): this case has none."
                )
            changes = {
                "moved_out": moved_out,
                "moved_to": code,
                "move_aware": move_aware,
                "plan_sent": plan_sent,
            }
            return records.apply(s, case, changes, user=self.user, now=self._now(), case_id=case.id)

    def close_transferred_out(self, case_id: int, version: int) -> list[str]:
        """Close the case once the plan was sent to the new council: it ceases here with
        SEN2's reason 5 on the day it was sent. Returns what changed."""
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            if not case.is_open or case.stage != "plan_issued":
                raise UserError("This case has no maintained plan to close.")
            if case.plan_sent is None or case.moved_to is None:
                raise FieldErrors(
                    {"plan_sent": "Record the day the plan was sent to the new council first."}
                )
            note = f"Plan transferred to {transfers.la_name(case.moved_to)} (Reg 15(2))"
            changes = {
                "stage": "ceased",
                "is_open": False,
                "ceased_date": case.plan_sent,
                "cease_reason": TRANSFERRED_REASON,
                "outcome_reason": note,
            }
            diffs = records.apply(
                s, case, changes, user=self.user, now=self._now(), case_id=case.id
            )
            self._event(s, case, "transferred_out", case.plan_sent, note)
            return diffs

    def _event(self, s: Session, case: EhcpCase, action: str, on: date, note: str | None):
        s.add(
            StageEvent(
                case_id=case.id,
                action=action,
                on_date=on,
                by=self.user,
                recorded_at=self._now(),
                note=note,
            )
        )


def _check_can_transfer_in(case: EhcpCase) -> bool:
    """True when this is the first record of the transfer (the case becomes a maintained
    plan); False when correcting one. UserError for a case that is neither."""
    if not case.is_open:
        raise UserError("The case is closed: a transferred plan needs an open case.")
    if case.transferred_in is not None:
        return False
    begun = case.stage == "request_received" and case.assess_decision_date is None
    if begun or (case.stage == "plan_issued" and case.final_issued is None):
        return case.stage == "request_received"
    made = case.final_issued
    raise UserError(
        "This case already follows this council's own request or plan"
        + (f" (final plan issued {format_date(made)})" if made else "")
        + ": start a new request for the transferred plan, with the source "
        "'Council became responsible'."
    )
