"""The annual-review catch-up planner: every overdue or soon-due review, planned over the
caseworkers' capacity (domain/review_plan.py), and applied in one step.

Which reviews: open cases with a final plan whose next step is the annual review (s44) and
which is overdue or due within the chosen number of weeks. A child who changes phase next
September (domain/phases.py, as the phase-transfer planner has it) and has had no review
since 1 September counts as due 12 weeks before the amended plan's last lawful day (before
15 February, or 31 March into post-16: Reg 18(1)): the decision and notice come within 4
weeks of the meeting and the final amended plan within 8 weeks of the notice
(docs/statutory-rules.md, "Phase transfers", "Annual reviews"). A meeting already booked
and not yet decided is kept (it uses its week's room); one already held and waiting for
its decision is not planned again.

A caseworker plans their own cases; a team lead plans everyone's, and may share out across
the team (a review then held by another caseworker, whose task it becomes).

`apply` does it all in one transaction, or nothing: each review's meeting day (an open
review's, or a new review), the invitation letter to the family kept on the case file (as
any letter issued), a task for whoever holds the meeting, and the files for the post and
the calendars in one new folder: every letter of a caseworker in one PDF, the family's
invitation (.ics) per review, and one calendar (.ics) per caseworker with their meetings.
A case or review changed by someone else since the plan was made stops it, naming them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db.models import Absence, AnnualReview, AppSetting, Caseworker, Child, EhcpCase
from caseload_app.domain import deadlines, phases
from caseload_app.domain.access import Access, Can
from caseload_app.domain.review_plan import (
    NOTICE_DAYS,
    Plan,
    PlannedReview,
    PlanSettings,
    ReviewToHold,
    make_plan,
)
from caseload_app.domain.templates import MissingValues
from caseload_app.domain.text import how_many
from caseload_app.domain.workload import WorkerLoad
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import PermissionDenied, UserError

TASK_TITLE = "Hold the annual review meeting"
TEMPLATE = "annual_review_invitation"
TRANSFER_LEAD_WEEKS = 12  # decision and notice in 4 weeks, final amended plan 8 weeks later
RECORD = "review_plan"  # what the plan's own audit entry names
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Stamp:
    """What the plan was made from, to see whether someone changed it since."""

    case_version: int
    review_id: int | None  # an open review without a meeting, which the plan books
    review_version: int | None


@dataclass(frozen=True)
class ReviewPlan:
    plan: Plan
    names: dict[int, str]  # caseworker id → name
    stamps: dict[int, Stamp]  # case id → what it was
    planned_by: str
    caseworker_id: int | None  # a caseworker's own plan; None: the team's

    def name(self, worker_id: int | None) -> str:
        return self.names.get(worker_id, "Unallocated") if worker_id is not None else "Unallocated"


@dataclass(frozen=True)
class Applied:
    meetings: int
    reviews_created: int
    reviews_updated: int
    letters: int
    tasks: int
    folder: Path | None
    files: list[Path] = field(default_factory=list)
    family_invitations_missing: int = 0  # no e-mail address to send an invitation from

    def summary(self) -> str:
        meetings = how_many(self.meetings, "review meeting", "review meetings")
        letters = how_many(self.letters, "invitation letter", "invitation letters")
        tasks = how_many(self.tasks, "task", "tasks")
        made = f"{meetings} booked, {letters} kept on the case files, {tasks} created."
        if self.folder is not None:
            made += f" The letters and calendars are in {self.folder}."
        if self.family_invitations_missing:
            missing = how_many(
                self.family_invitations_missing, "family invitation", "family invitations"
            )
            made += f" {missing} (.ics) not made: no e-mail address to send it from."
        return made


class ReviewPlanService(UserService):
    # ------------------------------------------------------------------ planning
    def plan(self, settings: PlanSettings | None = None) -> ReviewPlan:
        """The plan, read in a few queries: the team, their absences, the cases, and the
        reviews still open or held since 1 September."""
        settings = settings or PlanSettings()
        wrong = settings.problems()
        if wrong:
            raise UserError(" ".join(wrong))
        today = self._today()
        with self._db.read() as s:
            access = self._access(s)
            mine = self._own_only(access, settings)
            names, workers = _team(s)
            cases = _cases(s, mine)
            open_reviews, held = _reviews(s, date(phases.academic_year_start(today), 9, 1))
        horizon = today + timedelta(weeks=settings.soon_weeks)
        chart_end = today + timedelta(weeks=settings.weeks)
        to_hold, stamps, later = [], {}, []
        for row in cases:
            found = _to_hold(row, open_reviews.get(row.id), row.id in held, today, horizon)
            if found is not None:
                review, stamp = found
                to_hold.append(review)
                stamps[row.id] = stamp
            elif row.next_step == "annual_review" and row.next_due and row.next_due <= chart_end:
                later.append(row.next_due)  # due after the window: on the chart, not planned
        if mine is not None:
            workers = [w for w in workers if w.id == mine]
        plan = make_plan(to_hold, workers, today, settings, later)
        return ReviewPlan(plan, names, stamps, self.user, mine)

    def _own_only(self, access: Access, settings: PlanSettings) -> int | None:
        """None for a team lead (every case); a caseworker's own id otherwise."""
        if access.can(Can.EDIT_ANY):
            return None
        if not access.can(Can.EDIT_ASSIGNED) or access.caseworker_id is None:
            raise PermissionDenied(
                "Only a caseworker (for their own cases) or a team lead plans reviews "
                f"(your roles: {access.describe()})."
            )
        if settings.share_out:
            raise PermissionDenied("Only a team lead shares reviews out across the team.")
        return access.caseworker_id

    # ------------------------------------------------------------------ applying
    def apply(
        self,
        made: ReviewPlan,
        folder: Path | None = None,
        *,
        letters: bool = True,
        progress: Progress | None = None,
    ) -> Applied:
        """Book every planned meeting, with its letter, invitation and task, in one
        transaction; the files go in a new folder inside `folder` (None: no files)."""
        chosen = made.plan.planned()
        if not chosen:
            raise UserError("The plan books no meetings: there is nothing to apply.")
        self._check_allowed(made, chosen)
        rendered = self._letters(chosen, progress) if letters else {}
        out = _new_folder(folder, self._now()) if folder is not None else None
        try:
            return self._write(made, chosen, rendered, out)
        except BaseException:
            if out is not None:
                shutil.rmtree(out, ignore_errors=True)  # nothing half-written
            raise

    def _check_allowed(self, made: ReviewPlan, chosen: list[PlannedReview]) -> None:
        with self._db.read() as s:
            access = self._require(s, Can.LOG_CONTACT)
            if made.caseworker_id is None and not access.can(Can.EDIT_ANY):
                raise PermissionDenied("Only a team lead applies the team's plan.")
            if any(p.shared for p in chosen) and not access.can(Can.EDIT_ANY):
                raise PermissionDenied("Only a team lead shares reviews out across the team.")
            holders = dict(
                s.execute(
                    select(EhcpCase.id, EhcpCase.caseworker_id).where(
                        EhcpCase.id.in_([p.review.case_id for p in chosen])
                    )
                ).all()
            )
        refused = [
            p.review for p in chosen if not access.can_edit_case(holders.get(p.review.case_id))
        ]
        if refused:
            raise PermissionDenied(
                f"Nothing was booked: {how_many(len(refused), 'case is', 'cases are')} not "
                f"yours to change ({_children(refused)}). Ask a team lead."
            )

    def _letters(self, chosen: list[PlannedReview], progress: Progress | None) -> dict:
        """Every invitation letter made before anything is written; a letter that cannot
        be made (the family's address missing, say) stops the plan, naming each."""
        from caseload_app.services.letters import LetterService

        service = LetterService(self._db, self.user, self._today, self._now)
        out: dict = {}
        problems: dict[str, list[ReviewToHold]] = {}  # the same reason said once
        for n, p in enumerate(chosen, start=1):
            assert p.meeting is not None
            planned = {
                "review_meeting": deadlines.format_date(p.meeting),
                "review_decision_due": deadlines.format_date(
                    deadlines.review_decision_due(p.meeting)
                ),
            }
            try:
                out[p.review.case_id] = service.render(p.review.case_id, TEMPLATE, planned=planned)
            except MissingValues as exc:
                from caseload_app.services.mail_merge import missing_reason

                problems.setdefault(missing_reason(exc), []).append(p.review)
            if progress is not None:
                progress(n, len(chosen))
        if problems:
            count = sum(len(r) for r in problems.values())
            shown = "; ".join(f"{why}: {_children(who)}" for why, who in problems.items())
            raise UserError(
                "Nothing was booked: "
                f"{how_many(count, 'invitation letter', 'invitation letters')} cannot be "
                f"made. {shown[0].upper()}{shown[1:]}. Put these right, or apply the plan "
                "without letters."
            )
        return out

    def _write(
        self, made: ReviewPlan, chosen: list[PlannedReview], rendered: dict, out: Path | None
    ) -> Applied:
        from caseload_app.services.letters import LetterService

        letter_service = LetterService(self._db, self.user, self._today, self._now)
        now, today = self._now(), self._today()
        created = updated = tasks = 0
        invitations: list[tuple[PlannedReview, bytes | None]] = []
        with self._db.uow() as s:
            self._check_unchanged(s, made, chosen)
            team_address = _setting(s, "mail_from_address")
            for p in chosen:
                case = self._case_to_edit(s, p.review.case_id)
                review, new = self._book(s, made.stamps[case.id], case, p, bool(rendered))
                created, updated = created + new, updated + (not new)
                tasks += self._task(s, case, p)
                if p.review.case_id in rendered:
                    letter_service.keep(s, case, rendered[p.review.case_id])
                if out is not None:
                    invitations.append((p, _family_invitation(s, review, team_address, now)))
            files = _write_files(out, made, invitations, rendered, now) if out else []
            records.write_audit(
                s, at=now, who=self.user, action="create", record_type=RECORD,
                detail=(f"applied the annual-review catch-up plan of {today.isoformat()}: "
                        f"{len(chosen)} meetings, {len(rendered)} letters, {tasks} tasks"
                        + (f", files in {out.name}" if out else "")),
            )  # fmt: skip
        missing = sum(1 for _, data in invitations if data is None)
        return Applied(len(chosen), created, updated, len(rendered), tasks, out, files, missing)

    def _check_unchanged(self, s: Session, made: ReviewPlan, chosen: list[PlannedReview]) -> None:
        """Every case and review as the plan found it: else nothing is written. The cases are
        locked first (in order), so two people booking at once queue here and the second
        sees the first's reviews."""
        ids = [p.review.case_id for p in chosen]
        for case_id in sorted(set(ids)):
            records.load(s, EhcpCase, case_id, "case")
        today = self._today()
        notice = today + timedelta(days=NOTICE_DAYS)
        soon = [p.review for p in chosen if p.meeting and p.meeting < notice]
        if soon:
            raise UserError(
                f"Nothing was booked: the plan was made on {deadlines.format_date(made.plan.today)}"
                f" and {how_many(len(soon), 'meeting is', 'meetings are')} now less than 2 weeks "
                f"away ({_children(soon)}): invitations go at least 2 weeks before (Reg 20(3))."
                " Make the plan again, then apply it."
            )
        now_cases = dict(
            s.execute(select(EhcpCase.id, EhcpCase.version).where(EhcpCase.id.in_(ids))).all()
        )
        open_now: dict[int, tuple[int, int]] = {}
        for review_id, case_id, version in s.execute(
            select(AnnualReview.id, AnnualReview.case_id, AnnualReview.version).where(
                AnnualReview.case_id.in_(ids), AnnualReview.decision_date.is_(None)
            )
        ):
            open_now[case_id] = (review_id, version)
        changed = []
        for p in chosen:
            stamp = made.stamps[p.review.case_id]
            was = (stamp.review_id, stamp.review_version) if stamp.review_id else None
            if (
                now_cases.get(p.review.case_id) != stamp.case_version
                or open_now.get(p.review.case_id) != was
            ):
                changed.append(p.review)
        if changed:
            raise UserError(
                f"Nothing was booked: {how_many(len(changed), 'case has', 'cases have')} "
                f"changed since the plan was made ({_children(changed)}). Make the plan "
                "again to see the changes, then apply it."
            )

    def _book(
        self, s: Session, stamp: Stamp, case: EhcpCase, p: PlannedReview, invited: bool
    ) -> tuple[AnnualReview, bool]:
        """The meeting on the open review, or on a new one: (review, whether new)."""
        changes: dict[str, object] = {"meeting_date": p.meeting}
        if invited:
            changes["invitations_sent"] = self._today()  # Reg 20(3): the letter goes today
        if stamp.review_id is not None:
            review = records.load(s, AnnualReview, stamp.review_id, "review")
            records.apply(s, review, changes, user=self.user, now=self._now(), case_id=case.id)
            return review, False
        review = AnnualReview(case_id=case.id, due=p.review.due, updated_by=self.user,
                              updated_at=self._now(), **changes)  # fmt: skip
        records.create(s, review, user=self.user, now=self._now(), case_id=case.id,
                       detail="review booked by the catch-up plan")  # fmt: skip
        s.flush()
        return review, True

    def _task(self, s: Session, case: EhcpCase, p: PlannedReview) -> int:
        from caseload_app.db.models import Task

        assert p.meeting is not None
        task = Task(
            case_id=case.id,
            title=f"{TASK_TITLE} ({deadlines.format_date(p.meeting)})",
            due=p.meeting,
            owner_id=p.caseworker_id,
            created_by=self.user,
            updated_by=self.user,
            updated_at=self._now(),
        )
        records.create(s, task, user=self.user, now=self._now(), case_id=case.id,
                       detail=task.title)  # fmt: skip
        return 1


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _CaseRow:
    id: int
    version: int
    caseworker_id: int | None
    next_step: str | None
    next_due: date | None
    first_name: str
    last_name: str
    date_of_birth: date
    setting: str | None
    year_group: str | None
    phase_transfer_year: int | None
    phase_transfer_kind: str | None


