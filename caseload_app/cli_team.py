"""`caseload caseworker …` and `caseload absence …`: a team lead sets up the team.

caseload caseworker add "Asha Patel" --fte 0.6 --email asha.patel@example.gov.uk
caseload caseworker list
caseload caseworker set-fte "Asha Patel" 0.8
caseload caseworker rename "Asha Patel" "Asha Khan"
caseload caseworker retire "Ben Okafor"        (refused while they hold open cases)
caseload absence add "Asha Patel" --from 2026-12-21 --to 2027-01-01 --note "leave"
caseload absence list ["Asha Patel"]
caseload absence remove 12
"""

from __future__ import annotations

import argparse
import getpass


def add_parsers(sub: argparse._SubParsersAction, db_arg, date_arg) -> None:
    cw = sub.add_parser("caseworker", help="add, list, rename, set FTE or retire caseworkers")
    verbs = cw.add_subparsers(dest="team_command", metavar="ACTION", required=True)
    add = verbs.add_parser("add", help="add a caseworker")
    db_arg(add)
    add.add_argument("name", help="their name as the app shows it")
    add.add_argument("--fte", type=float, default=1.0, help="full-time equivalent (default 1.0)")
    add.add_argument("--email", default="", help="their work e-mail (for letters)")
    listing = verbs.add_parser("list", help="every caseworker with FTE and open cases")
    db_arg(listing)
    listing.add_argument("--all", action="store_true", help="include those who have left")
    fte = verbs.add_parser("set-fte", help="set a caseworker's full-time equivalent")
    db_arg(fte)
    fte.add_argument("name", help="the caseworker")
    fte.add_argument("fte", type=float, help="e.g. 0.6 for three days a week")
    rename = verbs.add_parser("rename", help="correct or change a caseworker's name")
    db_arg(rename)
    rename.add_argument("name", help="their name now")
    rename.add_argument("new_name", help="the name to use")
    for verb, text in (
        ("retire", "mark a leaver (their open cases must be reassigned first)"),
        ("reinstate", "undo that: offer them for allocation again"),
    ):
        p = verbs.add_parser(verb, help=text)
        db_arg(p)
        p.add_argument("name", help="the caseworker")

    ab = sub.add_parser("absence", help="record, list or remove caseworkers' absences")
    verbs = ab.add_subparsers(dest="absence_command", metavar="ACTION", required=True)
    add = verbs.add_parser("add", help="record an absence (leave, sickness, training)")
    db_arg(add)
    add.add_argument("name", help="the caseworker")
    add.add_argument(
        "--from", dest="starts", type=date_arg, required=True, metavar="DATE", help="first day away"
    )
    add.add_argument(
        "--to", dest="ends", type=date_arg, required=True, metavar="DATE", help="last day away"
    )
    add.add_argument("--note", default="", help="e.g. annual leave")
    listing = verbs.add_parser("list", help="absences, with the id that remove takes")
    db_arg(listing)
    listing.add_argument("name", nargs="?", help="only this caseworker's")
    remove = verbs.add_parser("remove", help="remove an absence entered by mistake")
    db_arg(remove)
    remove.add_argument("id", type=int, help="as absence list shows it")


def run_caseworker(args: argparse.Namespace, database) -> int:
    from caseload_app.services.team import TeamService

    with database(args) as db:
        team = TeamService(db, user=getpass.getuser())
        verb = args.team_command
        if verb == "list":
            return _list_workers(team, args.all)
        if verb == "add":
            team.add_caseworker(args.name, email=args.email, capacity=args.fte)
            print(f"Added {' '.join(args.name.split())} ({args.fte:g} FTE).")
            return 0
        worker = team.worker_named(args.name)
        if verb == "set-fte":
            team.set_capacity(worker.id, args.fte)
            print(f"{worker.name}: {args.fte:g} FTE (was {worker.capacity:g}).")
        elif verb == "rename":
            team.rename_caseworker(worker.id, args.new_name)
            print(f"Renamed {worker.name} to {' '.join(args.new_name.split())}.")
        elif verb == "retire":
            team.retire_caseworker(worker.id)
            print(f"{worker.name} is marked as having left: no longer offered for allocation.")
        else:
            team.reinstate_caseworker(worker.id)
            print(f"{worker.name} is offered for allocation again.")
    return 0


def _list_workers(team, everyone: bool) -> int:
    workers = team.workers(include_inactive=everyone)
    if not workers:
        print("No caseworkers yet: add one with `caseload caseworker add NAME`.")
        return 0
    for w in workers:
        left = "" if w.active else "  (left)"
        cases = team.open_cases(w.id)
        print(f"{w.name:<30} {w.capacity:>4.2f} FTE  {cases:>5} open cases{left}")
    return 0


def run_absence(args: argparse.Namespace, database) -> int:
    from caseload_app.domain.deadlines import format_date
    from caseload_app.services.team import TeamService

    with database(args) as db:
        team = TeamService(db, user=getpass.getuser())
        verb = args.absence_command
        if verb == "add":
            worker = team.worker_named(args.name)
            absence_id = team.add_absence(worker.id, args.starts, args.ends, args.note)
            print(
                f"Recorded absence {absence_id}: {worker.name} away "
                f"{format_date(args.starts)} to {format_date(args.ends)}."
            )
        elif verb == "remove":
            team.remove_absence(args.id)
            print(f"Removed absence {args.id}.")
        else:
            only = team.worker_named(args.name).id if args.name else None
            shown = 0
            for w in team.workers(include_inactive=True):
                for a in w.absences if only in (None, w.id) else ():
                    note = f"  {a.note}" if a.note else ""
                    print(f"{a.id:>5}  {w.name:<30} {format_date(a.starts)} to "
                          f"{format_date(a.ends)}{note}")  # fmt: skip
                    shown += 1
            if not shown:
                print("No absences recorded.")
    return 0
