"""The team lead's actions on people and allocation: caseworkers, absences, reassignment.

Every reassignment is recorded in assignment history with a batch id, so a whole bulk move
(or a rebalance) can be undone in one step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select

from caseload_app.db.batch import rows_of
from caseload_app.db.models import Absence, Assignment, Caseworker, Child, EhcpCase
from caseload_app.domain.access import Can
from caseload_app.domain.status import step_label
from caseload_app.domain.text import check_line, fold, how_many, limit_of
from caseload_app.domain.validators import ValidationError, normalise_email
from caseload_app.domain.workload import fte_problem
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import FieldErrors, UserError


@dataclass(frozen=True)
class AbsenceInfo:
    id: int
    starts: date
    ends: date
    note: str


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    name: str
    email: str | None
    capacity: float
    active: bool
    absences: tuple[AbsenceInfo, ...]

    def away_on(self, day: date) -> bool:
        return any(a.starts <= day <= a.ends for a in self.absences)


def _check_name_free(s, name: str, worker_id: int | None = None) -> None:
    """Two caseworkers never share a name, whatever its case or accents ('asha patel'
    would be Asha Patel to anyone choosing from a list)."""
    wanted = fold(name)
    for other_id, other in s.execute(select(Caseworker.id, Caseworker.name)):
        if other_id != worker_id and fold(other) == wanted:
            raise FieldErrors({"name": f"There is already a caseworker called {other}"})


def _open_cases(s, worker_id: int) -> int:
    query = select(func.count()).where(EhcpCase.caseworker_id == worker_id, EhcpCase.is_open)
    return s.scalar(query)


@dataclass(frozen=True)
class Reassignment:
    batch: str
    case_ids: tuple[int, ...]


BATCH_KINDS = {"rebalance": "Rebalance", "reassign": "Reassignment", "undo": "Undo"}


def batch_kind(batch: str) -> str:
    """The plain name of what made a batch ("Rebalance", "Reassignment", "Undo"); batches
    from before kinds were recorded are "Moves"."""
    return BATCH_KINDS.get(batch.split("-", 1)[0], "Moves")


def _undo_id(batch: str) -> str:
    return f"undo-{batch}"[:40]


@dataclass(frozen=True)
class MoveBatch:
    """Cases moved together (one rebalance, one reassignment, one undo), kept in the database
    so it can be listed and undone after the app is closed."""

    batch: str
    kind: str
    at: datetime
    by: str
    reason: str
    cases: int
    undone: bool

    @property
    def can_undo(self) -> bool:
        return not self.undone and self.kind != "Undo"


@dataclass(frozen=True)
class MovedCaseInfo:
    """One case of a batch: the child, where it went, and its next statutory step."""

    case_id: int
    child_name: str
    from_name: str
    to_name: str
    next_step: str
    next_due: date | None


_WORKERS = select(Caseworker.__table__).order_by(Caseworker.name)
_ABSENCES = select(Absence.__table__).order_by(Absence.starts)
_READS = {True: (_WORKERS, _ABSENCES), False: (_WORKERS.where(Caseworker.active), _ABSENCES)}


def worker_reads(include_inactive: bool = False) -> tuple[Select, Select]:
    """The caseworkers (active ones only, unless asked) by name, and everyone's absences:
    made once, so compiled once."""
    return _READS[include_inactive]


def worker_infos(workers: list, absence_rows: list) -> list[WorkerInfo]:
    """`worker_reads`'s rows as the team's workers, each with their absences."""
    absences: dict[int, list[AbsenceInfo]] = {}
    for a in absence_rows:
        absences.setdefault(a.caseworker_id, []).append(AbsenceInfo(a.id, a.starts, a.ends, a.note))
    return [
        WorkerInfo(w.id, w.name, w.email, w.capacity_fte, w.active, tuple(absences.get(w.id, ())))
        for w in workers
    ]


class TeamService(UserService):
    # ------------------------------------------------------------------ people
    def workers(self, include_inactive: bool = False) -> list[WorkerInfo]:
        with self._db.read() as s:
            return worker_infos(*rows_of(s, worker_reads(include_inactive)))

    def add_caseworker(self, name: str, email: str = "", capacity: float = 1.0) -> int:
        errors = {}
        try:  # cleaned and limited as the import cleans a caseworker's name
            name = check_line("Name", name, limit_of("caseworker.name"), required=True)
        except ValidationError as exc:
            errors["name"] = str(exc)
        if problem := fte_problem(capacity):
            errors["capacity"] = problem
        try:
            email_value = normalise_email(email) if email.strip() else None
        except ValidationError as exc:
            errors["email"] = str(exc)
        if errors:
            raise FieldErrors(errors)
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            _check_name_free(s, name)
            worker = Caseworker(
                name=name,
                email=email_value,
                capacity_fte=capacity,
                updated_by=self.user,
                updated_at=self._now(),
            )
            s.add(worker)
            records.audit(s, self.user, self._now(), "create", worker, None, name)
            return worker.id

    def worker_named(self, name: str) -> WorkerInfo:
        """A caseworker by name as typed on the command line (case, accents and spacing
        ignored: names are unique that way too)."""
        wanted = fold(name)
        for worker in self.workers(include_inactive=True):
            if fold(worker.name) == wanted:
                return worker
        raise UserError(f"There is no caseworker called {name.strip()!r}.")

    def rename_caseworker(self, worker_id: int, name: str) -> None:
        """A new name (a misspelling, a marriage): history keeps who was who by id."""
        try:
            name = check_line("Name", name, limit_of("caseworker.name"), required=True)
        except ValidationError as exc:
            raise FieldErrors({"name": str(exc)}) from None
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            worker = records.load(s, Caseworker, worker_id, "caseworker")
            _check_name_free(s, name, worker_id)
            records.apply(s, worker, {"name": name}, user=self.user, now=self._now(), case_id=None)

    def open_cases(self, worker_id: int) -> int:
        with self._db.read() as s:
            return _open_cases(s, worker_id)

    def open_case_counts(self) -> dict[int, int]:
        """Open cases held by each caseworker (one query, for the team list)."""
        with self._db.read() as s:
            query = (
                select(EhcpCase.caseworker_id, func.count())
                .where(EhcpCase.is_open, EhcpCase.caseworker_id.is_not(None))
                .group_by(EhcpCase.caseworker_id)
            )
            return {worker: n for worker, n in s.execute(query).all() if worker is not None}

    def retire_caseworker(self, worker_id: int) -> None:
        """A leaver: no longer offered for allocation, kept in every history. Refused while
        they still hold open cases, which must be reallocated first (a rebalance offers
        where)."""
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            worker = records.load(s, Caseworker, worker_id, "caseworker")
            held = _open_cases(s, worker_id)
            if held:
                raise UserError(
                    f"{worker.name} still holds {how_many(held, 'open case', 'open cases')}. "
                    "Reassign them first (select them and Reassign, or a rebalance on the "
                    "workload board), then mark them as leaving."
                )
            if worker.active:
                records.apply(
                    s, worker, {"active": False}, user=self.user, now=self._now(), case_id=None
                )

    def reinstate_caseworker(self, worker_id: int) -> None:
        """Undo a retirement (someone coming back, or retired by mistake)."""
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            worker = records.load(s, Caseworker, worker_id, "caseworker")
            if not worker.active:
                records.apply(
                    s, worker, {"active": True}, user=self.user, now=self._now(), case_id=None
                )

    def set_capacity(self, worker_id: int, capacity: float) -> None:
        if problem := fte_problem(capacity):
            raise FieldErrors({"capacity": problem})
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            worker = records.load(s, Caseworker, worker_id, "caseworker")
            records.apply(
                s, worker, {"capacity_fte": capacity}, user=self.user, now=self._now(), case_id=None
            )

    def add_absence(self, worker_id: int, starts: date, ends: date, note: str = "") -> int:
        if ends < starts:
            raise FieldErrors({"ends": "The absence ends before it starts"})
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            worker = records.load(s, Caseworker, worker_id, "caseworker")
            absence = Absence(
                caseworker_id=worker.id,
                starts=starts,
                ends=ends,
                note=note.strip(),
                recorded_by=self.user,
                recorded_at=self._now(),
            )
            s.add(absence)
            records.audit(
                s,
                self.user,
                self._now(),
                "create",
                absence,
                None,
                f"{worker.name} away {starts.isoformat()} to {ends.isoformat()}",
            )
            return absence.id

    def remove_absence(self, absence_id: int) -> None:
        with self._db.uow() as s:
            self._require(s, Can.TEAM)
            absence = records.load(s, Absence, absence_id, "absence")
            records.audit(
                s,
                self.user,
                self._now(),
                "delete",
                absence,
                None,
                f"absence {absence.starts.isoformat()} to {absence.ends.isoformat()}",
            )
            s.delete(absence)

    # ------------------------------------------------------------------ allocation
    def reassign(
        self,
        case_ids: list[int],
        to_id: int,
        reason: str,
        *,
        split_families: bool = False,
    ) -> Reassignment:
        """Move cases to a caseworker. A family's children held by the same caseworker move
        together unless the lead explicitly splits them. One transaction, one batch."""
        return self.reassign_many([(case_ids, to_id)], reason, split_families=split_families)

    def reassign_many(
        self,
        moves: list[tuple[list[int], int]],
        reason: str,
        *,
        split_families: bool = False,
        kind: str = "reassign",
    ) -> Reassignment:
        """Several moves (e.g. an accepted rebalance) in one transaction and one batch, so
        they are saved together and undone together. ``kind`` ("reassign" or "rebalance")
        names the batch in the list of recent moves."""
        if not reason.strip():
            raise FieldErrors({"reason": "Say why the cases are moving"})
        if kind not in ("reassign", "rebalance"):
            raise ValueError(f"unknown kind of move {kind!r}")
        batch, now, moved = f"{kind}-{uuid.uuid4().hex[:12]}", self._now(), []
        with self._db.uow() as s:
            self._require(s, Can.REASSIGN)
            for case_ids, to_id in moves:
                target = records.load(s, Caseworker, to_id, "caseworker")
                if not target.active:
                    raise UserError(f"{target.name} is no longer an active caseworker.")
                cases = (
                    [records.load(s, EhcpCase, i, "case") for i in case_ids]
                    if split_families
                    else self._with_siblings(s, case_ids)
                )
                moved += self._move(s, cases, to_id, reason.strip(), batch, now)
        return Reassignment(batch, tuple(moved))

    def _move(self, s, cases, to_id: int, reason: str, batch: str, now) -> list[int]:
        moved = []
        for case in cases:
            if case.caseworker_id == to_id:
                continue
            s.add(
                Assignment(
                    case_id=case.id,
                    from_id=case.caseworker_id,
                    to_id=to_id,
                    assigned_at=now,
                    by=self.user,
                    reason=reason,
                    batch=batch,
                )
            )
            records.apply(
                s, case, {"caseworker_id": to_id}, user=self.user, now=now, case_id=case.id
            )
            moved.append(case.id)
        return moved

    def _with_siblings(self, s, case_ids: list[int]) -> list[EhcpCase]:
        """The chosen cases plus their siblings' open cases held by the same caseworker."""
        chosen = [records.load(s, EhcpCase, i, "case") for i in case_ids]
        seen = {c.id for c in chosen}
        extra = []
        for case in chosen:
            siblings = s.scalars(
                select(EhcpCase)
                .join(Child, EhcpCase.child_id == Child.id)
                .where(
                    Child.family_id == case.child.family_id,
                    EhcpCase.is_open,
                    EhcpCase.caseworker_id == case.caseworker_id,
                )
                .order_by(EhcpCase.id)
            )
            for sibling in siblings:
                if sibling.id not in seen:
                    seen.add(sibling.id)
                    extra.append(sibling)
        return chosen + extra

    def undo(self, batch: str, reason: str = "") -> Reassignment:
        """Put every case of a batch back with the caseworker it came from, in one step.
        Refused, with the cases named, if any has been moved again since."""
        now = self._now()
        with self._db.uow() as s:
            self._require(s, Can.REASSIGN)
            moves = s.scalars(
                select(Assignment).where(Assignment.batch == batch).order_by(Assignment.id)
            ).all()
            if not moves:
                raise UserError("There is nothing to undo for that change.")
            if batch_kind(batch) == "Undo":
                raise UserError("An undo cannot itself be undone: reassign the cases by hand.")
            if s.scalar(select(func.count()).where(Assignment.batch == _undo_id(batch))):
                raise UserError("Those moves have already been undone.")
            cases = {m.case_id: records.load(s, EhcpCase, m.case_id, "case") for m in moves}
            changed = [m.case_id for m in moves if cases[m.case_id].caseworker_id != m.to_id]
            if changed:
                moved = "case " if len(changed) == 1 else "cases "
                raise UserError(
                    f"Not undone: {moved}"
                    + ", ".join(map(str, changed))
                    + (" has" if len(changed) == 1 else " have")
                    + " been moved again since. Reassign by hand."
                )
            undo_batch = _undo_id(batch)
            for m in moves:
                case = cases[m.case_id]
                s.add(
                    Assignment(
                        case_id=case.id,
                        from_id=m.to_id,
                        to_id=m.from_id,
                        assigned_at=now,
                        by=self.user,
                        reason=reason.strip() or "Undo of an earlier move",
                        batch=undo_batch,
                    )
                )
                records.apply(
                    s, case, {"caseworker_id": m.from_id}, user=self.user, now=now, case_id=case.id
                )
            return Reassignment(undo_batch, tuple(cases))

    # ------------------------------------------------------------------ moves made
    def batches(self, limit: int = 50) -> list[MoveBatch]:
        """The most recent batches of moves, newest first, whether each has been undone."""
        self._allowed(Can.REASSIGN)
        query = (
            select(
                Assignment.batch,
                func.min(Assignment.assigned_at),
                func.min(Assignment.by),
                func.min(Assignment.reason),
                func.count(),
            )
            .where(Assignment.batch.is_not(None))
            .group_by(Assignment.batch)
            .order_by(func.min(Assignment.assigned_at).desc(), Assignment.batch.desc())
            .limit(limit)
        )
        with self._db.read() as s:
            rows = [  # a batch is never None here (the query says so)
                (str(batch), at, by, reason, n) for batch, at, by, reason, n in s.execute(query)
            ]
            ids = [_undo_id(row[0]) for row in rows]
            undone = set(
                s.scalars(select(Assignment.batch).where(Assignment.batch.in_(ids)).distinct())
            )
        return [
            MoveBatch(batch, batch_kind(batch), at, by, reason, n, _undo_id(batch) in undone)
            for batch, at, by, reason, n in rows
        ]

    def batch_cases(self, batch: str) -> list[MovedCaseInfo]:
        """Every case a batch moved: the child, from and to whom, and what is next."""
        self._allowed(Can.REASSIGN)
        with self._db.read() as s:
            names = {i: n for i, n in s.execute(select(Caseworker.id, Caseworker.name))}
            rows = s.execute(
                select(
                    Assignment.case_id,
                    Child.first_name,
                    Child.last_name,
                    Assignment.from_id,
                    Assignment.to_id,
                    EhcpCase.next_step,
                    EhcpCase.next_due,
                )
                .join(EhcpCase, EhcpCase.id == Assignment.case_id)
                .join(Child, Child.id == EhcpCase.child_id)
                .where(Assignment.batch == batch)
                .order_by(Child.last_name, Child.first_name, Assignment.case_id)
            ).all()
        if not rows:
            raise UserError("Those moves are no longer on record.")
        return [
            MovedCaseInfo(
                case_id,
                f"{first} {last}",
                names.get(from_id, "Unallocated") if from_id is not None else "Unallocated",
                names.get(to_id, "Unallocated") if to_id is not None else "Unallocated",
                step_label(step) if step else "",
                due,
            )
            for case_id, first, last, from_id, to_id, step, due in rows
        ]
