"""Trash: deleting a communication, task or case moves its rows into the trash, whence they
can be restored whole; only an administrator removes them for good. Closed cases past the
retention period are listed for review, never deleted automatically.

A deleted case takes its dependent rows with it (events, advice, tasks, reviews, exceptions,
disagreements, assignments, communications about it, e-mails in the outbox), and its child
and family when they have no other case: nothing about a case deleted by mistake is left
behind, and a restore puts every row back with its own id (or a new one, if that id has been
used since). The trash does not keep a document's text (on a team database anyone signed in
may read what an item holds): a restore reads it again from the document's file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Table, delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseload_app.db.engine import ONE_CHILD_EACH, refused_value
from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    Assignment,
    Base,
    CaseException,
    Child,
    Communication,
    Contact,
    Disagreement,
    Document,
    EhcpCase,
    Family,
    OutboxMessage,
    Placement,
    PlanAudit,
    PlanVersion,
    Reassessment,
    SchoolConsultation,
    StageEvent,
    StoredFile,
    Task,
    TrashItem,
    TribunalOrder,
)
from caseload_app.domain import codes, deadlines, exceptions, reassessment, updates
from caseload_app.domain.access import Can
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import (
    consultation_label,
    live_case_id,
    order_label,
    reassessment_label,
)
from caseload_app.services.casework import keep_exception_limits
from caseload_app.services.documents import file_text, plan_words
from caseload_app.services.errors import UserError
from caseload_app.services.fields import refresh_search_keys
from caseload_app.services.placements import (
    keep_setting_in_step,
    main_name_now,
    placement_label,
    refuse_clash,
)
from caseload_app.services.settings import TeamSettingsService

# What hangs off a case, in the order rows go back in (parents first).
CASE_PARTS = (
    StageEvent,
    AdviceRequest,
    Task,
    AnnualReview,
    CaseException,
    Disagreement,
    TribunalOrder,
    SchoolConsultation,
    Reassessment,
    PlanVersion,
    PlanAudit,
    Document,
    OutboxMessage,
)
KINDS = {
    "communication": "Communication",
    "task": "Task",
    "ehcp_case": "Case",
    "case_exception": "Exception",
    "advice_request": "Advice request",
    "annual_review": "Annual review",
    "tribunal_order": "Tribunal order",
    "school_consultation": "School consultation",
    "reassessment": "Re-assessment",
    "plan_version": "EHC plan version",
    "plan_audit": "EHC plan audit",
    "document": "Document",
    "placement": "Placement",
}


@dataclass(frozen=True)
class TrashInfo:
    id: int
    kind: str  # Communication / Task / Case
    label: str
    case_id: int | None
    deleted_at: datetime
    deleted_by: str
    reason: str
    rows: int  # how many records come back on restore


@dataclass(frozen=True)
class Restored:
    record_type: str
    record_id: int
    case_id: int | None
    renumbered: int  # rows given a new id because theirs had been used since


@dataclass(frozen=True)
class RetentionInfo:
    case_id: int
    child_name: str
    date_of_birth: date
    closed_on: date
    stage: str
    review_from: date  # closed_on + the retention period


def _one_reassessment_open(s, case_id: int) -> None:
    rows = s.execute(
        select(Reassessment.decision, Reassessment.plan_finalised).where(
            Reassessment.case_id == case_id
        )
    ).all()
    if sum(reassessment.is_open(d, f) for d, f in rows) > 1:
        raise UserError(
            "Not restored: another re-assessment of this case is under way (one at a time). "
            "Record its decision or plan, or withdraw it, first."
        )


class TrashService(UserService):
    # ------------------------------------------------------------------ deleting
    def delete_communication(self, communication_id: int, reason: str = "") -> int:
        """A contact logged by mistake; an issued letter's takes its kept PDF with it (the
        copy of a letter that was never sent is not the case file's), and back on restore."""
        with self._db.uow() as s:
            comm = records.load(s, Communication, communication_id, "communication")
            self._check_contact(s, comm)
            kept = list(
                s.scalars(
                    select(Document)
                    .where(Document.communication_id == comm.id)
                    .order_by(Document.id)
                )
            )
            if kept and comm.case_id is not None:
                self._case_to_edit(s, comm.case_id)  # its copy leaves the case file too
            when = comm.occurred_at.strftime("%d %b %Y %H:%M")
            label = f"{comm.channel.title()} {when} with {comm.with_whom or '—'}: " + _short(
                comm.summary
            )
            bundle = [(Communication, [comm]), (Document, kept)]
            return self._trash(s, comm, comm.case_id, label, bundle, reason)

    def delete_task(self, task_id: int, reason: str = "") -> int:
        with self._db.uow() as s:
            task = records.load(s, Task, task_id, "task")
            self._case_to_edit(s, task.case_id)
            label = f"Task: {task.title}"
            return self._trash(s, task, task.case_id, label, [(Task, [task])], reason)

    def withdraw_exception(self, exception_id: int, reason: str) -> int:
        """An exception recorded by mistake: into the trash (restorable), with the reason.
        The case's greyed time limits become those its other exceptions cover."""
        _need_reason(reason, "exception")
        with self._db.uow() as s:
            row = records.load(s, CaseException, exception_id, "exception")
            case = self._case_to_edit(s, row.case_id)
            keep_exception_limits(s, case, self.user, self._now(), leaving_out=row.id)
            ground = codes.label_for(codes.exception_grounds(), row.ground)
            label = f"Exception from {deadlines.format_date(row.period_start)}: {ground}"
            return self._trash(s, row, case.id, label, [(CaseException, [row])], reason)

    def withdraw_placement(self, placement_id: int, version: int, reason: str) -> int:
        """A placement recorded by mistake (the wrong child, the wrong school): into the
        trash, with the reason. The case list's setting follows the child's main placement."""
        _need_reason(reason, "placement")
        with self._db.uow() as s:
            row = records.load(s, Placement, placement_id, "placement")
            child = records.load(s, Child, row.child_id, "child")
            self._check_children(s, [child])
            records.check_version(s, row, version, "placement")
            before = main_name_now(s, child.id, self._today())
            keep_setting_in_step(
                s, child, before, self._today(), self.user, self._now(), leaving_out=row.id
            )
            case_id = live_case_id(child)
            label = placement_label(row)
            return self._trash(s, row, case_id, label, [(Placement, [row])], reason)

    def withdraw_advice(self, advice_id: int, reason: str) -> int:
        """An advice request made by mistake (the wrong type, the wrong case)."""
        _need_reason(reason, "advice request")
        with self._db.uow() as s:
            row = records.load(s, AdviceRequest, advice_id, "advice request")
            self._case_to_edit(s, row.case_id)
            kind = codes.label_for(codes.advice_types(), row.advice_type)
            label = f"Advice request: {kind}, {deadlines.format_date(row.requested)}"
            return self._trash(s, row, row.case_id, label, [(AdviceRequest, [row])], reason)

    def withdraw_tribunal_order(self, order_id: int, reason: str) -> int:
        """An order recorded by mistake (the wrong case, the wrong kind): into the trash."""
        _need_reason(reason, "Tribunal order")
        with self._db.uow() as s:
            row = records.load(s, TribunalOrder, order_id, "Tribunal order")
            self._case_to_edit(s, row.case_id)
            label = f"Tribunal order: {order_label(row)}"
            return self._trash(s, row, row.case_id, label, [(TribunalOrder, [row])], reason)

    def withdraw_reassessment(self, reassessment_id: int, reason: str) -> int:
        """A re-assessment recorded by mistake (the wrong case, a letter that was not a
        request): into the trash, with the reason."""
        _need_reason(reason, "re-assessment")
        with self._db.uow() as s:
            row = records.load(s, Reassessment, reassessment_id, "re-assessment")
            self._case_to_edit(s, row.case_id)
            label = f"Re-assessment: {reassessment_label(row)}"
            return self._trash(s, row, row.case_id, label, [(Reassessment, [row])], reason)

    def withdraw_school_consultation(self, consultation_id: int, reason: str) -> int:
        """A consultation recorded by mistake (the wrong school, the wrong case)."""
        _need_reason(reason, "consultation")
        with self._db.uow() as s:
            row = records.load(s, SchoolConsultation, consultation_id, "consultation")
            self._case_to_edit(s, row.case_id)
            label = f"School consultation: {consultation_label(row)}"
            parts = [(SchoolConsultation, [row])]
            return self._trash(s, row, row.case_id, label, parts, reason)

    def withdraw_review(self, review_id: int, reason: str) -> int:
        """A review booked by mistake; one already decided is corrected, not withdrawn."""
        _need_reason(reason, "review")
        with self._db.uow() as s:
            row = records.load(s, AnnualReview, review_id, "review")
            self._case_to_edit(s, row.case_id)
            if row.decision_date is not None:
                raise UserError(
                    "This review has its decision recorded, so it is part of the plan's "
                    "history: correct its dates (Update review) instead of withdrawing it."
                )
            meeting = deadlines.format_date(row.meeting_date) if row.meeting_date else "no date"
            label = f"Annual review: meeting {meeting}"
            return self._trash(s, row, row.case_id, label, [(AnnualReview, [row])], reason)

    def delete_document(self, document_id: int, reason: str) -> int:
        """A document added by mistake (the wrong case, the wrong file), with an e-mail's
        attachments: into the trash, with the reason. Its bytes stay until the trash item
        is removed for good."""
        _need_reason(reason, "document")
        with self._db.uow() as s:
            row = records.load(s, Document, document_id, "document")
            self._case_to_edit(s, row.case_id)
            if row.attached_to_id is not None:
                raise UserError(
                    "This is an attachment of an e-mail: delete the e-mail, and its "
                    "attachments go with it."
                )
            if row.plan_version_id is not None:
                raise UserError(
                    "This is the file of an issued plan version, kept as it was issued: it "
                    "stays on the case file with its version."
                )
            if row.communication_id is not None:
                raise UserError(
                    "This is the kept copy of a letter that was issued: it stays on the case "
                    "file with the letter's entry in the communication log. A letter logged by "
                    "mistake is deleted there (Communications tab), and its copy goes with it."
                )
            attached = list(
                s.scalars(
                    select(Document).where(Document.attached_to_id == row.id).order_by(Document.id)
                )
            )
            label = f"Document: {row.title} ({deadlines.format_date(row.dated)})"
            bundle = [(Document, [row, *attached])]
            return self._trash(s, row, row.case_id, label, bundle, reason)

    def delete_case(self, case_id: int, reason: str) -> int:
        """A case created by mistake, with everything that hangs off it."""
        if not reason.strip():
            raise UserError("Say why this case is being deleted (it is kept in the audit trail).")
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            child = case.child
            label = (
                f"Case: {child.first_name} {child.last_name} (born "
                f"{child.date_of_birth:%d %b %Y}), request received "
                f"{deadlines.format_date(case.request_received)}"
            )
            return self._trash(s, case, case.id, label, _case_bundle(s, case), reason)

    def _trash(self, s: Session, row, case_id, label: str, bundle, reason: str) -> int:
        payload = {model.__tablename__: [_kept(r) for r in rows] for model, rows in bundle}
        item = TrashItem(
            record_type=row.__tablename__,
            record_id=row.id,
            case_id=case_id,
            label=label,
            payload=json.dumps(payload),
            deleted_at=self._now(),
            deleted_by=self.user,
            reason=reason.strip(),
        )
        s.add(item)
        s.flush()
        for model, rows in reversed(bundle):  # children before parents
            ids = [r.id for r in rows]
            if ids:
                s.execute(delete(model.__table__).where(model.__table__.c.id.in_(ids)))
        detail = f"moved to trash: {label}" + (f" — {reason.strip()}" if reason.strip() else "")
        records.audit(s, self.user, self._now(), "delete", row, case_id, detail)
        s.flush()
        s.expunge_all()  # the rows are gone: nothing may flush them again
        return item.id

    # ------------------------------------------------------------------ the trash
    def items(self) -> list[TrashInfo]:
        with self._db.read() as s:
            found = s.scalars(
                select(TrashItem)
                .where(TrashItem.restored_at.is_(None))
                .order_by(TrashItem.deleted_at.desc())
            )
            return [_info(t) for t in found]

    def restore(self, trash_id: int) -> Restored:
        with self._db.uow() as s:
            item = records.load(s, TrashItem, trash_id, "item in the trash")
            if item.restored_at is not None:
                raise UserError(f"That item was restored already, by {item.restored_by}.")
            if item.deleted_by != self.user:  # a team lead restores anyone's deletion
                self._require(s, Can.EDIT_ANY)
            payload = json.loads(item.payload)
            renumber: dict[tuple[str, int], int] = {}
            try:
                for table_name, rows in payload.items():
                    table = Base.metadata.tables[table_name]
                    for raw in rows:
                        values = _follow(table, _load(table, raw), renumber)
                        if table_name == "document" and "body_text" not in raw:
                            values["body_text"] = _text_again(s, item.id, values)
                        _put_back(s, table, values, renumber)
            except IntegrityError as exc:
                raise UserError(_why_not_restored(item, exc)) from exc
            _keys_again(s, payload.get("child", []), renumber)
            record_id = renumber.get((item.record_type, item.record_id), item.record_id)
            case_id = (
                renumber.get(("ehcp_case", item.case_id), item.case_id) if item.case_id else None
            )
            if payload.get("reassessment") and case_id is not None:
                s.flush()  # one under way per case: a restored one may not make two
                _one_reassessment_open(s, case_id)
            if item.record_type == "placement":
                s.flush()  # one placement of each rank at a time: a restored one too
                self._placement_back(s, record_id)
            if payload.get("case_exception") and case_id is not None:
                case = records.load(s, EhcpCase, case_id, "case")
                s.flush()
                keep_exception_limits(s, case, self.user, self._now())
            item.restored_at, item.restored_by, item.payload = self._now(), self.user, "{}"
            detail = f"restored from trash: {item.label}"
            if renumber:
                detail += f" ({len(renumber)} records renumbered)"
            named = records.Named(item.record_type, record_id)
            records.audit(s, self.user, self._now(), "restore", named, case_id, detail)
            return Restored(item.record_type, record_id, case_id, len(renumber))

    def _placement_back(self, s: Session, placement_id: int) -> None:
        why_not = refuse_clash(s, placement_id)
        if why_not is not None:
            raise UserError(f"Not restored: {why_not}")
        row = records.load(s, Placement, placement_id, "placement")
        child = records.load(s, Child, row.child_id, "child")
        before = main_name_now(s, child.id, self._today(), leaving_out=placement_id)
        keep_setting_in_step(s, child, before, self._today(), self.user, self._now())

    def purge(self, trash_id: int) -> None:
        """Remove an item from the trash for good: administrators only, and audited."""
        with self._db.uow() as s:
            self._require(s, Can.PURGE)
            item = records.load(s, TrashItem, trash_id, "item in the trash")
            named = records.Named(item.record_type, item.record_id)
            detail = f"removed for good from the trash: {item.label}"
            records.audit(s, self.user, self._now(), "purge", named, item.case_id, detail)
            held = _held_files(json.loads(item.payload))
            s.delete(item)
            s.flush()
            _forget_files(s, held)

    # ------------------------------------------------------------------ retention
    def retention_due(self) -> list[RetentionInfo]:
        """Closed cases whose retention period has passed, oldest first, for a person to
        review. Nothing is deleted here or anywhere else automatically. The list names
        children, so looking at it is recorded in the audit trail (same transaction)."""
        years = TeamSettingsService(self._db).retention_years()
        today = self._today()
        closed_on = (
            select(StageEvent.case_id, func.max(StageEvent.on_date).label("on"))
            .group_by(StageEvent.case_id)
            .subquery()
        )
        query = (
            select(EhcpCase, Child, closed_on.c.on)
            .join(Child, EhcpCase.child_id == Child.id)
            .join(closed_on, closed_on.c.case_id == EhcpCase.id)
            .where(EhcpCase.is_open.is_(False))
            .order_by(closed_on.c.on)
        )
        found = []
        with self._db.uow() as s:
            for case, child, on in s.execute(query):
                on = on if isinstance(on, date) else date.fromisoformat(str(on))
                review_from = _add_years(on, years)
                if review_from <= today:
                    found.append(
                        RetentionInfo(
                            case_id=case.id,
                            child_name=f"{child.first_name} {child.last_name}",
                            date_of_birth=child.date_of_birth,
                            closed_on=on,
                            stage=codes.label_or_code(codes.stages(), case.stage) or "",
                            review_from=review_from,
                        )
                    )
            detail = f"viewed the retention review list: {len(found)} closed cases"
            named = records.Named("retention_review", None)
            records.audit(s, self.user, self._now(), "view", named, None, detail)
        return found


