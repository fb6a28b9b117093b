"""The person-level SEN2 return built from the records (domain/sen2.py for its shape,
docs/SEN2.md for which cases are in it and how each item is coded), checked
(domain/sen2_checks.py) and written as XML or CSV (reports/sen2_xml.py).

Who is in it: every request for an EHC needs assessment received on or before the end of the
reporting period (the calendar year before the census day) that was still live at some time in
that year or on the census day — a request, an assessment, a plan — and every plan ceased in
the year. What it says is as at the census day: anything dated after it has not happened yet,
so the return is the same whenever it is built. When a ceased plan ended, and which review
date is sent, are the law's (docs/statutory-rules.md, "The SEN2 return").
"""

from __future__ import annotations

import json
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from caseload_app.batch import no_cycle_collection
from caseload_app.db.models import (
    AnnualReview,
    AppSetting,
    CaseException,
    Child,
    Disagreement,
    EhcpCase,
    Establishment,
    Family,
    Placement,
    PlanVersion,
)
from caseload_app.domain import codes, sen2
from caseload_app.domain.access import Can
from caseload_app.domain.ceasing import plan_in_force
from caseload_app.domain.exceptions import FINAL_PLAN, parse_limits
from caseload_app.domain.sen2 import ReportingPeriod, by_census, reporting_period
from caseload_app.domain.sen2_checks import Finding, check_return
from caseload_app.services.base import UserService, recorded_first
from caseload_app.services.errors import UserError
from caseload_app.services.settings import stored_la_number

OFFICERS = ("dmo", "dco", "dsco")  # the area's designated officers: Y, N or R (Recruiting)
SERIAL_KEY = "sen2_serial"
# Who a disagreement's decision is, as SEN2 counts mediation and appeals per request.
REQUEST_DECISION, ASSESSMENT_DECISION = "not_assess", "not_issue"


@dataclass(frozen=True)
class Officers:
    dmo: str | None = None
    dco: str | None = None
    dsco: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A return built and checked, ready to save (or not, while an error stands)."""

    built: sen2.Sen2Return
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


@dataclass(frozen=True)
class Saved:
    path: Path
    persons: int
    requests: int
    sha256: str


class Sen2ReturnService(UserService):
    def today(self) -> date:
        return self._today()

    def officers(self) -> Officers:
        """The designated officers' items as last given (kept for next year's return)."""
        with self._db.read() as s:
            values = dict(s.execute(select(AppSetting.key, AppSetting.value)).all())
        return Officers(*(values.get(f"sen2_{k}") or None for k in OFFICERS))

    def prepare(
        self,
        census: date,
        officers: Officers,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> Prepared:
        """Build the return for the census day and run every check on it. Reading every
        child's record is audited (a view, naming the census day and the counts)."""
        self._allowed(Can.REPORTS)
        with no_cycle_collection():
            built = self._build(census, officers, progress, cancelled)
            findings = tuple(check_return(built, cancelled=cancelled))
        prepared = Prepared(built, findings)
        self.audit_export(
            "sen2",
            f"built the SEN2 return for census day {census.isoformat()}: "
            f"{len(built.persons)} children, {built.requests} requests, "
            f"{prepared.errors} errors, {prepared.warnings} warnings",
            action="view",
        )
        return prepared

    def save(self, prepared: Prepared, path: Path, fmt: str = "xml") -> Saved:
        """Write the checked return, atomically, refused while an error stands. The serial
        number goes up by one for each return saved; the audit entry names the file, the
        counts and its sha256."""
        from caseload_app.reports.sen2_xml import write_csv_rows, write_xml

        if fmt not in ("xml", "csv"):
            raise UserError(f"The return is written as xml or csv, not '{fmt}'.")
        if prepared.errors:
            raise UserError(
                f"Not written: the return has {prepared.errors} errors to put right first "
                "(the list says how). Warnings alone do not stop it."
            )
        built = prepared.built
        path = Path(path)
        digest: list[str] = []

        def record(sha: str) -> None:
            digest.append(sha)

            def write(s) -> None:
                self._next_serial(s, built.header.serial_no)
                self._keep_officers(s, built.header)
                self._write_export_entry(s, built, path, fmt, sha, prepared.warnings)

            recorded_first(self._db, write)

        writer = write_xml if fmt == "xml" else write_csv_rows
        writer(built, path, before_publish=record)
        return Saved(path, len(built.persons), built.requests, digest[0])

    # ------------------------------------------------------------------ building
    def _build(self, census, officers, progress, cancelled) -> sen2.Sen2Return:
        period = reporting_period(census)
        with self._db.read() as s:
            la = stored_la_number(s)
            last = s.get(AppSetting, SERIAL_KEY)
            serial_no = int(last.value or 0) + 1 if last is not None else 1
            data = _load(s, period)
        header = sen2.Header(
            year=census.year,
            reference_date=census,
            la=la,
            software_code="caseload",
            release=_release(),
            serial_no=serial_no,
            created=self._now().replace(microsecond=0),
            dmo=officers.dmo,
            dco=officers.dco,
            dsco=officers.dsco,
        )
        persons = []
        children = sorted(data.cases_of)
        for n, child_id in enumerate(children):
            if n % 500 == 0:
                if cancelled():
                    raise InterruptedError("The return was stopped.")
                if progress is not None:
                    progress(n, len(children))
            persons.append(data.person(child_id))
        return sen2.Sen2Return(header, tuple(persons))

    def _next_serial(self, s, serial: int) -> None:
        row = s.get(AppSetting, SERIAL_KEY)
        if row is None:
            s.add(AppSetting(key=SERIAL_KEY, value=str(serial)))
        else:
            # One build saved twice (as XML, then CSV) keeps its number: the files agree.
            row.value = str(max(serial, int(row.value or 0)))

    def _keep_officers(self, s, header: sen2.Header) -> None:
        """The designated officers' items as sent, offered again for the next return."""
        for item in OFFICERS:
            value = getattr(header, item) or ""
            row = s.get(AppSetting, f"sen2_{item}")
            if row is None:
                s.add(AppSetting(key=f"sen2_{item}", value=value))
            else:
                row.value = value

    def _write_export_entry(self, s, built, path: Path, fmt: str, sha: str, warnings: int) -> None:
        from caseload_app.services import records

        records.write_audit(
            s,
            at=self._now(),
            who=self.user,
            action="export",
            record_type="sen2",
            detail=(
                f"SEN2 return ({fmt}) for census day {built.header.reference_date.isoformat()}, "
                f"serial {built.header.serial}: {len(built.persons)} children, "
                f"{built.requests} requests, {warnings} warnings, to {path.name} "
                f"(sha256 {sha})"
            ),
        )


