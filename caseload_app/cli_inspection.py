"""The inspection list from the command line:

caseload inspection-list -o FILE.csv [--pdf FILE.pdf] [--date DATE] [--columns key,key,...]
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction, db_arg, date_arg) -> None:
    il = sub.add_parser(
        "inspection-list",
        help="every child with an EHC plan or a request for one, by placement type, for an "
        "area SEND inspection (CSV, and a PDF summary; names children; audited)",
    )
    db_arg(il)
    il.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.csv", help="the CSV to write"
    )
    il.add_argument("--pdf", type=Path, metavar="FILE.pdf", help="also a PDF summary and list")
    il.add_argument(
        "--date", type=date_arg, metavar="DATE", help="the list as on this day (default: today)"
    )
    il.add_argument(
        "--columns",
        metavar="KEY,KEY,...",
        help="the columns, in order (default: those ticked in resources/codes/"
        "inspection_columns.csv); an unknown one is refused, naming them all",
    )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.domain.text import how_many
    from caseload_app.services.inspection import InspectionListService

    columns = None if args.columns is None else args.columns.split(",")
    with database(args) as db:
        service = InspectionListService(db, user=getpass.getuser())
        on = args.date or service.today()
        count = service.export(args.output, on, columns, pdf_path=args.pdf)
    where = f"{args.output} and {args.pdf}" if args.pdf else f"{args.output}"
    print(f"Exported {how_many(count, 'child', 'children')} (on {on.isoformat()}) to {where}")
    return 0