def _need_reason(reason: str, what: str) -> None:
    if not reason.strip():
        raise UserError(f"Say why this {what} is being withdrawn (it is kept in the trash).")


# ---------------------------------------------------------------------- rows as JSON
def _case_bundle(s: Session, case: EhcpCase) -> list[tuple[type, list]]:
    """Every row a deleted case takes with it, parents first."""
    child, family = case.child, case.child.family
    bundle: list[tuple[type, list]] = []
    only_case = [c.id for c in child.cases] == [case.id]
    only_child = only_case and [c.id for c in family.children] == [child.id]
    if only_child:
        bundle += [(Family, [family]), (Contact, list(family.contacts))]
    if only_case:
        placements = s.scalars(
            select(Placement).where(Placement.child_id == child.id).order_by(Placement.id)
        )
        bundle += [(Child, [child]), (Placement, list(placements))]
    bundle.append((EhcpCase, [case]))
    # Before the case's parts: an issued letter's document refers to its communication.
    comms = select(Communication).where(Communication.case_id == case.id)
    if only_child:
        comms = select(Communication).where(Communication.family_id == family.id)
    bundle.append((Communication, list(s.scalars(comms.order_by(Communication.id)))))
    for model in CASE_PARTS:
        rows = s.scalars(select(model).where(model.case_id == case.id).order_by(model.id))
        bundle.append((model, list(rows)))
    bundle.append(
        (Assignment, list(s.scalars(select(Assignment).where(Assignment.case_id == case.id))))
    )
    return bundle


