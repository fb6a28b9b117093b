"""`caseload plan …`: the EHC plan of a case from the command line.

caseload plan export --case 12 --format docx -o zoe-plan.docx   (the working copy; --version N)
caseload plan import --case 12 old-plan.docx                    (or a .json plan)
caseload plan check --case 12 [--json]                          (findings: section, rule, text)
caseload plan versions --case 12
caseload plan import-folder PLANS/                               (each matched by UPN, or name
                                                                  and date of birth)
caseload plan rules [--off KEY --reason TEXT | --on KEY]         (the checks on and off;
                                                                  switching is for administrators)
caseload plan verify                                            (every issued version is still
                                                                  what was issued)
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

FORMATS = ("docx", "pdf", "json")


def add_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    pl = sub.add_parser("plan", help="export, import or check a case's EHC plan")
    verbs = pl.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    ex = verbs.add_parser("export", help="the plan as Word, PDF or JSON (audited)")
    db_arg(ex)
    _case(ex)
    ex.add_argument("--format", choices=FORMATS, required=True, help="the file's kind")
    ex.add_argument(
        "--version", type=int, metavar="N", help="an issued version (default: the working copy)"
    )
    ex.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    im = verbs.add_parser("import", help="replace the working copy with a .docx or .json plan")
    db_arg(im)
    _case(im)
    im.add_argument("file", type=Path, help="a Word .docx plan, or a plan as JSON")
    ck = verbs.add_parser("check", help="the checks a Tribunal would make of the plan")
    db_arg(ck)
    _case(ck)
    ck.add_argument("--json", action="store_true", help="machine-readable findings")
    fo = verbs.add_parser(
        "import-folder",
        help="import every .docx plan in a folder, each "
        "matched to its child by UPN, or name and date of birth",
    )
    db_arg(fo)
    fo.add_argument("folder", type=Path, help="the folder of Word plans")
    vs = verbs.add_parser("versions", help="the plan's versions: working copy and issued")
    db_arg(vs)
    _case(vs)
    ru = verbs.add_parser(
        "rules", help="the plan checks, on or switched off (and why); switch one off or on"
    )
    db_arg(ru)
    switch = ru.add_mutually_exclusive_group()
    switch.add_argument(
        "--off", metavar="KEY", help="switch this check off for the council (administrators)"
    )
    switch.add_argument("--on", metavar="KEY", help="switch this check back on (administrators)")
    ru.add_argument(
        "--reason", metavar="TEXT", default="", help="why it is switched off (kept and audited)"
    )
    ve = verbs.add_parser(
        "verify",
        help="check that every issued version of every plan is still what was issued "
        "(its sha256, the database's seal, the audit trail)",
    )
    db_arg(ve)


def _case(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--case",
        dest="case_id",
        type=int,
        required=True,
        metavar="ID",
        help="the case's number (as the window and `caseload export` show)",
    )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.errors import UserError
    from caseload_app.services.plans import PlanService

    if args.plan_command == "rules":
        return _rules(args, database)
    with database(args) as db:
        plans = PlanService(db, user=getpass.getuser())
        verb = args.plan_command
        if verb == "import-folder":
            return _import_folder(plans, args.folder)
        if verb == "verify":
            return _verify(db)
        if verb == "versions":
            for v in plans.versions(args.case_id):
                issued = f"issued {v.issued_on.isoformat()}" if v.issued_on else "working copy"
                print(f"{v.number:>3}  {v.kind_label:<32} {issued}")
            return 0
        if verb == "check":
            return _check(plans, args)
        if verb == "import":
            return _import(plans, args)
        version_id = None
        if args.version is not None:
            found = [v for v in plans.versions(args.case_id) if v.number == args.version]
            if not found:
                raise UserError(f"Case {args.case_id} has no plan version {args.version}.")
            version_id = found[0].id
        if not args.output.parent.is_dir():
            raise UserError(f"The folder {args.output.parent} does not exist.")
        data = plans.export(args.case_id, version_id, args.format)
    args.output.write_bytes(data)
    print(f"Wrote {args.output}")
    return 0


def _import_folder(plans, folder: Path) -> int:
    lines = plans.import_folder(folder)
    for line in lines:
        where = f"case {line.case_id}" if line.case_id is not None else "-"
        print(f"{line.file}: {where}: {line.outcome}")
    done = sum(line.case_id is not None for line in lines)
    print(f"{done} of {len(lines)} plan(s) imported.")
    return 0 if done == len(lines) else 1


def _verify(db) -> int:
    from caseload_app.services.plan_integrity import PlanIntegrityService

    result = PlanIntegrityService(db, user=getpass.getuser()).verify()
    for finding in result.findings:
        print(finding)
    print(f"{result.versions} issued version(s) checked, {len(result.findings)} finding(s).")
    return 1 if result.findings else 0


def _check(plans, args: argparse.Namespace) -> int:
    findings = plans.working(args.case_id).findings
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "section": f.section,
                        "item": f.item,
                        "field": f.field,
                        "rule": f.rule,
                        "words": f.words,
                        "finding": f.label,
                        "explanation": f.explanation,
                        "suggestion": f.suggestion,
                        "source": f.source,
                    }
                    for f in findings
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for f in findings:
        where = f"{f.section}{' ' + f.item if f.item else ''}"
        words = f' "{f.words}"' if f.words else ""
        print(f"{where:<8} {f.label}{words} — {f.suggestion} ({f.source})")
    print(f"{len(findings)} finding(s).")
    return 0


def _rules(args: argparse.Namespace, database) -> int:
    from caseload_app.services.errors import UserError
    from caseload_app.services.settings import TeamSettingsService

    if args.reason and not (args.off or args.on):
        raise UserError("--reason goes with --off KEY: the reason a check is switched off.")
    with database(args) as db:
        team = TeamSettingsService(db, getpass.getuser())
        if args.off or args.on:
            team.set_plan_rule(args.off or args.on, bool(args.off), args.reason)
            print(f"Plan check {args.off or args.on} switched {'off' if args.off else 'on'}.")
            return 0
        listed = team.plan_rules()
    for r in listed:
        state = f"off: {r.reason}" if r.off else "on"
        print(f"{r.key:<26} {' '.join(r.sections):<24} {state}")
    off = sum(r.off for r in listed)
    print(f"{len(listed)} checks, {off} switched off.")
    return 0


def _import(plans, args: argparse.Namespace) -> int:
    from caseload_app.services.errors import UserError

    path: Path = args.file
    if path.suffix.lower() == ".json":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{path.name} cannot be read ({exc}).") from None
        report = plans.import_json(args.case_id, text, path.name)
    else:
        report = plans.import_docx(args.case_id, path, path.name)
    print(report)
    return 0
