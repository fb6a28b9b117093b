"""Real mail servers for the tests (aiosmtpd on 127.0.0.1): plain SMTP, STARTTLS and TLS from
the start, the last two with a sign-in and a certificate made here for 127.0.0.1. The
mailbox keeps what each server took, and can be told to drop the connection at the end of
the next messages, answer too late, or refuse an address."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "send-team", "right-password"
REFUSED = "nobody@example.org"  # an address the servers refuse (550)


@dataclass
class Received:
    server: str
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    encrypted: bool
    signed_in: bool


@dataclass
class Mailbox:
    """What the servers took, and how they behave next (reset before each test)."""

    received: list[Received] = field(default_factory=list)
    drops: int = 0  # close the connection at the address of this many messages (before them)
    drops_at_end: int = 0  # close it at the end of this many messages, before answering
    delay: float = 0.0  # answer the end of a message this many seconds late (then take it)
    seen: int = 0  # messages that reached their end, taken or not
    on_data: Callable[[], None] | None = None  # called as each message's end arrives

    def reset(self) -> None:
        self.received.clear()
        self.drops, self.drops_at_end, self.delay, self.seen = 0, 0, 0.0, 0
        self.on_data = None


class Handler:
    def __init__(self, mailbox: Mailbox, name: str) -> None:
        self.mailbox, self.name = mailbox, name

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mailbox.drops:
            self.mailbox.drops -= 1
            server.transport.close()  # gone before the message was handed over
            return "451 never heard"
        if address == REFUSED:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        box = self.mailbox
        box.seen += 1
        if box.on_data is not None:
            box.on_data()
        if box.drops_at_end:
            box.drops_at_end -= 1
            server.transport.close()  # gone before answering: taken or not, nobody knows
            return "250 never heard"
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        box.received.append(
            Received(self.name, envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                     tls, bool(session.authenticated))
        )  # fmt: skip
        if box.delay:  # taken, but the answer comes late (RFC 1047's duplicate)
            await asyncio.sleep(box.delay)
        return "250 2.0.0 OK queued"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def certificate(folder: Path) -> tuple[Path, Path, str]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert file, key file, PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caseload test mail server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_text(pem)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, pem


class TlsFromTheStart(Controller):
    """TLS on the connection itself: aiosmtpd counts only STARTTLS as TLS, and warns that a
    sign-in is required without it; here it is not."""

    def factory(self):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            return super().factory()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Servers:
    mailbox: Mailbox
    plain: int  # ports
    starttls: int
    tls: int
    closed: int  # nothing listens here
    pem: str  # the servers' certificate, for the team's settings
    controllers: list[Controller]

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()


def start(folder: Path) -> Servers:
    cert_file, key_file, pem = certificate(folder)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    mailbox = Mailbox()
    common = dict(hostname="127.0.0.1", server_hostname="mail.test", ready_timeout=10)
    plain = Controller(Handler(mailbox, "plain"), port=free_port(), **common)
    starttls = Controller(
        Handler(mailbox, "starttls"), port=free_port(), tls_context=server_tls,
        require_starttls=True, authenticator=authenticate, auth_required=True, **common,
    )  # fmt: skip
    tls = TlsFromTheStart(
        Handler(mailbox, "tls"), port=free_port(), ssl_context=server_tls,
        authenticator=authenticate, auth_required=True, auth_require_tls=False, **common,
    )  # fmt: skip
    controllers = [plain, starttls, tls]
    for controller in controllers:
        controller.start()
    return Servers(mailbox, plain.port, starttls.port, tls.port, free_port(), pem, controllers)