def _kept(row) -> dict:
    """A row as the trash keeps it: every column but a document's text, which anyone signed
    in to a team database could read there (a restore reads it again from the file)."""
    return dump_row(row, leaving_out=("body_text",) if isinstance(row, Document) else ())


def _text_again(s: Session, trash_id: int, doc: dict) -> str:
    """A restored document's text to search it by, as it was when added: an issued plan's
    words, else read from its file (on a team database only someone who may restore the
    item may read the file of a document in the trash)."""
    if doc["plan_version_id"] is not None:
        content = s.scalar(
            select(PlanVersion.content).where(PlanVersion.id == doc["plan_version_id"])
        )
        if content is not None:
            return plan_words(content)
    data = s.scalar(select(StoredFile.data).where(StoredFile.sha256 == doc["sha256"]))
    if data is None and s.get_bind().dialect.name == "postgresql":
        data = s.scalar(
            text("SELECT caseload_trashed_file(:item, :sha)"),
            {"item": trash_id, "sha": doc["sha256"]},
        )
    return file_text(bytes(data), doc["file_name"]) if data is not None else ""


def dump_row(row, leaving_out: tuple[str, ...] = ()) -> dict:
    """A row as JSON-ready values (dates as ISO text), every column but those left out (not
    even loaded: a document's text may be megabytes)."""
    values = {}
    for column in row.__table__.columns:
        if column.name in leaving_out:
            continue
        value = getattr(row, column.key)
        values[column.name] = value.isoformat() if isinstance(value, date | datetime) else value
    return values


