"""A subject access request (UK GDPR Art. 15): everything caseload holds about a child, and
about their family, written to a new folder for the council's data protection officer to
review before anything is released:

- records.json: the child, the family and its contacts, and each case with every record that
  hangs off it (as the trash keeps them), the plan versions and audits included;
- communications.csv: every contact logged with the family;
- documents/: every document's file, under a safe name (the stored name is only a label);
- audit.csv: who looked at or changed the child's cases, and when;
- third-parties.txt: the other people named (advisers, senders, people contacted, staff),
  for the reviewer to consider before release (Data Protection Act 2018 Sch 2 para 16);
- README.txt: what each file is.

Making it is for administrators (it holds the audit trail), is one read, and is audited as an
export with how much it wrote. The folder must be new: nothing is ever overwritten.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import (
    AuditEntry,
    Child,
    Communication,
    Contact,
    Document,
    EhcpCase,
    StoredFile,
)
from caseload_app.domain.access import Can
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.document_files import safe_file_name
from caseload_app.services.errors import UserError
from caseload_app.services.trash import CASE_PARTS, dump_row

__all__ = ["SarResult", "SarService"]

README = """Subject access request: what caseload holds about {name}, made {made} by {who}.

records.json       the child, the family and its contacts, and each case with every record
                   on it (events, advice, reviews, disagreements, plan versions, audits...)
communications.csv every contact logged with the family
documents/         every document on the child's cases, as it was added
audit.csv          who looked at or changed the child's cases, and when
third-parties.txt  other people named in the above: review before release

Review everything before release: other people's information may need to be withheld or
their consent sought (Data Protection Act 2018, Schedule 2, paragraph 16).
"""


@dataclass(frozen=True)
class SarResult:
    folder: Path
    cases: int
    records: int
    documents: int
    audit_entries: int
    third_parties: tuple[str, ...]


class SarService(UserService):
    def export_for_case(self, case_id: int, folder: Path) -> SarResult:
        """The request for the child whose case this is."""
        with self._db.read() as s:
            child_id = records.load(s, EhcpCase, case_id, "case").child_id
        return self.export(child_id, folder)

    def export(self, child_id: int, folder: Path) -> SarResult:
        """Write everything held about the child and their family into ``folder`` (new)."""
        if folder.exists():
            raise UserError(f"{folder} already exists: choose a new folder for the request.")
        if not folder.parent.is_dir():
            raise UserError(f"The folder {folder.parent} does not exist.")
        with self._db.uow() as s:
            self._require(s, Can.AUDIT)
            child = records.load(s, Child, child_id, "child")
            held = _held(s, child)
            name = f"{child.first_name} {child.last_name}"
            try:
                result = _write(folder, held, name, self.user, self._now())
            except OSError as exc:
                raise UserError(f"The request could not be written to {folder} ({exc}).") from None
            detail = (
                f"Subject access request for child {child_id} written to {folder.name}: "
                f"{result.cases} case(s), {result.records} records, {result.documents} "
                f"document(s), {result.audit_entries} audit entries"
            )
            records.audit(s, self.user, self._now(), "export", child, None, detail)
            return result


@dataclass
class _Held:
    child: dict
    family: dict
    contacts: list[dict]
    cases: list[dict]
    communications: list[dict]
    documents: list[tuple[str, bytes]]
    audit: list[dict]
    named: set[str]


def _held(s: Session, child: Child) -> _Held:
    family = child.family
    named = {c.name for c in family.contacts}  # other family contacts: third parties too
    cases = []
    case_ids = []
    for case in sorted(child.cases, key=lambda c: c.id):
        case_ids.append(case.id)
        parts = {}
        for model in CASE_PARTS:
            rows = s.scalars(select(model).where(model.case_id == case.id).order_by(model.id))
            parts[model.__tablename__] = [_public(dump_row(r)) for r in rows]
        cases.append({"case": dump_row(case), **parts})
        for doc in parts.get("document", []):
            named.add(doc.get("came_from") or "")
    comms = [
        dump_row(c)
        for c in s.scalars(
            select(Communication)
            .where(Communication.family_id == family.id)
            .order_by(Communication.occurred_at, Communication.id)
        )
    ]
    named |= {c.get("with_whom") or "" for c in comms} | {c.get("logged_by") or "" for c in comms}
    docs = []
    if case_ids:
        files = (
            select(Document.id, Document.file_name, StoredFile.data)
            .join(StoredFile, StoredFile.sha256 == Document.sha256)
            .where(Document.case_id.in_(case_ids))
            .order_by(Document.id)
        )
        for doc_id, file_name, data in s.execute(files):
            name = safe_file_name(file_name, doc_id, "document")
            docs.append((f"{doc_id:05d} {name}", bytes(data)))
    audit = [
        {
            "at": e.at.isoformat(),
            "who": e.who,
            "action": e.action,
            "record": e.record_type,
            "case_id": e.case_id,
            "detail": e.detail,
        }  # fmt: skip
        for e in s.scalars(
            select(AuditEntry)
            .where(AuditEntry.case_id.in_(case_ids or [-1]))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    ]
    named |= {str(e["who"]) for e in audit}
    parents = {family.parent_carer_name or ""}
    child_name = f"{child.first_name} {child.last_name}"
    return _Held(
        dump_row(child),
        dump_row(family),
        [dump_row(c) for c in s.scalars(select(Contact).where(Contact.family_id == family.id))],
        cases,
        comms,
        docs,
        audit,
        {n.strip() for n in named if n and n.strip()} - parents - {child_name},
    )


def _public(row: dict) -> dict:
    """A row as the person may read it: a document's text is in its file already."""
    return {k: v for k, v in row.items() if k != "body_text"}


def _write(folder: Path, held: _Held, name: str, who: str, now: datetime) -> SarResult:
    folder.mkdir()
    (folder / "documents").mkdir()
    everything = {
        "child": held.child,
        "family": held.family,
        "contacts": held.contacts,
        "cases": held.cases,
    }
    (folder / "records.json").write_text(
        json.dumps(everything, ensure_ascii=False, indent=2, default=_plain), encoding="utf-8"
    )
    _csv(folder / "communications.csv", held.communications)
    _csv(folder / "audit.csv", held.audit)
    for file_name, data in held.documents:
        (folder / "documents" / file_name).write_bytes(data)
    third = tuple(sorted(held.named, key=str.casefold))
    (folder / "third-parties.txt").write_text(
        "Other people named: review before release.\n\n" + "\n".join(third) + "\n",
        encoding="utf-8",
    )
    (folder / "README.txt").write_text(
        README.format(name=name, made=now.strftime("%d %b %Y %H:%M"), who=who), encoding="utf-8"
    )
    count = sum(
        len(rows) for case in held.cases for rows in case.values() if isinstance(rows, list)
    )
    return SarResult(
        folder,
        len(held.cases),
        count + len(held.cases) + 1,
        len(held.documents),
        len(held.audit),
        third,
    )


def _csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        if not rows:
            return
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _plain(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
