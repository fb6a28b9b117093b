"""An e-mail to a family as it goes: headers, the text, attachments, its Message-ID; the
OFFICIAL-SENSITIVE marking councils put in the subject (Government Security
Classifications); and the few words that go with a letter sent by e-mail.

Built once, when the e-mail is queued: every try sends exactly these bytes, so a mailbox that
gets it twice sees the same Message-ID.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid

MARKING = "OFFICIAL-SENSITIVE"
SUBJECT_LIMIT = 250
# Outlook opens an .eml with this header as a message to send (a draft), not a received one.
UNSENT = b"X-Unsent: 1\r\n"


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes
    media_type: str  # type/subtype
    params: tuple[tuple[str, str], ...] = ()  # on its Content-Type: a calendar's method


@dataclass(frozen=True)
class Built:
    data: bytes  # CRLF line ends, 7-bit: every part encoded
    message_id: str


def marked(subject: str) -> str:
    """The subject with OFFICIAL-SENSITIVE first (once, however it was typed)."""
    if subject.upper().startswith(MARKING):
        return subject
    return f"{MARKING}: {subject}"


def letter_body(salutation: str, title: str, sender: str, council: str) -> str:
    """The words of an e-mail that carries a letter."""
    return (
        f"Dear {salutation or 'parent or carer'},\n\n"
        f"Please find attached our letter: {title}.\n\n"
        "Yours sincerely,\n\n"
        f"{sender}\n{council or 'SEND Team'}\n"
    )


def safe_name(name: str, fallback: str = "attachment") -> str:
    """A file name as a label: no folders, no control characters, a sensible length."""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]+", " ", name).strip(" .")
    return name[:150] or fallback


def build(
    *,
    sender: tuple[str, str],
    to: tuple[str, str],
    subject: str,
    body: str,
    attachments: tuple[Attachment, ...],
    now: datetime,
) -> Built:
    """The message; `sender` and `to` are (name, address). Its Message-ID names the
    sender's domain and nothing about the family."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _address(*sender)
    msg["To"] = _address(*to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(localtime(now))
    message_id = make_msgid(domain=sender[1].rpartition("@")[2])
    msg["Message-ID"] = message_id
    msg.set_content(body, cte="quoted-printable")
    for item in attachments:
        main, _, sub = item.media_type.partition("/")
        if main in ("message", "multipart") or not sub:  # carried as a file, not parsed
            main, sub = "application", "octet-stream"
        msg.add_attachment(
            item.data, maintype=main, subtype=sub, filename=item.name, params=dict(item.params)
        )
    return Built(msg.as_bytes(), message_id)


def _address(name: str, address: str) -> Address:
    user, _, domain = address.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)