# Columns added since a row could have gone into the trash: what a row from an older version's
# payload gets (the same as the migration that added the column gave rows in the database).
_OLD_PAYLOADS = {
    # migration 0009: every limit its ground allows; a flagged case, what the flag greyed
    ("case_exception", "limits"): lambda raw: exceptions.limits_text(
        exceptions.limits_for_ground(str(raw.get("ground")))
    ),
    ("ehcp_case", "exception_limits"): lambda raw: (
        "decide_assess decide_issue final_plan" if raw.get("exception_applies") else ""
    ),
    # migration 0010: the adviser received it the day it was sent
    ("advice_request", "received_by_adviser"): lambda raw: raw.get("requested"),
    # migration 0024: with the family unless it names a professional
    ("communication", "with_family"): lambda raw: updates.likely_with_family(
        str(raw.get("with_whom") or "")
    ),
    # migration 0027: worked out again once the child is back (_keys_again)
    ("child", "sort_name"): lambda raw: "",
    ("child", "family_sort_name"): lambda raw: "",
}


def _load(table: Table, raw: dict) -> dict:
    values = {}
    for column in table.columns:
        fill = _OLD_PAYLOADS.get((table.name, column.name))
        value = fill(raw) if column.name not in raw and fill else raw.get(column.name)
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        values[column.name] = value
    return values


