"""The weekly leadership report: a few SQL queries returning plain rows, the figures worked out
by domain.measures, a PDF and a CSV that traces every figure to its cases, each audited; and
for the latest week, today's 20-week forecast with its back-test (services/forecast.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true, union

from caseload_app.db.batch import one_snapshot
from caseload_app.db.models import (
    AdviceRequest,
    AnnualReview,
    CaseException,
    Caseworker,
    Child,
    Communication,
    Disagreement,
    EhcpCase,
    Family,
    Reassessment,
    StageEvent,
    TribunalOrder,
)
from caseload_app.db.queries import as_date
from caseload_app.domain import codes, measures, updates
from caseload_app.domain.access import Can
from caseload_app.domain.deadlines import format_date
from caseload_app.domain.exceptions import FINAL_PLAN, parse_limits
from caseload_app.domain.measures import Trace, WeeklyFigures
from caseload_app.domain.plan_audit import month_starts
from caseload_app.reports.content import Imprint, WeeklyForecast
from caseload_app.reports.csv_export import write_csv
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.case_read import ORDER_STEP_COLUMNS
from caseload_app.services.errors import Stopped
from caseload_app.services.plan_audit import audit_rows
from caseload_app.services.settings import TeamSettingsService, every_weeks_in
from caseload_app.services.weekly_positions import (
    day_after,
    in_parts,
    last_update,
    positions,
    stable_at,
)
from caseload_app.services.workload import WorkloadService

CSV_HEADER = (
    "week_ending",
    "measure",
    "case_id",
    "child_id",
    "child_name",
    "caseworker",
    "counted_in",
    "detail",
)


Progress = Callable[[str, int, int], None]  # (what it is doing, done, out of)
FORECAST_WEEKS = 12
# A report for a week that ended this many days or more before today is of a past week: it
# has no forecast page (the forecast is always of the weeks from today).
PAST_WEEK_DAYS = 7


@dataclass(frozen=True)
class WeeklyReport:
    week_ending: date
    council: str
    figures: WeeklyFigures
    forecast: WeeklyForecast | None = None  # None: not asked for

    @property
    def rows(self) -> list[Trace]:
        """One row per case per measure (the CSV). Only a report made with ``traced`` names
        every case; one counted in groups names only the plan audits of the week."""
        return self.figures.traces


class WeeklyReportService(UserService):
    def report(
        self,
        week_ending: date,
        forecast: bool = True,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        traced: bool = False,
    ) -> WeeklyReport:
        """Every figure for the week ending ``week_ending`` (the 7 days up to it, included),
        and with `forecast` the forecast page (WeeklyForecast). Setting `cancel` stops it
        part-way (Stopped): nothing is written either way. With `traced` every case behind
        each figure is named (the CSV); without, the open cases nothing has happened to
        since the week's end are counted by the database in groups (weekly_positions),
        the same figures read case by case."""
        self._allowed(Can.REPORTS)
        _step(progress, cancel, "Counting the week's figures", 0, 0)
        council = TeamSettingsService(self._db).council().name
        weights = WorkloadService(self._db, self.user, self._today, self._now).weights()
        end = week_ending
        week_start = end - timedelta(days=6)
        trend_start = end - timedelta(days=7 * measures.TREND_WEEKS - 1)
        review_in_week = or_(
            AnnualReview.due.between(week_start, end),
            AnnualReview.meeting_date.between(week_start, end),
            AnnualReview.decision_date.between(week_start, end),
        )
        review_cols = (
            AnnualReview.case_id,
            AnnualReview.due,
            AnnualReview.meeting_date,
            AnnualReview.decision_date,
        )
        # Read one by one: what happened in the weeks reported, and the cases whose position
        # at W their dates must say (measures.as_of); the rest are counted in groups.
        # (Counted in groups, the trend's earlier weeks are counted by day: weekly_positions.)
        events_from = trend_start if traced else week_start
        events = or_(
            EhcpCase.request_received.between(events_from, end),
            EhcpCase.final_issued.between(events_from, end),
            EhcpCase.assess_decision_date.between(week_start, end),
            EhcpCase.id.in_(select(AnnualReview.case_id).where(review_in_week)),
            EhcpCase.id.in_(select(TribunalOrder.case_id)),  # open or closed
        )
        may_be_open = or_(EhcpCase.is_open, _closed_after(end))  # open at W, closed since
        stable = stable_at(end)
        case_query = (
            select(
                EhcpCase.id.label("case_id"),
                Child.id.label("child_id"),
                Child.first_name,
                Child.last_name,
                Child.family_id,
                EhcpCase.caseworker_id,
                Caseworker.name.label("caseworker"),
                EhcpCase.request_received,
                EhcpCase.stage,
                EhcpCase.is_open,
                EhcpCase.assess_decision_date,
                EhcpCase.assess_decision,
                EhcpCase.final_issued,
                EhcpCase.last_review,
                EhcpCase.exception_limits,
                EhcpCase.next_step,
                EhcpCase.next_due,
                EhcpCase.issue_decision,
                EhcpCase.issue_decision_date,
                EhcpCase.draft_served,
                EhcpCase.ceased_date,
                EhcpCase.withdrawn_date,
                case((stable, True), else_=False).label("stable"),
            )
            .join(Child, EhcpCase.child_id == Child.id)
            .outerjoin(Caseworker, EhcpCase.caseworker_id == Caseworker.id)
            .where(or_(events, may_be_open if traced else and_(may_be_open, ~stable)))
            .order_by(EhcpCase.id)
        )
        advice_query = select(
            AdviceRequest.case_id,
            AdviceRequest.advice_type,
            AdviceRequest.requested,
            AdviceRequest.due,
            AdviceRequest.received,
        ).where(
            AdviceRequest.due < end,
            or_(AdviceRequest.received.is_(None), AdviceRequest.received > end),
        )
        # Each open case's family's latest contact up to W: one index seek per family.
        families = select(Child.family_id).join(EhcpCase, EhcpCase.child_id == Child.id)
        latest = (
            select(func.max(Communication.occurred_at))
            .where(Communication.family_id == Family.id, Communication.occurred_at < day_after(end))
            .scalar_subquery()
        )
        latest_out = last_update(Family.id, end)  # and its last update

        def contacts_of(where):
            return select(Family.id, latest, latest_out).where(where)

        def last_event(actions, where):
            return (
                select(StageEvent.case_id, func.max(StageEvent.on_date))
                .where(StageEvent.action.in_(actions), StageEvent.on_date <= end, where)
                .group_by(StageEvent.case_id)
            )

        worker_query = select(Caseworker.id, Caseworker.name, Caseworker.capacity_fte)
        with self._db.read() as session:
            # One moment for every statement: a case saved meanwhile is counted once, before
            # or after the save, whether read one by one or in groups.
            one_snapshot(session)
            s = session.connection()  # Core rows: no ORM bookkeeping for 50,000 cases
            week20 = _week20_exceptions(s)
            reviewed_before = _reviews_before(s, end)
            disputed = _disputes(s)
            cases, counted = _case_rows(s.execute(case_query), week20, disputed, reviewed_before)
            advice = [measures.AdviceRow(*row) for row in s.execute(advice_query)]
            reviews = [
                measures.ReviewRow(**r._mapping)
                for r in s.execute(select(*review_cols).where(review_in_week))
            ]
            if traced:  # every open case's family, every case
                contacts = list(s.execute(contacts_of(Family.id.in_(families.where(may_be_open)))))
                changes: Iterable[Any] = s.execute(last_event(updates.STAGE_CHANGES, true()))
                entries: Iterable[Any] = s.execute(last_event(updates.ENTRY_EVENTS, true()))
            else:  # only those of the cases read one by one
                read = [c for c in cases if c.case_id not in counted]
                read_ids = {c.case_id for c in read}
                read_families = {c.family_id for c in read}
                contacts = list(
                    in_parts(s, read_families, lambda part: contacts_of(Family.id.in_(part)))
                )
                by_case = StageEvent.case_id.in_
                changes = in_parts(
                    s, read_ids, lambda part: last_event(updates.STAGE_CHANGES, by_case(part))
                )
                # imported, or transferred in (domain/updates.py ENTRY_EVENTS)
                entries = in_parts(
                    s, read_ids, lambda part: last_event(updates.ENTRY_EVENTS, by_case(part))
                )
            last_contact = {f: at for f, at, _ in contacts if at is not None}
            informed = measures.Informed(
                {f: out for f, _, out in contacts if out is not None},
                {case: day for case, day in changes},
                every_weeks_in(session),
                {case: day for case, day in entries},
            )
            orders = _orders(s, end)
            reassessments = _reassessments(s, end)
            audits = audit_rows(session, month_starts(end, 6)[0], end)
            workers = [
                measures.WorkerRow(i, n, c if c is not None else 1.0)
                for i, n, c in s.execute(worker_query)
            ]
            grouped = None
            if not traced:
                advised = select(advice_query.subquery().c.case_id)
                named = union(advised, select(Reassessment.case_id))
                grouped = positions(
                    s, end, weights.urgency_days, informed.every_weeks, counted, read_families,
                    named, (trend_start, week_start),
                )  # fmt: skip
        figures = measures.compute(
            end,
            cases,
            advice,
            reviews,
            last_contact,
            workers,
            weights,
            advice_labels={c.code: c.label for c in codes.advice_types()},
            stage_labels={st.code: st.label for st in codes.stages()},
            orders=orders,
            reassessments=reassessments,
            informed=informed,
            positions=grouped,
        )
        measures.add_quality(figures, audits)
        page = self._forecast_page(end, progress, cancel) if forecast else None
        return WeeklyReport(week_ending=end, council=council, figures=figures, forecast=page)

    def _forecast_page(
        self, week_ending: date, progress: Progress | None, cancel: threading.Event | None
    ) -> WeeklyForecast:
        """Today's forecast and its back-test, for a report of the latest week. A past week's
        report leaves the page out, saying why: a forecast made today beside a past week's
        figures would read as if it had been known then, and the report of a past week would
        change each time it is run."""
        today = self._today()
        if (today - week_ending).days >= PAST_WEEK_DAYS:
            return WeeklyForecast(
                today,
                left_out=(
                    f"No forecast in this report: it is for a past week, and a forecast can "
                    f"only be made from today ({format_date(today)}). Run the report for the "
                    f"latest week, or caseload forecast, for today's forecast."
                ),
            )
        # Imported here: the forecast's numpy loads when a forecast is made, not at start-up.
        from caseload_app.services.forecast import ForecastService

        _step(progress, cancel, "Forecasting the next 12 weeks", 0, 0)
        service = ForecastService(self._db, self.user, today=self._today, now=self._now)
        made = service.forecast(FORECAST_WEEKS)
        if not made.baseline.ok:  # nothing to test: the page says what is missing
            return WeeklyForecast(today, made.baseline, None, made.caseworkers)

        def tested(done: int, total: int) -> bool:
            _step(progress, cancel, "Testing the forecast on the last 26 weeks", done, total)
            return True

        back = service.back_test(progress=tested)
        return WeeklyForecast(today, made.baseline, back, made.caseworkers)

    def to_pdf(self, report: WeeklyReport) -> bytes:
        """The leadership-board PDF; the print is audited before the bytes are handed over."""
        # Imported here, not at the top: reportlab loads only when something is printed.
        from caseload_app.reports.weekly import build_weekly

        now = self.now()
        self._audit("print", f"weekly leadership report, week ending {report.week_ending}")
        imprint = Imprint(printed_by=self.user, printed_at=now, council=report.council)
        return build_weekly(report.figures, imprint, _labels(), report.forecast)

    def to_csv(self, report: WeeklyReport, path: Path) -> Path:
        """One row per case per measure, and one per case the forecast names at risk
        (measure forecast_at_risk), written atomically; the export is audited. The
        forecast's weekly counts are sums of every open case's chances, not cases: they are
        on the PDF and in `caseload forecast --json`, not here."""
        path = Path(path)
        if not report.figures.traced:  # counted in groups: count again, case by case
            traced = self.report(report.week_ending, forecast=False, traced=True)
            report = WeeklyReport(report.week_ending, report.council, traced.figures,
                                  report.forecast)  # fmt: skip
        at_risk = self._at_risk_rows(report)
        self._audit(
            "export",
            f"weekly leadership report cases, week ending {report.week_ending}, as {path.name}",
        )
        write_csv(
            path,
            CSV_HEADER,
            chain(
                (
                    (
                        t.week_ending.isoformat(),
                        t.measure,
                        t.case_id,
                        t.child_id,
                        t.child_name,
                        t.caseworker,
                        t.counted_in,
                        t.detail,
                    )
                    for t in report.rows
                ),
                at_risk,
            ),
        )
        return path

    def _at_risk_rows(self, report: WeeklyReport) -> list[tuple[object, ...]]:
        """The forecast's cases at risk as CSV rows, most at risk first, named."""
        page = report.forecast
        if page is None or page.forecast is None or not page.forecast.at_risk:
            return []
        risks = page.forecast.at_risk
        query = (
            select(EhcpCase.id, Child.id, Child.first_name, Child.last_name)
            .join(Child, Child.id == EhcpCase.child_id)
            .where(EhcpCase.id.in_([r.case_id for r in risks]))
        )
        with self._db.read() as s:
            children = {case: (child, f"{a} {b}") for case, child, a, b in s.execute(query)}
        names = page.caseworkers
        rows: list[tuple[object, ...]] = []
        for rank, r in enumerate(risks, 1):
            child_id, name = children.get(r.case_id, ("", ""))
            who = "" if r.caseworker_id is None else names.get(r.caseworker_id, "")
            detail = (
                f"at risk {rank} of {len(risks)} (forecast made {page.made_on.isoformat()}); "
                f"20-week day {r.deadline.isoformat()}; chance of the plan by then "
                f"{round(100 * r.chance)}%; why: {'; '.join(r.reasons)}; "
                f"would help: {'; '.join(r.remedies)}"
            )
            week = report.week_ending.isoformat()
            rows.append(
                (week, "forecast_at_risk", r.case_id, child_id, name, who, "listed", detail)
            )
        return rows

    def _audit(self, action: str, detail: str) -> None:
        with self._db.uow() as s:
            marker = _ReportRef()
            records.audit(s, self.user, self.now(), action, marker, None, detail)