def _team(s: Session) -> tuple[dict[int, str], list[WorkerLoad]]:
    away: dict[int, list[tuple[date, date]]] = {}
    for worker_id, starts, ends in s.execute(
        select(Absence.caseworker_id, Absence.starts, Absence.ends)
    ):
        away.setdefault(worker_id, []).append((starts, ends))
    names, workers = {}, []
    for worker_id, name, fte, active in s.execute(
        select(Caseworker.id, Caseworker.name, Caseworker.capacity_fte, Caseworker.active)
    ):
        names[worker_id] = name
        if active:
            workers.append(WorkerLoad(worker_id, name, fte or 0.0, tuple(away.get(worker_id, ()))))
    return names, workers


def _cases(s: Session, caseworker_id: int | None) -> list[_CaseRow]:
    query = (
        select(
            EhcpCase.id,
            EhcpCase.version,
            EhcpCase.caseworker_id,
            EhcpCase.next_step,
            EhcpCase.next_due,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Child.setting,
            Child.year_group,
            EhcpCase.phase_transfer_year,
            EhcpCase.phase_transfer_kind,
        )  # fmt: skip
        .join(Child, Child.id == EhcpCase.child_id)
        .where(EhcpCase.is_open, EhcpCase.stage == "plan_issued")
    )
    if caseworker_id is not None:
        query = query.where(EhcpCase.caseworker_id == caseworker_id)
    return [_CaseRow(*tuple(row)) for row in s.execute(query)]