def _release() -> str:
    from caseload_app import __version__

    return __version__


# --------------------------------------------------------------------------- the records
# Named tuples of the columns the return reads (_load), not ORM objects: each has the
# attributes its model has, and loading 50,000 children's records this way takes a fraction
# of the time.
CaseRow = Any  # an ehcp_case row (_CASE)
ChildRow = Any  # a child's row with the family's postcode (_CHILD)
PlacementRow = Any  # a placement with its establishment's name and URN (_PLACEMENT)
ReviewRow = Any  # an annual review (_REVIEW)
DisagreementRow = Any  # a mediation or appeal (_DISAGREEMENT)


@dataclass
class _Records:
    period: ReportingPeriod
    cases_of: dict[int, list[CaseRow]]
    children: dict[int, ChildRow]
    placements: dict[int, list[PlacementRow]]
    reviews: dict[int, list[ReviewRow]]
    week20: dict[int, list[date]]
    disagreements: dict[int, list[DisagreementRow]]
    budgets: dict[int, dict]  # Section J's facts from the latest plan issued by the census

    def person(self, child_id: int) -> sen2.Person:
        child = self.children[child_id]
        census = self.period.census_date
        requests = tuple(
            self._request(case, child)
            for case in sorted(self.cases_of[child_id], key=lambda c: (c.request_received, c.id))
        )
        return sen2.Person(
            child_id=child.id,
            surname=child.last_name,
            forename=child.first_name,
            birth_date=child.date_of_birth if child.date_of_birth <= census else None,
            sex=child.sex,
            ethnicity=child.ethnicity,
            postcode=child.postcode,
            upn=child.upn,
            uln=child.uln,
            upn_unknown=child.upn_unknown,
            requests=requests,
        )

    def _request(self, case: CaseRow, child: ChildRow) -> sen2.Request:
        flags = self._flags(case.id)
        outcome, outcome_date = self._request_outcome(case)
        assessment = self._assessment(case, child, flags) if outcome in ("Y", "H") else None
        plan = assessment.plan if assessment is not None else None
        active = self._active(case, child, plan) if plan is not None else None
        uncoded = any(d.about is None for d in self.disagreements.get(case.id, []))
        return sen2.Request(
            case_id=case.id,
            received=case.request_received,
            source=codes.sen2_codes("request_sources.csv").get(case.request_source or ""),
            rya=None,  # relevant youth accommodation: not recorded (docs/SEN2.md)
            outcome_date=outcome_date,
            outcome=outcome,
            mediation=flags["request_mediation"],
            tribunal=flags["request_tribunal"],
            exported=None,
            assessment=assessment,
            active=active,
            noted=("disagreement_uncoded",) if uncoded else (),
        )

    def _request_outcome(self, case: CaseRow) -> tuple[str, date | None]:
        census, starts = self.period.census_date, self.period.starts
        if _transferred_in(case, census):
            return "H", None  # the decisions were another council's
        decided = by_census(case.assess_decision_date, census)
        withdrawn = by_census(case.withdrawn_date, census)
        if decided is not None and case.assess_decision in ("agreed", "refused"):
            if decided < starts and case.assess_decision == "agreed":
                return "H", None
            return ("Y" if case.assess_decision == "agreed" else "N"), decided
        if withdrawn is not None:
            return "W", None
        if _assessed_undated(case):
            # An old import: assessed, its decision's date not recorded. Before the year it
            # is historic; in the year the date is needed (the checks ask for it).
            return ("H", None) if case.request_received < starts else ("Y", None)
        return "A", None

    def _assessment(self, case: CaseRow, child: ChildRow, flags) -> sen2.Assessment:
        census, starts = self.period.census_date, self.period.starts
        final = by_census(case.final_issued, census)
        decided = by_census(case.issue_decision_date, census)
        withdrawn = by_census(case.withdrawn_date, census)
        if _transferred_in(case, census):
            outcome, when = "H", None
        elif decided is not None and case.issue_decision == "not_issue":
            outcome, when = "N", decided
        elif final is not None or (decided is not None and case.issue_decision == "issue"):
            # Historic only when the outcome came before the year: a plan finalised in the
            # year after a decision the year before is a new plan of the year (its date).
            historic = (final or decided) < starts  # type: ignore[operator]
            outcome, when = ("H", None) if historic else ("Y", final)
        elif withdrawn is not None:
            outcome, when = "W", None
        elif case.stage in ("draft_issued", "plan_issued"):
            # An old import: a plan decided on with no dates recorded.
            outcome = "H" if case.request_received < starts else "Y"
            when = None
        else:
            outcome, when = "A", None
        decided_here = outcome in ("Y", "N")
        plan = self._plan(case) if outcome in ("Y", "H") and _plan_made(case, census) else None
        return sen2.Assessment(
            outcome=outcome,
            outcome_date=when,
            mediation=flags["assessment_mediation"],
            tribunal=flags["assessment_tribunal"],
            other_mediation=flags["other_mediation"],
            other_tribunal=flags["other_tribunal"],
            week20=self._week20(case) if decided_here else None,
            plan=plan,
        )

    def _week20(self, case: CaseRow) -> bool:
        """SEN2's Week20: an exception to the 20-week limit (Reg 13(3)) begun by the census."""
        starts = self.week20.get(case.id)
        if starts is None:  # an import with the flag and no detail
            return FINAL_PLAN in parse_limits(case.exception_limits)
        return any(start <= self.period.census_date for start in starts)

    def _plan(self, case: CaseRow) -> sen2.NamedPlan:
        census = self.period.census_date
        start = by_census(case.final_issued, census) or by_census(case.transferred_in, census)
        ended = self._plan_ended(case)
        on = ended or census
        # One per rank: on a day one placement ends and the next begins, the new one.
        current: dict[int, PlacementRow] = {}
        for p in self.placements.get(case.child_id, []):  # in order of their start
            if p.starts <= on and (p.ends is None or p.ends >= on):
                current[min(p.rank, 2)] = p
        main = current.get(1)
        return sen2.NamedPlan(
            start_date=start,
            details=tuple(_setting(p, sen2.PlanDetail, on) for _, p in sorted(current.items())),
            residential=_residential(main),
            work_based=_work_based(main),
            **_budget(self.budgets.get(case.id)),
            cease_date=ended,
            cease_reason=case.cease_reason if ended is not None else None,
        )

    def _plan_ended(self, case: CaseRow) -> date | None:
        return _plan_end(case, self.disagreements.get(case.id, []), self.period.census_date)

    def _active(
        self, case: CaseRow, child: ChildRow, plan: sen2.NamedPlan
    ) -> sen2.ActivePlans | None:
        census, starts = self.period.census_date, self.period.starts
        if plan.cease_date is not None and plan.cease_date < starts:
            return None  # ceased before the year: only its ceasing is reported
        placements = tuple(
            _setting(p, sen2.Setting, census)
            for p in self.placements.get(child.id, [])
            if p.starts <= census and (p.ends is None or p.ends >= starts)
        )
        needs = tuple(
            sen2.Need(code, rank)
            for rank, code in enumerate((child.primary_need, child.secondary_need), start=1)
            if code
        )
        meeting, outcome, decision, draft = self._review(case.id)
        transfer = by_census(case.transferred_in, census)
        return sen2.ActivePlans(
            transfer_la=(
                f"{case.transferred_from:03d}"
                if transfer is not None and transfer >= starts and case.transferred_from
                else None
            ),
            placements=placements,
            needs=needs,
            review_meeting=meeting,
            review_outcome=outcome,
            review_draft=draft,
            phase_transfer_due=None,
            phase_transfer_final=None,
            last_review=decision,
        )

    def _review(self, case_id: int):
        """The latest review meeting by the census day, its decision (SEN2's LastReview is the
        day the decision was sent, not the meeting) and the draft amended plan's day."""
        census = self.period.census_date
        held = [r for r in self.reviews.get(case_id, []) if by_census(r.meeting_date, census)]
        if not held:
            return None, None, None, None
        latest = max(held, key=lambda r: (r.meeting_date, r.id))
        decided = by_census(latest.decision_date, census)
        outcome = codes.sen2_codes("review_outcomes.csv").get(latest.outcome or "")
        return (
            latest.meeting_date,
            outcome if decided is not None else None,
            decided,
            by_census(latest.amendment_notice, census),
        )

    def _flags(self, case_id: int) -> dict[str, bool]:
        census = self.period.census_date
        flags = dict.fromkeys(
            ("request_mediation", "request_tribunal", "assessment_mediation",
             "assessment_tribunal", "other_mediation", "other_tribunal"),
            False,
        )  # fmt: skip
        for d in self.disagreements.get(case_id, []):
            which = {REQUEST_DECISION: "request", ASSESSMENT_DECISION: "assessment"}.get(
                d.about or "", "other"
            )
            if by_census(d.mediation_ended, census) is not None:
                flags[f"{which}_mediation"] = True
            if by_census(d.appeal_lodged, census) is not None:
                flags[f"{which}_tribunal"] = True
        return flags


