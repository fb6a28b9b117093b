"""E-mail from caseload: a letter or a message to a family's e-mail address, through the
council's mail server, or saved as a draft for Outlook where the council allows no SMTP.

Nothing is lost and nothing goes twice:
1. The message is built once and saved in the outbox (queued, its own Message-ID, its bytes
   stored) before the mail server is asked to take it.
2. It is marked "sending", and that is committed, before caseload talks to the server.
3. Sent: the outbox row, a communication in the log and the .eml (with its attachments) on
   the case file are written in one transaction. Not taken by the server (unreachable, a
   drop before the message was handed over, "not now"): tried again later, by
   `send_due`. Refused (an address, the sign-in): kept, marked as needing attention.
4. A message left "sending" (caseload stopped mid-way) or whose answer never came may be
   at the server already: it is never sent again automatically. The person checks, then
   `resend`s it (same Message-ID) or `mark_sent`s it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from caseload_app.db.engine import Database, DatabaseError, StorageError
from caseload_app.db.models import (
    AppSetting,
    AppUser,
    Communication,
    Document,
    EhcpCase,
    OutboxMessage,
    StoredFile,
)
from caseload_app.domain import codes
from caseload_app.domain import email_message as em
from caseload_app.domain.access import Can
from caseload_app.domain.templates import salutation
from caseload_app.files import atomic_open
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.document_files import sniff
from caseload_app.services.documents import DocumentService, NewDocument, store_file
from caseload_app.services.errors import FieldErrors, NotFound, UserError
from caseload_app.services.mail_settings import (
    MailSettings,
    MailSettingsService,
    check,
    is_address,
    saved_password,
)
from caseload_app.services.mail_smtp import Envelope, MaybeSent, NeedsAttention, TryLater, deliver

if TYPE_CHECKING:
    from caseload_app.services.calendar import Meeting

log = logging.getLogger(__name__)

RETRY_MINUTES = (1, 5, 15, 60)  # after each failed try in turn; then every hour
MAX_ATTEMPTS = 12  # about nine hours of trying; then a person looks
# A message "sending" for longer than this was left by a stop or a lost connection.
STALE_AFTER = timedelta(minutes=10)
# While a message is going, its "sending" mark is renewed this often: another computer never
# takes a slow send (a big attachment on a slow line) for one left behind.
HEARTBEAT = timedelta(minutes=1)
WAITING = ("queued", "retry")  # what send_due sends
UNSENT = ("queued", "retry", "failed", "unsure", "draft", "sending")  # a person may act on
DEFAULT_TIMEOUT = 30.0


class NotWaiting(UserError):
    """The e-mail is sent, cancelled, being sent, or otherwise not for this action."""


@dataclass(frozen=True)
class Outgoing:
    """What a person sends: a message, a letter already issued (its communication id), or
    both, with any other files."""

    case_id: int
    subject: str = ""  # "": the letter's title
    body: str = ""  # "": a few words that go with the letter
    letter_id: int | None = None
    files: tuple[tuple[str, bytes], ...] = ()  # (name, content)
    # An annual review invitation letter takes the meeting's invitation (.ics) with it: its
    # time and place, typed when it is sent (the review's record holds only the date).
    meeting: Meeting | None = None


@dataclass(frozen=True)
class Preview:
    case_id: int
    to: str  # as the log will say it: name <address>
    subject: str  # as it goes (marked)
    body: str
    attachments: tuple[str, ...]
    how: str  # through which server, or as a draft
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboxInfo:
    id: int
    case_id: int
    message_id: str
    to: str
    subject: str
    attachments: tuple[str, ...]
    size: int
    status: str
    state: str  # where it stands, in words a caseworker can act on
    attempts: int
    next_try: datetime | None
    queued_by: str
    queued_at: datetime
    sent_at: datetime | None
    communication_id: int | None
    document_id: int | None
    needs_attention: bool = False


@dataclass(frozen=True)
class OutboxState:
    """This person's outbox in a few words, for the window's status bar."""

    waiting: int  # to be sent (or being sent)
    attention: int  # a person must act: refused, may have been sent, a draft
    sent: int  # by the round that just ran
    note: str = ""  # why nothing could be sent by itself
    cases: frozenset[int] = frozenset()  # whose e-mails it sent, each logged as a contact

    def words(self) -> str:
        parts = []
        if self.waiting:
            parts.append(f"{self.waiting} e-mail{'s' if self.waiting != 1 else ''} waiting")
        if self.attention:
            parts.append(f"{self.attention} need{'s' if self.attention == 1 else ''} attention")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Made:
    case_id: int
    recipient: str
    with_whom: str
    subject: str
    body: str
    attachments: tuple[em.Attachment, ...]
    letter_id: int | None
    notes: tuple[str, ...]
    built: em.Built | None = None
    names: tuple[str, ...] = field(default=())


class MailService(UserService):
    def __init__(
        self,
        db: Database,
        user: str,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
        *,
        letter_files: Callable[[int], list[tuple[str, bytes]]] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(db, user, today, now)
        # An issued letter's files as (extension, content), as LetterService keeps them.
        self._letter_files = letter_files or self._reprint
        self.timeout = timeout  # seconds, for every wait on the mail server

    def _reprint(self, communication_id: int) -> list[tuple[str, bytes]]:
        from caseload_app.services.letters import LetterService

        letters = LetterService(self._db, self.user, self._today, self._now)
        return [
            (f.extension, f.data) for f in letters.reprint_files(communication_id, to_email=True)
        ]

    def settings(self) -> MailSettings:
        return MailSettingsService(self._db, self.user, now=self._now).mail()

    # ------------------------------------------------------------------ sending
    def preview(self, out: Outgoing, *, draft: bool = False) -> Preview:
        """What would go (a dry run): checked as sending checks it, nothing queued or sent.
        Looking at it is audited (it shows the family's address)."""
        settings = self.settings()
        password = None if draft else self._password(settings, None)
        _refuse_unless_ready(settings, out, password, draft=draft)
        made = self._compose(out, settings, build=False)
        with self._db.uow() as s:
            records.write_audit(
                s, at=self._now(), who=self.user, action="view", record_type="outbox",
                case_id=made.case_id, detail=f"Previewed an e-mail to the family: {made.subject!r}",
            )  # fmt: skip
        how = "Saved as a draft for Outlook" if draft else settings.describe()
        return Preview(made.case_id, made.with_whom, made.subject, made.body, made.names, how,
                       made.notes)  # fmt: skip

    def send(
        self, out: Outgoing, *, token: str | None = None, password: str | None = None
    ) -> OutboxInfo:
        """Queue the e-mail, then hand it to the mail server. Returns where it stands: sent,
        or not yet (the words say why and what happens next). A second call with the same
        form's token returns the first e-mail, never a second one."""
        settings = self.settings()
        password = self._password(settings, password)
        _refuse_unless_ready(settings, out, password, draft=False)  # before the letter is read
        made = self._compose(out, settings, build=True)
        outbox_id, new = self._queue(made, "queued", token)
        if not new:
            return self.info(outbox_id)
        return self._deliver(outbox_id, settings, password, WAITING)

    def save_draft(self, out: Outgoing, path: Path) -> OutboxInfo:
        """Where the council allows no SMTP: the e-mail as an .eml that Outlook opens ready to
        send. Kept in the outbox as a draft (mark it sent once it has gone from Outlook); the
        file appears only once that, and the export, are recorded."""
        path = Path(path)
        if path.suffix.lower() != ".eml":
            raise UserError(f"An e-mail draft file ends .eml ({path.name} does not).")
        if not path.parent.is_dir():
            raise UserError(f"The folder {path.parent} does not exist.")
        settings = self.settings()
        _refuse_unless_ready(settings, out, None, draft=True)
        made = self._compose(out, settings, build=True)
        assert made.built is not None
        try:
            with atomic_open(path, "wb") as fh:
                fh.write(em.UNSENT + made.built.data)
                outbox_id, _ = self._queue(made, "draft", None, draft_file=path.name)
        except OSError as exc:
            raise UserError(f"The draft could not be written to {path}: {exc.strerror}.") from exc
        log.info("E-mail %d saved as a draft", outbox_id)
        return self.info(outbox_id)

    def send_due(
        self, password: str | None = None, *, stop: Callable[[], bool] = lambda: False
    ) -> list[OutboxInfo]:
        """Send this person's e-mails that are waiting: queued, or due to be tried again.
        Never one that may have been sent already (see `resend`). `stop` is asked before
        each: the window closing ends the round between two e-mails, never inside one."""
        settings = self.settings()
        password = self._password(settings, password)
        if self._db.held():  # a sent e-mail is recorded in the contact log and case file
            return []  # the next round sends them, once their record can be written
        with self._db.read() as s:
            ids = list(
                s.scalars(
                    select(OutboxMessage.id)
                    .where(
                        OutboxMessage.queued_by == self.user,
                        or_(
                            OutboxMessage.status == "queued",
                            (OutboxMessage.status == "retry")
                            & (OutboxMessage.next_try <= self._now()),
                        ),
                    )
                    .order_by(OutboxMessage.id)
                )
            )
        done = []
        for outbox_id in ids:
            if stop():
                break
            try:
                done.append(self._deliver(outbox_id, settings, password, WAITING))
            except NotWaiting:
                continue  # taken or changed by someone else meanwhile
        return done

    def send_waiting(self, stop: Callable[[], bool] = lambda: False) -> OutboxState:
        """What the window does every few minutes, beside the person's work: send what is
        due (with the password kept on this computer: nobody is asked from a timer), then
        say how the outbox stands."""
        if not self.access().can(Can.LOG_CONTACT):
            return OutboxState(0, 0, 0)  # sends nothing, so has no outbox
        settings = self.settings()
        note, sent = "", []
        if settings.mode == "smtp":
            password = self._password(settings, None)
            if settings.username and not password:
                note = (
                    f"The password for {settings.username} is not kept on this computer, so "
                    "e-mails are not sent by themselves: keep it in the keyring (caseload mail "
                    "password)."
                )
            else:
                sent = [i for i in self.send_due(password, stop=stop) if i.status == "sent"]
        with self._db.read() as s:  # counted, not shown: no look to audit (every 3 minutes)
            mine = self._listed(s, None)
        attention = sum(i.needs_attention for i in mine)
        waiting = sum(i.status in ("queued", "retry", "sending") for i in mine) - sum(
            i.needs_attention and i.status == "sending" for i in mine
        )
        return OutboxState(waiting, attention, len(sent), note, frozenset(i.case_id for i in sent))

    def resend(self, outbox_id: int, password: str | None = None) -> OutboxInfo:
        """Send again now, with the same Message-ID: after a failure was put right, or once
        the person has checked that one that may have been sent was not."""
        settings = self.settings()
        password = self._password(settings, password)
        return self._deliver(outbox_id, settings, password, UNSENT, asked=True)

    def mark_sent(self, outbox_id: int, note: str = "") -> OutboxInfo:
        """The person has checked that it went (the mailbox's Sent items, the family, or a
        draft sent from Outlook): logged and kept on the case file as if it went now, and
        never sent again."""
        note = records.plain_text(300, "The note")(note)
        parts = self._parts(self.info(outbox_id).subject, self._message_bytes(outbox_id))
        with self._db.uow() as s:
            row = records.load(s, OutboxMessage, outbox_id, "e-mail")
            self._check_message(s, row)
            self._check_unsent(row, UNSENT)
            how = f"marked as sent by {self.user}" + (f": {note}" if note else "")
            self._record_sent(s, row, parts, how)
        return self.info(outbox_id)

    def cancel(self, outbox_id: int, reason: str) -> OutboxInfo:
        """Give up an e-mail not sent: it stays in the outbox, marked cancelled, with why."""
        reason = records.plain_text(300, "The reason")(reason)
        if not reason:
            raise UserError("Say why this e-mail is not to be sent (it is kept with it).")
        with self._db.uow() as s:
            row = records.load(s, OutboxMessage, outbox_id, "e-mail")
            self._check_message(s, row)
            self._check_unsent(row, UNSENT)
            row.status, row.next_try, row.sending_since = "cancelled", None, None
            row.last_error = f"Cancelled by {self.user}: {reason}"
            self._stamp(row)
            detail = f"E-mail to {row.recipient} cancelled, not sent: {reason}"
            records.audit(s, self.user, self._now(), "update", row, row.case_id, detail)
        return self.info(outbox_id)

    # ------------------------------------------------------------------ reading
    def info(self, outbox_id: int) -> OutboxInfo:
        with self._db.read() as s:
            return self._info(records.load(s, OutboxMessage, outbox_id, "e-mail"))

    def outbox(self, case_id: int | None = None) -> list[OutboxInfo]:
        """A case's e-mails (newest first), or this person's that are not sent yet."""
        with self._db.uow() as s:  # the look is audited: it shows families' addresses
            found = self._listed(s, case_id)
            what = "the case's e-mails" if case_id is not None else "my e-mails not sent yet"
            records.write_audit(
                s, at=self._now(), who=self.user, action="view", record_type="outbox",
                case_id=case_id, detail=f"Listed {what}: {len(found)}",
            )  # fmt: skip
            return found

    def _listed(self, s: Session, case_id: int | None) -> list[OutboxInfo]:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
        if case_id is not None:
            query = query.where(OutboxMessage.case_id == case_id)
        else:
            query = query.where(
                OutboxMessage.queued_by == self.user, OutboxMessage.status.in_(UNSENT)
            )
        return [self._info(r) for r in s.scalars(query)]

    # ------------------------------------------------------------------ composing
    def _compose(self, out: Outgoing, settings: MailSettings, *, build: bool) -> _Made:
        with self._db.read() as s:
            self._require(s, Can.LOG_CONTACT)
            case = self._case_to_edit(s, out.case_id)
            family = case.child.family
            address = (family.email or "").strip()
            title = self._letter_title(s, case.id, out.letter_id)
            extensions = _letter_extensions(s, out.letter_id)
            me = s.scalar(select(AppUser.name).where(AppUser.login == self.user)) or self.user
            council = s.scalar(select(AppSetting.value).where(AppSetting.key == "council_name"))
            name, preferred = family.parent_carer_name, family.preferred_channel
        if not address:
            raise UserError(
                "The family has no e-mail address on record: add it to the family's details first."
            )
        if not is_address(address):
            raise UserError(
                f"The family's e-mail address on record ({address}) is not one a mail server "
                "takes: correct it on the family's details first."
            )
        subject = _subject(out.subject or (title or ""))
        body = out.body.strip() or (
            em.letter_body(salutation(name), title, me, council or "") if title else ""
        )
        if not body:
            raise FieldErrors({"body": "Write the message."})
        files = [(em.safe_name(n), data) for n, data in out.files]
        if title is not None and out.letter_id is not None:
            # Every file the letter was issued as (a PDF, a Word document, or both), each
            # named by the letter's title with its own extension, so its type is right.
            kept = self._letter_files(out.letter_id) if build else [(x, b"") for x in extensions]
            stem = em.safe_name(title, "letter")[:140]
            files[0:0] = [(f"{stem}.{extension}", data) for extension, data in kept]
        attachments = tuple(em.Attachment(n, d, sniff(d, n).media_type) for n, d in files)
        if out.letter_id is not None and title is not None:
            attachments += self._invitation(out.letter_id, out.meeting, settings)
        if settings.official_sensitive:
            subject = em.marked(subject)
        notes = _notes(preferred)
        made = _Made(out.case_id, address, f"{name} <{address}>"[:200] if name else address,
                     subject, body, attachments, out.letter_id, notes,
                     names=tuple(a.name for a in attachments))  # fmt: skip
        if not build:
            return made
        built = em.build(
            sender=(settings.from_name, settings.from_address), to=(name, address),
            subject=subject, body=body, attachments=attachments, now=self._now(),
        )  # fmt: skip
        self._check_size(len(built.data))
        return replace(made, built=built)

    def _letter_title(self, s: Session, case_id: int, letter_id: int | None) -> str | None:
        if letter_id is None:
            return None
        comm = s.get(Communication, letter_id)
        if comm is None or comm.channel != "letter":
            raise NotFound(
                f"There is no issued letter {letter_id}: a letter is sent by the number of its "
                "entry in the communication log (caseload letter … prints it)."
            )
        if comm.case_id != case_id:
            raise UserError(f"Letter {letter_id} belongs to another case.")
        return comm.summary.removeprefix("Letter: ").strip() or "Letter"

    def _invitation(
        self, letter_id: int, meeting: Meeting | None, settings: MailSettings
    ) -> tuple[em.Attachment, ...]:
        """The review meeting's invitation, when the letter is the invitation to it."""
        from caseload_app.reports.calendar_ics import INVITATION_PARAMS, INVITATION_TYPE
        from caseload_app.services.calendar import (
            INVITATION_NAME,
            Meeting,
            letter_invitation,
        )

        with self._db.read() as s:
            data = letter_invitation(s, letter_id, meeting or Meeting(), settings.from_address,
                                     self._today(), self._now())  # fmt: skip
        if data is None:
            return ()
        return (em.Attachment(INVITATION_NAME, data, INVITATION_TYPE, INVITATION_PARAMS),)

    def _check_size(self, size: int) -> None:
        limit = DocumentService(self._db, self.user).max_bytes()
        if size > limit:
            raise UserError(
                f"This e-mail comes to {size / 1024 / 1024:,.1f} MB with its attachments: the "
                f"most one may be is {limit // 1024 // 1024} MB (it is kept on the case file "
                "like any document). Send fewer or smaller files."
            )

    def _password(self, settings: MailSettings, given: str | None) -> str | None:
        if not settings.username:
            return None
        return given or saved_password(settings)

    # ------------------------------------------------------------------ the outbox
    def _queue(
        self, made: _Made, status: str, token: str | None, draft_file: str = ""
    ) -> tuple[int, bool]:
        assert made.built is not None
        now = self._now()
        with self._db.uow() as s:
            if (done := records.submitted(s, token)) is not None:
                return done, False  # this form was sent already (a double click)
            self._require(s, Can.LOG_CONTACT)
            self._case_to_edit(s, made.case_id)
            digest = store_file(s, made.built.data, now)
            row = OutboxMessage(
                case_id=made.case_id, message_id=made.built.message_id,
                recipient=made.recipient, with_whom=made.with_whom, subject=made.subject,
                attachments="\n".join(made.names), eml_sha256=digest,
                size=len(made.built.data), letter_id=made.letter_id, status=status,
                attempts=0, last_error="", queued_by=self.user, queued_at=now,
                updated_by=self.user, updated_at=now,
            )  # fmt: skip
            detail = (
                f"E-mail to {made.recipient} queued: {made.subject!r}, "
                f"{len(made.names)} attachment(s), {len(made.built.data):,} bytes "
                f"(Message-ID {made.built.message_id}, sha256 {digest})"
            )
            records.create(s, row, user=self.user, now=now, case_id=made.case_id, detail=detail,
                           token=token)  # fmt: skip
            if draft_file:
                detail = f"Saved the e-mail {made.subject!r} as a draft for Outlook: {draft_file}"
                records.audit(s, self.user, now, "export", row, made.case_id, detail)
            return row.id, True

    def _deliver(
        self,
        outbox_id: int,
        settings: MailSettings,
        password: str | None,
        allowed: tuple[str, ...],
        *,
        asked: bool = False,
    ) -> OutboxInfo:
        if self._db.held():  # sent, it could not be recorded (the case file's search too)
            raise StorageError(
                "Not sent: the contact log and the case file, where a sent e-mail is recorded, "
                "are still being checked after the start (a few seconds on a large caseload). "
                "The e-mail is kept in the outbox: waiting ones are sent by themselves within "
                "minutes, or send it again in a moment.",
                retryable=True,
            )
        data = self._message_bytes(outbox_id)
        parts = self._parts(self.info(outbox_id).subject, data)  # read before it is "sending"
        claimed = self._claim(outbox_id, settings, password, allowed, asked)
        if claimed is None:
            return self.info(outbox_id)
        recipient, attempt = claimed
        mail = Envelope(settings.from_address, recipient, data)
        try:
            answer = deliver(settings, password, mail, self.timeout, self._heartbeat(outbox_id))
        except (TryLater, NeedsAttention) as exc:
            log.warning("E-mail %d not sent (attempt %d): %s", outbox_id, attempt,
                        type(exc).__name__)  # fmt: skip
            self._not_sent(outbox_id, str(exc), retry=isinstance(exc, TryLater))
        except MaybeSent as exc:
            log.warning("E-mail %d may have been sent (attempt %d)", outbox_id, attempt)
            self._unsure(outbox_id, str(exc))
        except Exception:
            self._unsure(outbox_id, "Something unexpected happened while it was being sent.")
            raise
        else:
            log.info("E-mail %d sent (attempt %d)", outbox_id, attempt)
            self._sent(outbox_id, parts, f"through {settings.where} ({answer})")
        return self.info(outbox_id)

    def _claim(
        self,
        outbox_id: int,
        settings: MailSettings,
        password: str | None,
        allowed: tuple[str, ...],
        asked: bool,
    ) -> tuple[str, int] | None:
        """Mark it "sending", committed before the server is asked: whatever happens next, it
        is never sent again without a person's say. Returns (recipient, attempt); None: it
        cannot go (marked failed)."""
        now = self._now()
        with self._db.uow() as s:
            row = records.load(s, OutboxMessage, outbox_id, "e-mail")
            self._check_message(s, row)
            # Sent, it goes on the case file: only someone who may change the case now (the
            # case may have moved to another caseworker since it was queued).
            self._case_to_edit(s, row.case_id)
            self._check_unsent(row, allowed)
            if asked:
                detail = f"{self.user} asked to send the e-mail again (it was: {self._state(row)})"
                records.audit(s, self.user, now, "update", row, row.case_id, detail)
            problem = _not_ready(settings, bool(row.attachments), password, draft=False)
            if problem and asked:
                raise UserError(problem)  # a person is there: told, and nothing changes
            if problem:
                self._mark(s, row, "failed", problem, f"E-mail to {row.recipient} not sent")
                return None
            row.status, row.sending_since, row.next_try = "sending", now, None
            row.attempts += 1
            self._stamp(row)
            return row.recipient, row.attempts

    def _heartbeat(self, outbox_id: int) -> Callable[[], None]:
        """Renew the "sending" mark while the message goes (at most once per HEARTBEAT): it
        is judged left behind only STALE_AFTER after the last sign of life."""
        last = [self._now()]

        def beat() -> None:
            now = self._now()
            if now - last[0] < HEARTBEAT:
                return
            last[0] = now
            try:
                with self._db.uow() as s:
                    row = records.load(s, OutboxMessage, outbox_id, "e-mail")
                    if row.status == "sending":
                        row.sending_since = now
            except Exception:  # noqa: BLE001 - the sending goes on; the mark is only older
                log.warning("E-mail %d: its sending mark could not be renewed", outbox_id)

        return beat

    def _not_sent(self, outbox_id: int, words: str, *, retry: bool) -> None:
        with self._db.uow() as s:
            row = records.load(s, OutboxMessage, outbox_id, "e-mail")
            if row.status != "sending":
                return  # a person marked it meanwhile
            what = f"E-mail to {row.recipient} not sent (attempt {row.attempts})"
            if retry and row.attempts < MAX_ATTEMPTS:
                wait = RETRY_MINUTES[min(row.attempts, len(RETRY_MINUTES)) - 1]
                row.next_try = self._now() + timedelta(minutes=wait)
                self._mark(s, row, "retry", words, what)
                return
            if retry:
                words += f" Tried {row.attempts} times: it is not tried again by itself."
            self._mark(s, row, "failed", words, what)

    def _unsure(self, outbox_id: int, words: str) -> None:
        with self._db.uow() as s:
            row = records.load(s, OutboxMessage, outbox_id, "e-mail")
            if row.status == "sending":
                self._mark(s, row, "unsure", words, f"E-mail to {row.recipient} may have been sent")

    def _mark(self, s: Session, row: OutboxMessage, status: str, words: str, what: str) -> None:
        row.status, row.last_error, row.sending_since = status, words, None
        if status != "retry":
            row.next_try = None
        self._stamp(row)
        records.audit(s, self.user, self._now(), "update", row, row.case_id, f"{what}: {words}")

    def _sent(self, outbox_id: int, parts: list, how: str) -> None:
        try:
            with self._db.uow() as s:
                row = records.load(s, OutboxMessage, outbox_id, "e-mail")
                if row.status != "sent":  # a person may have marked it meanwhile
                    self._record_sent(s, row, parts, how)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the server has the e-mail
            # Only caseload's own errors are worded for people; a driver's may quote values.
            why = str(exc) if isinstance(exc, DatabaseError) else type(exc).__name__
            with contextlib.suppress(Exception):
                self._unsure(outbox_id, "The mail server took it, but it could not be recorded.")
            raise UserError(
                f"The mail server took the e-mail, but caseload could not record it ({why}). "
                "It is listed as 'may have been sent': once the database is back, mark it "
                "sent (caseload mail mark-sent) rather than sending it again."
            ) from None

    def _record_sent(self, s: Session, row: OutboxMessage, parts: list, how: str) -> None:
        """Sent: the log entry, the .eml with its attachments on the case file, and the
        outbox row, in the caller's one transaction."""
        now = self._now()
        case = records.load(s, EhcpCase, row.case_id, "case")
        names = row.attachments.replace("\n", ", ")
        summary = f"E-mail: {row.subject}" + (f"\nAttached: {names}" if names else "")
        comm = Communication(
            family_id=case.child.family_id, case_id=case.id, occurred_at=now, channel="email",
            direction="out", with_whom=row.with_whom, with_family=True,  # to the family's address
            summary=summary, logged_by=self.user,
            updated_by=self.user, updated_at=now,
        )  # fmt: skip
        records.create(s, comm, user=self.user, now=now, case_id=case.id,
                       detail=f"email log: {row.subject!r}")  # fmt: skip
        docs = DocumentService(self._db, self.user, self._today, self._now)
        new = NewDocument(kind="email", dated=self._today(), title=row.subject)
        kept = docs.store_parts(s, case.id, parts, new)
        row.status, row.sent_at, row.sending_since, row.next_try = "sent", now, None, None
        row.last_error, row.communication_id, row.document_id = "", comm.id, kept[0].id
        self._stamp(row)
        detail = (
            f"E-mail sent to {row.recipient}: {row.subject!r}, {len(parts) - 1} attachment(s), "
            f"{how}; Message-ID {row.message_id}; sha256 {row.eml_sha256}"
        )
        records.audit(s, self.user, now, "send", row, case.id, detail)

    def _parts(self, subject: str, data: bytes) -> list:
        """The message as documents for the case file (its text read before any write)."""
        docs = DocumentService(self._db, self.user, self._today, self._now)
        new = NewDocument(kind="email", dated=self._today(), title=subject)
        return docs.parts_of(data, em.safe_name(f"{subject[:100]}.eml", "e-mail.eml"), new)

    def _message_bytes(self, outbox_id: int) -> bytes:
        with self._db.read() as s:
            digest = records.load(s, OutboxMessage, outbox_id, "e-mail").eml_sha256
            data = s.scalar(select(StoredFile.data).where(StoredFile.sha256 == digest))
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            raise UserError(
                "This e-mail's message is missing or has been changed in the database, so it "
                "is not sent. Restore the database from a backup, or cancel it and send anew."
            )
        return bytes(data)

    # ------------------------------------------------------------------ rules
    def _check_message(self, s: Session, row: OutboxMessage) -> None:
        """Whoever sent it may act on it (while they may still send); anyone else needs the
        right to change its case."""
        if row.queued_by == self.user:
            self._require(s, Can.LOG_CONTACT)
        else:
            self._case_to_edit(s, row.case_id)

    def _check_unsent(self, row: OutboxMessage, allowed: tuple[str, ...]) -> None:
        if row.status == "sent":
            raise NotWaiting(
                f"That e-mail was sent on {row.sent_at:%d %b %Y at %H:%M}: it is not sent twice."
            )
        if row.status == "cancelled":
            raise NotWaiting(f"That e-mail was cancelled ({row.last_error}).")
        if row.status == "sending" and not self._stale(row):
            raise NotWaiting("That e-mail is being sent right now: wait for it.")
        if row.status not in allowed:
            raise NotWaiting(f"That e-mail is not waiting to be sent ({self._state(row)}).")

    def _stale(self, row: OutboxMessage) -> bool:
        return row.sending_since is None or self._now() - row.sending_since > STALE_AFTER

    def _stamp(self, row: OutboxMessage) -> None:
        row.updated_by, row.updated_at = self.user, self._now()

    def _info(self, row: OutboxMessage) -> OutboxInfo:
        attention = row.status in ("failed", "unsure", "draft") or (
            row.status == "sending" and self._stale(row)
        )
        return OutboxInfo(
            row.id, row.case_id, row.message_id, row.with_whom, row.subject,
            tuple(n for n in row.attachments.split("\n") if n), row.size, row.status,
            self._state(row), row.attempts, row.next_try, row.queued_by, row.queued_at,
            row.sent_at, row.communication_id, row.document_id, attention,
        )  # fmt: skip

    def _state(self, row: OutboxMessage) -> str:
        check = (
            "Check the team mailbox's Sent items, or ask the family, then send it again or "
            "mark it sent."
        )
        if row.status == "sending" and self._stale(row):
            since = f" at {row.sending_since:%H:%M on %d %b}" if row.sending_since else ""
            return (
                f"May have been sent: sending began{since} and never finished (caseload "
                f"stopped, or the connection was lost). {check}"
            )
        return {
            "queued": lambda: "Waiting to be sent.",
            "sending": lambda: "Being sent now.",
            "sent": lambda: f"Sent {row.sent_at:%d %b %Y %H:%M}.",
            "retry": lambda: (
                f"Not sent yet: {row.last_error} Next try at {row.next_try:%H:%M} "
                f"(tried {row.attempts} time{'s' if row.attempts != 1 else ''})."
            ),
            "failed": lambda: f"Not sent, needs attention: {row.last_error}",
            "unsure": lambda: f"May have been sent: {row.last_error} {check}",
            "draft": lambda: "Saved as a draft for Outlook: once sent from Outlook, mark it sent.",
            "cancelled": lambda: row.last_error or "Cancelled.",
        }[row.status]()


# --------------------------------------------------------------------------- rules
def _refuse_unless_ready(
    settings: MailSettings, out: Outgoing, password: str | None, *, draft: bool
) -> None:
    attachments = bool(out.files) or out.letter_id is not None
    problem = _not_ready(settings, attachments, password, draft=draft)
    if problem:
        raise UserError(problem)


def _not_ready(
    settings: MailSettings, attachments: bool, password: str | None, *, draft: bool
) -> str:
    """Why an e-mail cannot go with these settings ("" when it can)."""
    if settings.mode not in ("smtp", "drafts"):
        return (
            "E-mail is not set up for this team: an administrator sets it up in Settings → "
            "E-mail (caseload mail settings)."
        )
    if settings.mode == "drafts" and not draft:
        return (
            "This team saves e-mails as drafts for Outlook (the council allows no SMTP): "
            "save it as a draft instead (caseload send … --draft FILE.eml)."
        )
    try:
        check(replace(settings, mode="drafts") if draft else settings)
    except FieldErrors as exc:
        return f"The team's e-mail settings are not complete (Settings → E-mail): {exc}"
    if draft:
        return ""
    if attachments and settings.attachments_need_tls and not settings.encrypted:
        return (
            "Attachments are sent only over an encrypted connection (Settings → E-mail: "
            "secure sending), and this team's mail server is set up without TLS: send it "
            "without attachments, or ask an administrator."
        )
    if settings.username and not password:
        return (
            f"The password for {settings.username} on the mail server is not kept on this "
            "computer: keep it in the keyring first (caseload mail password), or type it."
        )
    return ""


def _subject(text: str) -> str:
    subject = " ".join(text.split())
    if not subject:
        raise FieldErrors({"subject": "Give the e-mail a subject."})
    if len(subject) > em.SUBJECT_LIMIT:
        raise FieldErrors({"subject": f"A subject is at most {em.SUBJECT_LIMIT} characters."})
    return subject


def _notes(preferred: str | None) -> tuple[str, ...]:
    if not preferred or preferred == "email":
        return ()
    label = codes.label_or_code(codes.channels(), preferred) or preferred
    return (f"The family's preferred way of contact is {label.lower()}, not e-mail.",)


def _letter_extensions(s: Session, letter_id: int | None) -> list[str]:
    """What an issued letter was kept as ("pdf", "docx"; the PDF first), without reading
    the files: a letter kept before migration 0021 is a PDF."""
    if letter_id is None:
        return []
    from caseload_app.services.letters import EXTENSIONS

    kept = s.scalars(
        select(Document.media_type)
        .where(Document.communication_id == letter_id)
        .order_by(Document.id)
    )
    return [EXTENSIONS.get(media, "pdf") for media in kept] or ["pdf"]
