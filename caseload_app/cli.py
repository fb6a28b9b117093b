"""Command line: no subcommand opens the window; subcommands are headless. (Long on purpose:
the parser and one short function per subcommand, so `caseload --help` and what each command
does read in one place; the work itself is in the services.)

Exit 0 on success; non-zero with a message on stderr otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from caseload_app import (
    __version__,
    cli_admin,
    cli_doc,
    cli_establishments,
    cli_family,
    cli_forecast,
    cli_inspection,
    cli_mail,
    cli_merge,
    cli_plan,
    cli_providers,
    cli_sen2,
    cli_team,
    files,
    logs,
    paths,
)
from caseload_app.domain import deadlines, tribunal
from caseload_app.domain.parsing import parse_date
from caseload_app.domain.text import how_many
from caseload_app.domain.validators import (
    ValidationError,
    format_nhs_number,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
)


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""


def _date_arg(text: str) -> date:
    try:
        return parse_date(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _db_arg(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    # Subcommands suppress their default so `caseload --db X import …` keeps X.
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        default=default,
        help=f"database file or postgresql://host/dbname (default: {paths.default_db_path()})",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        default=False if default is None else default,
        help="start a new database at --db PATH if there is none (never made otherwise)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseload",
        description="EHCP caseload manager for council SEND teams. "
        "With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"caseload {__version__}")
    _db_arg(parser, default=None)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the window on freshly generated sample data in a temporary file",
    )
    parser.add_argument(
        "--children", type=int, default=2000, help="children in the --demo data (default 2000)"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation on a temporary database (and an offscreen window); "
        "exit 0 if it works",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tl = sub.add_parser("timeline", help="print the statutory dates that follow from one event")
    _db_arg(tl)
    tl.add_argument("--json", action="store_true", help="print JSON with ISO dates")
    event = tl.add_mutually_exclusive_group(required=True)
    event.add_argument("--received", type=_date_arg, metavar="DATE", help="request received")
    event.add_argument(
        "--advice-requested",
        type=_date_arg,
        metavar="DATE",
        help="advice asked for (due 6 weeks from the day the adviser received it)",
    )
    event.add_argument(
        "--draft-served",
        type=_date_arg,
        metavar="DATE",
        help="draft plan served (15 days to comment)",
    )
    event.add_argument("--plan-made", type=_date_arg, metavar="DATE", help="or last review")
    event.add_argument(
        "--review-meeting", type=_date_arg, metavar="DATE", help="annual review meeting held"
    )
    event.add_argument(
        "--transfer-year",
        type=int,
        metavar="YEAR",
        help="year of a phase transfer (15 Feb / 31 Mar)",
    )
    event.add_argument(
        "--re-assessment-requested", type=_date_arg, metavar="DATE", help="re-assessment asked for"
    )
    event.add_argument(
        "--post16-move",
        type=_date_arg,
        metavar="DATE",
        help="a move between post-16 institutions (plan amended 5 months before)",
    )
    event.add_argument(
        "--transferred-in",
        type=_date_arg,
        metavar="DATE",
        help="a plan transferred from another council (with --last-review)",
    )
    event.add_argument(
        "--moved-out",
        type=_date_arg,
        metavar="DATE",
        help="a child with a plan moving to another council (with --aware; Reg 15(2))",
    )
    event.add_argument(
        "--tribunal-order",
        type=_date_arg,
        metavar="DATE",
        help="the First-tier Tribunal's order (with --order-kind; Reg 44), or with --unopposed "
        "the day the council told the Tribunal it would not oppose the appeal (Reg 45)",
    )
    tl.add_argument(
        "--amendment-notice",
        type=_date_arg,
        metavar="DATE",
        help="with --review-meeting: notice served",
    )
    tl.add_argument(
        "--transfer", choices=("school-phase", "secondary-post16"), help="with --transfer-year"
    )
    tl.add_argument(
        "--adviser-received",
        type=_date_arg,
        metavar="DATE",
        help="with --advice-requested: the day the adviser received it, if later (Reg 8(1))",
    )
    tl.add_argument(
        "--last-review",
        type=_date_arg,
        metavar="DATE",
        help="with --transferred-in: the plan's last review (or the day it was made)",
    )
    tl.add_argument(
        "--aware",
        type=_date_arg,
        metavar="DATE",
        help="with --moved-out: the day this council became aware of the move (plan sent on "
        "the move day, or within 15 working days of this day if it was later than 15 "
        "working days before the move)",
    )
    tl.add_argument(
        "--re-assessment-notified",
        type=_date_arg,
        metavar="DATE",
        help="with --re-assessment-requested: the family told it will happen (plan in 14 weeks)",
    )
    tl.add_argument(
        "--last-assessment",
        type=_date_arg,
        metavar="DATE",
        help="with --re-assessment-requested: the last EHC needs assessment (6 months)",
    )
    tl.add_argument(
        "--order-kind",
        choices=[kind.value for kind in tribunal.OrderKind],
        metavar="KIND",
        help="with --tribunal-order: what was ordered or conceded, one of "
        + ", ".join(kind.value for kind in tribunal.OrderKind),
    )
    tl.add_argument(
        "--unopposed",
        action="store_true",
        help="with --tribunal-order: the council did not oppose the appeal (Reg 45)",
    )

    ck = sub.add_parser("check", help="validate and normalise an identifier")
    _db_arg(ck)
    ck.add_argument("kind", choices=("upn", "nhs", "postcode"), help="what the value is")
    ck.add_argument("value", help='as typed, e.g. "401 023 2137"')

    im = sub.add_parser("import", help="import a caseload spreadsheet (CSV), all or nothing")
    _db_arg(im)
    im.add_argument("file", nargs="?", type=Path, help="the CSV file to import")
    im.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    im.add_argument("--template", type=Path, metavar="FILE", help="write an empty template")

    ex = sub.add_parser("export", help="export every child as CSV")
    _db_arg(ex)
    ex.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the CSV file to write"
    )

    _report_parser(sub)
    _chronology_parser(sub)
    _weekly_report_parser(sub)

    de = sub.add_parser("demo", help="write realistic, clearly fictional sample data")
    _db_arg(de)
    de.add_argument("--children", type=int, default=2000, help="how many (default 2000)")
    de.add_argument("--seed", type=int, default=1, help="the same seed gives the same data")
    de.add_argument(
        "--as-of", type=_date_arg, metavar="DATE", help="pretend today is DATE (default: today)"
    )
    _letter_parser(sub)
    cli_merge.add_parser(sub, _db_arg, _date_arg)
    _team_parsers(sub)
    _backup_parsers(sub)
    cli_sen2.add_parser(sub, _db_arg, _date_arg)
    cli_inspection.add_parser(sub, _db_arg, _date_arg)
    cli_forecast.add_parser(sub, _db_arg)
    cli_providers.add_parser(sub, _db_arg)
    _safety_parsers(sub)
    cli_admin.add_parsers(sub, _db_arg)
    cli_team.add_parsers(sub, _db_arg, _date_arg)
    cli_plan.add_parsers(sub, _db_arg)
    cli_doc.add_parsers(sub, _db_arg)
    cli_doc.add_bundle_parser(sub, _db_arg)
    cli_doc.add_sar_parser(sub, _db_arg)
    cli_family.add_calendar_parser(sub, _db_arg)
    cli_family.add_updates_parser(sub, _db_arg)
    cli_mail.add_parsers(sub, _db_arg)
    cli_establishments.add_parsers(sub, _db_arg)
    # Listed for --help only: main() hands `caseload bench …` to the benchmark's own parser.
    sub.add_parser(
        "bench", help="time what a caseworker waits for (caseload bench --help)", add_help=False
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    files.keep_new_files_private()  # before anything is written: database, -wal, logs…
    if argv[:1] == ["bench"]:  # its own options: python -m caseload_app.bench --help
        from caseload_app.bench import main as bench

        return bench(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.self_test:  # the self-test writes nothing of the user's, logs included
        files.make_private(paths.data_dir(), paths.config_dir(), paths.log_dir())
        logs.configure()
    handler = COMMANDS.get(args.command)
    if args.self_test and handler is None:
        from caseload_app.selftest import run

        return run()
    if handler is None:
        from caseload_app.app import run_gui  # Qt loads only when a window is wanted

        return run_gui(
            db_path=_db_target(args),
            demo=args.demo,
            demo_children=args.children,
            may_create=args.db is None or args.create,
        )
    from caseload_app.services.errors import UserError

    try:
        return handler(args)
    except (CliError, ValidationError, UserError) as exc:
        print(f"caseload {args.command}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from caseload_app.db.engine import DatabaseError
        from caseload_app.db.migrate import DatabaseTooNew
        from caseload_app.services.importer import ImportFileError

        if isinstance(exc, DatabaseError | DatabaseTooNew | ImportFileError):
            print(f"caseload {args.command}: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):
            from caseload_app.db.location import plain_os_error

            print(f"caseload {args.command}: {plain_os_error(exc)}", file=sys.stderr)
            return 1
        logs.log_crash(type(exc), exc, exc.__traceback__)
        raise


def _db_target(args: argparse.Namespace) -> Path | str:
    """The laptop file (default: the user data folder) or a team database's address."""
    from caseload_app.db.engine import is_server_url

    if not args.db:
        return paths.default_db_path()
    return args.db if is_server_url(args.db) else Path(args.db)


