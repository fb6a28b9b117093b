"""Quality audits of EHC plans: a team lead (or a QA officer given that role) scores a case's
plan against the council's checklist, pre-filled by the automated checks, comments per
section, and sends it back for rework or signs it off; the team's figures over time.

A plan is audited by a second person: whoever wrote or last saved the version cannot audit it.
Each public method is one user action, one transaction, audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseload_app.db.models import AppSetting, Caseworker, Child, EhcpCase, PlanAudit, PlanVersion
from caseload_app.domain import phases
from caseload_app.domain.access import Can
from caseload_app.domain.codes import CodeListError
from caseload_app.domain.plan import plan_from_dict
from caseload_app.domain.plan_audit import (
    AUDIT_SECTIONS,
    SCORE_LABELS,
    ChecklistItem,
    ItemScore,
    QaFigures,
    QaRow,
    checklist_to_csv,
    default_checklist,
    month_starts,
    parse_checklist,
    percent,
    prefill,
    qa_figures,
    section_percents,
)
from caseload_app.domain.plan_checks import run_checks
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.settings import TeamSettingsService, plan_rules_off

__all__ = ["CHECKLIST_KEY", "OUTCOMES", "AuditState", "PlanAuditService", "audit_rows"]

CHECKLIST_KEY = "plan_qa_checklist"  # the council's checklist as CSV text (app_setting)
OUTCOMES = {"rework": "Sent back for rework", "signed_off": "Signed off"}
NOTE_LIMIT = 2000
COMMENT_LIMIT = 4000
ONE_OPEN = "This plan already has an audit under way: finish that one first."


@dataclass(frozen=True)
class AuditState:
    id: int
    version: int
    case_id: int
    plan_version_id: int
    plan_number: int
    auditor: str
    caseworker: str  # the case's caseworker when the audit started ("" if none)
    started_on: date
    items: tuple[ItemScore, ...]
    comments: Mapping[str, str]  # section -> comment
    outcome: str | None  # None: under way
    decided_on: date | None
    score: int | None
    plan_changed: bool  # decided, and the plan has been changed since

    @property
    def percent(self) -> int | None:
        return percent(self.items)

    @property
    def section_percents(self) -> dict[str, int]:
        return section_percents(self.items)

    @property
    def status(self) -> str:
        if self.outcome is None:
            return f"Audit under way by {self.auditor} since {self.started_on:%d %b %Y}"
        done = f"{OUTCOMES[self.outcome]} by {self.auditor} on {self.decided_on:%d %b %Y}"
        score = f" ({self.score}%)" if self.score is not None else ""
        later = "; the plan has been changed since" if self.plan_changed else ""
        return done + score + later


class PlanAuditService(UserService):
    # ------------------------------------------------------------------ the checklist
    def checklist(self) -> tuple[ChecklistItem, ...]:
        """The council's checklist, or the shipped one if it has none of its own."""
        with self._db.read() as s:
            return _checklist(s)

    def checklist_csv(self) -> str:
        return checklist_to_csv(self.checklist())

    def set_checklist(self, text: str, name: str = "the checklist") -> tuple[ChecklistItem, ...]:
        """Replace the council's checklist (a CSV with key, section, question, source, rules);
        audits under way keep the questions they started with."""
        try:
            items = parse_checklist(text, name)
        except CodeListError as exc:
            raise UserError(str(exc)) from None
        with self._db.uow() as s:
            self._require(s, Can.QA_PLANS)
            settings = TeamSettingsService(self._db, self.user, self._today, self._now)
            settings._audited(s, CHECKLIST_KEY, checklist_to_csv(items))
        return items

    def reset_checklist(self) -> tuple[ChecklistItem, ...]:
        """Back to the shipped checklist."""
        with self._db.uow() as s:
            self._require(s, Can.QA_PLANS)
            settings = TeamSettingsService(self._db, self.user, self._today, self._now)
            settings._audited(s, CHECKLIST_KEY, "")
        return default_checklist()

    # ------------------------------------------------------------------ reading
    def audits(self, case_id: int) -> list[AuditState]:
        """The case's audits, the newest first."""
        with self._db.read() as s:
            records.load(s, EhcpCase, case_id, "case")
            rows = s.scalars(
                select(PlanAudit)
                .where(PlanAudit.case_id == case_id)
                .order_by(PlanAudit.started_on.desc(), PlanAudit.id.desc())
            )
            return [_state(s, row) for row in rows]

    def latest(self, case_id: int) -> AuditState | None:
        found = self.audits(case_id)
        return found[0] if found else None

    # ------------------------------------------------------------------ writing
    def start(self, case_id: int) -> AuditState:
        """Open an audit of the case's plan (its working copy, else its latest issued version),
        pre-filled from the automated checks."""
        with self._db.uow() as s:
            self._require(s, Can.QA_PLANS)
            case = records.load(s, EhcpCase, case_id, "case")
            plan_row = _plan_to_audit(s, case_id)
            if plan_row is None:
                raise UserError("This case has no plan written yet: there is nothing to audit.")
            if self.user in {plan_row.created_by, plan_row.updated_by}:
                raise UserError(
                    "A plan is audited by a second person: you wrote or last saved this "
                    "version, so ask another team lead or QA officer to audit it."
                )
            if _open_audit(s, case_id) is not None:
                raise UserError(ONE_OPEN)
            plan = plan_from_dict(json.loads(plan_row.content))
            adult = phases.year_group_for(case.child.date_of_birth, self._today()) >= 9
            off = frozenset(plan_rules_off(s))
            findings = run_checks(
                plan, draft=plan_row.kind == "draft", adulthood_due=adult, off=off
            )
            now = self._now()
            row = PlanAudit(
                case_id=case_id,
                plan_version_id=plan_row.id,
                caseworker_id=case.caseworker_id,
                auditor=self.user,
                started_on=self._today(),
                items=_items_json(prefill(_checklist(s), findings, off)),
                comments="{}",
                created_by=self.user,
                created_at=now,
                updated_by=self.user,
                updated_at=now,
            )
            detail = f"Audit of plan version {plan_row.number} started"
            try:
                records.create(s, row, user=self.user, now=now, case_id=case_id, detail=detail)
            except IntegrityError:  # another lead started one a moment ago
                raise UserError(ONE_OPEN) from None
            return _state(s, row)

    def save(
        self,
        audit_id: int,
        version: int,
        items: Sequence[ItemScore],
        comments: Mapping[str, str],
    ) -> AuditState:
        """Save the scores and comments of an audit under way."""
        with self._db.uow() as s:
            row = self._open_row(s, audit_id, version)
            self._write(s, row, items, comments, "saved")
            return _state(s, row)

    def decide(
        self,
        audit_id: int,
        version: int,
        items: Sequence[ItemScore],
        comments: Mapping[str, str],
        outcome: str,
    ) -> AuditState:
        """Save, then send the plan back for rework (a comment says what to change) or sign it
        off (every item scored); the score and the content decided on are kept."""
        if outcome not in OUTCOMES:
            raise UserError(f"An audit is decided as one of {', '.join(OUTCOMES)}.")
        with self._db.uow() as s:
            row = self._open_row(s, audit_id, version)
            scored = _checked_items(row, items)
            notes = _checked_comments(comments)
            if outcome == "rework" and not notes:
                raise UserError(
                    "Say what to rework: write a comment on at least one section before "
                    "sending the plan back."
                )
            if outcome == "signed_off":
                missing = [i.question for i in scored if i.score is None]
                if missing:
                    raise UserError(
                        f"Score every item before signing off ({len(missing)} not scored, "
                        f"the first: {missing[0]})."
                    )
            plan_row = s.get(PlanVersion, row.plan_version_id)
            assert plan_row is not None  # a foreign key
            row.outcome, row.decided_on = outcome, self._today()
            row.score = percent(scored)
            row.plan_sha256 = _sha(plan_row.content)
            self._write(s, row, scored, notes, OUTCOMES[outcome].lower())
            return _state(s, row)

    def withdraw(self, audit_id: int, version: int) -> None:
        """Abandon an audit under way (started by mistake): it is removed, audited."""
        with self._db.uow() as s:
            row = self._open_row(s, audit_id, version, scoring=False)
            records.audit(
                s, self.user, self._now(), "delete", row, row.case_id, "Plan audit withdrawn"
            )
            s.delete(row)

    # ------------------------------------------------------------------ the team's figures
    def figures(self, start: date, end: date, months: int = 6) -> QaFigures:
        """Audits decided from ``start`` to ``end`` (both included), with each caseworker's
        average score for each of the ``months`` months up to ``end``."""
        self._allowed(Can.REPORTS)
        with self._db.read() as s:
            return qa_figures(
                audit_rows(s, min(start, month_starts(end, months)[0]), end), start, end, months
            )

    # ------------------------------------------------------------------ helpers
    def _open_row(
        self, s: Session, audit_id: int, version: int, *, scoring: bool = True
    ) -> PlanAudit:
        """The audit under way; to score or decide it, for its own auditor, who is still a
        second person (any team lead may withdraw one)."""
        self._require(s, Can.QA_PLANS)
        row = records.load(s, PlanAudit, audit_id, "plan audit")
        records.check_version(s, row, version, "plan audit")
        if row.outcome is not None:
            raise UserError("This audit has been decided: start a new one to audit again.")
        if not scoring:
            return row
        if row.auditor != self.user:
            raise UserError(
                f"This audit is {row.auditor}'s: only they save or decide it (or withdraw it "
                "and start another)."
            )
        plan_row = s.get(PlanVersion, row.plan_version_id)
        if plan_row is not None and self.user in {plan_row.created_by, plan_row.updated_by}:
            raise UserError(
                "You have written or saved this plan since the audit started, so you are no "
                "longer the second person: withdraw the audit and ask another to audit it."
            )
        return row

    def _write(
        self,
        s: Session,
        row: PlanAudit,
        items: Sequence[ItemScore],
        comments: Mapping[str, str],
        how: str,
    ) -> None:
        row.items = _items_json(_checked_items(row, items))
        row.comments = json.dumps(_checked_comments(comments), ensure_ascii=False, sort_keys=True)
        row.updated_by, row.updated_at = self.user, self._now()
        score = percent(_items_of(row))
        shown = f"{score}%" if score is not None else "nothing scored"
        detail = f"Plan audit {how}: {shown}"
        records.audit(s, self.user, self._now(), "update", row, row.case_id, detail)
        s.flush()


