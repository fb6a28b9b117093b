"""`caseload send` and `caseload mail …`: e-mail to a family from the command line.

caseload send --case 12 --message note.txt --subject "Your visit" [--attach report.pdf]
caseload send --case 12 --letter 40 [--dry-run]                  (an issued letter, as PDF)
caseload send --case 12 --letter 41 --meeting-time 14:00 [--meeting-place "Room 4"]
                                     (a review invitation: the meeting's .ics goes with it)
caseload send --case 12 --letter 40 --draft letter.eml            (a draft for Outlook)
caseload mail settings [--host smtp.council.gov.uk --port 587 --security starttls …]
caseload mail password [--forget]                                 (this computer's keyring)
caseload mail outbox [--case 12]
caseload mail send-due | resend ID | mark-sent ID [--note T] | cancel ID --reason T
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, time
from pathlib import Path
from typing import Any

ON_OFF = ("on", "off")


def add_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    se = sub.add_parser(
        "send", help="e-mail a letter or a message to a case's family (logged, kept, audited)"
    )
    db_arg(se)
    se.add_argument(
        "--case", dest="case_id", type=int, required=True, metavar="ID", help="the case's number"
    )
    what = se.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--letter",
        type=int,
        metavar="ID",
        help="an issued letter, by its number in the communication log",
    )
    what.add_argument("--message", type=Path, metavar="FILE", help="a text file: the message")
    se.add_argument("--subject", default="", help="the subject (a letter's: its title)")
    se.add_argument(
        "--attach",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a file to attach (again for more)",
    )
    se.add_argument(
        "--draft",
        type=Path,
        metavar="FILE.eml",
        help="save a draft for Outlook instead of sending (the team's way if the "
        "council allows no SMTP)",
    )
    se.add_argument(
        "--meeting-time",
        type=_clock_time,
        metavar="HH:MM",
        help="with an annual review invitation letter: the meeting's time, for the calendar "
        "invitation sent with it (else all day)",
    )
    se.add_argument(
        "--meeting-minutes", type=int, default=90, metavar="N", help="how long it lasts (90)"
    )
    se.add_argument(
        "--meeting-place",
        default="",
        metavar="PLACE",
        help="where (else the child's school or setting)",
    )
    se.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would go, to whom and how; send and keep nothing",
    )
    _mail_parsers(sub, db_arg)


def _mail_parsers(sub: argparse._SubParsersAction, db_arg) -> None:
    ma = sub.add_parser("mail", help="e-mail settings, password and outbox")
    verbs = ma.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    st = verbs.add_parser("settings", help="show or change the team's e-mail settings (admins)")
    db_arg(st)
    st.add_argument(
        "--mode",
        choices=("smtp", "drafts"),
        help="send through the mail server, or save drafts for Outlook",
    )
    st.add_argument("--host", help="the mail server's name, as IT gives it")
    st.add_argument("--port", type=int, help="its port (587 for STARTTLS, 465 for TLS)")
    st.add_argument(
        "--security",
        choices=("starttls", "tls", "none"),
        help="how the connection is encrypted (none: a relay on this computer)",
    )
    st.add_argument("--user", dest="username", help="the sign-in's user name ('' for none)")
    st.add_argument("--from", dest="from_address", help="the address e-mails come from")
    st.add_argument("--from-name", help="the name they come from (e.g. SEND Team)")
    st.add_argument(
        "--official-sensitive",
        choices=ON_OFF,
        help="OFFICIAL-SENSITIVE at the start of every subject",
    )
    st.add_argument(
        "--attachments-need-tls",
        choices=ON_OFF,
        help="send attachments only over an encrypted connection",
    )
    st.add_argument(
        "--trust-certificate",
        metavar="FILE.pem",
        help="the council's own certificate, trusted besides this computer's list "
        "('' to stop trusting it)",
    )
    pw = verbs.add_parser(
        "password",
        help="keep the mail server's password in this "
        "computer's keyring (typed, or one line on standard input)",
    )
    db_arg(pw)
    pw.add_argument("--forget", action="store_true", help="remove it from this computer")
    ob = verbs.add_parser("outbox", help="e-mails not sent yet (yours), or a case's e-mails")
    db_arg(ob)
    ob.add_argument("--case", dest="case_id", type=int, metavar="ID", help="this case's e-mails")
    due = verbs.add_parser("send-due", help="send your e-mails that are waiting to be tried again")
    db_arg(due)
    for name, text in (
        ("resend", "send an e-mail again now (same Message-ID), once you have checked"),
        ("mark-sent", "record an e-mail as sent (found in Sent items, or sent from Outlook)"),
        ("cancel", "give up an e-mail not sent (it stays in the outbox, with why)"),
    ):
        verb = verbs.add_parser(name, help=text)
        db_arg(verb)
        verb.add_argument("outbox_id", type=int, metavar="ID", help="its number in the outbox")
        if name == "mark-sent":
            verb.add_argument("--note", default="", help="how you know it went")
        if name == "cancel":
            verb.add_argument("--reason", required=True, help="why it is not to be sent")


# --------------------------------------------------------------------------- send
def run_send(args: argparse.Namespace, database) -> int:
    from caseload_app.services.mail import MailService, Outgoing

    meeting = None
    if args.letter is not None:
        from caseload_app.services.calendar import Meeting

        meeting = Meeting(args.meeting_time, args.meeting_minutes, args.meeting_place)
    out = Outgoing(
        args.case_id,
        args.subject,
        _text(args.message) if args.message else "",
        args.letter,
        tuple((p.name, _bytes(p)) for p in args.attach),
        meeting,
    )
    with database(args) as db:
        service = MailService(db, user=getpass.getuser())
        draft = args.draft is not None or service.settings().mode == "drafts"
        if args.dry_run:
            _show_preview(service.preview(out, draft=draft))
            return 0
        if draft:
            if args.draft is None:
                raise _error("this team saves e-mails as drafts for Outlook: give --draft FILE.eml")
            done = service.save_draft(out, args.draft)
            print(
                f"Saved the draft to {args.draft} (e-mail {done.id}). Once it has gone from "
                f"Outlook: caseload mail mark-sent {done.id}"
            )
            return 0
        return _report(service.send(out, password=_typed_password(service)))


def _clock_time(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a time of day: write it as HH:MM, e.g. 14:00"
        ) from None


def _show_preview(seen) -> None:
    print(f"To: {seen.to}")
    print(f"Subject: {seen.subject}")
    print(f"Attachments: {', '.join(seen.attachments) or 'none'}")
    print(f"How: {seen.how}")
    for note in seen.notes:
        print(f"Note: {note}")
    print(f"\n{seen.body.rstrip()}\n")
    print("Dry run: nothing was sent or kept.")


def _report(info) -> int:
    if info.status == "sent":
        print(
            f"Sent to {info.to}: {info.subject} (e-mail {info.id}; communication "
            f"{info.communication_id}; on the case file as document {info.document_id})"
        )
        return 0
    print(f"E-mail {info.id} is not sent. {info.state}", file=sys.stderr)
    if info.status == "retry":
        print(
            "It is kept in the outbox: caseload mail send-due tries it again once it is due "
            "(run it from a scheduled task to retry without a person).",
            file=sys.stderr,
        )
    return 1


def _typed_password(service) -> str | None:
    """Asked for when the keyring keeps none and someone is at the keyboard."""
    from caseload_app.services.mail_settings import saved_password

    settings = service.settings()
    if settings.mode != "smtp" or not settings.username or saved_password(settings):
        return None
    if not sys.stdin.isatty():
        return None  # the service says what is missing
    return getpass.getpass(f"Password for {settings.username} on {settings.where}: ") or None


# --------------------------------------------------------------------------- mail …
def run_mail(args: argparse.Namespace, database) -> int:
    from caseload_app.services.mail import MailService

    with database(args) as db:
        verb = args.mail_command
        if verb == "settings":
            return _settings(args, db)
        if verb == "password":
            return _password(args, db)
        service = MailService(db, user=getpass.getuser())
        if verb == "outbox":
            found = service.outbox(args.case_id)
            for info in found:
                _line(info)
            print(f"{len(found)} e-mail(s)" + (" not sent yet." if args.case_id is None else "."))
            return 0
        if verb == "send-due":
            done = service.send_due(_typed_password(service))
            for info in done:
                _line(info)
            print(f"{len(done)} e-mail(s) tried; {sum(i.status == 'sent' for i in done)} sent.")
            return 0 if all(i.status == "sent" for i in done) else 1
        if verb == "resend":
            return _report(service.resend(args.outbox_id, _typed_password(service)))
        if verb == "mark-sent":
            info = service.mark_sent(args.outbox_id, args.note)
        else:
            info = service.cancel(args.outbox_id, args.reason)
        _line(info)
        return 0


def _line(info) -> None:
    print(
        f"{info.id:>5}  case {info.case_id:<6} {info.queued_at:%d %b %H:%M}  {info.to}  "
        f"{info.subject}"
    )
    print(f"       {info.state}")


def _settings(args: argparse.Namespace, db) -> int:
    from dataclasses import replace

    from caseload_app.services.mail_settings import MailSettingsService

    service = MailSettingsService(db, getpass.getuser())
    current = service.mail()
    changes: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("mode", "host", "port", "security", "username", "from_address", "from_name")
        if getattr(args, name) is not None
    }
    for flag in ("official_sensitive", "attachments_need_tls"):
        if getattr(args, flag) is not None:
            changes[flag] = getattr(args, flag) == "on"
    if args.trust_certificate is not None:
        pem = args.trust_certificate
        changes["trusted_certificate"] = _text(Path(pem)) if pem else ""
    if changes:
        current = service.set_mail(replace(current, **changes))
        print("E-mail settings saved.")
    print(f"How: {current.describe()}")
    print(f"From: {current.from_name} <{current.from_address}>".replace(" <>", ""))
    print(f"OFFICIAL-SENSITIVE in subjects: {'on' if current.official_sensitive else 'off'}")
    print(f"Attachments only over TLS: {'on' if current.attachments_need_tls else 'off'}")
    trusted = "yes" if current.trusted_certificate else "no (this computer's list only)"
    print(f"Council's own certificate trusted: {trusted}")
    return 0


def _password(args: argparse.Namespace, db) -> int:
    from caseload_app.services.mail_settings import MailSettingsService

    service = MailSettingsService(db, getpass.getuser())
    if args.forget:
        service.forget_password()
        print("The mail server's password is no longer kept on this computer.")
        return 0
    settings = service.mail()
    prompt = f"Password for {settings.username or '?'} on {settings.where}: "
    typed = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    service.set_password(typed)
    print("The password is kept in this computer's keyring.")
    return 0


# --------------------------------------------------------------------------- files
def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _error(f"{path} is not UTF-8 text: save it as plain text (UTF-8)") from None
    except OSError as exc:
        raise _error(f"{path} cannot be read ({exc.strerror or exc})") from None


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _error(f"{path} cannot be read ({exc.strerror or exc})") from None


def _error(message: str) -> Exception:
    from caseload_app.services.errors import UserError

    return UserError(message)