def _db_path(args: argparse.Namespace) -> Path:
    """A laptop file, for what only a file has (backups, restore)."""
    target = _db_target(args)
    if isinstance(target, str):
        raise CliError(
            "the team database is backed up and restored on its server by IT (pg_dump); "
            "give --db PATH for a laptop file"
        )
    _check_location(args, target)
    return target


def _check_location(args: argparse.Namespace, path: Path, *, may_create: bool = False) -> None:
    """Only the default location, or an explicit --create, may make a database: a misspelt
    --db is refused before anything (file, folder, lock) is made."""
    from caseload_app.db.location import check_laptop_file, make_database_private

    allowed = args.db is None or args.create
    check_laptop_file(path, may_create=allowed or may_create, make_folder=allowed)
    make_database_private(path)


@contextmanager
def _database(args: argparse.Namespace, *, may_create: bool = False) -> Iterator:
    """The database a command works on, closed again however the command ends.
    `may_create`: a new file at --db is wanted (demo data), though its folder must exist."""
    from caseload_app.db.engine import open_database

    target = _db_target(args)
    if isinstance(target, Path):
        _check_location(args, target, may_create=may_create)
    db = open_database(target, backup_dir=paths.backups_dir() if args.db is None else None)
    try:
        yield db
    finally:
        db.dispose()


