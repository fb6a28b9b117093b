"""`caseload admin …`: set up a team database and manage who may use it.

    caseload admin init --db postgresql://server/caseload --admin dee.admin --name "Dee Admin"
    caseload admin add-user --db URL asha.patel --name "Asha Patel" --role caseworker
    caseload admin set-role --db URL asha.patel caseworker team_lead
    caseload admin disable-user --db URL asha.patel

Passwords are never given on the command line: they are asked for, or read from standard
input with --password-stdin (for scripts). The same commands manage a laptop file's people
(no passwords there: the computer's sign-in protects it).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from caseload_app.domain.access import ROLE_LABELS, Role

ROLE_CHOICES = [r.value for r in Role]


def add_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    admin = sub.add_parser("admin", help="set up a team database; people, roles and passwords")
    verbs = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    init = verbs.add_parser("init", help="create or upgrade the schema, roles and first admin")
    db_arg(init)
    init.add_argument("--admin", required=True, metavar="LOGIN", help="the first administrator")
    init.add_argument("--name", required=True, help="their name as shown in the app")
    _password_args(init)

    add = verbs.add_parser("add-user", help="give someone a login and roles")
    db_arg(add)
    add.add_argument("login", help="their login (on a team database, a server role)")
    add.add_argument("--name", required=True, help="their name as the app shows it")
    add.add_argument(
        "--role", nargs="+", required=True, choices=ROLE_CHOICES, help="one or more roles"
    )
    add.add_argument("--caseworker", metavar="NAME", help="the caseworker they are")
    _password_args(add)

    role = verbs.add_parser("set-role", help="replace someone's roles")
    db_arg(role)
    role.add_argument("login", help="whose roles")
    role.add_argument("role", nargs="+", choices=ROLE_CHOICES, help="their roles from now on")

    for verb, text in (("disable-user", "stop someone signing in"), ("enable-user", "undo that")):
        p = verbs.add_parser(verb, help=text)
        db_arg(p)
        p.add_argument("login", help="whose login")

    pw = verbs.add_parser("set-password", help="set someone's team-database password")
    db_arg(pw)
    pw.add_argument("login", help="whose password")
    _password_args(pw, optional=False)

    users = verbs.add_parser("users", help="list the people and their roles")
    db_arg(users)

    move = verbs.add_parser("migrate", help="move a laptop file into the team database")
    move.add_argument(
        "--from", dest="source", type=Path, required=True, metavar="PATH", help="the laptop file"
    )
    move.add_argument("--to", dest="target", required=True, metavar="URL", help="the team database")


def _password_args(parser: argparse.ArgumentParser, optional: bool = True) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    if optional:
        parser.add_argument(
            "--no-password",
            action="store_true",
            help="no password yet (set one later with set-password)",
        )


def read_password(args: argparse.Namespace, login: str) -> str | None:
    if getattr(args, "no_password", False):
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"New password for {login}: ")
    if first != getpass.getpass("Type it again: "):
        from caseload_app.services.errors import UserError

        raise UserError("The two passwords differ; nothing was changed.")
    return first


def run(args: argparse.Namespace, database) -> int:
    """`database(args)` opens the database named by --db (the cli's own helper)."""
    if args.admin_command == "migrate":
        return _migrate(args)
    with database(args) as db:
        actor = _actor(db)
        handler = {
            "init": _init,
            "add-user": _add_user,
            "set-role": _set_role,
            "disable-user": _enable,
            "enable-user": _enable,
            "set-password": _set_password,
            "users": _users,
        }[args.admin_command]
        return handler(args, db, actor)


def _actor(db) -> str:
    """Who is doing this: the signed-in login on a team database, else the computer's user."""
    return db.session_user() or getpass.getuser()


def _people(db, actor):
    from caseload_app.services.people import PeopleService

    return PeopleService(db, actor)


def _init(args, db, actor) -> int:
    from caseload_app.services.people import PeopleService

    if not db.is_sqlite:  # grants, policies and triggers afresh, upgrade or not
        from caseload_app.db import pg_security

        with db.engine.begin() as conn:
            pg_security.apply(conn)
            if not pg_security.may_end_sessions(conn):
                print(
                    "Note: the database owner cannot end other sessions, so a session that "
                    "locks a whole table is ended only by its own time limits. Ask IT to "
                    "GRANT pg_signal_backend, pg_read_all_stats TO the owner."
                )

    people = {p.login: p for p in PeopleService(db, actor).people()}
    if args.admin in people:
        current = people[args.admin]
        if Role.ADMIN not in current.roles:
            _people(db, actor).set_roles(args.admin, current.roles | {Role.ADMIN})
        print(f"Schema up to date; {args.admin} is an administrator ({len(people)} people)")
        return 0
    # The first administrator sets themselves up (nobody is named yet).
    PeopleService(db, args.name).add_person(
        args.admin, args.name, {Role.ADMIN}, password=read_password(args, args.admin)
    )
    where = "team database" if not db.is_sqlite else "laptop file"
    print(f"The {where} is ready; {args.admin} ({args.name}) is its first administrator")
    return 0


def _caseworker_id(db, name: str | None) -> int | None:
    if not name:
        return None
    from caseload_app.services.casework import CaseworkService

    found = [w.id for w in CaseworkService(db, "").caseworkers() if w.name == name]
    if not found:
        from caseload_app.services.errors import NotFound

        raise NotFound(f"There is no active caseworker called {name}.")
    return found[0]


def _add_user(args, db, actor) -> int:
    password = None if db.is_sqlite else read_password(args, args.login)
    _people(db, actor).add_person(
        args.login, args.name, set(args.role), _caseworker_id(db, args.caseworker), password
    )
    print(f"Added {args.login} ({args.name}): {', '.join(args.role)}")
    return 0


def _set_role(args, db, actor) -> int:
    _people(db, actor).set_roles(args.login, set(args.role))
    print(f"{args.login} is now: {', '.join(args.role)}")
    return 0


def _enable(args, db, actor) -> int:
    enable = args.admin_command == "enable-user"
    _people(db, actor).set_active(args.login, enable)
    print(f"{args.login} {'can sign in again' if enable else 'can no longer sign in'}")
    return 0


def _set_password(args, db, actor) -> int:
    _people(db, actor).set_password(args.login, read_password(args, args.login))
    print(f"Password changed for {args.login}")
    return 0


def _users(args, db, actor) -> int:
    rows = _people(db, actor).people()
    for p in rows:
        roles = ", ".join(ROLE_LABELS[r] for r in sorted(p.roles))
        state = "" if p.active else "  (disabled)"
        print(f"{p.login:<20} {p.name:<24} {roles}{state}")
    print(f"{len(rows)} people")
    return 0


def _migrate(args) -> int:
    from caseload_app.services.transfer import move_laptop_file

    result = move_laptop_file(args.source, args.target)
    print(result.summary())
    return 0