def _budget(facts: dict | None) -> dict:
    """PB, OA and DP from the plan's Section J (domain.plan.Budget); left out for a case with
    no plan written in caseload (an imported one), and OA and DP without a budget taken up."""
    if facts is None:
        return dict(personal_budget=None, organised_arrangements=None, direct_payments=None)
    taken = bool(facts.get("taken_up"))
    return dict(
        personal_budget=taken,
        organised_arrangements=bool(facts.get("organised")) if taken else None,
        direct_payments=(facts.get("direct_payments") or None) if taken else None,
    )


def _plan_end(case: CaseRow, disagreements: list[DisagreementRow], census: date) -> date | None:
    """The day the plan stopped (SEN2's CeaseDate is not the decision): the day it moved to
    the new council, or the end of the family's time to appeal the decision to cease
    (s45(4)); None for a plan not ceased by the census day, or one still in force then (an
    appeal undecided, or the time to appeal not yet over)."""
    decided = by_census(case.ceased_date, census)
    if decided is None:
        return None
    if case.cease_reason == "5" and case.moved_out is not None:
        return by_census(case.moved_out, census)
    about_cease = [d for d in disagreements if d.about == "cease"]
    certificates = [by_census(d.mediation_certificate, census) for d in about_cease]
    certificate = max((c for c in certificates if c), default=None)
    appeals = [d for d in about_cease if by_census(d.appeal_lodged, census)]
    if appeals:
        # In force until the appeal is decided: the hearing, once an outcome is recorded
        # and the hearing was by the census day (the Tribunal's decision date is not kept).
        heard = [by_census(d.hearing_date, census) for d in appeals if d.outcome]
        return max((h for h in heard if h), default=None)
    in_force = plan_in_force(decided, certificate)
    return by_census(in_force.until, census)