def cmd_timeline(args: argparse.Namespace) -> int:
    dates = _timeline(args)
    if args.json:
        print(json.dumps({k: v.isoformat() for k, v in dates.items()}, indent=2))
    else:
        width = max(len(k) for k in dates)
        for key, value in dates.items():
            print(f"{key:<{width}}  {deadlines.format_date(value)}")
    return 0


# Options that mean something only beside one event: (the options, that event's option).
_PAIRED = (
    (("re_assessment_notified", "last_assessment"), "re_assessment_requested"),
    (("last_review",), "transferred_in"),
    (("aware",), "moved_out"),
    (("order_kind", "unopposed"), "tribunal_order"),
    (("adviser_received",), "advice_requested"),
)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _check_pairs(args: argparse.Namespace) -> None:
    for options, event in _PAIRED:
        if any(getattr(args, o) for o in options) and not getattr(args, event):
            given = " and ".join(_option(o) for o in options)
            raise CliError(f"{given} go{'es' if len(options) == 1 else ''} with {_option(event)}")
    notified = args.re_assessment_notified
    if notified and notified < args.re_assessment_requested:
        raise CliError("the family cannot be told of a re-assessment before it was asked for")
    if args.adviser_received and args.adviser_received < args.advice_requested:
        raise CliError("the adviser cannot receive the request before it was sent")


def _timeline(args: argparse.Namespace) -> dict[str, date]:
    _check_pairs(args)
    if args.tribunal_order:
        return _tribunal_timeline(args)
    if args.received:
        return deadlines.request_timeline(args.received)
    if args.post16_move:
        return {"amended_plan_due": deadlines.post16_transfer_due(args.post16_move)}
    if args.transferred_in:
        return deadlines.transfer_in_timeline(args.transferred_in, args.last_review)
    if args.moved_out:
        if not args.aware:
            raise CliError("--moved-out needs --aware: the day this council became aware")
        return deadlines.transfer_out_timeline(args.moved_out, args.aware)
    if args.advice_requested:
        reached = args.adviser_received or args.advice_requested
        return {"advice_due": deadlines.advice_due(reached)}
    if args.draft_served:
        return {"comments_end": deadlines.comments_end(args.draft_served)}
    if args.plan_made:
        return {"annual_review_due": deadlines.annual_review_due(args.plan_made)}
    if args.review_meeting:
        return deadlines.review_timeline(args.review_meeting, args.amendment_notice)
    if args.transfer_year is not None:
        if not args.transfer:
            raise CliError("--transfer-year needs --transfer school-phase or secondary-post16")
        return {"amended_plan_due": deadlines.phase_transfer_due(args.transfer_year, args.transfer)}
    return deadlines.reassessment_timeline(
        args.re_assessment_requested, args.re_assessment_notified, args.last_assessment
    )


