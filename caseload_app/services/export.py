"""Exporting the caseload as CSV: one row per child, the import columns plus the next step."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from caseload_app.db.engine import Database
from caseload_app.db.models import AuditEntry, Caseworker, Child, EhcpCase, Family
from caseload_app.db.queries import join_child_family_worker
from caseload_app.domain.exceptions import parse_limits
from caseload_app.domain.status import rag_for_step
from caseload_app.services.base import write_audited_csv
from caseload_app.services.importer import COLUMNS

EXPORT_COLUMNS = (*COLUMNS, "next_step", "next_due", "rag")

log = logging.getLogger(__name__)


class ExportService:
    def __init__(self, db: Database, user: str, today: Callable[[], date] = date.today) -> None:
        self._db = db
        self._user = user
        self._today = today

    def export_csv(self, path: Path) -> int:
        """Write the file, and record who exported what (special-category data): no file
        is left unless the record is saved."""
        today = self._today()
        query = join_child_family_worker(
            select(
                Child.first_name,
                Child.last_name,
                Child.date_of_birth,
                Child.upn,
                Child.nhs_number,
                Family.postcode,
                Child.primary_need,
                Caseworker.name,
                EhcpCase.request_received,
                EhcpCase.stage,
                EhcpCase.final_issued,
                EhcpCase.last_review,
                Family.parent_carer_name,
                Family.phone,
                Family.email,
                EhcpCase.next_step,
                EhcpCase.next_due,
                EhcpCase.is_open,
                EhcpCase.exception_limits,
            )
        ).order_by(Child.last_name, Child.first_name, EhcpCase.id)
        with self._db.read() as session:
            raw = session.execute(query).all()
        rows = (_export_row(r, today) for r in raw)

        def entry(count: int) -> AuditEntry:
            return AuditEntry(
                at=datetime.now(),
                who=self._user,
                action="export",
                record_type="caseload",
                detail=f"CSV export of {count} children to {Path(path).name}",
            )

        # The file appears only once the audit trail holds its entry.
        count = write_audited_csv(self._db, Path(path), EXPORT_COLUMNS, rows, entry)
        log.info("Exported %d children as CSV", count)
        return count


def _export_row(r, today: date) -> list[object]:
    *cells, step, due, is_open, exception = r
    limits = parse_limits(exception)
    rag = rag_for_step(step, due, today, is_open=is_open, exception_limits=limits)
    return [*(_cell(c) for c in cells), step or "", _cell(due), rag]


def _cell(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else ("" if value is None else value)
