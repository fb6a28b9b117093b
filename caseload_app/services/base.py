"""What every service acting for a person holds: the database, who they are, and a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.engine import Database, StorageError
from caseload_app.db.models import AuditEntry, Child, EhcpCase
from caseload_app.domain.access import Access, Can
from caseload_app.reports.csv_export import write_csv
from caseload_app.services import records
from caseload_app.services.errors import NotFound, PermissionDenied, UserError
from caseload_app.services.who import access_for


def write_audited_csv(
    db: Database,
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    entry: Callable[[int], AuditEntry],
) -> int:
    """Write a CSV of people's data so that it exists only once recorded: the rows go to a
    temporary file, `entry(count)` is committed to the audit trail, and only then is the
    file renamed into place. If the entry cannot be written (a read-only database, a full
    disk, a lost connection) the temporary file is removed and nothing is exported."""

    def record(count: int) -> None:
        recorded_first(db, lambda s: records.add_entry(s, entry(count)))

    return write_csv(Path(path), header, rows, before_publish=record)


def recorded_first(db: Database, write: Callable[[Session], None]) -> None:
    """Record an export (in its own transaction) before its file appears; a database that
    cannot take the record (read-only, a full disk, a lost connection) stops the export."""
    try:
        with db.uow() as s:
            write(s)
    except StorageError as exc:
        raise UserError(
            "Not exported: the export could not be recorded in the audit trail, so no "
            f"file was written. The database said: {exc.advice}."
        ) from exc


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

    # ------------------------------------------------------------------ who may do what
    def access(self) -> Access:
        """What this person may do, read afresh (a role changed a moment ago counts)."""
        with self._db.read() as s:
            return self._access(s)

    def _access(self, s: Session) -> Access:
        return access_for(s, self.user)

    def _require(self, s: Session, action: Can) -> Access:
        """Refuse, before anything is written, an action this person's roles do not allow."""
        access = self._access(s)
        if not access.can(action):
            raise PermissionDenied(
                f"You cannot {action.value} (your roles: {access.describe()}). "
                "Ask a team lead or an administrator."
            )
        return access

    def _allowed(self, action: Can) -> None:
        """`_require` for a read, which opens no write transaction."""
        with self._db.read() as s:
            self._require(s, action)

    def _case_to_edit(self, s: Session, case_id: int):
        """The case, loaded for a change this person may make: a team lead's any case, a
        caseworker's only the cases assigned to them."""
        case = records.load(s, EhcpCase, case_id, "case")
        self._check_case(s, case)
        return case

    def _check_contact(self, s: Session, comm) -> None:
        """Whoever logged a contact may correct or take it back; anyone else needs the right
        to change its case (or any case, for a contact about no case)."""
        if comm.logged_by == self.user:
            return
        if comm.case_id is None:
            self._require(s, Can.EDIT_ANY)
        else:
            self._case_to_edit(s, comm.case_id)

    def _check_case(self, s: Session, case) -> None:
        access = self._access(s)
        if not access.can_edit_case(case.caseworker_id):
            owner = case.caseworker.name if case.caseworker is not None else "nobody yet"
            raise PermissionDenied(
                f"Only the caseworker assigned to case {case.id} ({owner}) or a team lead "
                f"can change it (your roles: {access.describe()})."
            )

    def _check_children(self, s: Session, children) -> None:
        """A child's or family's details (and placements) change with their case: whoever
        may edit one of the children's cases (the live one first) may edit them."""
        cases = sorted((c for child in children for c in child.cases), key=lambda c: not c.is_open)
        if not cases:
            self._require(s, Can.EDIT_ANY)
            return
        access = self._access(s)
        if not any(access.can_edit_case(case.caseworker_id) for case in cases):
            self._check_case(s, cases[0])  # refused, naming the live case's caseworker

    def today(self) -> date:
        return self._today()

    def now(self) -> datetime:
        return self._now()

    def _write_audited_csv(
        self,
        path: Path,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        record_type: str,
        detail: Callable[[int], str],
    ) -> int:
        """`write_audited_csv` as this person, now: `detail(count)` says what was exported."""

        def entry(count: int) -> AuditEntry:
            return AuditEntry(
                at=self._now(),
                who=self.user,
                action="export",
                record_type=record_type,
                detail=detail(count),
            )

        return write_audited_csv(self._db, path, header, rows, entry)

    def audit_export(self, record_type: str, detail: str, action: str = "export") -> None:
        """Record, in its own transaction, that this person exported something (Art. 9 data)
        or changed something kept outside the database (a template file)."""
        with self._db.uow() as s:
            records.write_audit(
                s, at=self._now(), who=self.user, action=action, record_type=record_type,
                detail=detail,
            )  # fmt: skip

    def case_for_child(self, child_id: int) -> int:
        """The case a child id refers to (command line): the live case, else the latest."""
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