def _tribunal_timeline(args: argparse.Namespace) -> dict[str, date]:
    if not args.order_kind:
        kinds = ", ".join(kind.value for kind in tribunal.OrderKind)
        raise CliError(f"--tribunal-order needs --order-kind, one of {kinds}")
    try:
        return tribunal.order_timeline(
            args.tribunal_order, args.order_kind, unopposed=args.unopposed
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc


CHECKS: dict[str, Callable[[str], str]] = {
    "upn": normalise_upn,
    "nhs": lambda v: format_nhs_number(normalise_nhs_number(v)),
    "postcode": normalise_postcode,
}


def cmd_check(args: argparse.Namespace) -> int:
    print(CHECKS[args.kind](args.value))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from caseload_app.services.importer import Importer, write_template

    if args.template:
        write_template(args.template)
        print(f"Wrote an empty template to {args.template}")
        return 0
    if args.file is None:
        raise CliError("name the CSV file to import, or use --template FILE")
    if not args.file.is_file():
        raise CliError(f"{args.file} does not exist")
    with _database(args) as db:
        result = Importer(db, user=getpass.getuser()).import_file(args.file, dry_run=args.dry_run)
    if not result.ok:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        if result.problem_count > len(result.problems):
            print(f"… and {result.problem_count - len(result.problems):,} more.", file=sys.stderr)
        print(
            f"Nothing was imported: {how_many(result.problem_count, 'problem', 'problems')} in "
            f"{how_many(result.problem_rows, 'row', 'rows')}.",
            file=sys.stderr,
        )
        return 1
    verb = "Imported" if result.written else "Checked: would import"
    print(f"{verb} {result.children} children in {result.families} families.")
    if result.new_caseworkers:
        print("New caseworkers: " + ", ".join(result.new_caseworkers))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from caseload_app.services.export import ExportService

    with _database(args) as db:
        count = ExportService(db, user=getpass.getuser()).export_csv(args.output)
    print(f"Exported {count} children to {args.output}")
    return 0


def _count_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {text!r}")
    return value


def _report_parser(sub: argparse._SubParsersAction) -> None:
    rp = sub.add_parser("report", help="print a report as PDF")
    kinds = rp.add_subparsers(dest="report", metavar="REPORT", required=True)
    su = kinds.add_parser("summary", help="one child's case summary (for a meeting pack)")
    _db_arg(su)
    su.add_argument("--child", type=int, required=True, metavar="ID", help="the child's id")
    su.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="the PDF file to write"
    )
    su.add_argument(
        "--communications",
        type=_count_arg,
        default=20,
        metavar="N",
        help="how many of the most recent communications to include (default 20)",
    )


def cmd_report(args: argparse.Namespace) -> int:
    from caseload_app.services.printing import PrintService

    with _database(args) as db:
        printing = PrintService(db, user=getpass.getuser())
        case_id = printing.case_for_child(args.child)
        printing.summary_to_file(case_id, args.output, args.communications)
    print(f"Wrote {args.output}")
    return 0


def _chronology_parser(sub: argparse._SubParsersAction) -> None:
    ch = sub.add_parser(
        "chronology", help="everything that happened on a case, as PDF or CSV (audited)"
    )
    _db_arg(ch)
    ch.add_argument(
        "--case",
        dest="case_id",
        type=int,
        required=True,
        metavar="ID",
        help="the case's number (as the window and `caseload export` show)",
    )
    ch.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE.pdf|FILE.csv",
        help="the file to write: a PDF to print or send, or a CSV for a spreadsheet",
    )
    ch.add_argument(
        "--from",
        dest="start",
        type=_date_arg,
        metavar="YYYY-MM-DD",
        help="leave out what happened before this day (default: from the start of the case)",
    )
    ch.add_argument(
        "--to",
        dest="end",
        type=_date_arg,
        metavar="YYYY-MM-DD",
        help="leave out what happened after this day (default: up to today)",
    )


def cmd_chronology(args: argparse.Namespace) -> int:
    from caseload_app.services.chronology import ChronologyService

    with _database(args) as db:
        service = ChronologyService(db, user=getpass.getuser())
        made = service.entries(args.case_id, args.start, args.end)
        count = service.save(made, args.output)
    print(f"Wrote {args.output} ({how_many(count, 'entry', 'entries')}; {made.range_text})")
    return 0


def _weekly_report_parser(sub: argparse._SubParsersAction) -> None:
    wr = sub.add_parser("weekly-report", help="the weekly leadership report as PDF (and CSV)")
    _db_arg(wr)
    wr.add_argument(
        "--week-ending",
        type=_date_arg,
        required=True,
        metavar="DATE",
        help="the last day of the week reported (e.g. a Friday)",
    )
    wr.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write"
    )
    wr.add_argument(
        "--csv", type=Path, metavar="FILE.csv", help="also write one row per case per measure"
    )