def _held_files(payload: dict) -> set[str]:
    """The stored files a trash item's rows hold: its documents' and its e-mails'."""
    return {d["sha256"] for d in payload.get("document", [])} | {
        m["eml_sha256"] for m in payload.get("outbox", [])
    }


def _forget_files(s: Session, digests: set[str]) -> None:
    """Remove the stored bytes no document or e-mail in the outbox holds any more, nor any
    other item in the trash (on a team server, the server's own function decides, as the
    person cannot see them)."""
    if s.get_bind().dialect.name != "sqlite":
        for digest in sorted(digests):
            s.execute(text("SELECT caseload_forget_file(:sha)"), {"sha": digest})
        return
    for digest in sorted(digests):
        if s.scalar(select(Document.id).where(Document.sha256 == digest).limit(1)) is not None:
            continue
        queued = select(OutboxMessage.id).where(OutboxMessage.eml_sha256 == digest).limit(1)
        if s.scalar(queued) is not None:
            continue
        others = select(TrashItem.id).where(TrashItem.payload.contains(digest)).limit(1)
        if s.scalar(others) is None:
            s.execute(delete(StoredFile).where(StoredFile.sha256 == digest))


def _follow(table: Table, values: dict, renumber: dict) -> dict:
    """References to rows renumbered earlier in the same restore follow them."""
    for column in table.columns:
        for fk in column.foreign_keys:
            key = (fk.column.table.name, values[column.name])
            if key in renumber:
                values[column.name] = renumber[key]
    return values


