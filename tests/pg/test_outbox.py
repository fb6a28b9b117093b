"""The outbox on a team database, with people on their own logins and a home-made client: an
e-mail is queued, resent or marked only by those the app lets (who sent it, or who may change
its case), its message and recipient cannot be changed once queued, nobody can point one at
another file's bytes to read them, and the team sees a queued message's bytes like a
document's. Sending on one's own login logs and keeps it as that person."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseload_app.db.models import Communication, Document, EhcpCase, OutboxMessage, StoredFile
from caseload_app.services.documents import DocumentService
from caseload_app.services.errors import PermissionDenied
from caseload_app.services.mail import MailService, Outgoing
from caseload_app.services.mail_settings import MailSettings, MailSettingsService
from caseload_app.services.trash import TrashService
from tests.pg.test_documents import sha, visible_files
from tests.pg.test_roles import REFUSED, attempt
from tests.services.test_documents import pdf


@pytest.fixture
def team(team_server, servers):
    """The team's mail settings (a relay on this computer), and the families' address."""
    servers.mailbox.reset()
    t = team_server
    settings = MailSettings(
        mode="smtp", host="127.0.0.1", port=servers.plain, security="none",
        from_address="send@council.example", attachments_need_tls=False,
    )  # fmt: skip
    t.service(MailSettingsService, "dee", t.signed_in("dee")).set_mail(settings)
    with t.owner.uow() as s:
        for case_id in (t.case_a, t.case_b):
            s.get(EhcpCase, case_id).child.family.email = "family@example.org"
    yield t
    servers.mailbox.reset()


def mail_as(t, person: str) -> MailService:
    return t.service(MailService, person, t.signed_in(person))


def test_a_caseworker_sends_on_her_own_case_on_her_own_login(team, servers):
    t = team
    servers.mailbox.drops = 1  # first try dropped: it waits in the outbox
    asha = mail_as(t, "asha")
    waiting = asha.send(Outgoing(t.case_a, "Hello", "Hello.", files=(("a.pdf", pdf("A")),)))
    assert waiting.status == "retry"
    with pytest.raises(PermissionDenied, match="Only the caseworker assigned"):
        asha.send(Outgoing(t.case_b, "Hello", "Hello."))
    ben, ravi, raw_asha = t.raw("ben"), t.raw("ravi"), t.raw("asha")
    assert visible_files(ben) == 1  # the team reads a queued message as it reads documents
    cancel = "UPDATE outbox SET status = 'cancelled' WHERE id = %(i)s"
    assert attempt(ben, cancel, {"i": waiting.id}) == 0  # not his message, not his case
    assert attempt(ravi, cancel, {"i": waiting.id}) == REFUSED
    assert attempt(raw_asha, cancel, {"i": waiting.id}) == 1
    swap = "UPDATE outbox SET recipient = 'someone@else.example' WHERE id = %(i)s"
    assert attempt(raw_asha, swap, {"i": waiting.id}) == REFUSED  # kept as queued
    resent = asha.resend(waiting.id)
    assert resent.status == "sent"
    with t.owner.read() as s:
        logged = s.scalar(select(Communication.logged_by).where(Communication.channel == "email"))
        kept = s.scalars(select(Document.created_by).where(Document.case_id == t.case_a)).all()
    assert logged == t.login("asha")
    assert kept == [t.login("asha")] * 2  # the .eml and its attachment
    assert len(servers.mailbox.received) == 1


def test_nobody_points_an_outbox_row_at_bytes_they_may_not_read(team, servers):
    t = team
    ben_docs = t.service(DocumentService, "ben", t.signed_in("ben"))
    (secret,) = ben_docs.add(t.case_b, pdf("Bea's health advice"), "health.pdf")
    t.service(TrashService, "ben", t.signed_in("ben")).delete_case(t.case_b, "wrong child")
    claim = (
        "INSERT INTO outbox (case_id, message_id, recipient, with_whom, subject, attachments, "
        "eml_sha256, size, status, attempts, last_error, queued_by, queued_at, version) VALUES "
        "(%(c)s, '<x@example.org>', 'a@example.org', '', 'x', '', %(s)s, 1, 'queued', 0, '', "
        "'x', now(), 1)"
    )
    asha = t.raw("asha")
    assert attempt(asha, claim, {"c": t.case_a, "s": secret.sha256}) == REFUSED
    assert visible_files(asha) == 0
    servers.mailbox.drops = 1
    mine = mail_as(t, "asha").send(Outgoing(t.case_a, "Hello", "Hello."))
    repoint = "UPDATE outbox SET eml_sha256 = %(s)s WHERE id = %(i)s"
    assert attempt(asha, repoint, {"s": secret.sha256, "i": mine.id}) == REFUSED
    assert attempt(t.raw("ravi"), claim, {"c": t.case_a, "s": sha(b"x")}) == REFUSED


def test_an_administrator_empties_the_trash_and_a_queued_messages_bytes_go_too(team, servers):
    t = team
    servers.mailbox.drops = 1
    mine = mail_as(t, "asha").send(Outgoing(t.case_a, "Hello", "Hello."))
    with t.owner.read() as s:
        digest = s.scalar(select(OutboxMessage.eml_sha256).where(OutboxMessage.id == mine.id))
    item = t.service(TrashService, "asha", t.signed_in("asha")).delete_case(t.case_a, "wrong")
    t.service(TrashService, "dee", t.signed_in("dee")).purge(item)
    with t.owner.read() as s:
        assert s.get(StoredFile, digest) is None


def test_a_case_deleted_with_an_e_mail_waiting_comes_back_whole(team, servers):
    t = team
    servers.mailbox.drops = 1
    waiting = mail_as(t, "asha").send(Outgoing(t.case_a, "Hello", "Hello."))
    assert waiting.status == "retry"
    trash = t.service(TrashService, "asha", t.signed_in("asha"))
    item = trash.delete_case(t.case_a, "wrong child")
    trash.restore(item)  # her own deletion: the waiting e-mail comes back with it
    with t.owner.read() as s:
        back = s.execute(select(OutboxMessage.message_id, OutboxMessage.status)).one()
    assert tuple(back) == (waiting.message_id, "retry")


def test_an_e_mail_whose_case_moved_on_is_not_sent_by_its_old_caseworker(team, servers):
    """Sent, it goes on the case file, which only the case's caseworker (or a lead) may
    change: refused before the server is asked, so it never goes out unrecorded."""
    t = team
    servers.mailbox.drops = 1
    asha = mail_as(t, "asha")
    waiting = asha.send(Outgoing(t.case_a, "Hello", "Hello."))
    with t.owner.uow() as s:  # a team lead moves the case to Ben
        s.get(EhcpCase, t.case_a).caseworker_id = t.ben
    with pytest.raises(PermissionDenied):
        asha.resend(waiting.id)
    assert servers.mailbox.received == []
    with t.owner.read() as s:
        assert s.scalar(select(OutboxMessage.status)) == "retry"  # left for Ben or a lead