def cmd_weekly_report(args: argparse.Namespace) -> int:
    from caseload_app.files import write_atomically
    from caseload_app.services.weekly import WeeklyReportService

    with _database(args) as db:
        weekly = WeeklyReportService(db, user=getpass.getuser())
        report = weekly.report(args.week_ending, traced=args.csv is not None)
        write_atomically(args.output, weekly.to_pdf(report))
        print(f"Wrote {args.output}")
        if args.csv:
            weekly.to_csv(report, args.csv)
            print(f"Wrote {args.csv} ({len(report.rows)} rows)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from caseload_app.services.demo import DemoTargetNotEmpty, generate_demo

    if args.db is None:
        raise CliError("give --db PATH: demo data is never written to your real database")
    if args.children < 1:
        raise CliError("--children must be at least 1")
    with _database(args, may_create=True) as db:  # a new file: demo never fills a real one
        try:
            result = generate_demo(db, children=args.children, seed=args.seed, today=args.as_of)
        except DemoTargetNotEmpty as exc:
            raise CliError(str(exc)) from exc
    print(
        f"Wrote {result.children} children in {result.families} families, "
        f"{result.communications} communications, {result.advice_requests} advice requests, "
        f"{result.reviews} reviews and {result.tasks} tasks to {_db_target(args)}"
    )
    return 0


def _letter_parser(sub: argparse._SubParsersAction) -> None:
    lt = sub.add_parser("letter", help="print a letter from a template (kept, logged, audited)")
    _db_arg(lt)
    lt.add_argument("--list-templates", action="store_true", help="list the templates and stop")
    lt.add_argument("--child", type=int, metavar="ID", help="the child's id")
    lt.add_argument("--template", metavar="NAME", help="e.g. draft_plan_cover")
    lt.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to put a copy")
    lt.add_argument("--advice", metavar="TYPE", help="advice letters: ep, health, social_care…")
    lt.add_argument(
        "--format",
        choices=("pdf", "docx"),
        default="pdf",
        help="pdf (the default) or docx, a Word document; the letter is kept as that",
    )
    lt.add_argument(
        "--set",
        action="append",
        default=[],
        dest="typed",
        metavar="NAME=TEXT",
        help="text typed in when printing: subject, message, decision_reason",
    )


def cmd_letter(args: argparse.Namespace) -> int:
    from caseload_app.files import write_atomically
    from caseload_app.services.letters import LetterService
    from caseload_app.services.template_files import default_library

    if args.list_templates:
        for info in default_library().list_templates():
            note = f"  [{info.origin}]" if info.origin != "shipped" else ""
            print(f"{info.name:<26} {info.to or '?':<12} {info.title}{note}")
            if info.problem:
                print(f"    cannot be used: {info.problem}")
        return 0
    needed = {"--child": args.child, "--template": args.template, "-o": args.output}
    missing = [flag for flag, value in needed.items() if value is None]
    if missing:
        raise CliError(f"give {', '.join(missing)} (or --list-templates)")
    if not args.output.parent.is_dir():
        raise CliError(f"the folder {args.output.parent} does not exist")
    other = {"pdf": ".docx", "docx": ".pdf"}[args.format]
    if args.output.suffix.lower() == other:
        kind = "a Word letter" if args.format == "docx" else "a PDF letter"
        raise CliError(
            f"-o {args.output.name}: {kind} goes in a file ending .{args.format} "
            f"(or give --format {other[1:]})"
        )
    if any("=" not in item for item in args.typed):
        raise CliError("--set takes NAME=TEXT, e.g. --set subject='Your meeting'")
    typed = dict(item.partition("=")[::2] for item in args.typed)
    with _database(args) as db:
        letters = LetterService(db, user=getpass.getuser())
        case_id = letters.case_for_child(args.child)
        issued = letters.issue_letter(
            case_id, args.template, advice_type=args.advice, extra=typed, format=args.format
        )
    write_atomically(args.output, issued.docx if args.format == "docx" else issued.pdf)
    print(f"Wrote {args.output}")
    print(
        f"Kept on the case file as document {issued.document_id} "
        f"(and in the case's communication log, contact {issued.communication_id})"
    )
    return 0


def _team_parsers(sub: argparse._SubParsersAction) -> None:
    bo = sub.add_parser("board", help="the workload board: load per caseworker, deadlines ahead")
    _db_arg(bo)
    bo.add_argument("--json", action="store_true", help="print JSON instead of a table")
    rb = sub.add_parser("rebalance", help="propose (and with --apply, make) moves that even load")
    _db_arg(rb)
    rb.add_argument("--json", action="store_true", help="print JSON instead of a table")
    rb.add_argument("--apply", action="store_true", help="make the moves (one batch, undoable)")
    rb.add_argument("--reason", default="", help="why, recorded in assignment history")
    rb.add_argument(
        "--max-moves",
        type=int,
        default=None,
        metavar="N",
        help="propose at most N balancing moves (allocating and covering always happen)",
    )
    mv = sub.add_parser("moves", help="recent batches of moves (rebalances, reassignments)")
    _db_arg(mv)
    mv.add_argument("--undo", metavar="BATCH", help="put the cases of this batch back")
    mv.add_argument("--show", metavar="BATCH", help="list the cases this batch moved")


def cmd_board(args: argparse.Namespace) -> int:
    from caseload_app.services.keep_in_touch import KeepInTouchService
    from caseload_app.services.workload import WorkloadService

    with _database(args) as db:
        board = WorkloadService(db, user=getpass.getuser()).board()
        shares = KeepInTouchService(db, user=getpass.getuser()).on_time_shares()
    rows: list[dict[str, Any]] = [
        {
            "name": r.name,
            "capacity": r.capacity,
            "away_today": r.away_today,
            "open_cases": r.open_cases,
            "cases_by_stage": r.cases_by_stage,
            "load": r.load,
            "load_per_fte": r.load_per_fte,
            "overdue_steps": r.overdue_steps,
            "weekly_deadlines": r.weekly_deadlines,
            "deadlines_in_absence": r.deadlines_in_absence,
            "tribunal_steps": r.tribunal_steps.open,
            "tribunal_steps_overdue": r.tribunal_steps.overdue,
            # the keep-in-touch promise: families not overdue an update, of those with a case
            "families_updated_on_time": shares.get(r.worker_id, (0, 0))[0],
            "families": shares.get(r.worker_id, (0, 0))[1],
        }
        for r in board.rows
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "today": board.today.isoformat(),
                    "unallocated": board.unallocated,
                    "families_updated_on_time": sum(k for k, _ in shares.values()),
                    "families": sum(n for _, n in shares.values()),
                    "caseworkers": rows,
                },
                indent=2,
            )
        )
        return 0
    print(
        f"{'caseworker':<22}{'FTE':>5}{'cases':>7}{'load':>8}{'per FTE':>9}{'overdue':>9}"
        f"{'tribunal':>10}{'updated':>9}  next 8 weeks"
    )
    for r in rows:
        away = " (away)" if r["away_today"] else ""
        print(
            f"{(r['name'] + away)[:22]:<22}{r['capacity']:>5.1f}{r['open_cases']:>7}"
            f"{r['load']:>8.1f}{r['load_per_fte']:>9.2f}{r['overdue_steps']:>9}"
            f"{_tribunal_cell(r):>10}{_share_cell(r):>9}  "
            + " ".join(f"{n:>3}" for n in r["weekly_deadlines"])
        )
    print(f"Unallocated open cases: {board.unallocated}")
    return 0