def _reviews(
    s: Session, cycle_start: date
) -> tuple[dict[int, tuple[int, int, date | None]], set[int]]:
    """The latest open (undecided) review per case (id, version, meeting day), and the cases
    with a review meeting held or booked since the academic year began."""
    open_reviews: dict[int, tuple[int, int, date | None]] = {}
    held: set[int] = set()
    query = select(
        AnnualReview.id, AnnualReview.case_id, AnnualReview.version,
        AnnualReview.meeting_date, AnnualReview.decision_date,
    ).where(
        (AnnualReview.decision_date.is_(None)) | (AnnualReview.meeting_date >= cycle_start)
    ).order_by(AnnualReview.id)  # fmt: skip
    for review_id, case_id, version, meeting, decided in s.execute(query):
        if decided is None:
            open_reviews[case_id] = (review_id, version, meeting)
        if meeting is not None and meeting >= cycle_start:
            held.add(case_id)
    return open_reviews, held


def _to_hold(
    row: _CaseRow,
    open_review: tuple[int, int, date | None] | None,
    reviewed_this_year: bool,
    today: date,
    horizon: date,
) -> tuple[ReviewToHold, Stamp] | None:
    due = row.next_due if row.next_step == "annual_review" else None
    transfer_date = None
    if not reviewed_this_year:
        transfer = phases.planned_transfer(
            row.date_of_birth, today, row.setting, row.year_group,
            row.phase_transfer_year, row.phase_transfer_kind,
        )  # fmt: skip
        if transfer is not None:
            transfer_date = transfer.legal_date
            by = transfer.legal_date - timedelta(weeks=TRANSFER_LEAD_WEEKS)
            due = min(due, by) if due is not None else by
    booked = open_review[2] if open_review else None
    if booked is not None and booked < today:
        return None  # held, its decision awaited: nothing to plan
    # A meeting already booked takes its week's room, however far off the review is due.
    if due is None or (due > horizon and booked is None):
        return None
    annual = row.next_due if row.next_step == "annual_review" else None
    review = ReviewToHold(row.id, f"{row.first_name} {row.last_name}", row.caseworker_id, due,
                          transfer_date, booked, annual)  # fmt: skip
    review_id, version = (open_review[0], open_review[1]) if open_review else (None, None)
    return review, Stamp(row.version, review_id, version)