def _step(
    progress: Progress | None, cancel: threading.Event | None, what: str, done: int, total: int
) -> None:
    if cancel is not None and cancel.is_set():
        raise Stopped("Stopped: no report was made.")
    if progress is not None:
        progress(what, done, total)


class _ReportRef:
    """What records.audit needs to name a report (it is not a row in the database)."""

    __tablename__ = "report"
    id = 0


def _labels() -> dict[str, str]:
    return {st.code: st.label for st in codes.stages()}


__all__ = ["CSV_HEADER", "WeeklyReport", "WeeklyReportService"]


# A case marked as excepted from the 20-week limit with no exception recorded (an old
# import): counted as excepted in every week, as it always was.
_UNDATED = date.min


def _week20_exceptions(s) -> dict[int, date]:
    """Each case's first exception to the 20-week limit (Reg 13(3)), by the day recorded."""
    query = (
        select(CaseException.case_id, func.min(CaseException.recorded_at))
        .where(CaseException.limits.contains(FINAL_PLAN))
        .group_by(CaseException.case_id)
    )
    return {case_id: as_date(at) or _UNDATED for case_id, at in s.execute(query)}


def _disputes(s) -> dict[int, date]:
    """Each case's first mediation held or appeal lodged: DfE timeliness leaves these out."""
    query = select(
        Disagreement.case_id, Disagreement.mediation_ended, Disagreement.appeal_lodged
    ).where(or_(Disagreement.mediation_ended.isnot(None), Disagreement.appeal_lodged.isnot(None)))
    first: dict[int, date] = {}
    for case_id, mediation, appeal in s.execute(query):
        on = min(d for d in (mediation, appeal) if d is not None)
        first[case_id] = min(first.get(case_id, on), on)
    return first