def _share_cell(row: dict[str, Any]) -> str:
    """Families updated on time, as a share: "87%" ("-" with no open case)."""
    families = row["families"]
    return f"{row['families_updated_on_time'] * 100 // families}%" if families else "-"


def _tribunal_cell(row: dict[str, Any]) -> str:
    """Open Tribunal-order steps, with those past their date: "3/1 late"."""
    late = row["tribunal_steps_overdue"]
    return f"{row['tribunal_steps']}/{late} late" if late else str(row["tribunal_steps"])


def cmd_rebalance(args: argparse.Namespace) -> int:
    from caseload_app.services.workload import WorkloadService

    if args.apply and not args.reason.strip():
        raise CliError("--apply needs --reason TEXT (it is recorded with every move)")
    if args.max_moves is not None and args.max_moves < 0:
        raise CliError("--max-moves must be 0 or more")
    with _database(args) as db:
        service = WorkloadService(db, user=getpass.getuser())
        proposal = service.propose(max_moves=args.max_moves)
        details = service.moved_cases(proposal)
        workers = {r.worker_id: r for r in service.board().rows}
        batch = service.apply(proposal, args.reason) if args.apply and proposal.moves else None
    result = _proposal_json(proposal, workers, batch, details)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for move in result["moves"]:
            due = f", due {move['next_due']}" if move["next_due"] else ""
            step = f" (next: {move['next_step']}{due})" if move["next_step"] else ""
            print(
                f"{move['child']}: {move['from'] or 'unallocated'} → {move['to']}{step}"
                f" — {move['reason']}"
            )
        print(
            f"{how_many(len(proposal.moves), 'move', 'moves')}; spread of load per FTE "
            f"{proposal.spread_before:.2f} → {proposal.spread_after:.2f}"
            + (f"; applied as batch {batch}" if batch else "; nothing changed")
        )
        if proposal.left:
            print(proposal.left)
    return 0


