"""`caseload plan verify`: is every issued EHC plan version still what was issued?

The database refuses to change an issued version, or to replace one (migration 0019's seals);
this checks afterwards, for whatever got past it (a database file edited with its triggers
removed, say). For each issued version: its content's sha256 is the one it carries, the one
the database sealed when it was issued, and the one the audit trail recorded when it was
issued ("Plan version N issued as … (sha256 …)"); and every version sealed but no longer
there is in the trash with its case. One audited look; the findings name cases and version
numbers, never a child.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import AuditEntry, EhcpCase, PlanSeal, PlanVersion, TrashItem
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.plans import KINDS

# What PlanService.issue writes: number, kind's label, day, sha256.
ISSUED = re.compile(r"Plan version (\d+) issued as (.+) on (\d{4}-\d{2}-\d{2}) \(sha256 (\w+)\)")


@dataclass(frozen=True)
class PlanFinding:
    case_id: int
    number: int
    problem: str

    def __str__(self) -> str:
        return f"case {self.case_id}, plan version {self.number}: {self.problem}"


@dataclass(frozen=True)
class Verified:
    versions: int  # issued versions checked
    findings: tuple[PlanFinding, ...]


class PlanIntegrityService(UserService):
    def verify(self) -> Verified:
        """Check every issued version; the look is recorded in the audit trail."""
        with self._db.uow() as s:
            issued = _issue_entries(s)
            seals = list(s.scalars(select(PlanSeal)))
            live = {x.version_id: x for x in seals if x.trash_id is None}
            findings, checked = [], 0
            rows = s.execute(
                select(PlanVersion.__table__).where(PlanVersion.issued_on.is_not(None))
            )
            for row in rows.mappings():
                checked += 1
                findings += _version_findings(row, live.get(row["id"]), issued)
            findings += _seal_findings(s, seals)
            detail = (
                f"checked the issued plan versions: {checked} versions, {len(findings)} findings"
            )
            named = records.Named("plan_version", None)
            records.audit(s, self.user, self._now(), "view", named, None, detail)
        return Verified(checked, tuple(findings))


def _issue_entries(s: Session) -> dict[str, list[tuple[int, str, date]]]:
    """The audit trail's issues, by sha256: (number, kind's label, day) of each."""
    found: dict[str, list[tuple[int, str, date]]] = {}
    details = s.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.action == "issue", AuditEntry.record_type == "plan_version"
        )
    )
    for detail in details:
        match = ISSUED.fullmatch(detail or "")
        if match:
            number, label, day, sha = match.groups()
            found.setdefault(sha, []).append((int(number), label, date.fromisoformat(day)))
    return found


def _version_findings(row, seal: PlanSeal | None, issued: dict) -> list[PlanFinding]:
    def found(problem: str) -> PlanFinding:
        return PlanFinding(row["case_id"], row["number"], problem)

    out = []
    sha = row["content_sha256"]
    if _sha(row["content"]) != sha:
        out.append(found("its content is not the content it was issued with (sha256 differs)"))
    what = (row["number"], row["kind"], row["issued_on"], row["issued_by"], sha)
    if seal is None:
        out.append(found("the database has no seal of its issue: it was written past caseload"))
    elif (seal.number, seal.kind, seal.issued_on, seal.issued_by, seal.content_sha256) != what:
        out.append(found("it is not the version the database sealed when it was issued"))
    said = (row["number"], KINDS.get(row["kind"], row["kind"]), row["issued_on"])
    if said not in issued.get(sha or "", []):
        out.append(found("the audit trail has no record of issuing it with this content"))
    return out


def _seal_findings(s: Session, seals: list[PlanSeal]) -> list[PlanFinding]:
    """Sealed versions no longer in plan_version must be in the trash with their case."""
    there = set(s.scalars(select(PlanVersion.id).where(PlanVersion.issued_on.is_not(None))))
    out_of = {x.trash_id for x in seals if x.trash_id is not None}
    trash = dict(
        s.execute(
            select(TrashItem.id, TrashItem.payload).where(
                TrashItem.id.in_(out_of), TrashItem.restored_at.is_(None)
            )
        ).all()
    )
    out = []
    for seal in seals:
        if seal.trash_id is None:
            if seal.version_id in there:
                continue
            problem = "it is missing: removed past caseload, not into the trash"
        elif seal.trash_id not in trash:
            problem = "it left with its case into the trash and was not put back on restore"
        elif _case_still_here(s, seal.case_id, trash[seal.trash_id]):
            problem = "it was taken out of its case, which is still here, not in the trash"
        elif _sha(seal.content or "") != seal.content_sha256:
            problem = "the copy kept while its case is in the trash has been changed"
        else:
            continue
        out.append(PlanFinding(seal.case_id, seal.number, problem))
    return out


def _case_still_here(s: Session, case_id: int, payload: str) -> bool:
    """Whether the case the version left with is live: a case of that id whose row is the
    one its trash item holds (or a trash item holding no such case). A new case given the
    id since (SQLite reuses the highest) differs from it."""
    table = EhcpCase.__table__
    live = s.execute(select(table).where(table.c.id == case_id)).mappings().one_or_none()
    if live is None:
        return False
    kept = [c for c in json.loads(payload).get("ehcp_case", []) if c.get("id") == case_id]
    row = {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in live.items()}
    return not kept or kept[0] == row


def _sha(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