def _orders(s, end: date) -> list[measures.OrderRow]:
    """Tribunal orders made by the week's end, with the day each step was done."""
    found = s.execute(select(TribunalOrder).where(TribunalOrder.order_date <= end))
    return [
        measures.OrderRow(
            o.case_id,
            o.order_date,
            o.kind,
            bool(o.unopposed),
            {key: getattr(o, column) for key, column in ORDER_STEP_COLUMNS.items()},
        )
        for o in found
    ]


def _reassessments(s, end: date) -> list[measures.ReassessmentRow]:
    """Re-assessments asked for (or decided on by the council) by the week's end."""
    found = s.execute(
        select(
            Reassessment.case_id,
            Reassessment.requested,
            Reassessment.requested_by,
            Reassessment.decision,
            Reassessment.decided,
            Reassessment.plan_finalised,
        ).where(Reassessment.requested <= end)
    )
    return [measures.ReassessmentRow(*row) for row in found]


def _closed_after(end: date):
    """Cases closed after W (ceased, refused, not issued, or withdrawn), so open at W."""
    return and_(
        EhcpCase.request_received <= end,
        or_(
            EhcpCase.ceased_date > end,
            EhcpCase.withdrawn_date > end,
            and_(EhcpCase.assess_decision == "refused", EhcpCase.assess_decision_date > end),
            and_(EhcpCase.issue_decision == "not_issue", EhcpCase.issue_decision_date > end),
        ),
    )