def _keys_again(s: Session, children: list[dict], renumber: dict) -> None:
    """A restored child's search and sort keys as its names and family are now: the
    family may have been renamed since, and a deletion before 0027 kept no sort keys."""
    if not children:
        return
    s.flush()
    for raw in children:
        child_id = renumber.get(("child", raw["id"]), raw["id"])
        refresh_search_keys(records.load(s, Child, child_id, "child"))


def _put_back(s: Session, table: Table, values: dict, renumber: dict) -> None:
    """Insert a row with its own id, or the next free one if that id has been used since."""
    old = values["id"]
    if s.execute(select(table.c.id).where(table.c.id == old)).first() is not None:
        values["id"] = (s.scalar(select(func.max(table.c.id))) or 0) + 1
        renumber[(table.name, old)] = values["id"]
    s.execute(insert(table).values(**values))


def _why_not_restored(item: TrashItem, exc: IntegrityError) -> str:
    refused = refused_value(exc)
    if refused is not None and refused.column in ONE_CHILD_EACH:
        what = ONE_CHILD_EACH[refused.column]
        return (
            f"Not restored: a child recorded since this case was deleted has the same {what}, "
            f"and only one child may have it. Check which record is right, correct the {what} "
            "on the other one, then restore this again."
        )
    if "uq_ehcp_case_live_child" in str(exc) or "ehcp_case.child_id" in str(exc):
        return (
            "Not restored: this child has another open case now, and a child can have only "
            "one open case at a time. Close that case first, then restore this one."
        )
    return (
        f"Not restored: {item.label} refers to something that is no longer there "
        f"(for example a caseworker or a family removed since). ({exc.orig})"
    )


def _info(t: TrashItem) -> TrashInfo:
    rows = sum(len(v) for v in json.loads(t.payload).values())
    return TrashInfo(
        id=t.id,
        kind=KINDS.get(t.record_type, t.record_type),
        label=t.label,
        case_id=t.case_id,
        deleted_at=t.deleted_at,
        deleted_by=t.deleted_by,
        reason=t.reason,
        rows=rows,
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)
