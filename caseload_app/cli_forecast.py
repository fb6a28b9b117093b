"""The 20-week forecast from the command line:

caseload forecast [--weeks 12] [--what-if FILE.json] [--back-test] [--json]

Reads only: a what-if changes nothing in the database. Cases at risk are named by case
number and caseworker, not by the child's name (open the case to see who it is)."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path
from typing import Any

from caseload_app.domain.backtest import BackTest
from caseload_app.domain.forecast import Forecast, Inputs


def add_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    fc = sub.add_parser(
        "forecast",
        help="plans expected to be issued in each of the next weeks, and within 20 weeks; "
        "the cases most at risk; a what-if beside it (reads only)",
    )
    db_arg(fc)
    fc.add_argument("--weeks", type=int, default=12, help="how many weeks ahead (1-26)")
    fc.add_argument(
        "--what-if",
        type=Path,
        metavar="FILE.json",
        help="changes to try, side by side with the forecast (README: What-if files)",
    )
    fc.add_argument(
        "--back-test",
        action="store_true",
        help="also what the forecast said 4, 8 and 12 weeks before each of the last 26 "
        "weeks, against what happened (takes longer)",
    )
    fc.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.forecast import ForecastService, what_if_from_json

    with database(args) as db:
        service = ForecastService(db, user=getpass.getuser())
        what_if = None
        if args.what_if is not None:
            text = _read(args.what_if)
            what_if = what_if_from_json(text, service.caseworker_ids())
        result = service.forecast(args.weeks, what_if)
        tested = service.back_test() if args.back_test else None
    data = {
        "made_on": result.baseline.made_on.isoformat(),
        "forecast": forecast_json(result.baseline, result.caseworkers),
        "what_if": None
        if result.scenario is None
        else {
            "changes": result.what_if,
            "forecast": forecast_json(result.scenario, result.caseworkers),
        },
        "back_test": None if tested is None else back_test_json(tested),
    }
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        _print(result, tested)
    return 0


def _read(path: Path) -> str:
    from caseload_app.domain.errors import ValidationError

    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name} is not a text file (UTF-8).") from None
    except OSError as exc:
        raise ValidationError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None


def forecast_json(f: Forecast, names: dict[int, str]) -> dict[str, Any]:
    return {
        "ok": f.ok,
        "missing": list(f.missing),
        "open_cases": f.open_cases,
        "already_late": f.already_late,
        "expected_total": round(f.total(), 1),
        "expected_within_20_weeks": round(f.total_within(), 1),
        "weeks": [
            {
                "starts": w.starts.isoformat(),
                "expected": round(w.expected, 1),
                "low": w.low,
                "high": w.high,
                "within_20_weeks": round(w.within_20, 1),
                "within_low": w.within_low,
                "within_high": w.within_high,
            }
            for w in f.weeks
        ],
        "at_risk": [
            {
                "case_id": r.case_id,
                "caseworker": names.get(r.caseworker_id or 0),
                "request_received": r.request_received.isoformat(),
                "twenty_weeks": r.deadline.isoformat(),
                "chance": round(r.chance, 3),
                "why": list(r.reasons),
                "what_would_help": list(r.remedies),
            }
            for r in f.at_risk
        ],
        "inputs": None if f.inputs is None else _inputs_json(f.inputs),
    }


def _inputs_json(i: Inputs) -> dict[str, Any]:
    return {
        "median_days": {k: _r(v) for k, v in i.step_medians.items()},
        "finished_in_12_months": i.step_samples,
        "advice_median_days": {k: _r(v) for k, v in i.provider_medians.items()},
        "assessments_agreed": _r(i.agree_rate, 3),
        "plans_issued_after_assessment": _r(i.issue_rate, 3),
        "drafts_per_fte_week": _r(i.drafts_per_fte_week, 2),
        "finals_per_fte_week": _r(i.finals_per_fte_week, 2),
        "requests_per_week": _r(i.requests_per_week, 1),
        "team_fte": _r(i.team_fte, 2),
    }


def _r(x: float, places: int = 1) -> float | None:
    return None if x != x else round(x, places)  # NaN: no sample


def back_test_json(b: BackTest) -> dict[str, Any]:
    return {
        "skipped_weeks": b.skipped,
        "leads": [
            {
                "weeks_ahead": e.lead,
                "weeks_checked": e.weeks,
                "mean_actual": round(e.mean_actual, 1),
                "mean_error": round(e.mean_error, 1),
                "relative_error": None if e.relative is None else round(e.relative, 3),
                "bias": round(e.bias, 1),
                "actual_in_range": round(e.in_range, 3),
                "within_20_weeks_mean_error": round(e.within_error, 1),
            }
            for e in b.leads
        ],
        "points": [
            {
                "week_starts": p.week_starts.isoformat(),
                "weeks_ahead": p.lead,
                "expected": round(p.expected, 1),
                "low": p.low,
                "high": p.high,
                "actual": p.actual,
                "expected_within_20_weeks": round(p.expected_within, 1),
                "actual_within_20_weeks": p.actual_within,
            }
            for p in b.points
        ],
    }


def _print(result, tested: BackTest | None) -> None:
    base, alt = result.baseline, result.scenario
    if not base.ok:
        print("No forecast: " + "; ".join(base.missing) + ".")
        return
    print(
        f"Forecast made {base.made_on:%d %b %Y}: {base.open_cases} open requests, "
        f"{base.already_late} already past 20 weeks."
    )
    if alt is not None:
        print("What-if: " + "; ".join(result.what_if))
    head = f"{'week from':<12}{'plans':>7}{'range':>11}{'in 20 wk':>10}"
    print(head + (f"{'what-if':>10}{'in 20 wk':>10}" if alt else ""))
    for n, w in enumerate(base.weeks):
        line = (
            f"{w.starts:%d %b %Y}  {w.expected:>5.1f}{f'{w.low}-{w.high}':>11}{w.within_20:>10.1f}"
        )
        if alt is not None:
            a = alt.weeks[n]
            line += f"{a.expected:>10.1f}{a.within_20:>10.1f}"
        print(line)
    total = f"{'total':<12}{base.total():>7.1f}{'':>11}{base.total_within():>10.1f}"
    if alt is not None:
        total += f"{alt.total():>10.1f}{alt.total_within():>10.1f}"
    print(total)
    print(f"\nMost at risk of missing 20 weeks ({len(base.at_risk)} listed):")
    for r in base.at_risk[:15]:
        who = result.caseworkers.get(r.caseworker_id or 0, "unallocated")
        print(
            f"  case {r.case_id} ({who}), 20 weeks on {r.deadline:%d %b}: "
            f"{round(100 * r.chance)}% — {'; '.join(r.reasons)}. Would help: "
            f"{'; '.join(r.remedies)}"
        )
    if tested is not None:
        print("\nBack-test (the last 26 weeks):")
        for e in tested.leads:
            rel = f" ({round(100 * e.relative)}% of a week's plans)" if e.relative else ""
            print(
                f"  {e.lead} weeks ahead: off by {e.mean_error:.1f} plans a week on average"
                f"{rel}; the actual count in the range {round(100 * e.in_range)}% of weeks"
            )