def audit_rows(s: Session, start: date, end: date) -> list[QaRow]:
    """Every audit decided from ``start`` to ``end``, as the figures need them."""
    query = (
        select(PlanAudit, Caseworker.name, Child.id, Child.first_name, Child.last_name)
        .join(EhcpCase, PlanAudit.case_id == EhcpCase.id)
        .join(Child, EhcpCase.child_id == Child.id)
        .outerjoin(Caseworker, PlanAudit.caseworker_id == Caseworker.id)
        .where(PlanAudit.decided_on.between(start, end))
        .order_by(PlanAudit.decided_on, PlanAudit.id)
    )
    return [
        QaRow(
            row.case_id,
            child_id,
            f"{first} {last}",
            worker or "",
            row.auditor,
            row.decided_on or end,
            row.outcome or "",
            _items_of(row),
        )
        for row, worker, child_id, first, last in s.execute(query)
    ]


def _checklist(s: Session) -> tuple[ChecklistItem, ...]:
    row = s.get(AppSetting, CHECKLIST_KEY)
    if row is None or not row.value.strip():
        return default_checklist()
    try:
        return parse_checklist(row.value, "the council's checklist")
    except CodeListError:  # written by hand into the database: fall back, never crash
        return default_checklist()


def _plan_to_audit(s: Session, case_id: int) -> PlanVersion | None:
    """The working copy if there is one, else the latest issued version."""
    rows = s.scalars(select(PlanVersion).where(PlanVersion.case_id == case_id))
    versions = sorted(rows, key=lambda r: (r.issued_on is None, r.number))
    return versions[-1] if versions else None