def _assessed_undated(case: CaseRow) -> bool:
    """A case imported at a stage past the decision to assess, with no decision recorded."""
    past_it = case.stage in ("assessment", "draft_issued", "plan_issued", "not_issued")
    return case.assess_decision is None and (past_it or case.final_issued is not None)


def _transferred_in(case: CaseRow, census: date) -> bool:
    return by_census(case.transferred_in, census) is not None


def _plan_made(case: CaseRow, census: date) -> bool:
    """A final plan by the census day: issued, transferred in, or (an old import) a maintained
    plan whose date was not recorded (its StartDate is then missing, which the checks say)."""
    made = by_census(case.final_issued, census) is not None or _transferred_in(case, census)
    return made or (case.stage == "plan_issued" and case.final_issued is None)


def _setting(placement: PlacementRow, kind, census: date):
    dated = kind is sen2.Setting
    setting = codes.sen2_codes("placement_kinds.csv").get(placement.kind)
    registered = placement.est_id is not None  # an establishment on the register
    name = placement.est_name if registered else placement.setting_name
    return kind(
        urn=placement.est_urn if registered else None,
        ukprn=None,  # every establishment on the register has a URN, which SEN2 prefers
        sen_setting=None if registered else setting,
        sen_setting_other=None,
        rank=min(placement.rank, 2),
        entry_date=placement.starts if dated else None,
        leaving_date=by_census(placement.ends, census) if dated else None,
        sen_unit=placement.provision == "sen_unit",
        resourced=placement.provision == "resourced",
        residential=_residential(placement) if dated else None,
        work_based=_work_based(placement) if dated else None,
        where=name or codes.label_for(codes.listed("placement_kinds.csv"), placement.kind),
    )


