"""`caseload merge`: one letter to many families at once (issue 25).

caseload merge annual_review_invitation --reviews-due 2026-12-01 2026-12-31 [--dry-run]
caseload merge generic --case 12 15 18 --set subject="Our new office" --set message="…"
               [--stage plan_issued] [--caseworker "Asha Patel"] [--sent-since DATE]
               [--report merge.csv] [--pdf letters.pdf]

Each letter is issued, kept, logged and audited as `caseload letter` issues one; a family the
letter cannot go to is listed with why. Ctrl+C stops between letters: those issued stay
issued, and running the same command again sends the rest (a family sent it since
--sent-since, default today, is skipped).
"""

from __future__ import annotations

import argparse
import getpass
import signal
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction, db_arg, date_arg: Callable[[str], date]) -> None:
    me = sub.add_parser(
        "merge",
        help="one letter to many families at once (each kept, logged, audited), with a report",
    )
    db_arg(me)
    me.add_argument("template", help="the letter's template, e.g. annual_review_invitation")
    me.add_argument(
        "--reviews-due",
        nargs=2,
        type=date_arg,
        metavar=("FROM", "TO"),
        help="the families whose annual review is due between these dates (inclusive)",
    )
    me.add_argument("--stage", metavar="CODE", help="only cases at this stage, e.g. plan_issued")
    me.add_argument("--caseworker", metavar="NAME", help="only this caseworker's cases")
    me.add_argument(
        "--case",
        dest="case_ids",
        type=int,
        nargs="+",
        default=[],
        metavar="ID",
        help="exactly these cases, by number (a closed one is listed as skipped)",
    )
    me.add_argument(
        "--set",
        action="append",
        default=[],
        dest="typed",
        metavar="NAME=TEXT",
        help="text typed in once for every letter: subject, message",
    )
    me.add_argument(
        "--sent-since",
        type=date_arg,
        metavar="DATE",
        help="skip a family that got this letter on or after DATE (default: today)",
    )
    me.add_argument(
        "--dry-run", action="store_true", help="list who would get it and who not, issue nothing"
    )
    me.add_argument(
        "--format",
        choices=("pdf", "docx", "both"),
        default="pdf",
        help="issue each letter as a PDF (the default), a Word document, or both",
    )
    me.add_argument("--report", type=Path, metavar="FILE.csv", help="save the report as CSV")
    me.add_argument(
        "--pdf", type=Path, metavar="FILE.pdf", help="save the letters issued as one PDF to print"
    )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.domain.text import how_many
    from caseload_app.services.calendar import CalendarService
    from caseload_app.services.errors import UserError
    from caseload_app.services.mail_merge import MailMergeService, MergeSelection

    typed = _typed(args.typed)
    for target in (args.report, args.pdf):
        if target is not None and not target.parent.is_dir():
            raise UserError(f"The folder {target.parent} does not exist.")
    if args.pdf is not None and args.dry_run:
        raise UserError("A dry run issues no letters: leave out --pdf.")
    if args.pdf is not None and args.format == "docx":
        raise UserError("Letters issued in Word only have no PDF to print: leave out --pdf.")
    with database(args) as db:
        merge = MailMergeService(db, getpass.getuser())
        worker = (
            CalendarService(db, merge.user).caseworker_id(args.caseworker)
            if args.caseworker
            else None
        )
        selection = MergeSelection(
            reviews_due=tuple(args.reviews_due) if args.reviews_due else None,
            stage=args.stage,
            caseworker_id=worker,
            case_ids=tuple(args.case_ids),
        )
        with _stop_on_ctrl_c() as cancel:
            common = dict(
                extra=typed, sent_since=args.sent_since, progress=_progress, cancel=cancel
            )
            report = (
                merge.dry_run(args.template, selection, format=args.format, **common)
                if args.dry_run
                else merge.run(args.template, selection, format=args.format, **common)
            )
        _print(report)
        if args.report is not None:
            merge.save_report(report, args.report)
            print(f"Wrote the report to {args.report}")
        if args.pdf is not None and report.pdfs:
            merge.save_letters(report, args.pdf)
            made = how_many(len(report.pdfs), "letter", "letters")
            print(f"Wrote {made} to {args.pdf}, to print in one go")
    return 1 if report.stopped else 0


def _typed(items: list[str]) -> dict[str, str]:
    from caseload_app.services.errors import UserError

    if any("=" not in item for item in items):
        raise UserError("--set takes NAME=TEXT, e.g. --set subject='Our new office'")
    return dict(item.partition("=")[::2] for item in items)


class _stop_on_ctrl_c:  # noqa: N801 - used as a context manager, read as words
    """Ctrl+C stops the merge between letters (and the report is still printed), instead of
    ending the program in the middle of one."""

    def __enter__(self) -> threading.Event:
        self.cancel = threading.Event()
        self.before = signal.signal(signal.SIGINT, lambda *_: self._stop())
        return self.cancel

    def _stop(self) -> None:
        self.cancel.set()
        print("\nStopping after this letter…", file=sys.stderr)

    def __exit__(self, *_exc) -> None:
        signal.signal(signal.SIGINT, self.before)


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r{done} of {total}", end=end, file=sys.stderr, flush=True)


def _print(report) -> None:
    from caseload_app.services.mail_merge import OUTCOME_LABELS

    for line in report.lines:
        said = OUTCOME_LABELS[line.outcome].lower() + (f": {line.reason}" if line.reason else "")
        print(f"{line.reference}  {line.child_name or '—':<28} {said}")
    print(report.summary())