def _open_audit(s: Session, case_id: int) -> PlanAudit | None:
    return s.scalars(
        select(PlanAudit).where(PlanAudit.case_id == case_id, PlanAudit.outcome.is_(None))
    ).first()


def _checked_items(row: PlanAudit, items: Sequence[ItemScore]) -> tuple[ItemScore, ...]:
    """The audit's own items with the scores and notes given; anything else is refused."""
    given = {i.key: i for i in items}
    own = _items_of(row)
    unknown = sorted(set(given) - {i.key for i in own})
    if unknown:
        raise UserError(f"This audit has no item {', '.join(unknown)}: reload the audit.")
    out = []
    errors: dict[str, str] = {}
    for item in own:
        new = given.get(item.key, item)
        if new.score is not None and new.score not in SCORE_LABELS:
            errors[item.key] = f"Score {item.question!r} as one of {', '.join(SCORE_LABELS)}."
        if len(new.note) > NOTE_LIMIT:
            errors[item.key] = f"A note is at most {NOTE_LIMIT} characters."
        prefilled = item.prefilled and new.score == item.score
        out.append(ItemScore(item.key, item.section, item.question, new.score, new.note, prefilled))
    if errors:
        raise FieldErrors(errors)
    return tuple(out)


def _checked_comments(comments: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    for section, text in comments.items():
        if section not in AUDIT_SECTIONS:
            errors[section] = f"Comment on one of the sections {', '.join(AUDIT_SECTIONS)}."
        elif len(text) > COMMENT_LIMIT:
            errors[section] = f"A comment is at most {COMMENT_LIMIT} characters."
        elif text.strip():
            out[section] = text.strip()
    if errors:
        raise FieldErrors(errors)
    return out


def _items_json(items: Sequence[ItemScore]) -> str:
    return json.dumps(
        [
            {
                "key": i.key,
                "section": i.section,
                "question": i.question,
                "score": i.score,
                "note": i.note,
                "prefilled": i.prefilled,
            }
            for i in items
        ],
        ensure_ascii=False,
    )


def _items_of(row: PlanAudit) -> tuple[ItemScore, ...]:
    return tuple(
        ItemScore(
            d["key"], d["section"], d["question"], d["score"], d["note"], d.get("prefilled", False)
        )
        for d in json.loads(row.items)
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _state(s: Session, row: PlanAudit) -> AuditState:
    plan_row = s.get(PlanVersion, row.plan_version_id)
    assert plan_row is not None  # a foreign key
    worker = s.get(Caseworker, row.caseworker_id) if row.caseworker_id else None
    changed = row.plan_sha256 is not None and row.plan_sha256 != _sha(plan_row.content)
    return AuditState(
        row.id,
        row.version,
        row.case_id,
        row.plan_version_id,
        plan_row.number,
        row.auditor,
        worker.name if worker else "",
        row.started_on,
        _items_of(row),
        json.loads(row.comments),
        row.outcome,
        row.decided_on,
        row.score,
        changed,
    )
