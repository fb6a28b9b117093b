"""`caseload calendar`: a caseworker's dates as an .ics file Outlook opens or subscribes to.

caseload calendar --caseworker "Asha Patel" -o asha.ics [--weeks 26] [--names]
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    cal = sub.add_parser(
        "calendar",
        help="a caseworker's statutory dates, review meetings and tasks as .ics (audited)",
    )
    db_arg(cal)
    cal.add_argument("--caseworker", required=True, metavar="NAME", help="whose calendar")
    cal.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.ics", help="the file to write"
    )
    cal.add_argument(
        "--weeks",
        type=int,
        help="how far ahead, in weeks (default 26: half a year); what is overdue comes too",
    )
    cal.add_argument(
        "--names",
        action="store_true",
        help="name the children (default: initials and case number only)",
    )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.calendar import CalendarService

    with database(args) as db:
        service = CalendarService(db, user=getpass.getuser())
        weeks = {} if args.weeks is None else {"weeks": args.weeks}
        made = service.make(service.caseworker_id(args.caseworker), names=args.names, **weeks)
        count = service.save(made, args.output)
    print(f"Wrote {args.output} ({count} dates for {made.caseworker})")
    return 0