# --------------------------------------------------------------------------- files
def _setting(s: Session, key: str) -> str:
    return s.scalar(select(AppSetting.value).where(AppSetting.key == key)) or ""


def _family_invitation(s: Session, review: AnnualReview, team: str, now: datetime) -> bytes | None:
    """The family's invitation (.ics), as the Reviews tab makes one; None when there is no
    address to send it from."""
    from caseload_app.reports.calendar_ics import invitation_bytes
    from caseload_app.services.calendar import Meeting, review_invitation

    try:
        return invitation_bytes(review_invitation(s, review, Meeting(), team, now), now)
    except UserError:
        return None


def _new_folder(parent: Path, now: datetime) -> Path:
    parent = Path(parent)
    if not parent.is_dir():
        raise UserError(f"The folder {parent} cannot be reached now: nothing was booked.")
    out = parent / f"review-invitations-{now:%Y-%m-%d-%H%M%S}"
    try:
        out.mkdir()
    except OSError as exc:
        raise UserError(f"A folder could not be made in {parent}: {exc.strerror}.") from exc
    return out


def _write_files(
    out: Path,
    made: ReviewPlan,
    invitations: list[tuple[PlannedReview, bytes | None]],
    rendered: dict,
    now: datetime,
) -> list[Path]:
    """Per caseworker: their letters in one PDF to print, the families' invitations, and
    their meetings as one calendar. Files name the case number, never the child."""
    from caseload_app.reports.calendar_ics import calendar_bytes
    from caseload_app.services.mail_merge import combined

    by_worker: dict[int | None, list[tuple[PlannedReview, bytes | None]]] = {}
    for p, data in invitations:
        by_worker.setdefault(p.caseworker_id, []).append((p, data))
    written = []
    for worker_id, items in by_worker.items():
        name = made.name(worker_id)
        # The caseworker's number too: two names alike but for punctuation stay apart.
        folder = out / (_safe(name) + (f" ({worker_id})" if worker_id is not None else ""))
        folder.mkdir()
        pdfs = [rendered[p.review.case_id].pdf for p, _ in items if p.review.case_id in rendered]
        if pdfs:
            written.append(_write(folder / "invitation-letters.pdf", combined(pdfs)))
        for p, data in items:
            if data is not None:
                written.append(_write(folder / f"invitation-case-{p.review.case_id:06d}.ics", data))
        entries = [_meeting_entry(p) for p, _ in items]
        written.append(
            _write(folder / "meetings.ics", calendar_bytes(f"Annual reviews: {name}", entries, now))
        )
    return written


def _meeting_entry(p: PlannedReview):
    from caseload_app.reports.calendar_ics import Entry

    assert p.meeting is not None
    case_id = p.review.case_id
    initials = ".".join(w[0] for w in p.review.child_name.split() if w) + "."
    return Entry(
        f"annual-review-plan-{case_id}@caseload", p.meeting,
        f"Annual review meeting – {initials} (case {case_id})",
        f"Annual review meeting, {deadlines.format_date(p.meeting)}. Case {case_id} in caseload.",
        "Annual review meeting",
    )  # fmt: skip


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in " -_" else "_" for c in name).strip() or "caseworker"


def _write(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(
            f"{path.name} could not be written: {exc.strerror}. Nothing was booked."
        ) from exc
    return path


def _children(reviews: Iterable[ReviewToHold]) -> str:
    items = [f"{r.child_name} (case {r.case_id})" for r in reviews]
    return ", ".join(items[:10]) + (", …" if len(items) > 10 else "")
