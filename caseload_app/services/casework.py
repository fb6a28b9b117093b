"""A caseworker's actions on one case: each public method is one user action, one transaction.
(Long on purpose: about twenty short actions of one shape (load, check, change, audit), kept
together so they stay alike; the read model is services/case_read.py.)

`get_case` returns everything the case window shows as plain dataclasses; the window never
queries the database itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseload_app.db.batch import one_snapshot
from caseload_app.db.models import (
    AdviceProvider,
    AdviceRequest,
    AnnualReview,
    CaseException,
    Caseworker,
    Child,
    Communication,
    Contact,
    Disagreement,
    EhcpCase,
    Family,
    SchoolConsultation,
    StageEvent,
    Task,
    TribunalOrder,
)
from caseload_app.db.next_step import case_dates
from caseload_app.domain import codes, deadlines, exceptions, school_naming, tribunal
from caseload_app.domain.access import Can
from caseload_app.domain.actions import (
    DATE_FIELD,
    UNDO,
    WITHDRAWN,
    check_action,
    check_correction,
    check_event_date,
    stage_before_withdrawal,
)
from caseload_app.domain.text import check_line
from caseload_app.domain.validators import ValidationError
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import (
    EVENT_LABELS,
    ORDER_STEP_COLUMNS,
    CaseDetail,
    CaseworkerInfo,
    case_detail,
    case_to_read,
    consultation_label,
    live_case_id,
    order_label,
)
from caseload_app.services.casework_post16 import Post16MoveActions
from caseload_app.services.casework_reassessment import ReassessmentMixin
from caseload_app.services.casework_transfers import TransferWork
from caseload_app.services.errors import FieldErrors, UserError
from caseload_app.services.fields import (
    CONTACT_CHECKS,
    FAMILY_CHECKS,
    TOGETHER_FIELDS,
    child_checks,
    child_together,
    refresh_search_keys,
    refusals_beside_fields,
)


class CaseworkService(ReassessmentMixin, Post16MoveActions, TransferWork, UserService):
    # ------------------------------------------------------------------ reading
    def trash(self):
        """The trash, acting as the same person (deleting from the case window)."""
        from caseload_app.services.trash import TrashService

        return TrashService(self._db, self.user, today=self._today, now=self._now)

    def plans(self):
        """The case's EHC plan, acting as the same person (the Plan tab)."""
        from caseload_app.services.plans import PlanService

        return PlanService(self._db, self.user, today=self._today, now=self._now)

    def placements(self):
        """The child's placements, acting as the same person (the Overview tab)."""
        from caseload_app.services.placements import PlacementService

        return PlacementService(self._db, self.user, today=self._today, now=self._now)

    def establishments(self):
        """The DfE's register of establishments, to choose a placement's (the Overview tab)."""
        from caseload_app.services.establishments import EstablishmentService

        return EstablishmentService(self._db, self.user, today=self._today, now=self._now)

    def documents(self):
        """The case file's documents, acting as the same person (the Documents tab)."""
        from caseload_app.services.documents import DocumentService

        return DocumentService(self._db, self.user, today=self._today, now=self._now)

    def calendar(self):
        """Calendars and meeting invitations, acting as the same person (the Reviews tab)."""
        from caseload_app.services.calendar import CalendarService

        return CalendarService(self._db, self.user, today=self._today, now=self._now)

    def bundles(self):
        """Bundles of the case's documents, acting as the same person."""
        from caseload_app.services.bundle import BundleService

        return BundleService(self._db, self.user, today=self._today, now=self._now)

    def chronology(self):
        """The case chronology, made as the same person (the History tab)."""
        from caseload_app.services.chronology import ChronologyService

        return ChronologyService(self._db, self.user, today=self._today, now=self._now)

    def plan_audits(self):
        """The quality audits of the case's plan, acting as the same person."""
        from caseload_app.services.plan_audit import PlanAuditService

        return PlanAuditService(self._db, self.user, today=self._today, now=self._now)

    def advice_providers(self, keep: int | None = None):
        """The providers a request may name (the Advice tab): those giving advice now, and
        the one a request names already (`keep`) even if retired since."""
        from caseload_app.services.providers import ProviderService

        found = ProviderService(self._db, self.user, self._today, self._now).providers()
        return [p for p in found if p.active or p.id == keep]

    def caseworkers(self) -> list[CaseworkerInfo]:
        with self._db.read() as s:
            rows = s.execute(
                select(Caseworker.id, Caseworker.name)
                .where(Caseworker.active)
                .order_by(Caseworker.name)
            )
            return [CaseworkerInfo(id=i, name=n) for i, n in rows]

    def get_case(self, case_id: int, *, opened: bool = True) -> CaseDetail:
        """Everything the case window shows. Opening a child's record is audited; the
        window's own refresh after a save (opened=False) is not a new view."""
        today = self._today()
        if not opened:
            with self._db.read() as s:
                one_snapshot(s)  # nothing half-saved by someone else, though unlocked
                return case_detail(s, case_to_read(s, case_id), today)
        with self._db.uow() as s:
            one_snapshot(s)
            case = case_to_read(s, case_id)  # only read: not locked
            records.audit(
                s, self.user, self._now(), "view", case, case.id, "opened the case record"
            )
            return case_detail(s, case, today)

    # ------------------------------------------------------------------ editing details
    def update_child(self, child_id: int, version: int, changes: dict[str, object]) -> int:
        with refusals_beside_fields("child", changes), self._db.uow() as s:
            child = records.load(s, Child, child_id, "child")
            self._check_children(s, [child])
            records.check_version(s, child, version, "child's details")
            clean = records.validate(changes, child_checks(self._today()))
            merged = {f: clean.get(f, getattr(child, f)) for f in TOGETHER_FIELDS}
            problems = child_together(clean, merged)
            if problems:
                raise FieldErrors(problems)
            case_id = live_case_id(child)
            if records.apply(s, child, clean, user=self.user, now=self._now(), case_id=case_id):
                refresh_search_keys(child)
            s.flush()
            return child.version

    def update_family(self, family_id: int, version: int, changes: dict[str, object]) -> int:
        with self._db.uow() as s:
            family = records.load(s, Family, family_id, "family")
            self._check_children(s, family.children)
            records.check_version(s, family, version, "family's details")
            clean = records.validate(changes, FAMILY_CHECKS)
            case_id = next((c for c in map(live_case_id, family.children) if c), None)
            if records.apply(s, family, clean, user=self.user, now=self._now(), case_id=case_id):
                for child in family.children:
                    refresh_search_keys(child)
            s.flush()
            return family.version

    def save_contact(
        self, family_id: int, contact_id: int | None, version: int | None, fields: dict
    ) -> int:
        """Add a contact (contact_id None) or edit one; returns its id."""
        with self._db.uow() as s:
            family = records.load(s, Family, family_id, "family")
            self._check_children(s, family.children)
            clean = records.validate(fields, CONTACT_CHECKS)
            case_id = next((c for c in map(live_case_id, family.children) if c), None)
            if contact_id is None:
                contact = Contact(family_id=family.id, name=clean["name"])
                s.add(contact)
                for key, value in clean.items():
                    setattr(contact, key, value)
                contact.updated_by, contact.updated_at = self.user, self._now()
                records.audit(s, self.user, self._now(), "create", contact, case_id, contact.name)
                return contact.id
            contact = records.load(s, Contact, contact_id, "contact")
            records.check_version(s, contact, version or 0, "contact")
            records.apply(s, contact, clean, user=self.user, now=self._now(), case_id=case_id)
            return contact.id

    # ------------------------------------------------------------------ stage actions
    def record_action(
        self,
        case_id: int,
        version: int,
        key: str,
        on: date,
        reason: str = "",
        code: str | None = None,
    ) -> None:
        """A stage action (decision, draft, final, cease…) with its date, by this user.

        ``code`` is the reason a plan is to cease, as SEN2 codes it (cease_reasons.csv): needed
        by the proposal to cease, and by the decision when no proposal gave one."""
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            self._apply_action(s, case, key, on, reason, code)

    def _apply_action(
        self, s: Session, case: EhcpCase, key: str, on: date, reason: str, code: str | None
    ) -> None:
        action = check_action(key, case_dates(case), on, self._today(), reason)
        changes = _action_changes(key, on, reason)
        if key in ("cease_proposed", "ceased"):
            changes.update(_cease_reason(code, case.cease_reason))
        if action.to_stage:
            changes["stage"] = action.to_stage
            changes["is_open"] = action.to_stage in codes.open_stage_codes()
        now = self._now()
        for field, value in changes.items():
            setattr(case, field, value)
        case.updated_by, case.updated_at = self.user, now
        s.add(
            StageEvent(
                case_id=case.id,
                action=key,
                on_date=on,
                by=self.user,
                recorded_at=now,
                note=_event_note(key, reason, case.cease_reason),
            )
        )
        records.audit(s, self.user, now, key, case, case.id, f"{action.label} on {on.isoformat()}")

    def correct_step(
        self, case_id: int, version: int, event_id: int, on: date, reason: str
    ) -> None:
        """A recorded stage action's date was mistyped: the event and the case's date move
        to `on`, the statutory dates recompute, and the history shows old → new, who and
        why."""
        if not reason.strip():
            raise FieldErrors({"reason": "Say why the date is being corrected."})
        with self._db.uow() as s:
            case, event = self._step_to_change(s, case_id, version, event_id)
            check_correction(event.action, case_dates(case), on, self._today())
            old = event.on_date
            if old == on:
                return
            field = DATE_FIELD[event.action]
            now = self._now()
            if field is not None:
                setattr(case, field, on)
            if event.action == "ceased":
                case.ceased_date = on
            event.on_date = on
            case.updated_by, case.updated_at = self.user, now
            label = EVENT_LABELS.get(event.action, event.action)
            detail = (
                f"{label}: date corrected {old.isoformat()} → {on.isoformat()} ({reason.strip()})"
            )
            records.audit(s, self.user, now, "update", case, case.id, detail)

    def withdraw_step(self, case_id: int, version: int, event_id: int, reason: str) -> None:
        """The latest stage action was recorded by mistake: the case goes back to where it
        was before it, and the history keeps what was withdrawn, by whom and why."""
        if not reason.strip():
            raise FieldErrors({"reason": "Say why the step is being withdrawn."})
        with self._db.uow() as s:
            case, event = self._step_to_change(s, case_id, version, event_id)
            latest = s.scalars(
                select(StageEvent)
                .where(StageEvent.case_id == case.id, StageEvent.action.in_(list(UNDO)))
                .order_by(StageEvent.on_date.desc(), StageEvent.id.desc())
                .limit(1)
            ).one()
            label = EVENT_LABELS.get(event.action, event.action)
            if latest.id != event.id:
                later = EVENT_LABELS.get(latest.action, latest.action)
                raise UserError(f"Only the latest step can be withdrawn: withdraw '{later}' first.")
            if event.action == "assess_agreed" and s.scalar(
                select(func.count()).where(AdviceRequest.case_id == case.id)
            ):
                raise UserError(
                    "Advice has been requested on this case, so the decision to assess "
                    "cannot be withdrawn; correct its date instead."
                )
            stage, cleared = UNDO[event.action]
            if event.action == WITHDRAWN:
                stage = stage_before_withdrawal(case.assess_decision, case.draft_served)
            if stage is not None and not case.is_open and stage in codes.open_stage_codes():
                _check_reopening(s, case)
            now = self._now()
            for column in cleared:
                setattr(case, column, None)
            if stage is not None:
                case.stage, case.is_open = stage, stage in codes.open_stage_codes()
            case.updated_by, case.updated_at = self.user, now
            detail = (
                f"withdrew '{label}' of {event.on_date.isoformat()} recorded by {event.by} "
                f"({reason.strip()})"
            )
            records.audit(s, self.user, now, "delete", event, case.id, detail)
            s.delete(event)

    def _step_to_change(self, s: Session, case_id: int, version: int, event_id: int):
        case = self._case_to_edit(s, case_id)
        records.check_version(s, case, version, "case")
        event = s.get(StageEvent, event_id)
        if event is None or event.case_id != case.id or event.action not in UNDO:
            raise UserError("That is not a stage action of this case: reload the case.")
        return case, event

    def record_exception(
        self,
        case_id: int,
        ground: str,
        limits: Iterable[str],
        period_start: date,
        period_end: date | None,
        family_told: date | None,
        note: str = "",
        *,
        token: str | None = None,
    ) -> int:
        """Reg 5(4)/8(2)/10(4)/13(3): the deadlines of the chosen time limits keep their
        dates, marked 'exception applies'; the other limits keep their colours."""
        today = self._today()
        grounds = {c.code for c in codes.exception_grounds()}
        if ground not in grounds:
            raise ValidationError("Choose one of the grounds the regulations allow.")
        stored = _lawful_limits(ground, limits)
        if period_end is not None and period_end < period_start:
            raise ValidationError("The exception period ends before it starts.")
        if period_start > today or (family_told and family_told > today):
            raise ValidationError("Exception dates cannot be in the future.")
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            now = self._now()
            exc = CaseException(
                case_id=case.id,
                ground=ground,
                limits=stored,
                period_start=period_start,
                period_end=period_end,
                family_told=family_told,
                recorded_by=self.user,
                recorded_at=now,
                note=note.strip() or None,
            )
            s.add(exc)
            s.flush()
            keep_exception_limits(s, case, self.user, now)
            s.add(
                StageEvent(
                    case_id=case.id,
                    action="exception",
                    on_date=period_start,
                    by=self.user,
                    recorded_at=now,
                    note=codes.label_for(codes.exception_grounds(), ground),
                )
            )
            return records.create(
                s,
                exc,
                user=self.user,
                now=now,
                case_id=case.id,
                detail=f"exception: {ground} ({stored})",
                token=token,
            )

    def update_exception(
        self, exception_id: int, version: int, changes: dict[str, object]
    ) -> list[str]:
        """Correct a recorded exception, or end it (its end date): old → new in the history."""
        today = self._today()
        with self._db.uow() as s:
            row = records.load(s, CaseException, exception_id, "exception")
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, "exception")
            clean = records.validate(
                changes,
                {
                    "ground": _exception_ground,
                    "limits": _limit_keys,
                    "period_start": _required(_past_date(today), "The period's start"),
                    "period_end": _any_date,
                    "family_told": _past_date(today),
                    "note": records.text_lines(2000, "Note"),
                },
            )
            start = cast(date, clean.get("period_start", row.period_start))
            end = cast("date | None", clean.get("period_end", row.period_end))
            if end is not None and end < start:
                raise FieldErrors({"period_end": "The exception period ends before it starts."})
            if "note" in clean:
                clean["note"] = str(clean["note"] or "").strip() or None
            if "ground" in clean or "limits" in clean:
                ground = str(clean.get("ground", row.ground))
                chosen = clean.get("limits", row.limits)
                try:
                    clean["limits"] = _lawful_limits(ground, str(chosen).split())
                except ValidationError as exc:
                    raise FieldErrors({"limits": str(exc)}) from exc
            before = row.limits
            changed = records.apply(
                s, row, clean, user=self.user, now=self._now(), case_id=row.case_id
            )
            if row.limits != before:
                s.flush()
                keep_exception_limits(s, self._case_to_edit(s, row.case_id), self.user, self._now())
            return changed

    # ------------------------------------------------------------------ advice
    def request_advice(
        self,
        case_id: int,
        advice_type: str,
        on: date,
        received_by_adviser: date | None = None,
        *,
        provider_id: int | None = None,
        token: str | None = None,
    ) -> int:
        """Advice asked for on ``on``; due 6 weeks from the day the adviser received the request
        (Reg 8(1)), which is ``on`` unless given; from a provider of that service, if named."""
        reached = on if received_by_adviser is None else received_by_adviser
        if reached < on:
            raise ValidationError("The adviser cannot receive the request before it was sent.")
        if reached > self._today():
            raise ValidationError("The day the adviser received it cannot be in the future.")
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            if case.stage not in ("assessment", "draft_issued"):
                raise ValidationError("Advice is requested once the council agrees to assess.")
            kind = codes.code_for(codes.advice_types(), advice_type)
            check_event_date(on, case_dates(case), self._today(), "Advice requested")
            if case.assess_decision_date and on < case.assess_decision_date:
                raise ValidationError("Advice requested before the decision to assess.")
            check_provider(s, provider_id, kind, None)
            advice = AdviceRequest(
                case_id=case.id,
                provider_id=provider_id,
                advice_type=kind,
                requested=on,
                received_by_adviser=reached,
                due=deadlines.advice_due(reached),
                updated_by=self.user,
                updated_at=self._now(),
            )
            s.add(advice)
            s.add(
                StageEvent(
                    case_id=case.id,
                    action="advice_requested",
                    on_date=on,
                    by=self.user,
                    recorded_at=self._now(),
                    note=codes.label_for(codes.advice_types(), kind),
                )
            )
            return records.create(
                s,
                advice,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=f"{kind} advice",
                token=token,
            )

    def advice_received(self, advice_id: int, version: int, on: date | None) -> None:
        """Record (or with None, clear) the date advice arrived."""
        with self._db.uow() as s:
            advice = records.load(s, AdviceRequest, advice_id, "advice request")
            self._case_to_edit(s, advice.case_id)
            records.check_version(s, advice, version, "advice request")
            if on is not None and (on < advice.received_by_adviser or on > self._today()):
                raise ValidationError(
                    "The date the advice arrived must be between the day the adviser received "
                    "the request and today."
                )
            records.apply(
                s,
                advice,
                {"received": on},
                user=self.user,
                now=self._now(),
                case_id=advice.case_id,
            )

    def update_advice(self, advice_id: int, version: int, changes: dict[str, object]) -> None:
        """Correct an advice request's type or dates: its 6-week due date follows the day the
        adviser received it (Reg 8(1)). Moving the day sent moves that day with it when the
        two were the same and it is not given."""
        today = self._today()
        with self._db.uow() as s:
            advice = records.load(s, AdviceRequest, advice_id, "advice request")
            case = self._case_to_edit(s, advice.case_id)
            records.check_version(s, advice, version, "advice request")
            clean = records.validate(
                changes,
                {
                    "advice_type": lambda v: codes.code_for(codes.advice_types(), str(v)),
                    "requested": _required(_past_date(today), "The date it was requested"),
                    "received_by_adviser": _required(
                        _past_date(today), "The day the adviser received it"
                    ),
                    "provider_id": lambda v: None if v in (None, "") else int(str(v)),
                },
            )
            if "provider_id" in clean or "advice_type" in clean:
                kind = str(clean.get("advice_type", advice.advice_type))
                provider = cast("int | None", clean.get("provider_id", advice.provider_id))
                check_provider(s, provider, kind, advice.provider_id)
            on = cast(date, clean.get("requested", advice.requested))
            same_day = advice.received_by_adviser == advice.requested
            if "requested" in clean and "received_by_adviser" not in clean and same_day:
                clean["received_by_adviser"] = on  # still the same day
            later = [d for d in (advice.received, advice.last_chased) if d is not None]
            if case.assess_decision_date and on < case.assess_decision_date:
                raise FieldErrors({"requested": "Advice requested before the decision to assess."})
            if later and on > min(later):
                raise FieldErrors(
                    {"requested": "It was chased or received before that date: check the date."}
                )
            reached = cast(date, clean.get("received_by_adviser", advice.received_by_adviser))
            if reached < on:
                raise FieldErrors(
                    {"received_by_adviser": "The adviser cannot receive it before it was sent."}
                )
            if advice.received is not None and reached > advice.received:
                raise FieldErrors(
                    {"received_by_adviser": "The advice arrived before that date: check it."}
                )
            if reached != advice.received_by_adviser or "requested" in clean:
                clean["due"] = deadlines.advice_due(reached)
            records.apply(s, advice, clean, user=self.user, now=self._now(), case_id=case.id)

    def chase_advice(
        self, advice_id: int, on: date, note: str = "", *, token: str | None = None
    ) -> int:
        """A chase is logged in the communication log; returns the communication id."""
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            advice = records.load(s, AdviceRequest, advice_id, "advice request")
            if advice.received is not None:
                raise ValidationError("That advice has already been received.")
            if on > self._today() or on < advice.requested:
                raise ValidationError("The chase date must be between the request and today.")
            case = self._case_to_edit(s, advice.case_id)
            label = codes.label_for(codes.advice_types(), advice.advice_type)
            comm = Communication(
                family_id=case.child.family_id,
                case_id=case.id,
                occurred_at=datetime.combine(on, self._now().time()),
                channel="email",
                direction="out",
                with_whom=f"{label} adviser",
                with_family=False,  # a chase is no update for the family
                summary=f"Chased {label.lower()} advice (due {deadlines.format_date(advice.due)})"
                + (f": {note.strip()}" if note.strip() else ""),
                logged_by=self.user,
            )
            s.add(comm)
            advice.chases += 1
            advice.last_chased = on
            advice.updated_by, advice.updated_at = self.user, self._now()
            records.audit(s, self.user, self._now(), "chase", advice, case.id, comm.summary)
            records.remember(s, token, comm, user=self.user, now=self._now())
            s.flush()
            return comm.id

    # ------------------------------------------------------------------ communications
    def log_communication(
        self,
        case_id: int,
        occurred_at: datetime,
        channel: str,
        direction: str,
        with_whom: str,
        summary: str,
        *,
        with_family: bool = True,
        token: str | None = None,
    ) -> int:
        """`with_family`: a contact with the family (only those going out keep them informed,
        domain/updates.py), not with a school or an adviser about them."""
        given = dict(
            channel=channel,
            direction=direction,
            summary=summary,
            occurred_at=occurred_at,
            with_whom=with_whom,
            with_family=with_family,
        )
        clean = records.validate(given, _contact_checks(self._now()))
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            self._require(s, Can.LOG_CONTACT)  # on any case this person can read
            case = records.load(s, EhcpCase, case_id, "case")
            comm = Communication(
                family_id=case.child.family_id, case_id=case.id, logged_by=self.user, **clean
            )
            channel = str(clean["channel"])
            return records.create(
                s,
                comm,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=f"{channel} log",
                token=token,
            )

    def update_communication(
        self, communication_id: int, version: int, changes: dict[str, object]
    ) -> None:
        """Correct a logged contact (its time, channel, who, summary): old → new is kept."""
        now = self._now()
        with self._db.uow() as s:
            comm = records.load(s, Communication, communication_id, "communication")
            self._check_contact(s, comm)
            records.check_version(s, comm, version, "communication")
            clean = records.validate(changes, _contact_checks(now))
            records.apply(s, comm, clean, user=self.user, now=now, case_id=comm.case_id)

    # ------------------------------------------------------------------ tasks
    def update_task(self, task_id: int, version: int, changes: dict[str, object]) -> None:
        """Correct a task: what needs doing, when, by whom."""
        with self._db.uow() as s:
            task = records.load(s, Task, task_id, "task")
            self._case_to_edit(s, task.case_id)
            records.check_version(s, task, version, "task")
            clean = records.validate(
                changes,
                {
                    "title": _task_title,
                    "due": _any_date,
                    "owner_id": lambda v: v if isinstance(v, int) else None,
                },
            )
            records.apply(s, task, clean, user=self.user, now=self._now(), case_id=task.case_id)

    def add_task(
        self,
        case_id: int,
        title: str,
        due: date | None,
        owner_id: int | None,
        *,
        token: str | None = None,
    ) -> int:
        title = str(records.validate({"title": title}, {"title": _task_title})["title"])
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            task = Task(
                case_id=case.id,
                title=title,
                due=due,
                owner_id=owner_id if owner_id is not None else case.caseworker_id,
                created_by=self.user,
                updated_by=self.user,
                updated_at=self._now(),
            )
            return records.create(
                s,
                task,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=task.title,
                token=token,
            )

    def set_task_done(self, task_id: int, version: int, done: bool) -> None:
        with self._db.uow() as s:
            task = records.load(s, Task, task_id, "task")
            self._case_to_edit(s, task.case_id)
            records.check_version(s, task, version, "task")
            value = self._today() if done else None
            records.apply(
                s, task, {"done_on": value}, user=self.user, now=self._now(), case_id=task.case_id
            )

    # ------------------------------------------------------------------ reviews
    def schedule_review(self, case_id: int, meeting: date, *, token: str | None = None) -> int:
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            if case.stage != "plan_issued":
                raise ValidationError("Annual reviews are for cases with a final plan.")
            review = AnnualReview(
                case_id=case.id,
                due=case.next_due if case.next_step == "annual_review" else meeting,
                meeting_date=meeting,
                updated_by=self.user,
                updated_at=self._now(),
            )
            return records.create(
                s,
                review,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail="review booked",
                token=token,
            )

    REVIEW_FIELDS = (
        "meeting_date",
        "invitations_sent",
        "papers_sent",
        "report_sent",
        "decision_date",
        "outcome",
        "amendment_notice",
        "final_amended_issued",
    )

    def update_review(self, review_id: int, version: int, changes: dict[str, object]) -> None:
        """Record the steps of a review; the decision date with an outcome completes it.

        A decision to cease at a review is the case's decision to cease, recorded with it in
        the same step: it needs the proposal and the consultation of Reg 31(1) first, like any
        decision to cease, and carries the appeal rights of Reg 20(11). SEN2's reason may come
        as ``cease_reason`` among the changes (blank: the proposal's)."""
        today = self._today()
        changes = dict(changes)
        cease_code = changes.pop("cease_reason", None)
        with self._db.uow() as s:
            review = records.load(s, AnnualReview, review_id, "review")
            records.check_version(s, review, version, "review")
            checks: dict[str, Callable[[object], object]]
            checks = {f: _past_date(today) for f in self.REVIEW_FIELDS}
            checks["meeting_date"] = _any_date
            checks["outcome"] = _review_outcome
            clean = records.validate(changes, checks)
            merged = {f: clean.get(f, getattr(review, f)) for f in self.REVIEW_FIELDS}
            if merged["decision_date"] and not merged["outcome"]:
                raise FieldErrors({"outcome": "Choose maintain, amend or cease"})
            case = self._case_to_edit(s, review.case_id)
            was = (review.outcome, review.decision_date)
            records.apply(s, review, clean, user=self.user, now=self._now(), case_id=case.id)
            held = merged["meeting_date"] if merged["decision_date"] else None
            if held and (case.last_review is None or held > case.last_review):
                # A decided review restarts the 12 months (s44): the next review follows it.
                records.apply(
                    s,
                    case,
                    {"last_review": held},
                    user=self.user,
                    now=self._now(),
                    case_id=case.id,
                )
            # Only a save that decides to cease now ceases the case: editing a review whose
            # cease was recorded before (and since withdrawn, or from an older version) does not.
            newly = (review.outcome, review.decision_date) != was
            if (
                newly
                and review.outcome == "cease"
                and review.decision_date
                and not case.ceased_date
            ):
                self._cease_at_review(
                    s, case, review.decision_date, review.meeting_date, cease_code
                )

    def _cease_at_review(
        self, s: Session, case: EhcpCase, decided: date, meeting: date | None, code: object
    ) -> None:
        held = f" (meeting {deadlines.format_date(meeting)})" if meeting else ""
        reason = f"Decided at the annual review{held}"
        self._apply_action(s, case, "ceased", decided, reason, str(code or "") or None)

    def set_phase_transfer(
        self, case_id: int, version: int, year: int | None, kind: str | None
    ) -> None:
        """The next phase transfer's year and kind, or (NO_PHASE_TRANSFER) that the child makes
        none that September, e.g. staying in their own school's sixth form
        (docs/statutory-rules.md, "Phase transfers")."""
        if year is not None and kind not in deadlines.PHASE_TRANSFER_CHOICES:
            raise ValidationError("Choose the kind of transfer.")
        with self._db.uow() as s:
            case = self._case_to_edit(s, case_id)
            records.check_version(s, case, version, "case")
            records.apply(
                s,
                case,
                {"phase_transfer_year": year, "phase_transfer_kind": kind if year else None},
                user=self.user,
                now=self._now(),
                case_id=case.id,
            )

    # ------------------------------------------------------------------ disagreements
    def add_disagreement(
        self,
        case_id: int,
        decision: str,
        decision_letter: date,
        about: str,
        *,
        token: str | None = None,
    ) -> int:
        """A disputed decision: what it is in words, and which kind of decision it is as SEN2
        counts mediation and appeals (disagreement_about.csv)."""
        problems: dict[str, str] = {}
        if not decision.strip():
            problems["decision"] = "Say which decision is disputed"
        else:
            try:
                decision = check_line("Decision", decision, 200)  # refused when too long
            except ValidationError as exc:
                problems["decision"] = str(exc)
        try:
            code = _disagreement_about(about)
        except ValidationError as exc:
            problems["about"] = str(exc)
        if decision_letter > self._today():
            problems["decision_letter"] = "The letter date is in the future"
        if problems:
            raise FieldErrors(problems)
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            row = Disagreement(
                case_id=case.id,
                decision=decision,
                about=code,
                decision_letter=decision_letter,
                updated_by=self.user,
                updated_at=self._now(),
            )
            return records.create(
                s,
                row,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=row.decision,
                token=token,
            )

    # ------------------------------------------------------------------ Tribunal orders
    def record_tribunal_order(
        self,
        case_id: int,
        order_date: date,
        kind: str,
        unopposed: bool = False,
        note: str = "",
        *,
        token: str | None = None,
    ) -> int:
        """A Tribunal order (Reg 44), or an appeal the council did not oppose (Reg 45, dated the
        day it told the Tribunal): its steps' deadlines follow from the date and kind."""
        try:
            order_kind = tribunal.OrderKind(kind)
            tribunal.order_timeline(order_date, order_kind, unopposed=unopposed)
        except ValueError as exc:
            problem = str(exc) if order_kind_known(kind) else "Choose what the Tribunal ordered."
            raise FieldErrors({"kind": problem[:1].upper() + problem[1:]}) from None
        if order_date > self._today():
            raise FieldErrors({"order_date": "The order's date cannot be in the future."})
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            if order_date < case.request_received:
                raise FieldErrors({"order_date": "The order is dated before the case began."})
            order = TribunalOrder(
                case_id=case.id,
                order_date=order_date,
                kind=order_kind.value,
                unopposed=unopposed,
                note=note.strip() or None,
                recorded_by=self.user,
                updated_by=self.user,
                updated_at=self._now(),
            )
            return records.create(
                s,
                order,
                user=self.user,
                now=self._now(),
                case_id=case.id,
                detail=order_label(order),
                token=token,
            )

    def record_order_step(self, order_id: int, version: int, step: str, on: date | None) -> None:
        """The day one step of a Tribunal order was done (None: not done after all)."""
        with self._db.uow() as s:
            order = records.load(s, TribunalOrder, order_id, "Tribunal order")
            self._case_to_edit(s, order.case_id)
            records.check_version(s, order, version, "Tribunal order")
            keys = tribunal.ORDER_DEADLINES[tribunal.OrderKind(order.kind)]
            column = ORDER_STEP_COLUMNS.get(step)
            if column is None or step not in keys:
                raise ValidationError("That step is not part of this order: reload the case.")
            if on is not None and not order.order_date <= on <= self._today():
                raise ValidationError("The step's date must be between the order and today.")
            other = {"not_to_issue_due": "final_on", "final_plan_due": "not_to_issue_on"}
            if on is not None and step in other and getattr(order, other[step]) is not None:
                raise ValidationError(
                    "An order to assess ends in a decision not to issue or in a final plan, "
                    "not both: correct the other step first."
                )
            records.apply(
                s, order, {column: on}, user=self.user, now=self._now(), case_id=order.case_id
            )

    # ------------------------------------------------------------------ naming a school
    def consult_schools(
        self,
        case_id: int,
        schools: Iterable[str],
        requested_by: str,
        sent: date,
        *,
        token: str | None = None,
    ) -> list[int]:
        """Schools consulted on the draft plan on the day ``sent`` (s39(2), s40(3)), several
        at once, each with its 15 days to respond (CoP 9.83). Returns their ids."""
        names = [n for n in (str(x).strip() for x in schools) if n]
        if not names:
            raise FieldErrors({"schools": "Name the school or college consulted."})
        try:
            names = [check_line("School", n, 200) for n in names]
        except ValidationError as exc:
            raise FieldErrors({"schools": str(exc)}) from None
        seen: set[str] = set()
        for n in names:
            if n.casefold() in seen:
                raise FieldErrors({"schools": f"{n} is named twice."})
            seen.add(n.casefold())
        if requested_by not in school_naming.REQUESTER_LABELS:
            raise FieldErrors({"requested_by": "Say who asked for the school: family or council."})
        if sent > self._today():
            raise FieldErrors({"sent": f"{deadlines.format_date(sent)} is in the future."})
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return [done]  # this form was saved already (double click, retry)
            case = self._case_to_edit(s, case_id)
            if sent < case.request_received:
                raise FieldErrors({"sent": "The consultation is dated before the case began."})
            live = s.scalars(
                select(SchoolConsultation.school).where(
                    SchoolConsultation.case_id == case.id, SchoolConsultation.decision.is_(None)
                )
            )
            already = [n for n in live if n.casefold() in seen]
            if already:
                raise FieldErrors(
                    {"schools": f"{already[0]} is already being consulted, with no decision yet."}
                )
            ids: list[int] = []
            for n in names:
                row = SchoolConsultation(
                    case_id=case.id,
                    school=n,
                    requested_by=requested_by,
                    sent=sent,
                    response_due=school_naming.response_due(sent),
                    recorded_by=self.user,
                    updated_by=self.user,
                    updated_at=self._now(),
                )
                first = token if not ids else None  # the form is remembered once
                ids.append(
                    records.create(
                        s,
                        row,
                        user=self.user,
                        now=self._now(),
                        case_id=case.id,
                        detail=consultation_label(row),
                        token=first,
                    )
                )
            return ids

    def record_school_response(
        self,
        consultation_id: int,
        version: int,
        response: str,
        on: date | None,
        note: str = "",
    ) -> None:
        """The school's response (agrees, objects; or none once its 15 days ended)."""
        with self._db.uow() as s:
            row = records.load(s, SchoolConsultation, consultation_id, "consultation")
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, "consultation")
            if row.decision is not None:
                raise ValidationError(
                    "The decision on this school is recorded: its response can no longer change."
                )
            problem = school_naming.response_problem(
                response, on, row.sent, row.response_due, self._today()
            )
            if problem is not None:
                raise FieldErrors({problem[0]: problem[1]})
            received = None if response == school_naming.Response.NO_RESPONSE else on
            changes = {
                "response": response,
                "response_received": received,
                "response_note": note.strip() or None,
            }
            records.apply(s, row, changes, user=self.user, now=self._now(), case_id=row.case_id)

    def record_naming_decision(
        self,
        consultation_id: int,
        version: int,
        decision: str,
        on: date,
        grounds: Iterable[str] = (),
        reasons: str = "",
    ) -> None:
        """Whether the school is named in Section I: the school the family asked for is named
        unless an s39(4) ground applies, chosen and explained."""
        with self._db.uow() as s:
            row = records.load(s, SchoolConsultation, consultation_id, "consultation")
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, "consultation")
            chosen = tuple(grounds)
            problems = school_naming.decision_problems(
                row.requested_by,
                row.response,
                row.response_due,
                decision,
                on,
                chosen,
                reasons,
                sent=row.sent,
                received=row.response_received,
                today=self._today(),
            )
            if problems:
                raise FieldErrors(problems)
            ordered = [g.value for g in school_naming.Ground if g.value in chosen]
            changes = {
                "decision": decision,
                "decision_date": on,
                "grounds": " ".join(ordered) or None,
                "reasons": reasons.strip() or None,
            }
            records.apply(s, row, changes, user=self.user, now=self._now(), case_id=row.case_id)

    DISAGREEMENT_FIELDS = (
        "mediation_ended",
        "mediation_certificate",
        "appeal_lodged",
        "hearing_date",
        "outcome",
    )

    def update_disagreement(self, row_id: int, version: int, changes: dict[str, object]) -> None:
        today = self._today()
        with self._db.uow() as s:
            row = records.load(s, Disagreement, row_id, "disagreement")
            self._case_to_edit(s, row.case_id)
            records.check_version(s, row, version, "disagreement")
            checks: dict[str, Callable[[object], object]]
            checks = {f: _past_date(today) for f in self.DISAGREEMENT_FIELDS}
            checks["hearing_date"] = _any_date
            checks["outcome"] = records.text_lines(2000, "Outcome")
            checks["about"] = _disagreement_about
            clean = records.validate(changes, checks)
            records.apply(s, row, clean, user=self.user, now=self._now(), case_id=row.case_id)


