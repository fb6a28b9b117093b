"""A caseworker's actions on a young person's move between post-16 institutions (Reg 18(2)):
record the move (its day, where to, the day the plan was amended for it) and clear it.

A mixin of CaseworkService (services/casework.py), kept apart because that module is long;
each public method is one user action, one transaction, audited through services/records.
"""

from __future__ import annotations

from datetime import date

from caseload_app.db.models import EhcpCase
from caseload_app.domain import post16
from caseload_app.domain.text import check_line
from caseload_app.domain.validators import ValidationError
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors

MOVE_TO_LIMIT = 120  # the ehcp_case.post16_move_to column
_COLUMNS = ("post16_move_date", "post16_move_to", "post16_amended")


class Post16MoveActions(UserService):
    def set_post16_move(
        self,
        case_id: int,
        version: int,
        move_date: date,
        moving_to: str = "",
        amended: date | None = None,
    ) -> list[str]:
        """The day a young person moves to another post-16 institution, where to (blank while
        not settled: the amendment is what names it), and the day the plan was amended for it
        (None: not yet). The plan is due amended five months before the move (Reg 18(2)).
        Returns what changed ("field: old → new"), empty if nothing did."""
        try:
            where = check_line("The institution", moving_to, MOVE_TO_LIMIT)
        except ValidationError as exc:
            raise FieldErrors({"moving_to": str(exc)}) from None
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            if case.stage != "plan_issued":
                raise ValidationError(
                    "A post-16 move is recorded on a case with a final plan: Reg 18(2) is about "
                    "amending the plan before the move."
                )
            problems = {}
            if problem := post16.move_problem(move_date, case.request_received, _dob(case)):
                problems["move_date"] = problem
            if amended is not None and (
                problem := post16.amended_problem(amended, case.request_received, self._today())
            ):
                problems["amended"] = problem
            if problems:
                raise FieldErrors(problems)
            changes = {
                "post16_move_date": move_date,
                "post16_move_to": where or None,
                "post16_amended": amended,
            }
            return records.apply(s, case, changes, user=self.user, now=self._now(), case_id=case.id)

    def clear_post16_move(self, case_id: int, version: int) -> list[str]:
        """The move is off (or was recorded on the wrong case): its day, institution and
        amended date are cleared; the audit trail keeps what they were."""
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            cleared = dict.fromkeys(_COLUMNS)
            return records.apply(s, case, cleared, user=self.user, now=self._now(), case_id=case.id)


def _dob(case: EhcpCase) -> date:
    return case.child.date_of_birth
