"""What every service acting for a person holds: the database, who they are, and a clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

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
