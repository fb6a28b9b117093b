"""Re-assessments on a case (CFA 2014 s44(2)-(3); SEND Regs 2014 regs 24-27): the request or
the council's own decision, the decision told to the family, and the re-assessed plan. Each
public method is one user action, one transaction, audited (services/records.py); mixed into
CaseworkService."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import EhcpCase, Reassessment
from caseload_app.domain import reassessment
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.text import check_lines
from caseload_app.domain.validators import ValidationError
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import reassessment_label
from caseload_app.services.errors import FieldErrors

_WHAT = "re-assessment"
_TEXT_LIMIT = 2000


class ReassessmentMixin(UserService):
    """CaseworkService's re-assessment actions (kept apart: casework.py is long enough)."""

    def record_reassessment_request(
        self,
        case_id: int,
        requested: date,
        requested_by: str,
        last_assessment: date | None = None,
        reason: str = "",
        note: str = "",
        *,
        token: str | None = None,
    ) -> int:
        """A request for re-assessment received on ``requested`` (s44(2)): the decision is
        due in 15 days (reg 25(1)). From the council itself (s44(3)) the day is its decision
        to re-assess, so the re-assessed plan's 14 weeks start then (reg 27(2))."""
        today = self._today()
        reason, note = _text("reason", "Reason", reason), _text("note", "Note", note)
        problems = reassessment.request_problems(
            requested, requested_by, last_assessment, reason, today
        )
        if problems:
            raise FieldErrors(problems)
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            _check_plan_maintained(case, requested)
            check_none_open(s, case.id)
            council = requested_by == reassessment.RequestedBy.COUNCIL
            row = Reassessment(
                case_id=case.id,
                requested=requested,
                requested_by=requested_by,
                last_assessment=last_assessment,
                decision=reassessment.Decision.AGREED.value if council else None,
                decided=requested if council else None,
                reason=reason or None,
                note=note or None,
                recorded_by=self.user,
                updated_by=self.user,
                updated_at=self._now(),
            )
            return records.create(
                s,
                row,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=f"re-assessment: {reassessment_label(row)}",
                token=token,
            )

    def record_reassessment_decision(
        self, reassessment_id: int, version: int, decision: str, decided: date, reason: str = ""
    ) -> None:
        """Whether the council will re-assess, told to the family on ``decided`` (reg 25(1)):
        a refusal gives its reasons (the family may appeal, s51(2)(d)); agreeing within six
        months of the last assessment says why it is necessary (reg 24)."""
        reason = _text("reason", "Reason", reason)
        with self._db.uow() as s:
            row = records.load(s, Reassessment, reassessment_id, _WHAT)
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, _WHAT)
            if row.requested_by == reassessment.RequestedBy.COUNCIL:
                raise ValidationError(
                    "The council decided to re-assess of its own accord: there is no request "
                    "to decide. Record the plan when it is finalised."
                )
            if row.plan_finalised is not None:
                raise ValidationError(
                    "The re-assessed plan is finalised: clear that date before changing the "
                    "decision."
                )
            problems = reassessment.decision_problems(
                row.requested,
                row.last_assessment,
                decision,
                decided,
                reason,
                self._today(),
            )
            if problems:
                raise FieldErrors(problems)
            if reassessment.is_open(decision, None):  # a refusal turned round reopens it
                check_none_open(s, row.case_id, but=row.id)
            changes = {"decision": decision, "decided": decided, "reason": reason or None}
            records.apply(
                s,
                row,
                changes,
                user=self.user,
                now=self._now(),
                case_id=row.case_id,
            )

    def record_reassessed_plan(self, reassessment_id: int, version: int, on: date | None) -> None:
        """The day the re-assessed plan was finalised and sent (reg 27(2)); None: not after all."""
        with self._db.uow() as s:
            row = records.load(s, Reassessment, reassessment_id, _WHAT)
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, _WHAT)
            if row.decision != reassessment.Decision.AGREED or row.decided is None:
                raise ValidationError(
                    "Only a re-assessment the council agreed to has a re-assessed plan: "
                    "record the decision first."
                )
            today = self._today()
            if on is not None and not row.decided <= on <= today:
                raise FieldErrors(
                    {"on": "The plan is finalised between the decision to re-assess and today."}
                )
            records.apply(
                s,
                row,
                {"plan_finalised": on},
                user=self.user,
                now=self._now(),
                case_id=row.case_id,
            )


def _text(field: str, label: str, value: str) -> str:
    try:
        return check_lines(label, value or "", _TEXT_LIMIT)
    except ValidationError as exc:
        raise FieldErrors({field: str(exc)}) from None


def _check_plan_maintained(case: EhcpCase, requested: date) -> None:
    """Only a plan the council maintains is re-assessed (s44): issued, and the case open."""
    if case.stage != "plan_issued" or not case.is_open or case.final_issued is None:
        raise ValidationError(
            "A re-assessment is for a child or young person with a plan the council maintains: "
            "this case has no final plan in force."
        )
    if requested < case.final_issued:
        raise FieldErrors({"requested": "The request is dated before the plan was issued."})


def check_none_open(s: Session, case_id: int, but: int | None = None) -> None:
    """One re-assessment under way per case: ValidationError naming the one open (other
    than ``but``)."""
    rows = s.execute(
        select(
            Reassessment.id, Reassessment.requested, Reassessment.decision,
            Reassessment.plan_finalised,
        ).where(Reassessment.case_id == case_id)
    )  # fmt: skip
    for row_id, requested, decision, finalised in rows:
        if row_id != but and reassessment.is_open(decision, finalised):
            raise ValidationError(
                "A re-assessment asked for on "
                f"{format_date(requested)} is still under way: record its "
                "decision or its plan first (one at a time)."
            )