def cmd_moves(args: argparse.Namespace) -> int:
    from caseload_app.services.team import TeamService

    with _database(args) as db:
        team = TeamService(db, user=getpass.getuser())
        if args.undo:
            done = team.undo(args.undo)
            print(f"{how_many(len(done.case_ids), 'case', 'cases')} put back ({done.batch})")
        elif args.show:
            for c in team.batch_cases(args.show):
                due = f" — {c.next_step} due {c.next_due.isoformat()}" if c.next_due else ""
                print(f"{c.child_name}: {c.from_name} → {c.to_name}{due}")
        else:
            for b in team.batches():
                state = " (undone)" if b.undone else ""
                print(
                    f"{b.batch}  {b.at:%Y-%m-%d %H:%M}  {b.kind}{state}, "
                    f"{how_many(b.cases, 'case', 'cases')}, by {b.by}: {b.reason}"
                )
    return 0


def _proposal_json(proposal, workers: dict, batch: str | None, details: dict) -> dict:
    def name(worker_id: int | None) -> str | None:
        return workers[worker_id].name if worker_id in workers else None

    def moved(case_id: int, child_id: int, move) -> dict:
        info = details.get(case_id)
        return {
            "case_id": case_id,
            "child_id": child_id,
            "child": info.child_name if info else f"case {case_id}",
            "next_step": info.next_step if info else "",
            "next_due": info.next_due.isoformat() if info and info.next_due else None,
            "family_id": move.family_id,
            "from": name(move.from_id),
            "to": name(move.to_id),
            "reason": move.reason,
        }

    return {
        "applied": batch is not None,
        "batch": batch,
        "left": proposal.left,
        "caseworkers": [
            {
                "name": name(wid),
                "capacity": workers[wid].capacity,
                "load_before": round(before, 2),
                "load_after": round(proposal.after.get(wid, 0.0), 2),
            }
            for wid, before in sorted(proposal.before.items())
            if wid in workers
        ],
        "moves": [
            moved(case_id, child_id, move)
            for move in proposal.moves
            for case_id, child_id in zip(move.case_ids, move.child_ids, strict=True)
        ],
    }


def _backup_parsers(sub: argparse._SubParsersAction) -> None:
    bk = sub.add_parser("backup", help="make a verified backup copy of the database")
    _db_arg(bk)
    bk.add_argument("-o", "--output", type=Path, metavar="FILE", help="where (default: backups)")
    rs = sub.add_parser("restore", help="replace the database with a backup (the old one is kept)")
    _db_arg(rs)
    rs.add_argument("file", type=Path, help="the backup to restore")


def _backups(args: argparse.Namespace, audit: Callable[[str], None] | None = None):
    from caseload_app.services.backup import BackupService

    path = _db_path(args)
    folder = paths.backups_dir() if args.db is None else path.parent / "backups"
    return BackupService(path, folder, audit=audit)


def cmd_backup(args: argparse.Namespace) -> int:
    if not _db_path(args).exists():
        raise CliError(f"there is no database at {_db_path(args)} to back up")
    service = _backups(args, audit=lambda detail: _audit_backup(args, detail))
    if args.output:
        written = service.backup_to(args.output)
    else:
        written = service.backup_now("manual")
        service.rotate()
    print(f"Backed up to {written} (checked)")
    return 0


def _audit_backup(args: argparse.Namespace, detail: str) -> None:
    """A backup is a copy of every child: recorded in the database's audit trail first."""
    from caseload_app.services.audit import AuditService

    with _database(args) as db:
        AuditService(db, getpass.getuser()).record_backup(detail)


