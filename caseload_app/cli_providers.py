"""The advice-provider board from the command line:

caseload providers [--json]
"""

from __future__ import annotations

import argparse
import getpass
import json


def add_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    pr = sub.add_parser(
        "providers",
        help="the advice-provider board: per provider, the requests waiting and overdue, the "
        "days advice takes to arrive (median and 90th percentile, last 6 and 12 months) and "
        "the trend, and the cases waiting (names children; audited)",
    )
    db_arg(pr)
    pr.add_argument("--json", action="store_true", help="as JSON, with the cases waiting")


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.providers import ProviderService

    with database(args) as db:
        board = ProviderService(db, user=getpass.getuser()).board()
    print(json.dumps(as_json(board), indent=2) if args.json else table(board))
    return 0


def as_json(board) -> dict:
    def spread(s) -> dict:
        return {"arrived": s.count, "median_days": s.median, "p90_days": s.p90}

    return {
        "today": board.today.isoformat(),
        "providers": [
            {
                "key": r.key,
                "provider_id": r.provider_id,
                "service": r.service,
                "name": r.name,
                "active": r.active,
                "outstanding": r.outstanding,
                "overdue": r.overdue,
                "last_6_months": spread(r.last_6_months),
                "last_12_months": spread(r.last_12_months),
                "trend": {
                    "word": r.trend.word,
                    "recent_median_days": r.trend.recent,
                    "before_median_days": r.trend.before,
                },
                "waiting": [
                    {
                        "child": w.child_name,
                        "date_of_birth": w.date_of_birth.isoformat(),
                        "case_id": w.case_id,
                        "caseworker": w.caseworker,
                        "requested": w.requested.isoformat(),
                        "due": w.due.isoformat(),
                        "days_overdue": w.days_overdue,
                        "chases": w.chases,
                    }
                    for w in r.waiting
                ],
            }
            for r in board.rows
        ],
    }


def table(board) -> str:
    head = ("Provider", "Waiting", "Overdue", "Last 6 months", "Last 12 months", "Trend")
    rows = [
        (
            r.name + ("" if r.active else " (retired)"),
            str(r.outstanding),
            str(r.overdue),
            r.last_6_months.words(),
            r.last_12_months.words(),
            r.trend.words(),
        )
        for r in board.rows
    ]
    if not rows:
        return "No advice providers and no advice requests yet."
    widths = [max(len(line[i]) for line in (head, *rows)) for i in range(len(head))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in (head, *rows)
    )
