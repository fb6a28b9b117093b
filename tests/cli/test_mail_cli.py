"""`caseload send` and `caseload mail …` against real mail servers on 127.0.0.1: the settings
set and shown, the password kept from standard input, a dry run that sends and keeps nothing,
a message sent signed in over STARTTLS, one the server dropped kept and resent, and an issued
letter saved as a draft for Outlook then marked sent."""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import replace

import pytest
from sqlalchemy import select

from caseload_app.cli import main
from caseload_app.db.engine import open_database
from caseload_app.db.models import Communication, EhcpCase, OutboxMessage
from caseload_app.services.requests import RequestService
from caseload_app.services.settings import CouncilDetails, TeamSettingsService
from tests import smtp_server
from tests.helpers import NOW, TODAY, plain_request
from tests.pg.test_signin import MemoryKeyring

FAMILY = "jo@example.org"


@pytest.fixture
def laptop(tmp_path, servers):
    """A laptop file with one case whose family has an e-mail address; a memory keyring."""
    import keyring

    servers.mailbox.reset()
    before = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    TeamSettingsService(db).set_council(CouncilDetails("Haworth Council", "Town Hall\nHaworth"))
    new = plain_request("Zoë")
    new = replace(new, email=FAMILY, address="1 Parsonage Lane", postcode="BD22 8DR")
    case_id = RequestService(db, "me", today=lambda: TODAY, now=lambda: NOW).create(new)
    yield path, case_id, db
    db.dispose()
    keyring.set_keyring(before)
    servers.mailbox.reset()


