"""What every service acting for a person holds: the database, who they are, and a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from caseload_app.db.engine import Database


class UserService:
    def __init__(
        self,
        db: Database,
        user: str,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self._db = db
        self.user = user  # recorded on every change, event and audit entry
        self._today = today
        self._now = now

    def today(self) -> date:
        return self._today()

    def now(self) -> datetime:
        return self._now()

    def audit_export(self, record_type: str, detail: str) -> None:
        """Record, in its own transaction, that this person exported something (Art. 9 data)."""
        from caseload_app.db.models import AuditEntry

        with self._db.uow() as s:
            s.add(
                AuditEntry(
                    at=self._now(),
                    who=self.user,
                    action="export",
                    record_type=record_type,
                    detail=detail,
                )
            )

    def case_for_child(self, child_id: int) -> int:
        """The case a child id refers to (command line): the live case, else the latest."""
        from caseload_app.db.models import Child, EhcpCase
        from caseload_app.services.errors import NotFound

        with self._db.read() as s:
            if s.get(Child, child_id) is None:
                raise NotFound(f"There is no child with id {child_id}.")
            case_id = s.scalar(
                select(EhcpCase.id)
                .where(EhcpCase.child_id == child_id)
                .order_by(
                    EhcpCase.is_open.desc(), EhcpCase.request_received.desc(), EhcpCase.id.desc()
                )
                .limit(1)
            )
        if case_id is None:
            raise NotFound(f"Child {child_id} has no EHCP case.")
        return case_id