# --------------------------------------------------------------------------- helpers
def keep_exception_limits(
    s: Session, case: EhcpCase, user: str, now: datetime, *, leaving_out: int | None = None
) -> None:
    """The case's greyed time limits are the union of its recorded exceptions' (flushed),
    leaving out one about to be withdrawn."""
    query = select(CaseException.limits).where(CaseException.case_id == case.id)
    if leaving_out is not None:
        query = query.where(CaseException.id != leaving_out)
    found = s.scalars(query)
    text = exceptions.limits_text(k for limits in found for k in limits.split())
    if case.exception_limits != text:
        case.exception_limits = text
        case.updated_by, case.updated_at = user, now


def _check_reopening(s: Session, case: EhcpCase) -> None:
    """A closed case opens again only while its child has no other live case."""
    other = s.scalar(
        select(EhcpCase.id).where(
            EhcpCase.child_id == case.child_id, EhcpCase.is_open, EhcpCase.id != case.id
        )
    )
    if other is not None:
        raise UserError(
            f"The child has another live case (case {other}), so this one cannot open again: "
            "a child has one live case at a time."
        )


def _lawful_limits(ground: str, limits: Iterable[str]) -> str:
    """The stored form of the chosen limits, or a message naming what the law does not allow."""
    chosen = [str(k) for k in limits]
    if not chosen:
        raise ValidationError("Choose the time limit(s) the exception covers.")
    wrong = exceptions.unlawful_limits(ground, chosen)
    if wrong:
        label = codes.label_for(codes.exception_grounds(), ground)
        raise ValidationError(
            "; ".join(f"{label} is not a ground for {exceptions.limit_name(k)}" for k in wrong)
            + "."
        )
    return exceptions.limits_text(chosen)


