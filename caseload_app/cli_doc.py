"""`caseload doc …`: the case file from the command line.

caseload doc add --case 12 report.pdf mail.eml [--kind advice_ep] [--from "Dr A Patel"]
                 [--date 2026-10-01]                         (each file all or nothing)
caseload doc list --case 12 [--json]
caseload doc get --id 7 -o copy.pdf                          (audited as a saved copy)
caseload doc search "working memory" [--case 12] [--json]    (across cases: team leads)
caseload bundle --case 12 [--preset tribunal] [--documents 3,5,8] -o bundle.pdf
caseload sar --case 12 -o SAR-folder                          (administrators; a new folder)
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import date
from pathlib import Path


def add_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    from caseload_app.domain.documents import KINDS

    doc = sub.add_parser("doc", help="add, list, get or search the documents on a case")
    verbs = doc.add_subparsers(dest="doc_command", metavar="ACTION", required=True)
    add = verbs.add_parser("add", help="add files to a case (an e-mail with its attachments)")
    db_arg(add)
    _case(add, required=True)
    add.add_argument("files", type=Path, nargs="+", help="the files to add")
    add.add_argument("--kind", choices=sorted(KINDS), default="other", help="what they are")
    add.add_argument("--from", dest="came_from", default="", help="who they came from")
    add.add_argument(
        "--date", type=date.fromisoformat, help="their date, YYYY-MM-DD (default: today)"
    )
    ls = verbs.add_parser("list", help="the documents on a case")
    db_arg(ls)
    _case(ls, required=True)
    ls.add_argument("--json", action="store_true", help="machine-readable")
    get = verbs.add_parser("get", help="save a copy of a document (audited)")
    db_arg(get)
    get.add_argument("--id", dest="document_id", type=int, required=True, help="its number")
    get.add_argument("-o", "--output", type=Path, required=True, help="the file to write")
    se = verbs.add_parser("search", help="documents holding every word given")
    db_arg(se)
    se.add_argument("words", help="the words to find")
    _case(se, required=False)
    se.add_argument("--json", action="store_true", help="machine-readable")


def add_bundle_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    bu = sub.add_parser(
        "bundle", help="a case's documents as one PDF: index, sections, page numbers, bookmarks"
    )
    db_arg(bu)
    _case(bu, required=True)
    bu.add_argument(
        "--preset", choices=["tribunal"], default="tribunal", help="the sections, in order"
    )
    bu.add_argument(
        "--documents",
        metavar="IDS",
        help="only these documents, by number, in this order within each section: 3,5,8 "
        "(default: all, oldest first)",
    )
    bu.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")


def run_bundle(args: argparse.Namespace, database) -> int:
    from caseload_app.services.bundle import BundleService
    from caseload_app.services.errors import UserError

    chosen = None
    if args.documents:
        try:
            chosen = [int(x) for x in args.documents.split(",") if x.strip()]
        except ValueError:
            raise UserError("--documents takes document numbers with commas: 3,5,8") from None
    if not args.output.parent.is_dir():
        raise UserError(f"The folder {args.output.parent} does not exist.")
    with database(args) as db:
        bundle = BundleService(db, user=getpass.getuser()).make(args.case_id, chosen, args.preset)
    args.output.write_bytes(bundle.pdf)
    left_out = [line for line in bundle.index if line.note]
    for line in left_out:
        print(f"{line.title}: {line.note}")
    print(f"Wrote {args.output}: {bundle.pages} pages, {len(bundle.index) - len(left_out)} "
          "document(s).")  # fmt: skip
    return 0


def add_sar_parser(sub: argparse._SubParsersAction, db_arg) -> None:
    sa = sub.add_parser(
        "sar",
        help="subject access request: everything held about a case's child and family, "
        "into a new folder to review before release (administrators)",
    )
    db_arg(sa)
    _case(sa, required=True)
    sa.add_argument("-o", "--output", type=Path, required=True, help="the new folder to write")


def run_sar(args: argparse.Namespace, database) -> int:
    from caseload_app.services.sar import SarService

    with database(args) as db:
        done = SarService(db, user=getpass.getuser()).export_for_case(args.case_id, args.output)
    print(
        f"Wrote {done.folder}: {done.cases} case(s), {done.records} records, "
        f"{done.documents} document(s), {done.audit_entries} audit entries; "
        f"{len(done.third_parties)} other people named (third-parties.txt): review before release."
    )
    return 0


def _case(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--case",
        dest="case_id",
        type=int,
        required=required,
        metavar="ID",
        help="the case's number (as the window and `caseload export` show)"
        + ("" if required else "; without it, every case (team leads)"),
    )


def run(args: argparse.Namespace, database) -> int:
    from caseload_app.services.documents import DocumentService, NewDocument
    from caseload_app.services.errors import UserError

    with database(args) as db:
        docs = DocumentService(db, user=getpass.getuser())
        verb = args.doc_command
        if verb == "add":
            new = NewDocument(args.kind, args.date, args.came_from)
            failed = 0
            for path in args.files:
                try:
                    added = docs.add_file(args.case_id, path, new)
                except UserError as exc:
                    print(f"{path.name}: not added: {exc}")
                    failed += 1
                    continue
                for d in added:
                    print(f"{path.name}: document {d.id}: {d.title} ({d.media_type})")
            return 1 if failed else 0
        if verb == "list":
            _show(docs.documents(args.case_id), args.json)
            return 0
        if verb == "search":
            hits = docs.search(args.words, args.case_id)
            if args.json:
                rows = [_row(h.document) | {"snippet": h.snippet} for h in hits]
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for h in hits:
                    print(f"{h.document.id:>6}  case {h.document.case_id}  {h.document.title}")
                    print(f"        {h.snippet}")
                print(f"{len(hits)} document(s).")
            return 0
        if not args.output.parent.is_dir():
            raise UserError(f"The folder {args.output.parent} does not exist.")
        data = docs.content(args.document_id, "download")
    args.output.write_bytes(data)
    print(f"Wrote {args.output}")
    return 0


def _row(d) -> dict[str, object]:
    return {
        "id": d.id,
        "case_id": d.case_id,
        "kind": d.kind,
        "title": d.title,
        "file_name": d.file_name,
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.sha256,
        "dated": d.dated.isoformat(),
        "from": d.came_from,
        "attached_to": d.attached_to_id,
        "plan_version_id": d.plan_version_id,
        "communication_id": d.communication_id,
    }


def _show(found, as_json: bool) -> None:
    if as_json:
        print(json.dumps([_row(d) for d in found], ensure_ascii=False, indent=2))
        return
    for d in found:
        inside = f" (in {d.attached_to_id})" if d.attached_to_id else ""
        print(f"{d.id:>6}  {d.dated.isoformat()}  {d.kind_label:<32} {d.title}{inside}")
    print(f"{len(found)} document(s).")
