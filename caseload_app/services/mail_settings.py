"""The team's e-mail settings (Settings → E-mail): the council's mail server and how to reach
it safely, who the e-mails come from, and the marking councils put on them; or, where the
council allows no SMTP, drafts for Outlook instead. Kept with the team's other settings
(administrators change them, each change audited); the mail server's password is kept only
in this computer's keyring, never in the database or a file of ours.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from dataclasses import dataclass, fields, replace

from caseload_app.domain.access import Can
from caseload_app.services.errors import FieldErrors, PermissionDenied, UserError
from caseload_app.services.settings import TeamSettingsService

KEYRING_SERVICE = "caseload"
MODES = {
    "smtp": "Send through the council's mail server (SMTP)",
    "drafts": "Save drafts for Outlook (no SMTP)",
}
SECURITY = {
    "starttls": "STARTTLS (usually port 587)",
    "tls": "TLS from the start (usually port 465)",
    "none": "None: only for a mail relay on this computer",
}
# A connection without encryption crosses no network only to this computer.
THIS_COMPUTER = frozenset({"127.0.0.1", "localhost", "::1"})
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*$")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
NAME_LIMIT = 100


@dataclass(frozen=True)
class MailSettings:
    mode: str = ""  # "": not set up; smtp; drafts
    host: str = ""
    port: int = 587
    security: str = "starttls"
    username: str = ""  # "": the server takes e-mail without a sign-in
    from_address: str = ""
    from_name: str = ""
    # Secure sending: OFFICIAL-SENSITIVE in every subject, and attachments only over TLS.
    official_sensitive: bool = True
    attachments_need_tls: bool = True
    # A certificate (PEM) to trust besides this computer's own list: a council's own
    # certificate authority. Verification is never switched off.
    trusted_certificate: str = ""

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def encrypted(self) -> bool:
        return self.security in ("starttls", "tls")

    def describe(self) -> str:
        """How e-mails go, in words (no password, of course)."""
        if self.mode == "drafts":
            return "Saved as drafts for Outlook (the council allows no SMTP)"
        if self.mode != "smtp":
            return "Not set up"
        who = f", signed in as {self.username}" if self.username else ", no sign-in"
        return f"Through {self.where} ({SECURITY[self.security].split(' (')[0]}){who}"

    @property
    def keyring_key(self) -> str:
        return f"smtp:{self.username}@{self.host}:{self.port}"


# MailSettings field → app_setting key.
KEYS = {f.name: f"mail_{f.name}" for f in fields(MailSettings)}
FLAGS = ("official_sensitive", "attachments_need_tls")


def check(settings: MailSettings) -> MailSettings:
    """The settings cleaned, or FieldErrors naming each one that is wrong and why."""
    clean = replace(
        settings,
        **{
            f.name: getattr(settings, f.name).strip()
            for f in fields(MailSettings)
            if isinstance(getattr(settings, f.name), str)
        },
    )
    errors = {**_how_errors(clean), **_from_errors(clean)}
    if errors:
        raise FieldErrors(errors)
    return clean


def _how_errors(s: MailSettings) -> dict[str, str]:
    if s.mode not in MODES:
        return {"mode": "Choose how e-mails go: through the mail server (smtp) or as drafts."}
    if s.mode == "drafts":
        return {}
    errors = {}
    if not s.host:
        errors["host"] = "Give the mail server's name, as IT gives it (e.g. smtp.office365.com)."
    elif not _HOST.match(s.host) and s.host != "::1":
        errors["host"] = f"'{s.host}' is not a server name (letters, digits, dots and dashes)."
    if not isinstance(s.port, int) or not 1 <= s.port <= 65535:
        errors["port"] = "The port is a number from 1 to 65535 (587 for STARTTLS, 465 for TLS)."
    if s.security not in SECURITY:
        errors["security"] = "Security is starttls, tls or none."
    elif s.security == "none" and s.host and s.host.lower() not in THIS_COMPUTER:
        errors["security"] = (
            "Without STARTTLS or TLS, e-mails would cross the network unencrypted: 'none' is "
            "only for a mail relay on this computer (127.0.0.1 or localhost)."
        )
    elif s.security == "none" and s.username:
        errors["username"] = (
            "A password is never sent unencrypted: choose STARTTLS or TLS, or leave the user "
            "name empty."
        )
    if s.trusted_certificate and not _certificate_ok(s.trusted_certificate):
        errors["trusted_certificate"] = (
            "The certificate to trust is not a PEM certificate (text that begins "
            "-----BEGIN CERTIFICATE-----). Ask IT for the council's certificate."
        )
    return errors


def _from_errors(s: MailSettings) -> dict[str, str]:
    errors = {}
    if not s.from_address:
        errors["from_address"] = "Give the address e-mails come from (the team's mailbox)."
    elif not is_address(s.from_address):
        errors["from_address"] = f"'{s.from_address}' is not an e-mail address."
    if len(s.from_name) > NAME_LIMIT or any(c in s.from_name for c in '\r\n<>"'):
        errors["from_name"] = f"The name e-mails come from is one line of {NAME_LIMIT} at most."
    return errors


def is_address(text: str) -> bool:
    """An e-mail address a mail server takes (name@place.example, in plain ASCII)."""
    return len(text) <= 254 and bool(_ADDRESS.match(text))


def _certificate_ok(pem: str) -> bool:
    try:
        ssl.create_default_context().load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError):
        return False
    return "BEGIN CERTIFICATE" in pem


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """Certificates checked against this computer's list (and the council's own certificate,
    if one is set), names checked: never anything less."""
    context = ssl.create_default_context()
    if settings.trusted_certificate:
        context.load_verify_locations(cadata=settings.trusted_certificate)
    return context


class MailSettingsService(TeamSettingsService):
    def mail(self) -> MailSettings:
        values = {f: self._get(key) for f, key in KEYS.items()}
        try:
            port = int(values["port"] or 587)
        except ValueError:
            port = 0  # what caseload never writes: reported when used
        return MailSettings(
            mode=values["mode"],
            host=values["host"],
            port=port,
            security=values["security"] or "starttls",
            username=values["username"],
            from_address=values["from_address"],
            from_name=values["from_name"],
            official_sensitive=values["official_sensitive"] != "off",
            attachments_need_tls=values["attachments_need_tls"] != "off",
            trusted_certificate=values["trusted_certificate"],
        )

    def set_mail(self, settings: MailSettings) -> MailSettings:
        """Administrators only; every change is audited (the certificate by its sha256)."""
        with self._db.uow() as s:
            self._require(s, Can.SETTINGS)
            clean = check(settings)
            for name, key in KEYS.items():
                value = getattr(clean, name)
                if name in FLAGS:
                    value = "on" if value else "off"
                detail = ""
                if name == "trusted_certificate":
                    detail = _certificate_detail(key, value)
                self._audited(s, key, str(value), detail)
        return clean

    # ------------------------------------------------------------------ the password
    def set_password(self, password: str) -> None:
        """Keep the mail server's password in this computer's keyring (each computer that
        sends keeps its own), for whoever may send or change the settings."""
        settings = self._may_keep_password()
        if not password:
            raise UserError("Type the mail server's password.")
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, settings.keyring_key, password)
        except Exception as exc:  # no keyring on this computer, or it refused
            raise UserError(
                "This computer has no keyring to keep the password in (Windows Credential "
                "Manager, macOS Keychain, a Secret Service on Linux): it is asked for when "
                "sending instead."
            ) from exc
        self.audit_export(
            "mail_password", f"kept the password for {settings.where} in this computer's keyring",
            action="update",
        )  # fmt: skip

    def forget_password(self) -> None:
        settings = self._may_keep_password()
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, settings.keyring_key)
        except Exception:
            return  # none was kept
        self.audit_export(
            "mail_password", f"removed the password for {settings.where} from this computer",
            action="update",
        )  # fmt: skip

    def _may_keep_password(self) -> MailSettings:
        access = self.access()
        if not (access.can(Can.LOG_CONTACT) or access.can(Can.SETTINGS)):
            raise PermissionDenied(
                f"You cannot send e-mails (your roles: {access.describe()}), so there is no "
                "password to keep."
            )
        settings = self.mail()
        if settings.mode != "smtp" or not settings.username:
            raise UserError(
                "The team's e-mail settings have no sign-in to keep a password for (Settings "
                "→ E-mail: the mail server and its user name)."
            )
        return settings


def saved_password(settings: MailSettings) -> str | None:
    """The password this computer's keyring keeps for the mail server, if any."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, settings.keyring_key)
    except Exception:  # no keyring here: the person is asked
        return None


def _certificate_detail(key: str, value: str) -> str:
    if not value:
        return f"{key}: the council's own certificate is no longer trusted"
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"{key}: trust the council's own certificate (sha256 {digest})"
