"""E-mail from caseload against real mail servers on 127.0.0.1 (aiosmtpd), on SQLite and
PostgreSQL: a message and a letter go through STARTTLS or TLS with a sign-in, or a plain relay
on this computer; each is kept in the outbox before the server is asked, marked "sending"
(committed) while it is, then logged, kept on the case file and audited in one go. A refused
sign-in or address waits for a person; a dropped connection is tried again and delivered once;
one that may have reached the server (no answer, or caseload stopped mid-way) is never sent
again by itself. Drafts for Outlook where the council allows no SMTP."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from caseload_app.db.engine import StorageError
from caseload_app.db.models import AuditEntry, Communication, OutboxMessage, StoredFile
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import FieldErrors, PermissionDenied, UserError
from caseload_app.services.letters import LetterService
from caseload_app.services.mail import MAX_ATTEMPTS, MailService, Outgoing
from caseload_app.services.mail_settings import MailSettings, MailSettingsService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from caseload_app.services.template_files import TemplateLibrary
from caseload_app.services.trash import TrashService
from tests import smtp_server
from tests.helpers import NOW, TODAY, add_person
from tests.pg.test_signin import MemoryKeyring
from tests.services.test_documents import pdf

WHO = "Asha Patel"
FAMILY = "jo@example.org"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now

    def later(self, **wait) -> None:
        self.now += timedelta(**wait)


@pytest.fixture
def ring():
    import keyring

    before = keyring.get_keyring()
    kept = MemoryKeyring()
    keyring.set_keyring(kept)
    yield kept
    keyring.set_keyring(before)


@pytest.fixture
def clock():
    return Clock()


def team_mail(db, servers, security: str = "starttls", **changes) -> MailSettings:
    """The team's settings for one of the test servers (the administrator's work)."""
    port = {"starttls": servers.starttls, "tls": servers.tls, "none": servers.plain}[security]
    settings = MailSettings(
        mode="smtp", host="127.0.0.1", port=port, security=security,
        username="" if security == "none" else smtp_server.USER,
        from_address="send@council.example", from_name="SEND Team",
        trusted_certificate=servers.pem,
    )  # fmt: skip
    return MailSettingsService(db, WHO).set_mail(replace(settings, **changes))


def mail(db, clock, **kw) -> MailService:
    return MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=5, **kw)


def family_case(db, address: str = FAMILY, preferred: str = "email") -> int:
    """A case of the Brontë family (each a new child: no identifiers shared)."""
    from caseload_app.services.requests import RequestService
    from tests.helpers import plain_request

    requests = RequestService(db, WHO, today=lambda: TODAY, now=lambda: NOW)
    new = replace(plain_request("Zoë"), email=address, preferred_channel=preferred,
                  address="1 Parsonage Lane\nHaworth", postcode="BD22 8DR")  # fmt: skip
    return requests.create(new)


def parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def text_of(message) -> str:
    return message.get_body().get_content().replace("\r\n", "\n")


def outbox_rows(db) -> list:
    table = OutboxMessage.__table__.c
    with db.read() as s:
        query = select(table.id, table.message_id, table.status, table.eml_sha256)
        return list(s.execute(query.order_by(table.id)))


def email_log(db, case_id: int) -> list:
    table = Communication.__table__.c
    with db.read() as s:
        query = select(table.id, table.direction, table.with_whom, table.summary).where(
            table.case_id == case_id, table.channel == "email"
        )
        return list(s.execute(query))


def audit(db, record_type: str = "outbox") -> list[tuple[str, str]]:
    with db.read() as s:
        query = select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.record_type == record_type
        )
        return list(s.execute(query.order_by(AuditEntry.id)))


def keep_password(db, ring, password: str = smtp_server.PASSWORD) -> None:
    MailSettingsService(db, WHO).set_password(password)


# ---------------------------------------------------------------------- sent
def test_a_message_goes_through_starttls_signed_in_then_is_logged_kept_and_audited(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    assert ring.kept == {
        ("caseload", f"smtp:send-team@127.0.0.1:{servers.starttls}"): "right-password"
    }
    case_id = family_case(db)
    service = mail(db, clock)
    seen_while_sending = []
    mailbox.on_data = lambda: seen_while_sending.extend(r.status for r in outbox_rows(db))
    notes = pdf("Notes of the visit on Friday")
    body = "Dear Ms Brontë,\n\nThank you for Friday.\n.A line that starts with a dot.\nJo"
    sent = service.send(
        Outgoing(case_id, "Your visit on Friday", body, files=(("../notes.pdf", notes),))
    )
    assert (sent.status, sent.needs_attention, sent.attempts) == ("sent", False, 1)
    assert seen_while_sending == ["sending"]  # committed before the server was asked
    (got,) = mailbox.received
    assert (got.server, got.encrypted, got.signed_in) == ("starttls", True, True)
    assert (got.mail_from, got.rcpt_tos) == ("send@council.example", [FAMILY])
    message = parsed(got.content)
    assert message["Subject"] == "OFFICIAL-SENSITIVE: Your visit on Friday"
    assert message["From"] == "SEND Team <send@council.example>"
    assert message["To"] == f"Ms Jo Brontë <{FAMILY}>"
    assert message["Message-ID"] == sent.message_id
    assert sent.message_id.endswith("@council.example>")
    assert text_of(message) == body + "\n"
    (attached,) = message.iter_attachments()
    assert (attached.get_filename(), attached.get_content()) == ("notes.pdf", notes)
    (logged,) = email_log(db, case_id)
    assert (logged.id, logged.direction, logged.with_whom) == (
        sent.communication_id, "out", f"Ms Jo Brontë <{FAMILY}>",
    )  # fmt: skip
    assert logged.summary == (
        "E-mail: OFFICIAL-SENSITIVE: Your visit on Friday\nAttached: notes.pdf"
    )
    docs = DocumentService(db, WHO, today=lambda: TODAY, now=clock)
    kept, note = docs.documents(case_id)
    assert (kept.id, kept.kind, kept.title) == (sent.document_id, "email", message["Subject"])
    assert (note.kind, note.attached_to_id, note.sha256) == ("attachment", kept.id, _sha(notes))
    assert docs.content(kept.id).rstrip(b"\r\n") == got.content.rstrip(b"\r\n")
    actions = [(a, d.split(":")[0]) for a, d in audit(db)]
    assert actions == [
        ("create", f"E-mail to {FAMILY} queued"),
        ("send", f"E-mail sent to {FAMILY}"),
    ]
    assert sent.message_id in audit(db)[1][1]
    assert audit(db, "communication")[0][0] == "create"


def test_tls_from_the_start_with_a_sign_in(db, servers, mailbox, ring, clock):
    team_mail(db, servers, "tls")
    keep_password(db, ring)
    sent = mail(db, clock).send(Outgoing(family_case(db), "Hello", "Just to say hello."))
    assert sent.status == "sent"
    (got,) = mailbox.received
    assert (got.server, got.encrypted, got.signed_in) == ("tls", True, True)


def test_a_plain_relay_on_this_computer_takes_no_attachments_unless_allowed(
    db, servers, mailbox, clock
):
    team_mail(db, servers, "none", official_sensitive=False)
    case_id, service = family_case(db), mail(db, clock)
    with_file = Outgoing(case_id, "The report", "Attached.", files=(("r.pdf", pdf("R")),))
    with pytest.raises(UserError, match="Attachments are sent only over an encrypted"):
        service.send(with_file)
    assert (outbox_rows(db), mailbox.received) == ([], [])  # refused before anything
    sent = service.send(Outgoing(case_id, "No attachment", "Plain words."))
    assert sent.status == "sent"
    (got,) = mailbox.received
    assert (got.encrypted, got.signed_in, parsed(got.content)["Subject"]) == (
        False, False, "No attachment",
    )  # fmt: skip
    team_mail(db, servers, "none", official_sensitive=False, attachments_need_tls=False)
    assert service.send(with_file).status == "sent"


# ---------------------------------------------------------------------- not sent
def test_a_refused_sign_in_says_so_and_waits_for_a_person(db, servers, mailbox, ring, clock):
    team_mail(db, servers, "starttls")
    keep_password(db, ring, "wrong-password")
    service = mail(db, clock)
    failed = service.send(Outgoing(family_case(db), "Hello", "Hello."))
    assert (failed.status, failed.needs_attention, failed.attempts) == ("failed", True, 1)
    assert "The mail server refused the sign-in for send-team (535" in failed.state
    assert "caseload mail password" in failed.state
    clock.later(hours=3)
    assert service.send_due() == []  # not tried again by itself
    assert (service.info(failed.id).attempts, mailbox.received, mailbox.seen) == (1, [], 0)
    assert "not sent" in audit(db)[-1][1]
    keep_password(db, ring)  # put right: the person sends it again
    assert service.resend(failed.id).status == "sent"
    assert len(mailbox.received) == 1


def test_a_connection_dropped_before_the_message_is_tried_again_and_delivered_once(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id = family_case(db)
    service = mail(db, clock)
    mailbox.drops = 1
    first = service.send(Outgoing(case_id, "Hello", "Hello."))
    assert (first.status, first.needs_attention) == ("retry", False)
    assert first.next_try == NOW + timedelta(minutes=1)
    assert "dropped before the message was handed over" in first.state
    assert "Next try at 10:31" in first.state
    assert (mailbox.seen, mailbox.received) == (0, [])
    assert service.send_due() == []  # not due yet
    clock.later(minutes=1)
    (second,) = service.send_due()
    assert (second.id, second.status, second.attempts) == (first.id, "sent", 2)
    (got,) = mailbox.received
    assert parsed(got.content)["Message-ID"] == first.message_id  # the same message
    assert len(email_log(db, case_id)) == 1
    clock.later(hours=1)
    assert service.send_due() == []
    with pytest.raises(UserError, match="it is not sent twice"):
        service.resend(first.id)
    assert len(mailbox.received) == 1


def test_an_unreachable_server_is_tried_with_longer_waits_then_left_to_a_person(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls", port=servers.closed)
    keep_password(db, ring)
    service = mail(db, clock)
    info = service.send(Outgoing(family_case(db), "Hello", "Hello."))
    waits = []
    while info.status == "retry":
        waits.append(info.next_try - clock.now)
        clock.now = info.next_try
        (info,) = service.send_due()
    minutes = [int(w.total_seconds() // 60) for w in waits]
    assert minutes == [1, 5, 15] + [60] * (MAX_ATTEMPTS - 4)
    assert (info.status, info.attempts, info.needs_attention) == ("failed", MAX_ATTEMPTS, True)
    assert "refused the connection" in info.state
    assert f"Tried {MAX_ATTEMPTS} times" in info.state


def test_a_refused_address_or_an_unchecked_certificate_waits_for_a_person(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    service = mail(db, clock)
    refused = service.send(Outgoing(family_case(db, smtp_server.REFUSED), "Hi", "Hi."))
    assert refused.status == "failed"
    assert (
        f"The mail server refused the address {smtp_server.REFUSED} (550 5.1.1 No such "
        "mailbox here)" in refused.state
    )
    team_mail(db, servers, "tls", trusted_certificate="")  # its certificate is not trusted
    keep_password(db, ring)
    untrusted = service.send(Outgoing(family_case(db), "Hi", "Hi."))
    assert untrusted.status == "failed"
    assert "showed a certificate that could not be checked" in untrusted.state
    assert mailbox.received == []


# ---------------------------------------------------------------------- may have been sent
def test_a_connection_dropped_after_the_whole_message_is_never_sent_again_by_itself(
    db, servers, mailbox, ring, clock
):
    """A server can queue a message and fail before it answers 250: tried again by itself,
    the family could get it twice."""
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    service = mail(db, clock)
    mailbox.drops_at_end = 1
    unsure = service.send(Outgoing(family_case(db), "Hello", "Hello."))
    assert (unsure.status, unsure.needs_attention) == ("unsure", True)
    assert "closed the connection before confirming it: it may have been sent" in unsure.state
    assert mailbox.seen == 1
    clock.later(hours=2)
    assert service.send_due() == []
    assert mailbox.seen == 1  # not handed over again


def test_an_answer_that_never_comes_is_never_sent_again_by_itself(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id = family_case(db)
    service = MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=0.3)
    mailbox.delay = 0.8  # the server takes the message, then answers too late
    unsure = service.send(Outgoing(case_id, "Hello", "Hello."))
    assert (unsure.status, unsure.needs_attention) == ("unsure", True)
    assert "it may have been sent" in unsure.state
    assert "Sent items" in unsure.state
    clock.later(hours=5)
    assert service.send_due() == []
    assert len(mailbox.received) == 1  # the server has it: its late answer goes nowhere
    marked = service.mark_sent(unsure.id, "It is in the Sent items.")
    assert (marked.status, marked.needs_attention) == ("sent", False)
    assert len(email_log(db, case_id)) == 1
    assert "marked as sent by Asha Patel: It is in the Sent items." in audit(db)[-1][1]
    assert len(mailbox.received) == 1


def test_a_message_left_sending_by_a_stop_is_reported_never_resent_by_itself(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    first = mail(db, clock)
    mailbox.drops = 1
    queued = first.send(Outgoing(family_case(db), "Hello", "Hello."))
    clock.later(minutes=2)
    # caseload stops just after marking it "sending" (committed), before the server answers
    assert first._claim(queued.id, first.settings(), smtp_server.PASSWORD, ("retry",), False)
    clock.later(minutes=1)
    after = mail(db, clock)  # started again
    assert after.info(queued.id).state == "Being sent now."
    assert after.send_due() == []
    with pytest.raises(UserError, match="being sent right now"):
        after.resend(queued.id)
    clock.later(minutes=15)
    stale = after.info(queued.id)
    assert stale.needs_attention
    assert stale.state.startswith("May have been sent: sending began at 10:32 on 24 Nov")
    assert after.send_due() == []
    assert mailbox.received == []
    resent = after.resend(queued.id)  # the person checked: it never went
    assert (resent.status, resent.attempts) == ("sent", 3)
    (got,) = mailbox.received
    assert parsed(got.content)["Message-ID"] == queued.message_id


# ---------------------------------------------------------------------- drafts, letters
def test_a_letter_as_a_draft_for_outlook_then_marked_sent(db, tmp_path, mailbox, clock):
    from caseload_app.paths import resources_dir

    MailSettingsService(db, WHO).set_mail(
        MailSettings(mode="drafts", from_address="send@council.example", from_name="SEND Team")
    )
    TeamSettingsService(db, WHO).set_council(
        CouncilDetails("Haworth Council", "Town Hall\nHaworth BD22 8DR")
    )
    case_id = family_case(db)
    letters = LetterService(
        db, WHO, today=lambda: TODAY, now=clock, letters_dir=tmp_path / "letters",
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
    )  # fmt: skip
    letter_id = letters.issue(
        case_id, "generic", extra={"subject": "Your visit", "message": "See you on Friday."}
    )
    service = mail(db, clock)
    letter = Outgoing(case_id, letter_id=letter_id)
    with pytest.raises(UserError, match="This team saves e-mails as drafts for Outlook"):
        service.send(letter)
    target = tmp_path / "to-send.eml"
    draft = service.save_draft(letter, target)
    assert (draft.status, draft.needs_attention) == ("draft", True)
    # Reading the kept letter to attach it is not a print of it.
    read = [(a, d.split(" Letter")[0]) for a, d in audit(db, "communication")[1:]]  # after issue
    assert read == [("view", "read to e-mail")]
    message = parsed(target.read_bytes())
    assert message["X-Unsent"] == "1"
    assert message["Subject"] == "OFFICIAL-SENSITIVE: Your visit"
    assert message["To"] == f"Ms Jo Brontë <{FAMILY}>"
    assert text_of(message) == (
        "Dear Ms Brontë,\n\nPlease find attached our letter: Your visit.\n\nYours sincerely,"
        "\n\nAsha Patel\nHaworth Council\n"
    )
    (attached,) = message.iter_attachments()
    assert attached.get_filename() == "Your visit.pdf"
    assert attached.get_content() == letters.reprint(letter_id)
    assert audit(db)[-1] == (
        "export", "Saved the e-mail 'OFFICIAL-SENSITIVE: Your visit' as a draft for Outlook: "
        "to-send.eml",
    )  # fmt: skip
    assert email_log(db, case_id) == []  # not sent yet
    with pytest.raises(UserError, match="This team saves e-mails as drafts"):
        service.resend(draft.id)
    assert service.info(draft.id).status == "draft"  # refused, and nothing changed
    sent = service.mark_sent(draft.id)
    assert sent.status == "sent"
    assert email_log(db, case_id)[0].summary.endswith("Attached: Your visit.pdf")
    assert mailbox.received == []
    with pytest.raises(UserError, match="ends .eml"):
        service.save_draft(letter, tmp_path / "to-send.txt")


@pytest.mark.parametrize("issued_as", ["docx", "both"])
def test_a_word_letter_goes_as_a_word_file(db, tmp_path, clock, issued_as):
    """A letter issued in Word is attached as the Word file, named and typed as one (with
    its PDF first, when it was issued as both); the preview names them without reading."""
    from caseload_app.paths import resources_dir
    from caseload_app.services.letters import WORD

    MailSettingsService(db, WHO).set_mail(
        MailSettings(mode="drafts", from_address="send@council.example", from_name="SEND Team")
    )
    TeamSettingsService(db, WHO).set_council(CouncilDetails("Haworth Council", "Town Hall"))
    case_id = family_case(db)
    letters = LetterService(
        db, WHO, today=lambda: TODAY, now=clock,
        templates=TemplateLibrary(tmp_path / "admin", resources_dir() / "templates"),
    )  # fmt: skip
    issued = letters.issue_letter(
        case_id, "generic", extra={"subject": "Your visit", "message": "Friday."}, format=issued_as
    )
    letter = Outgoing(case_id, letter_id=issued.communication_id)
    expected = [("Your visit.docx", WORD, issued.docx)]
    if issued_as == "both":
        expected.insert(0, ("Your visit.pdf", "application/pdf", issued.pdf))
    names = tuple(name for name, _, _ in expected)
    assert mail(db, clock).preview(letter, draft=True).attachments == names
    mail(db, clock).save_draft(letter, tmp_path / "to-send.eml")
    message = parsed((tmp_path / "to-send.eml").read_bytes())
    got = [(a.get_filename(), a.get_content_type(), a.get_content())
           for a in message.iter_attachments()]  # fmt: skip
    assert got == expected


def test_a_letter_of_another_case_or_no_letter_is_refused(db, clock):
    MailSettingsService(db, WHO).set_mail(
        MailSettings(mode="drafts", from_address="send@council.example")
    )
    case_id = family_case(db)
    service = mail(db, clock)
    with pytest.raises(UserError, match="There is no issued letter 999"):
        service.preview(Outgoing(case_id, letter_id=999), draft=True)


# ---------------------------------------------------------------------- checks
def test_bad_settings_get_specific_messages(db, servers):
    settings = MailSettingsService(db, WHO)
    good = MailSettings(mode="smtp", host="smtp.council.example", port=587,
                        from_address="send@council.example")  # fmt: skip
    cases = {
        "mode": (replace(good, mode=""), "Choose how e-mails go"),
        "host": (replace(good, host=""), "Give the mail server's name"),
        "port": (replace(good, port=0), "The port is a number from 1 to 65535"),
        "security": (replace(good, security="none"), "'none' is only for a mail relay on"),
        "username": (
            replace(good, host="127.0.0.1", security="none", username="me"),
            "A password is never sent unencrypted",
        ),
        "from_address": (replace(good, from_address="send at council"), "is not an e-mail"),
        "trusted_certificate": (replace(good, trusted_certificate="x"), "not a PEM certificate"),
    }
    for field, (bad, words) in cases.items():
        with pytest.raises(FieldErrors) as refused:
            settings.set_mail(bad)
        assert words in refused.value.errors[field], field
    with pytest.raises(FieldErrors) as both:
        settings.set_mail(replace(good, host="bad host!", port=70000))
    assert set(both.value.errors) == {"host", "port"}
    assert settings.mail() == MailSettings()  # nothing saved
    settings.set_mail(good)
    assert settings.mail() == good
    assert [d for a, d in audit(db, "app_setting")][:1] == ["mail_mode: (not set) → smtp"]


def test_sending_needs_the_setting_up_a_password_and_a_family_address(db, servers, ring, clock):
    service = mail(db, clock)
    case_id = family_case(db)
    with pytest.raises(UserError, match="E-mail is not set up for this team"):
        service.send(Outgoing(case_id, "Hi", "Hi."))
    team_mail(db, servers, "starttls")
    with pytest.raises(UserError, match="password for send-team on the mail server is not kept"):
        service.send(Outgoing(case_id, "Hi", "Hi."))
    keep_password(db, ring)
    with pytest.raises(UserError, match="The family has no e-mail address on record"):
        service.send(Outgoing(family_case(db, address=""), "Hi", "Hi."))
    with pytest.raises(FieldErrors, match="Give the e-mail a subject"):
        service.send(Outgoing(case_id, " ", "Hi."))
    with pytest.raises(FieldErrors, match="Write the message"):
        service.send(Outgoing(case_id, "Hi", "  "))
    assert outbox_rows(db) == []


def test_a_preview_shows_what_would_go_and_the_familys_preferred_channel(db, servers, ring, clock):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id = family_case(db, preferred="letter")
    seen = mail(db, clock).preview(Outgoing(case_id, "Hi", "Hello.", files=(("a.pdf", b"%"),)))
    assert (seen.to, seen.subject, seen.attachments) == (
        f"Ms Jo Brontë <{FAMILY}>", "OFFICIAL-SENSITIVE: Hi", ("a.pdf",),
    )  # fmt: skip
    assert seen.how == f"Through 127.0.0.1:{servers.starttls} (STARTTLS), signed in as send-team"
    assert seen.notes == ("The family's preferred way of contact is letter, not e-mail.",)
    assert audit(db)[-1] == ("view", "Previewed an e-mail to the family: 'OFFICIAL-SENSITIVE: Hi'")
    assert outbox_rows(db) == []


def test_only_administrators_change_the_settings_and_a_read_only_person_sends_nothing(
    db, servers, clock
):
    add_person(db, "dee", "Dee Admin", "administrator")
    add_person(db, "ravi", "Ravi Reader", "read_only", by="Dee Admin")
    with pytest.raises(PermissionDenied, match="change team settings"):
        MailSettingsService(db, "Ravi Reader").set_mail(MailSettings(mode="drafts"))
    MailSettingsService(db, "Dee Admin").set_mail(
        MailSettings(mode="drafts", from_address="send@council.example")
    )
    reader = MailService(db, "Ravi Reader", today=lambda: TODAY, now=clock)
    with pytest.raises(PermissionDenied, match="log communications"):
        reader.preview(Outgoing(family_case(db), "Hi", "Hi."), draft=True)


# ---------------------------------------------------------------------- the outbox's life
def test_a_second_send_of_the_same_form_is_the_first_and_a_cancelled_one_stays(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id, service = family_case(db), mail(db, clock)
    once = service.send(Outgoing(case_id, "Hi", "Hi."), token="form-1")
    again = service.send(Outgoing(case_id, "Hi", "Hi."), token="form-1")
    assert (again.id, len(mailbox.received)) == (once.id, 1)
    mailbox.drops = 1
    waiting = service.send(Outgoing(case_id, "Second", "Second."))
    with pytest.raises(UserError, match="Say why"):
        service.cancel(waiting.id, " ")
    cancelled = service.cancel(waiting.id, "Told them on the phone instead")
    assert cancelled.state == "Cancelled by Asha Patel: Told them on the phone instead"
    clock.later(hours=1)
    assert service.send_due() == []
    with pytest.raises(UserError, match="was cancelled"):
        service.resend(waiting.id)
    assert [i.id for i in service.outbox(case_id)] == [waiting.id, once.id]
    assert service.outbox() == []  # nothing of Asha's waiting


def test_the_outbox_goes_to_the_trash_with_its_case_and_its_bytes_with_a_purge(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id, service = family_case(db), mail(db, clock)
    mailbox.drops = 1
    waiting = service.send(Outgoing(case_id, "Hi", "Hi."))
    trash = TrashService(db, WHO, today=lambda: TODAY, now=clock)
    item = trash.delete_case(case_id, "wrong child")
    assert outbox_rows(db) == []
    trash.restore(item)
    (back,) = outbox_rows(db)
    assert (back.message_id, back.status) == (waiting.message_id, "retry")
    item = trash.delete_case(case_id, "wrong child after all")
    trash.purge(item)
    with db.read() as s:
        assert s.get(StoredFile, back.eml_sha256) is None


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_a_sent_e_mail_removed_from_the_case_file_keeps_the_outboxs_copy(
    db, servers, mailbox, ring, clock
):
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    sent = mail(db, clock).send(Outgoing(family_case(db), "Hello", "Hello."))
    trash = TrashService(db, WHO, today=lambda: TODAY, now=clock)
    trash.purge(trash.delete_document(sent.document_id, "kept twice"))
    (row,) = outbox_rows(db)
    with db.read() as s:
        assert s.get(StoredFile, row.eml_sha256) is not None  # what was sent, as sent


def test_nothing_is_sent_while_its_record_would_be_refused(db, servers, mailbox, ring, clock):
    """At start the contact log and the case file wait for the check beside the window: an
    e-mail due then is not sent, since its record would be refused, and it would go out
    unrecorded, marked "may have been sent" (found by a reviewer). Once they are checked it
    goes, and is logged."""
    if not db.is_sqlite:
        pytest.skip("only a laptop file is checked at start, and its writes held")
    team_mail(db, servers, "starttls")
    keep_password(db, ring)
    case_id = family_case(db)
    service = mail(db, clock)
    mailbox.drops = 1  # the first try dropped: it waits to be tried again, as at a restart
    assert service.send(Outgoing(case_id, "Hello", "Hello.")).status == "retry"
    hold = db.hold_writes()
    clock.later(minutes=1)
    assert service.send_due() == []
    for table in ("communication", "document", "stored_file"):  # the check's order
        hold.release(table)
    assert service.send_due() == []  # the case file's search index, written too, waits
    with pytest.raises(StorageError, match="Not sent: the contact log") as err:
        service.resend(outbox_rows(db)[0].id)
    assert err.value.retryable
    assert mailbox.received == [] and [r.status for r in outbox_rows(db)] == ["retry"]
    hold.release()
    assert [i.status for i in service.send_due()] == ["sent"]
    assert len(mailbox.received) == 1 and len(email_log(db, case_id)) == 1