def cmd_restore(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CliError(f"{args.file} does not exist")
    kept = _backups(args).restore(args.file, user=getpass.getuser())
    print(f"Restored {_db_path(args)} from {args.file}")
    if kept:
        print(f"The database it replaced is kept at {kept}")
    return 0


def _safety_parsers(sub: argparse._SubParsersAction) -> None:
    au = sub.add_parser("audit", help="search or export the audit trail (administrators)")
    _db_arg(au)
    au.add_argument("--who", default="", help="only what this person did")
    au.add_argument("--action", default="", help="only this action (view, update, export…)")
    au.add_argument("--record", default="", dest="record_type", help="only this kind of record")
    au.add_argument("--case", type=int, dest="case_id", help="only entries about this case id")
    au.add_argument(
        "--from", type=_date_arg, dest="since", metavar="DATE", help="entries on or after"
    )
    au.add_argument(
        "--to", type=_date_arg, dest="until", metavar="DATE", help="entries on or before"
    )
    au.add_argument("--text", default="", help="a word or phrase in the detail")
    au.add_argument("-o", "--output", type=Path, metavar="FILE", help="write every match as CSV")
    tr = sub.add_parser("trash", help="list the trash, restore from it, or empty an item")
    _db_arg(tr)
    what = tr.add_mutually_exclusive_group()
    what.add_argument("--restore", type=int, metavar="ID", help="put an item back")
    what.add_argument("--purge", type=int, metavar="ID", help="remove for good (administrators)")
    re_ = sub.add_parser("retention", help="closed cases past the retention period (a list)")
    _db_arg(re_)
    re_.add_argument(
        "--set-years", type=int, metavar="N", help="change the period first (administrators)"
    )


def cmd_audit(args: argparse.Namespace) -> int:
    from caseload_app.services.audit import AuditFilter, AuditService

    wanted = AuditFilter(
        **{k: getattr(args, k) for k in ("who", "action", "record_type", "case_id", "since")},
        until=args.until,
        text=args.text,
    )
    with _database(args) as db:
        service = AuditService(db, getpass.getuser())
        if args.output:
            count = service.export_csv(wanted, args.output)
            print(f"Exported {count} audit entries to {args.output}")
            return 0
        page = service.search(wanted)
    for r in page.rows:
        case = f"case {r.case_id}" if r.case_id is not None else ""
        print(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.who:<20} {r.action:<8} {case:<10} {r.detail}")
    shown = f"{len(page.rows)} of {page.total}" if page.total > len(page.rows) else page.total
    print(f"{shown} entries (newest first)")
    return 0


def cmd_trash(args: argparse.Namespace) -> int:
    from caseload_app.services.trash import TrashService

    with _database(args) as db:
        service = TrashService(db, getpass.getuser())
        if args.restore is not None:
            done = service.restore(args.restore)
            renumbered = f" ({done.renumbered} renumbered)" if done.renumbered else ""
            print(f"Restored {done.record_type} {done.record_id}{renumbered}")
        elif args.purge is not None:
            service.purge(args.purge)
            print(f"Removed trash item {args.purge} for good")
        else:
            items = service.items()
            for t in items:
                print(f"{t.id:>5}  {t.deleted_at:%Y-%m-%d %H:%M}  {t.deleted_by:<20} {t.label}")
            print(f"{len(items)} items in the trash")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from caseload_app.services.settings import TeamSettingsService
    from caseload_app.services.trash import TrashService

    with _database(args) as db:
        team = TeamSettingsService(db)
        if args.set_years is not None:
            team.set_retention_years(args.set_years)
            print(f"Retention period set to {args.set_years} years")
        years = team.retention_years()
        due = TrashService(db, getpass.getuser()).retention_due()
    for r in due:
        print(f"case {r.case_id:>6}  closed {r.closed_on:%d %b %Y}  {r.child_name}")
    print(f"{len(due)} closed cases are past the {years}-year retention period (nothing deleted)")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "timeline": cmd_timeline,
    "check": cmd_check,
    "import": cmd_import,
    "export": cmd_export,
    "report": cmd_report,
    "chronology": cmd_chronology,
    "weekly-report": cmd_weekly_report,
    "demo": cmd_demo,
    "letter": cmd_letter,
    "merge": lambda args: cli_merge.run(args, _database),
    "board": cmd_board,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "rebalance": cmd_rebalance,
    "moves": cmd_moves,
    "sen2": lambda args: cli_sen2.run(args, _database),
    "inspection-list": lambda args: cli_inspection.run(args, _database),
    "forecast": lambda args: cli_forecast.run(args, _database),
    "providers": lambda args: cli_providers.run(args, _database),
    "audit": cmd_audit,
    "trash": cmd_trash,
    "retention": cmd_retention,
    "admin": lambda args: cli_admin.run(args, _database),
    "caseworker": lambda args: cli_team.run_caseworker(args, _database),
    "absence": lambda args: cli_team.run_absence(args, _database),
    "plan": lambda args: cli_plan.run(args, _database),
    "doc": lambda args: cli_doc.run(args, _database),
    "bundle": lambda args: cli_doc.run_bundle(args, _database),
    "sar": lambda args: cli_doc.run_sar(args, _database),
    "calendar": lambda args: cli_family.run_calendar(args, _database),
    "updates": lambda args: cli_family.run_updates(args, _database),
    "send": lambda args: cli_mail.run_send(args, _database),
    "mail": lambda args: cli_mail.run_mail(args, _database),
    "establishments": lambda args: cli_establishments.run(args, _database),
}


if __name__ == "__main__":
    sys.exit(main())
