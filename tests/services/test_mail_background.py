"""E-mail sent beside the person's work (the window's outbox round) through a real mail server
on 127.0.0.1: what is due goes with the password this computer keeps, nobody is asked for
one from a timer, the round can be stopped between two e-mails, and the outbox's state is
said in a few words. A slow send renews its "sending" mark, so another computer never takes
it for one left behind."""

from __future__ import annotations

import os
from datetime import timedelta

from caseload_app.services.mail import STALE_AFTER, MailService, Outgoing
from caseload_app.services.mail_settings import MailSettingsService
from tests import smtp_server
from tests.helpers import TODAY
from tests.services.test_mail import (
    WHO,
    Clock,
    family_case,
    outbox_rows,
    ring,  # noqa: F401 - the fixture
    team_mail,
)


class Ticking(Clock):
    """Every reading of the time is `step` later: a slow line, without the wait."""

    def __init__(self, step: timedelta) -> None:
        super().__init__()
        self.step = step

    def __call__(self):
        self.now += self.step
        return self.now


def test_a_slow_send_renews_its_mark_so_no_other_computer_takes_it_as_left_behind(
    db,
    servers,
    mailbox,
    ring,  # noqa: F811 - the fixture
):
    team_mail(db, servers, "starttls")
    MailSettingsService(db, WHO).set_password(smtp_server.PASSWORD)
    case_id = family_case(db)
    clock = Ticking(timedelta(seconds=40))
    sender = MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=5)
    other = MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=5)
    queued = sender.send(Outgoing(case_id, "Hello", "Hello."))  # a small one: sent at once
    started = clock.now
    seen: list[tuple[str, bool, str]] = []

    def look() -> None:  # as the whole big message reaches the server
        info = other.info(queued.id + 1)
        seen.append((info.status, info.needs_attention, info.state))

    mailbox.on_data = look
    big = Outgoing(case_id, "The reports", "Attached.", files=(("r.bin", os.urandom(2 << 20)),))
    sent = sender.send(big)
    assert sent.status == "sent"
    assert clock.now - started > 2 * STALE_AFTER  # the send took far longer than the limit…
    assert seen == [("sending", False, "Being sent now.")]  # …and was never judged stale
    assert len(mailbox.received) == 2


def test_the_round_sends_what_is_due_with_the_kept_password_and_says_how_it_stands(
    db,
    servers,
    mailbox,
    ring,  # noqa: F811 - the fixture
):
    team_mail(db, servers, "starttls")
    case_id = family_case(db)
    clock = Clock()
    service = MailService(db, WHO, today=lambda: TODAY, now=clock, timeout=5)
    mailbox.drops = 2  # both go to "try again"
    typed = smtp_server.PASSWORD  # typed for these two only: nothing kept
    for n in (1, 2):
        assert service.send(Outgoing(case_id, f"Note {n}", "Hello."), password=typed).status == (
            "retry"
        )
    clock.later(minutes=5)
    state = service.send_waiting()
    assert (state.waiting, state.attention, state.sent) == (2, 0, 0)
    assert "not kept on this computer" in state.note  # nobody is asked from a timer
    assert state.words() == "2 e-mails waiting"
    assert [r.status for r in outbox_rows(db)] == ["retry", "retry"]  # nothing tried
    MailSettingsService(db, WHO).set_password(smtp_server.PASSWORD)
    stopped = service.send_waiting(stop=lambda: True)  # the window is closing
    assert (stopped.sent, stopped.waiting, mailbox.received) == (0, 2, [])
    asked = []

    def after_first() -> bool:
        asked.append(1)
        return len(asked) > 1

    state = service.send_waiting(stop=after_first)  # one goes, then the window closes
    assert (state.sent, state.waiting, state.attention, state.note) == (1, 1, 0, "")
    assert state.words() == "1 e-mail waiting"
    mailbox.drops = 0
    assert service.send_waiting().sent == 1
    assert len(mailbox.received) == 2
    mailbox.drops = 1
    assert service.send(Outgoing(case_id, "Later", "Hello.")).status == "retry"
    mailbox.drops_at_end = 1  # the next try reaches the end, and no answer comes
    clock.later(minutes=5)
    state = service.send_waiting()
    assert (state.sent, state.waiting, state.attention) == (0, 0, 1)  # may have been sent
    assert state.words() == "1 needs attention"
    from sqlalchemy import func, select

    from caseload_app.db.models import AuditEntry

    with db.read() as s:  # the rounds counted the outbox; nobody looked at it
        looks = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.record_type == "outbox", AuditEntry.action == "view")
        )
    assert looks == 0


def test_without_mail_set_up_the_round_sends_nothing_and_says_nothing(db):
    state = MailService(db, WHO, today=lambda: TODAY).send_waiting()
    assert (state.waiting, state.attention, state.sent, state.note, state.words()) == (
        0, 0, 0, "", "",
    )  # fmt: skip
