"""Handing one e-mail to the council's mail server (SMTP), and saying in plain words what went
wrong when it does not go, sorted by what may be done about it:

- TryLater: the server never took the message (it could not be reached, the connection
  dropped before the message was handed over, or it answered "not now", 4xx): try again.
- NeedsAttention: it refused (5xx: an address, the sign-in, the message), or the settings
  cannot work (no STARTTLS, a certificate that does not check out): trying again will not
  help until a person acts.
- MaybeSent: the whole message was handed over but no answer came (it timed out, or the
  connection closed first): the server may have taken it (RFC 1047: a server can queue a
  message and fail before it answers 250), so it is never sent again automatically; a person
  checks, then resends (the same Message-ID) or marks it sent.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from caseload_app.services.mail_settings import MailSettings, tls_context

CHUNK = 64 * 1024  # the message goes in pieces this size, with a sign of life between them


class DeliveryError(Exception):
    """Not delivered: the message says why, in words a caseworker can act on."""


class TryLater(DeliveryError):
    pass


class NeedsAttention(DeliveryError):
    pass


class MaybeSent(DeliveryError):
    pass


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes  # the message as it goes (CRLF line ends)


def deliver(
    settings: MailSettings,
    password: str | None,
    mail: Envelope,
    timeout: float,
    alive: Callable[[], None] = lambda: None,
) -> str:
    """Hand the message to the server; returns its answer (250 …) or raises a DeliveryError.
    Every wait on the network is limited to `timeout` seconds; `alive` is called between
    the pieces of the message (a big one on a slow line takes minutes)."""
    smtp = _connect(settings, timeout)
    done = False
    try:
        _greet(smtp, settings)
        _sign_in(smtp, settings, password)
        _envelope(smtp, settings, mail)
        answer = _data(smtp, settings, mail, timeout, alive)
        done = True
        return answer
    except (smtplib.SMTPServerDisconnected, OSError) as exc:  # a drop before the message
        raise TryLater(
            f"The connection to the mail server {settings.where} dropped before the message "
            f"was handed over ({_why(exc)}). It will be tried again."
        ) from None
    finally:
        _close(smtp, politely=done)


def _connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    where = settings.where
    try:
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=tls_context(settings)
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except ssl.SSLCertVerificationError as exc:
        raise NeedsAttention(_certificate_words(settings, exc)) from None
    except ssl.SSLError as exc:
        raise NeedsAttention(
            f"The mail server {where} did not answer in TLS ({exc.reason or exc}): check the "
            "security setting (TLS from the start is usually port 465, STARTTLS port 587)."
        ) from None
    except socket.gaierror:
        raise TryLater(
            f"The mail server {settings.host} could not be found (no network or VPN, or the "
            "server's name is misspelt in Settings → E-mail)."
        ) from None
    except ConnectionRefusedError:
        raise TryLater(
            f"The mail server {where} refused the connection (it may be down, or the port in "
            "Settings → E-mail is not its port)."
        ) from None
    except TimeoutError:
        raise TryLater(
            f"The mail server {where} did not answer within {timeout:g} seconds (the network, "
            "or a security setting that does not match the port)."
        ) from None
    except smtplib.SMTPConnectError as exc:
        raise TryLater(
            f"The mail server {where} would not take e-mail now ({_answer(exc)})."
        ) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise TryLater(f"The mail server {where} could not be reached ({_why(exc)}).") from None


def _greet(smtp: smtplib.SMTP, settings: MailSettings) -> None:
    _checked(smtp.ehlo(), "the greeting (EHLO)", settings)
    if settings.security != "starttls":
        return
    if not smtp.has_extn("starttls"):
        raise NeedsAttention(
            f"The mail server {settings.where} does not offer STARTTLS, so nothing was sent "
            "unencrypted: check the port and security in Settings → E-mail, or ask IT."
        )
    try:
        smtp.starttls(context=tls_context(settings))
    except ssl.SSLCertVerificationError as exc:
        raise NeedsAttention(_certificate_words(settings, exc)) from None
    except ssl.SSLError as exc:
        raise NeedsAttention(
            f"The encrypted connection to {settings.where} failed ({exc.reason or exc}), so "
            "nothing was sent. Ask IT to check the mail server's TLS."
        ) from None
    except smtplib.SMTPResponseException as exc:
        _refused("the request for encryption (STARTTLS)", exc.smtp_code, exc.smtp_error)
    _checked(smtp.ehlo(), "the greeting after STARTTLS", settings)


def _sign_in(smtp: smtplib.SMTP, settings: MailSettings, password: str | None) -> None:
    if not settings.username:
        return
    if not smtp.has_extn("auth"):
        raise NeedsAttention(
            f"The mail server {settings.where} offers no sign-in: leave the user name empty in "
            "Settings → E-mail if it takes the team's e-mail without one, or ask IT."
        )
    try:
        smtp.login(settings.username, password or "")
    except smtplib.SMTPAuthenticationError as exc:
        if 400 <= exc.smtp_code < 500:
            raise TryLater(
                f"The mail server could not check the sign-in now ({_answer(exc)})."
            ) from None
        raise NeedsAttention(
            f"The mail server refused the sign-in for {settings.username} ({_answer(exc)}): "
            "check the user name in Settings → E-mail and the password kept on this computer "
            "(caseload mail password)."
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise NeedsAttention(
            f"The mail server {settings.where} offers no sign-in on this connection."
        ) from None
    except smtplib.SMTPException as exc:
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            raise
        raise NeedsAttention(
            f"The mail server {settings.where} offers no way of signing in that caseload "
            f"knows ({exc}). Ask IT."
        ) from None


def _envelope(smtp: smtplib.SMTP, settings: MailSettings, mail: Envelope) -> None:
    options = [f"SIZE={len(mail.data)}"] if smtp.has_extn("size") else []
    code, text = smtp.mail(mail.sender, options)
    if code != 250:
        _refused(f"the sender address {mail.sender}", code, text)
    code, text = smtp.rcpt(mail.recipient)
    if code not in (250, 251):
        _refused(f"the address {mail.recipient}", code, text)


def _data(
    smtp: smtplib.SMTP,
    settings: MailSettings,
    mail: Envelope,
    timeout: float,
    alive: Callable[[], None],
) -> str:
    """DATA, by hand: what happened before the end of the message was handed over (retry)
    is told apart from an answer that never came after it (may have been sent)."""
    smtp.putcmd("data")
    code, text = smtp.getreply()
    if code != 354:
        _refused("the message", code, text)
    wire = on_the_wire(mail.data)
    for start in range(0, len(wire), CHUNK):  # a drop here: the server never had its end
        smtp.send(wire[start : start + CHUNK])
        alive()
    # Once the end is handed over, a server may have queued the message whatever happens
    # next (it can fail before it answers 250): never tried again by itself, so never twice.
    try:
        code, text = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        waited = isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)
        why = (
            f"did not confirm it within {timeout:g} seconds"
            if waited
            else "closed the connection before confirming it"
        )
        raise MaybeSent(
            f"The whole message was handed to {settings.where}, but the server {why}: it "
            "may have been sent. Check with the family or the mail team, then send it again "
            "or mark it sent."
        ) from None
    if code != 250:
        _refused("the message", code, text)
    return _answer_text(code, text)


def on_the_wire(data: bytes) -> bytes:
    """The message as SMTP carries it: CRLF line ends, a line starting with a dot doubled,
    and the lone dot that ends it."""
    data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _checked(reply: tuple[int, bytes], what: str, settings: MailSettings) -> None:
    code, text = reply
    if not 200 <= code < 300:
        _refused(what, code, text)


def _refused(what: str, code: int, text: bytes | str) -> NoReturn:
    answer = _answer_text(code, text)
    if 400 <= code < 500:
        raise TryLater(f"The mail server did not take {what} for now ({answer}).")
    raise NeedsAttention(f"The mail server refused {what} ({answer}).")


def _close(smtp: smtplib.SMTP, *, politely: bool) -> None:
    try:
        if politely:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass  # the message is already taken: a goodbye that fails changes nothing
    finally:
        smtp.close()


def _certificate_words(settings: MailSettings, exc: ssl.SSLCertVerificationError) -> str:
    return (
        f"The mail server {settings.where} showed a certificate that could not be checked "
        f"({exc.verify_message or exc.reason}), so nothing was sent to it. If the council uses "
        "its own certificates, an administrator adds the council's certificate in Settings "
        "→ E-mail; otherwise tell IT."
    )


def _answer(exc: smtplib.SMTPResponseException) -> str:
    return _answer_text(exc.smtp_code, exc.smtp_error)


def _answer_text(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(words.split())}".strip()


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return "the connection was closed"
