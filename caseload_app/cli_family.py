"""Keeping families informed, from the command line (issue 25).

caseload calendar --caseworker "Asha Patel" -o asha.ics [--weeks 26] [--names]
caseload updates due [--caseworker NAME] [--days 7] [--json]   (families due an update)
caseload updates draft --case 12                                (the update, drafted)
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path


def add_calendar_parser(sub: argparse._SubParsersAction, db_arg) -> None:
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


def run_calendar(args: argparse.Namespace, database) -> int:
    from caseload_app.services.calendar import CalendarService

    with database(args) as db:
        service = CalendarService(db, user=getpass.getuser())
        weeks = {} if args.weeks is None else {"weeks": args.weeks}
        made = service.make(service.caseworker_id(args.caseworker), names=args.names, **weeks)
        count = service.save(made, args.output)
    print(f"Wrote {args.output} ({count} dates for {made.caseworker})")
    return 0


def add_updates_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    up = sub.add_parser("updates", help="families due an update, and an update drafted")
    verbs = up.add_subparsers(dest="updates_command", metavar="ACTION", required=True)
    due = verbs.add_parser("due", help="the families due an update within --days")
    db_arg(due)
    due.add_argument("--caseworker", metavar="NAME", help="only this caseworker's cases")
    due.add_argument(
        "--days", type=int, default=7, help="how far ahead (default 7; overdue ones come too)"
    )
    due.add_argument("--json", action="store_true", help="machine-readable")
    draft = verbs.add_parser("draft", help="an update drafted from the case, to edit and send")
    db_arg(draft)
    draft.add_argument(
        "--case", dest="case_id", type=int, required=True, metavar="ID", help="the case's number"
    )


def run_updates(args: argparse.Namespace, database) -> int:
    from caseload_app.services.calendar import CalendarService
    from caseload_app.services.keep_in_touch import KeepInTouchService

    with database(args) as db:
        service = KeepInTouchService(db, user=getpass.getuser())
        if args.updates_command == "draft":
            made = service.draft(args.case_id)
            print(f"To: {made.to} (by {made.channel})" + (f"; {made.note}" if made.note else ""))
            print(f"Subject: {made.draft.subject}\n\n{made.draft.message}")
            if made.draft.unfilled():
                print("\nStill to write in: " + ", ".join(made.draft.unfilled()))
            return 0
        worker = (
            CalendarService(db, user=service.user).caseworker_id(args.caseworker)
            if args.caseworker
            else None
        )
        found = service.due(worker, days=args.days)
    if args.json:
        print(json.dumps([_due_json(d) for d in found], indent=2))
        return 0
    for d in found:
        when = f"{-d.days_left} days overdue" if d.days_left < 0 else f"due in {d.days_left} days"
        print(f"case {d.case_id:>6}  {d.due.isoformat()}  {when:<18} {d.child_name}: {d.reason}")
    print(f"{len(found)} families due an update")
    return 0


def _due_json(d) -> dict:
    return {
        "case_id": d.case_id, "child": d.child_name, "due": d.due.isoformat(),
        "days_left": d.days_left, "reason": d.reason, "channel": d.channel, "note": d.note,
    }  # fmt: skip