def run(capsys, path, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv] + ["--db", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_settings_password_dry_run_and_a_message_sent_over_starttls(
    laptop, servers, capsys, tmp_path, monkeypatch
):
    path, case_id, db = laptop
    pem = tmp_path / "council.pem"
    pem.write_text(servers.pem)
    code, _, err = run(capsys, path, "mail", "settings", "--mode", "smtp", "--port", "70000")
    assert code == 1
    assert "host: Give the mail server's name" in err
    assert "port: The port is a number from 1 to 65535" in err
    code, out, err = run(
        capsys, path, "mail", "settings", "--mode", "smtp", "--host", "127.0.0.1",
        "--port", servers.starttls, "--security", "starttls", "--user", smtp_server.USER,
        "--from", "send@council.example", "--from-name", "SEND Team",
        "--trust-certificate", pem,
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == [
        "E-mail settings saved.",
        f"How: Through 127.0.0.1:{servers.starttls} (STARTTLS), signed in as send-team",
        "From: SEND Team <send@council.example>",
        "OFFICIAL-SENSITIVE in subjects: on",
        "Attachments only over TLS: on",
        "Council's own certificate trusted: yes",
    ]
    message = tmp_path / "note.txt"
    message.write_text("Dear Ms Brontë,\n\nSee you on Friday.\n", encoding="utf-8")
    send = ("send", "--case", case_id, "--message", message, "--subject", "Friday")
    code, _, err = run(capsys, path, *send)
    assert code == 1
    assert "not kept on this computer" in err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{smtp_server.PASSWORD}\n"))
    assert run(capsys, path, "mail", "password")[0] == 0
    code, out, _ = run(capsys, path, *send, "--dry-run")
    assert code == 0
    assert out.splitlines()[:4] == [
        f"To: Ms Jo Brontë <{FAMILY}>",
        "Subject: OFFICIAL-SENSITIVE: Friday",
        "Attachments: none",
        f"How: Through 127.0.0.1:{servers.starttls} (STARTTLS), signed in as send-team",
    ]
    assert "See you on Friday." in out
    assert out.endswith("Dry run: nothing was sent or kept.\n")
    assert servers.mailbox.received == []
    code, out, err = run(capsys, path, *send)
    assert code == 0, err
    assert out.startswith(f"Sent to Ms Jo Brontë <{FAMILY}>: OFFICIAL-SENSITIVE: Friday (e-mail 1")
    (got,) = servers.mailbox.received
    assert (got.encrypted, got.signed_in) == (True, True)


def test_a_dropped_message_is_kept_listed_and_resent(laptop, servers, capsys, tmp_path):
    path, case_id, db = laptop
    assert run(capsys, path, "mail", "settings", "--mode", "smtp", "--host", "127.0.0.1",
               "--port", servers.plain, "--security", "none", "--from",
               "send@council.example")[0] == 0  # fmt: skip
    message = tmp_path / "note.txt"
    message.write_text("Hello.", encoding="utf-8")
    servers.mailbox.drops = 1
    code, _, err = run(capsys, path, "send", "--case", case_id, "--message", message,
                       "--subject", "Hello")  # fmt: skip
    assert code == 1
    assert "E-mail 1 is not sent. Not sent yet: The connection to the mail server 127.0.0.1:" in err
    assert "caseload mail send-due tries it again" in err
    code, out, _ = run(capsys, path, "mail", "outbox")
    assert code == 0
    assert "Next try at" in out
    assert out.endswith("1 e-mail(s) not sent yet.\n")
    code, out, _ = run(capsys, path, "mail", "resend", "1")
    assert code == 0
    assert out.startswith("Sent to")
    assert run(capsys, path, "mail", "outbox")[1] == "0 e-mail(s) not sent yet.\n"
    code, _, err = run(capsys, path, "mail", "resend", "1")
    assert code == 1
    assert "it is not sent twice" in err
    assert len(servers.mailbox.received) == 1


def test_an_issued_letter_as_a_draft_for_outlook_then_marked_sent(
    laptop, servers, capsys, tmp_path
):
    path, case_id, db = laptop
    assert run(capsys, path, "mail", "settings", "--mode", "drafts",
               "--from", "send@council.example")[0] == 0  # fmt: skip
    with db.read() as s:
        child_id = s.get(EhcpCase, case_id).child_id
    code, _, err = run(capsys, path, "letter", "--child", child_id, "--template", "generic",
                       "-o", tmp_path / "l.pdf", "--set", "subject=Your visit",
                       "--set", "message=See you on Friday.")  # fmt: skip
    assert code == 0, err
    with db.read() as s:
        letter_id = s.scalar(select(Communication.id).where(Communication.channel == "letter"))
    code, _, err = run(capsys, path, "send", "--case", case_id, "--letter", letter_id)
    assert code == 1
    assert "give --draft FILE.eml" in err
    draft = tmp_path / "letter.eml"
    code, out, err = run(capsys, path, "send", "--case", case_id, "--letter", letter_id,
                         "--draft", draft)  # fmt: skip
    assert code == 0, err
    assert out == (
        f"Saved the draft to {draft} (e-mail 1). Once it has gone from Outlook: caseload mail "
        "mark-sent 1\n"
    )
    message = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert (message["X-Unsent"], message["Subject"]) == ("1", "OFFICIAL-SENSITIVE: Your visit")
    assert [a.get_filename() for a in message.iter_attachments()] == ["Your visit.pdf"]
    code, out, _ = run(capsys, path, "mail", "mark-sent", "1", "--note", "Sent from Outlook")
    assert code == 0
    assert "Sent " in out
    with db.read() as s:
        assert s.scalar(select(OutboxMessage.status)) == "sent"
        emails = s.scalars(select(Communication.summary).where(Communication.channel == "email"))
        assert list(emails) == ["E-mail: OFFICIAL-SENSITIVE: Your visit\nAttached: Your visit.pdf"]
    assert servers.mailbox.received == []


def test_a_review_invitation_letter_goes_with_its_meeting_at_the_time_typed(tmp_path, capsys):
    from icalendar import Calendar

    from tests.services.test_review_invitation import MEETING, review_case

    path = tmp_path / "caseload.sqlite3"
    db = open_database(path)
    case_id, _ = review_case(db)
    with db.read() as s:
        child_id = s.get(EhcpCase, case_id).child_id
    db.dispose()
    assert run(capsys, path, "mail", "settings", "--mode", "drafts",
               "--from", "send@council.example")[0] == 0  # fmt: skip
    code, _, err = run(capsys, path, "letter", "--child", child_id, "--template",
                       "annual_review_invitation", "-o", tmp_path / "l.pdf")  # fmt: skip
    assert code == 0, err
    db = open_database(path)
    with db.read() as s:
        letter_id = s.scalar(select(Communication.id).where(Communication.channel == "letter"))
    db.dispose()
    send = ("send", "--case", case_id, "--letter", letter_id, "--draft", tmp_path / "i.eml")
    with pytest.raises(SystemExit):  # argparse refuses it, saying why
        run(capsys, path, *send, "--meeting-time", "2pm")
    assert "'2pm' is not a time of day: write it as HH:MM" in capsys.readouterr().err
    code, _, err = run(capsys, path, *send, "--meeting-time", "14:30", "--meeting-place", "Hall")
    assert code == 0, err
    message = email.message_from_bytes((tmp_path / "i.eml").read_bytes(),
                                       policy=email.policy.default)  # fmt: skip
    _, invite = message.iter_attachments()
    (event,) = Calendar.from_ical(invite.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART").date() == MEETING
    assert (event.decoded("DTSTART").hour, str(event["LOCATION"])) == (14, "Hall")
