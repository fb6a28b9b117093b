"""`caseload sen2`: the person-level SEN2 return (docs/SEN2.md).

caseload sen2 --census-date 2027-01-21 -o sen2.xml [--format xml|csv] [--validate-only]
              [--dmo Y|N|R] [--dco Y|N|R] [--dsco Y|N|R]

The return is built and checked; every failed check is listed with the child, the request and
how to fix it. While an error stands nothing is written (exit code 1); warnings are listed and
allowed. The designated officers' items (--dmo, --dco, --dsco) are remembered from the last
return saved.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from datetime import date
from pathlib import Path

OFFICER_CODES = ("Y", "N", "R")


def add_parser(sub: argparse._SubParsersAction, db_arg, date_arg: Callable[[str], date]) -> None:
    s2 = sub.add_parser(
        "sen2", help="build, check and write the person-level SEN2 return (see docs/SEN2.md)"
    )
    db_arg(s2)
    s2.add_argument(
        "--census-date", type=date_arg, required=True, metavar="DATE", help="the SEN2 census day"
    )
    s2.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="the file to write (xml or csv)"
    )
    s2.add_argument(
        "--format",
        choices=("xml", "csv"),
        help="xml (what the DfE's COLLECT takes) or csv (one row per request, for checking); "
        "default: from the file's name, else xml",
    )
    s2.add_argument(
        "--validate-only", action="store_true", help="build and check it, write nothing"
    )
    for item, name in (
        ("dmo", "Designated Medical Officer"),
        ("dco", "Designated Clinical Officer"),
        ("dsco", "Designated Social Care Officer"),
    ):
        s2.add_argument(
            f"--{item}",
            type=str.upper,
            choices=OFFICER_CODES,
            help=f"the area has a {name}: Y, N or R (recruiting); default: as last saved",
        )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.sen2_return import Officers, Sen2ReturnService

    if args.output is None and not args.validate_only:
        print("Say where to write the return (-o FILE), or check it with --validate-only.")
        return 2
    fmt = args.format or ("csv" if args.output and args.output.suffix.lower() == ".csv" else "xml")
    with database(args) as db:
        service = Sen2ReturnService(db, getpass.getuser())
        kept = service.officers()
        officers = Officers(args.dmo or kept.dmo, args.dco or kept.dco, args.dsco or kept.dsco)
        prepared = service.prepare(args.census_date, officers)
        _report(prepared)
        if args.validate_only:
            return 1 if prepared.errors else 0
        if prepared.errors:
            print("Nothing written: put the errors right first (warnings alone do not stop it).")
            return 1
        saved = service.save(prepared, args.output, fmt)
    print(
        f"Wrote the SEN2 return ({fmt}) for census day {args.census_date.isoformat()}: "
        f"{saved.persons} children, {saved.requests} requests, to {saved.path}"
    )
    return 0


def _report(prepared) -> None:
    built = prepared.built
    print(
        f"Built the return: {len(built.persons)} children, {built.requests} requests; "
        f"{prepared.errors} errors, {prepared.warnings} warnings."
    )
    for f in prepared.findings:
        who = f"{f.name} (child {f.child_id}, case {f.case_id})" if f.child_id else "Header"
        print(f"  {f.severity.upper()} {f.code} {who}: {f.message} Fix: {f.fix}")