def _limit_keys(value: object) -> str:
    """A correction's limits: a list of keys or their stored text."""
    words = value.split() if isinstance(value, str) else list(cast("Iterable[str]", value or ()))
    return " ".join(str(w) for w in words)


def order_kind_known(kind: str) -> bool:
    return kind in {k.value for k in tribunal.OrderKind}


def _exception_ground(value: object) -> str:
    if value not in {c.code for c in codes.exception_grounds()}:
        raise ValidationError("Choose one of the grounds the regulations allow.")
    return str(value)


def _required(check: Callable[[object], date | None], what: str) -> Callable[[object], date]:
    def run(value: object) -> date:
        checked = None if value is None else check(value)
        if checked is None:  # nothing given, or only spaces
            raise ValidationError(f"{what} is needed.")
        return checked

    return run


def _not_after(value: object, latest: datetime, message: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError("Not a date and time")
    if value > latest:
        raise ValidationError(message)
    return value


def _contact_checks(now: datetime) -> dict[str, Callable[[object], object]]:
    """A logged contact's fields, checked alike when it is logged and when it is corrected."""
    return {
        "occurred_at": lambda v: _not_after(v, now, "A contact cannot be in the future"),
        "channel": lambda v: codes.code_for(codes.channels(), str(v)),
        "direction": _direction,
        # Refused when too long, like every other typed field (it was cut silently).
        "with_whom": lambda v: check_line("With whom", str(v or ""), 200),
        "with_family": _yes_no,
        "summary": _summary,
    }


def _yes_no(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("Say whether the contact was with the family")
    return value


def _direction(value: object) -> str:
    if value not in ("in", "out"):
        raise ValidationError("Choose incoming or outgoing")
    return str(value)


def _summary(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError("Write a short summary of the contact")
    return text


def _task_title(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError("Say what needs doing")
    return check_line("Task", text, 200)  # refused past 200 characters, never cut


def _any_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    raise ValidationError("Not a date")


def _past_date(today: date) -> Callable[[object], date | None]:
    def run(value: object) -> date | None:
        checked = _any_date(value)
        if checked is not None and checked > today:
            raise ValidationError(f"{deadlines.format_date(checked)} is in the future")
        return checked

    return run


def _disagreement_about(value: object) -> str:
    """Which decision a disagreement is about: needed for a new one, and once said it is
    corrected, never cleared."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError("Choose which decision the disagreement is about")
    return codes.code_for(codes.disagreement_abouts(), text)


def _review_outcome(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return codes.code_for(codes.review_outcomes(), text) if text else None


def _event_note(key: str, reason: str, cease_reason: str | None) -> str | None:
    """The stage event's note; a proposal to cease shows its SEN2 reason first."""
    note = reason.strip() or None
    if key == "cease_proposed" and cease_reason:
        label = codes.label_for(codes.cease_reasons(), cease_reason)
        return f"{label}: {note}" if note else label
    return note


def _cease_reason(code: str | None, recorded: str | None) -> dict[str, object]:
    """The SEN2 reason a plan is to cease: the one chosen now, else the proposal's."""
    text = (code or "").strip()
    if text:
        return {"cease_reason": codes.code_for(codes.cease_reasons(), text)}
    if recorded:
        return {}
    raise FieldErrors({"code": "Choose the reason the plan is to cease (SEN2's list)."})


def _action_changes(key: str, on: date, reason: str) -> dict[str, object]:
    note = reason.strip() or None
    changes: dict[str, dict[str, object]] = {
        "assess_agreed": {"assess_decision": "agreed", "assess_decision_date": on},
        "assess_refused": {
            "assess_decision": "refused",
            "assess_decision_date": on,
            "outcome_reason": note,
        },
        "issue": {"issue_decision": "issue", "issue_decision_date": on},
        "not_issue": {
            "issue_decision": "not_issue",
            "issue_decision_date": on,
            "outcome_reason": note,
        },
        "draft_served": {"draft_served": on},
        "school_consulted": {},
        "comments_received": {"comments_received": on},
        "final_issued": {"final_issued": on},
        "cease_proposed": {"cease_proposed": on},
        "cease_family_consulted": {"cease_family_consulted": on},
        "cease_school_consulted": {"cease_school_consulted": on},
        "ceased": {"ceased_date": on, "outcome_reason": note},
        WITHDRAWN: {"withdrawn_date": on, "outcome_reason": note},
    }
    return changes[key]


__all__ = ["CaseDetail", "CaseworkService", "UserError"]


def check_provider(s: Session, provider_id: int | None, service: str, kept: int | None) -> None:
    """A request's provider gives that kind of advice, and is not retired (unless the
    request named it already)."""
    if provider_id is None:
        return
    provider = s.get(AdviceProvider, provider_id)
    if provider is None:
        raise FieldErrors({"provider_id": "That provider is no longer on the list."})
    if provider.service != service:
        label = codes.label_for(codes.advice_types(), provider.service).lower()
        raise FieldErrors(
            {"provider_id": f"{provider.name} gives {label} advice: choose one of that type."}
        )
    if not provider.active and provider_id != kept:
        raise FieldErrors({"provider_id": f"{provider.name} is retired: choose another."})