def _residential(placement: PlacementRow | None) -> str | None:
    if placement is None or not placement.residential:
        return None
    return codes.sen2_codes("placement_residential.csv").get(placement.residential)


def _work_based(placement: PlacementRow | None) -> str | None:
    if placement is None or not placement.work_based:
        return None
    return codes.sen2_codes("work_based.csv").get(placement.work_based)


def _in_scope(case: CaseRow, period: ReportingPeriod, disagreements) -> bool:
    """Received by the end of the year and live at some time in it or on the census day
    (a plan that ended in the year included)."""
    if case.request_received > period.ends:
        return False
    closed = _closed(case, period.census_date, disagreements)
    return closed is None or closed >= period.starts


def _closed(case: CaseRow, census: date, disagreements) -> date | None:
    """The day the case stopped being live, as at the census day (None: live then)."""
    if case.ceased_date is not None:
        return _plan_end(case, disagreements, census)
    if case.withdrawn_date is not None:
        return by_census(case.withdrawn_date, census)
    if case.assess_decision == "refused" and case.assess_decision_date is not None:
        return by_census(case.assess_decision_date, census)
    if case.issue_decision == "not_issue" and case.issue_decision_date is not None:
        return by_census(case.issue_decision_date, census)
    if not case.is_open:
        return date.min  # closed with no day recorded (an old import): before any year
    return None