def _reviews_before(s, end: date) -> dict[int, date]:
    """For cases whose last review is after W, the last review meeting on or before W."""
    query = (
        select(AnnualReview.case_id, func.max(AnnualReview.meeting_date))
        .join(EhcpCase, EhcpCase.id == AnnualReview.case_id)
        .where(
            EhcpCase.last_review > end,
            AnnualReview.meeting_date <= end,
            AnnualReview.decision_date.isnot(None),  # as last_review is set: once decided
        )
        .group_by(AnnualReview.case_id)
    )
    found = ((case_id, as_date(on)) for case_id, on in s.execute(query))
    return {case_id: on for case_id, on in found if on is not None}


# The case query's columns, in order: checked by name once per report, then read by position
# (50,000 rows: a lookup by name per field per row cost a third of the report's time).
_CASE_COLUMNS = (
    "case_id", "child_id", "first_name", "last_name", "family_id", "caseworker_id",
    "caseworker", "request_received", "stage", "is_open", "assess_decision_date",
    "assess_decision", "final_issued", "last_review", "exception_limits", "next_step",
    "next_due", "issue_decision", "issue_decision_date", "draft_served", "ceased_date",
    "withdrawn_date", "stable",
)  # fmt: skip


def _case_rows(
    result, week20, disputed, reviewed_before
) -> tuple[list[measures.CaseRow], frozenset[int]]:
    """The measures' case rows, and those of them open at W with nothing happened since
    (weekly_positions.stable_at). Reordering the query cannot shift a figure silently: the
    columns' names are checked against _CASE_COLUMNS before any row is read."""
    if tuple(result.keys()) != _CASE_COLUMNS:
        raise RuntimeError(f"weekly case query columns changed: {tuple(result.keys())}")
    rows = []
    stable = []
    for (case_id, child_id, first, last, family_id, worker_id, worker, received, stage,
         is_open, assess_on, assess, final, last_review, limits, step, due, issue,
         issue_on, draft, ceased, withdrawn, unchanged) in result:  # fmt: skip
        if unchanged:
            stable.append(case_id)
        excepted = bool(limits) and FINAL_PLAN in parse_limits(limits)
        rows.append(
            measures.CaseRow(
                case_id=case_id,
                child_id=child_id,
                child_name=f"{first} {last}",
                family_id=family_id,
                caseworker_id=worker_id,
                caseworker=worker or "",
                request_received=received,
                stage=stage,
                is_open=bool(is_open),
                assess_decision_date=assess_on,
                assess_decision=assess,
                final_issued=final,
                week20_exception_on=week20.get(case_id, _UNDATED) if excepted else None,
                disputed_on=disputed.get(case_id),
                next_step=step,
                next_due=due,
                last_review=last_review,
                issue_decision=issue,
                issue_decision_date=issue_on,
                draft_served=draft,
                ceased_date=ceased,
                review_before=reviewed_before.get(case_id),
                withdrawn_date=withdrawn,
            )
        )
    return rows, frozenset(stable)
