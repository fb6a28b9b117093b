"""`caseload establishments …`: the DfE's register of establishments (issue 26).

caseload establishments import edubasealldata20261201.csv   (team leads and administrators)
caseload establishments search "oak hill"                    (the matches, as the picker shows)
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

SKIPPED_SHOWN = 20  # the first lines skipped, listed; the rest counted


def add_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    es = sub.add_parser(
        "establishments", help="import the DfE's register of establishments, or search it"
    )
    verbs = es.add_subparsers(dest="establishments_command", metavar="ACTION", required=True)
    im = verbs.add_parser(
        "import",
        help="bring the register up to date from the Get Information About Schools file "
        "(edubasealldataYYYYMMDD.csv); importing again keeps every link",
    )
    db_arg(im)
    im.add_argument("file", type=Path, help="the DfE's all-establishments CSV file")
    se = verbs.add_parser(
        "search", help="establishments whose name, URN, LAESTAB or postcode match"
    )
    db_arg(se)
    se.add_argument("text", help='what to look for, e.g. "oak hill" or 839/2001')
    se.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.errors import UserError
    from caseload_app.services.establishments import EstablishmentService

    if args.establishments_command == "import" and not args.file.is_file():
        raise UserError(f"{args.file} does not exist")
    with database(args) as db:
        service = EstablishmentService(db, user=getpass.getuser())
        if args.establishments_command == "search":
            found = service.search(args.text, limit=max(args.limit, 1))
            for choice in found:
                print(choice.label())
            print(
                f"{len(found)} found" + (" (more with --limit)" if len(found) == args.limit else "")
            )
            return 0
        done = service.import_register(args.file)
    print(f"Imported the register from {args.file.name}: {done.summary()}.")
    for line, why in done.skipped[:SKIPPED_SHOWN]:
        print(f"  line {line}: skipped, {why}")
    if done.skipped_count() > SKIPPED_SHOWN:
        print(f"  … and {done.skipped_count() - SKIPPED_SHOWN:,} more lines skipped.")
    return 0