# Only the columns the return reads: fewer to convert, and no ORM objects to make.
_CASE = (
    EhcpCase.id, EhcpCase.child_id, EhcpCase.request_received, EhcpCase.request_source,
    EhcpCase.stage, EhcpCase.is_open, EhcpCase.assess_decision_date, EhcpCase.assess_decision,
    EhcpCase.issue_decision_date, EhcpCase.issue_decision, EhcpCase.final_issued,
    EhcpCase.ceased_date, EhcpCase.cease_reason, EhcpCase.transferred_in,
    EhcpCase.transferred_from, EhcpCase.moved_out, EhcpCase.exception_limits,
    EhcpCase.withdrawn_date,
)  # fmt: skip
_CHILD = (
    Child.id, Child.first_name, Child.last_name, Child.date_of_birth, Child.sex,
    Child.ethnicity, Child.upn, Child.uln, Child.upn_unknown, Child.primary_need,
    Child.secondary_need, Family.postcode,
)  # fmt: skip
_PLACEMENT = (
    Placement.child_id, Placement.kind, Placement.setting_name, Placement.starts,
    Placement.ends, Placement.rank, Placement.provision, Placement.residential,
    Placement.work_based, Establishment.id.label("est_id"),
    Establishment.name.label("est_name"), Establishment.urn.label("est_urn"),
)  # fmt: skip
_REVIEW = (
    AnnualReview.id, AnnualReview.case_id, AnnualReview.meeting_date,
    AnnualReview.decision_date, AnnualReview.outcome, AnnualReview.amendment_notice,
)  # fmt: skip
_DISAGREEMENT = (
    Disagreement.case_id, Disagreement.about, Disagreement.mediation_ended,
    Disagreement.mediation_certificate, Disagreement.appeal_lodged,
    Disagreement.hearing_date, Disagreement.outcome,
)  # fmt: skip


def _load(s, period: ReportingPeriod) -> _Records:
    """Everything the return needs, in one query a table over the whole database."""
    census = period.census_date
    disagreements: dict[int, list[DisagreementRow]] = defaultdict(list)
    for d in _named(s, select(*_DISAGREEMENT).order_by(Disagreement.id)):
        disagreements[d.case_id].append(d)
    cases_of: dict[int, list[CaseRow]] = defaultdict(list)
    for case in _named(
        s, select(*_CASE).where(EhcpCase.request_received <= period.ends).order_by(EhcpCase.id)
    ):
        if _in_scope(case, period, disagreements.get(case.id, [])):
            cases_of[case.child_id].append(case)
    children: dict[int, ChildRow] = {
        child.id: child
        for child in _named(s, select(*_CHILD).join(Family, Family.id == Child.family_id))
        if child.id in cases_of
    }
    placements: dict[int, list[PlacementRow]] = defaultdict(list)
    for placement in _named(
        s,
        select(*_PLACEMENT)
        .outerjoin(Establishment, Establishment.id == Placement.establishment_id)
        .where(Placement.starts <= census)
        .order_by(Placement.child_id, Placement.starts, Placement.id),
    ):
        if placement.child_id in children:
            placements[placement.child_id].append(placement)
    reviews: dict[int, list[ReviewRow]] = defaultdict(list)
    for review in _named(s, select(*_REVIEW).where(AnnualReview.meeting_date <= census)):
        reviews[review.case_id].append(review)
    week20: dict[int, list[date]] = defaultdict(list)
    for case_id, start in s.execute(
        select(CaseException.case_id, CaseException.period_start).where(
            CaseException.limits.contains(FINAL_PLAN)
        )
    ):
        week20[case_id].append(start)
    budgets = _budgets(s, census)
    return _Records(
        period, dict(cases_of), children, placements, reviews, week20, disagreements, budgets
    )


def _named(s, statement) -> Iterator[Any]:
    """The statement's rows as named tuples: reading an attribute of SQLAlchemy's Row costs
    fifteen times a tuple's, and the return reads each row's a dozen times. Run on the
    session's connection: plain columns need none of the ORM's work on each row."""
    result = s.connection().execute(statement)
    row: Any = namedtuple("Row", result.keys())  # type: ignore[misc]  # fields: the columns
    return map(row._make, result.all())


def _budgets(s, census: date) -> dict[int, dict]:
    """Each case's Section J facts from its latest final or amended plan issued by the census
    day. Only the "budget" part of each plan is read out of its JSON, by the database."""
    if s.get_bind().dialect.name == "postgresql":
        part = cast(PlanVersion.content, JSONB)["budget"].astext
    else:
        part = func.json_extract(PlanVersion.content, "$.budget")
    rows = s.execute(
        select(PlanVersion.case_id, part)
        .where(PlanVersion.issued_on <= census, PlanVersion.kind.in_(("final", "amended")))
        .order_by(PlanVersion.case_id, PlanVersion.issued_on, PlanVersion.number)
    )
    found: dict[int, dict] = {}
    for case_id, text in rows:
        if text:  # a plan saved before Section J's facts were asked has none: left out
            found[case_id] = json.loads(text)
        else:
            found.pop(case_id, None)  # the latest plan is the one that counts
    return found
