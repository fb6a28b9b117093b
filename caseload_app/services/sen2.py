"""A SEN2-shaped, person-level CSV: what the DfE SEN2 return asks about each child's EHCP.

Scope (see docs/SEN2.md): every child with a case active at any time in the calendar year
before the census date (SEN2's reporting period) or open on the census date; one row per
child, from their latest such case. The file is a snapshot as at the census date: anything
dated after it (a plan issued, a review, a ceasing) is treated as not yet happened, so the
export gives the same answer whenever it is run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from caseload_app.db.models import AnnualReview, CaseException, Child, EhcpCase
from caseload_app.domain import codes, deadlines
from caseload_app.domain.access import Can
from caseload_app.domain.exceptions import FINAL_PLAN, parse_limits
from caseload_app.domain.status import closed_on
from caseload_app.domain.validators import ValidationError
from caseload_app.services.base import UserService

SEN2_COLUMNS = (
    "child_id",
    "upn",
    "date_of_birth",
    "request_received",
    "request_source",
    "assessment_decision",
    "assessment_decision_date",
    "issue_decision",
    "issue_decision_date",
    "final_plan_issued",
    "within_20_weeks",
    "week20_exception",
    "within_20_weeks_excluding_exceptions",
    "last_annual_review",
    "review_outcome",
    "primary_need",
    "setting",
    "open_on_census_date",
    "ceased_date",
    "ceased_reason",
    "ceased_reason_text",
)


@dataclass(frozen=True)
class ReportingPeriod:
    census_date: date
    starts: date  # 1 January of the year before the census
    ends: date  # 31 December of that year


def reporting_period(census_date: date) -> ReportingPeriod:
    year = census_date.year - 1
    return ReportingPeriod(census_date, date(year, 1, 1), date(year, 12, 31))


class Sen2Service(UserService):
    def rows(self, census_date: date) -> list[list[object]]:
        """The rows the export writes (cells as they appear in the file), by child id."""
        self._allowed(Can.REPORTS)
        period = reporting_period(census_date)
        with self._db.read() as s:
            cases = s.execute(
                select(EhcpCase, Child)
                .join(Child, Child.id == EhcpCase.child_id)
                .where(EhcpCase.request_received <= census_date)
                .order_by(Child.id, EhcpCase.request_received, EhcpCase.id)
            ).all()
            reviews: dict[int, list[AnnualReview]] = {}
            for review in s.scalars(select(AnnualReview)):
                reviews.setdefault(review.case_id, []).append(review)
            exceptions: dict[int, list[date]] = {}
            for case_id, start in s.execute(
                select(CaseException.case_id, CaseException.period_start).where(
                    CaseException.limits.contains(FINAL_PLAN)  # SEN2's Week20: Reg 13(3) only
                )
            ):
                exceptions.setdefault(case_id, []).append(start)
            latest: dict[int, tuple[EhcpCase, Child]] = {}
            for case, child in cases:
                if _in_scope(case, period):
                    latest[child.id] = (case, child)  # ordered: the last one is the latest
            return [
                _row(case, child, reviews.get(case.id, []), exceptions.get(case.id), census_date)
                for case, child in latest.values()
            ]

    def export(self, census_date: date, path: Path) -> int:
        """Write the CSV atomically and audit who exported it. Returns the number of rows."""
        rows = self.rows(census_date)
        return self._write_audited_csv(
            Path(path),
            SEN2_COLUMNS,
            rows,
            "sen2",
            lambda count: (
                f"SEN2-shaped export of {count} children, census date "
                f"{census_date.isoformat()}, to {Path(path).name}"
            ),
        )


def _in_scope(case: EhcpCase, period: ReportingPeriod) -> bool:
    if case.request_received > period.census_date:
        return False
    closed = closed_on(case)
    active_in_period = case.request_received <= period.ends and (
        closed is None or closed >= period.starts
    )
    return active_in_period or _open_on(case, period.census_date)


def _open_on(case: EhcpCase, census: date) -> bool:
    closed = closed_on(case)
    return case.request_received <= census and (closed is None or closed > census)


def _by(value: date | None, census: date) -> date | None:
    """A date only if it had happened by the census date."""
    return value if value is not None and value <= census else None


def _yn(flag: bool | None) -> str:
    return "" if flag is None else ("Y" if flag else "N")


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _primary_need(text: str | None) -> str:
    if not text:
        return ""
    try:
        return codes.code_for(codes.primary_needs(), text)
    except ValidationError:
        return ""  # not an SEN2 code (e.g. NSA or free text): left blank for the team to fix


def _row(
    case: EhcpCase,
    child: Child,
    reviews: list[AnnualReview],
    exception_starts: list[date] | None,
    census: date,
) -> list[object]:
    assess_date = _by(case.assess_decision_date, census)
    issue_date = _by(case.issue_decision_date, census)
    final = _by(case.final_issued, census)
    ceased = _by(case.ceased_date, census)
    within = None if final is None else final <= deadlines.final_plan_due(case.request_received)
    if exception_starts is None:
        # e.g. imported with the flag, no detail
        exception = FINAL_PLAN in parse_limits(case.exception_limits)
    else:
        exception = any(start <= census for start in exception_starts)
    held = [r for r in reviews if r.meeting_date is not None and r.meeting_date <= census]
    latest = max(held, key=lambda r: (r.meeting_date, r.id), default=None)
    last_review = max(
        (d for d in (_by(case.last_review, census), latest and latest.meeting_date) if d),
        default=None,
    )
    outcome = ""
    if latest is not None and latest.outcome:
        decided = latest.decision_date
        outcome = latest.outcome if decided is None or decided <= census else ""
    return [
        child.id,
        child.upn or "",
        _iso(child.date_of_birth),
        _iso(case.request_received),
        case.request_source or "",
        (case.assess_decision or "") if assess_date else "",
        _iso(assess_date),
        (case.issue_decision or "") if issue_date else "",
        _iso(issue_date),
        _iso(final),
        _yn(within),
        _yn(exception),
        "" if within is None or exception else _yn(within),
        _iso(last_review),
        outcome,
        _primary_need(child.primary_need),
        child.setting or "",
        _yn(_open_on(case, census)),
        _iso(ceased),
        (case.cease_reason or "") if ceased else "",  # SEN2 <CeaseReason>: cease_reasons.csv
        (case.outcome_reason or "")
        if ceased
        else "",  # the reasons written (older cases: only these)
    ]
