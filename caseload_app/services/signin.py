"""Signing in to a team database: each person's own PostgreSQL login, checked against the
people set up on it; the password kept (if they ask) in the operating system's keyring,
never in a file of ours.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import make_url

from caseload_app.db.engine import Database, DatabaseError, normalise_url, open_database
from caseload_app.db.models import AppUser
from caseload_app.domain.access import Access, parse_roles
from caseload_app.services.errors import UserError

KEYRING_SERVICE = "caseload"


class SignInFailed(UserError):
    """Wrong password, server unreachable, not set up…: the message says which."""


@dataclass(frozen=True)
class TeamServer:
    """A team database's address, without any password."""

    url: str  # postgresql+psycopg://[login@]host[:port]/dbname
    login: str  # the login in the address, else this computer's user name

    @classmethod
    def parse(cls, target: str) -> TeamServer:
        url = make_url(normalise_url(target))
        login = url.username or getpass.getuser()
        return cls(url.set(password=None).render_as_string(hide_password=False), login)

    @property
    def place(self) -> str:
        url = make_url(self.url)
        port = f":{url.port}" if url.port else ""
        return f"{url.host}{port}/{url.database}"

    def keyring_key(self, login: str) -> str:
        return f"{login}@{self.place}"


@dataclass(frozen=True)
class SignedIn:
    db: Database
    login: str
    name: str
    caseworker_id: int | None
    access: Access


def sign_in(server: TeamServer, login: str, password: str) -> SignedIn:
    """Connect as `login` and check they are an active person on this database."""
    url = make_url(server.url).set(username=login, password=password or None)
    try:
        db = open_database(url.render_as_string(hide_password=False))
    except DatabaseError as exc:
        raise SignInFailed(str(exc)) from exc
    except Exception as exc:  # psycopg's own errors name the cause in its text
        raise SignInFailed(_why(exc, server, login)) from exc
    try:
        return _person(db, login)
    except BaseException:
        db.dispose()
        raise


def _person(db: Database, login: str) -> SignedIn:
    with db.read() as s:
        found = s.execute(
            select(AppUser.name, AppUser.roles, AppUser.caseworker_id, AppUser.active).where(
                AppUser.login == login
            )
        ).one_or_none()
    if found is None or not found.active:
        state = "is disabled" if found is not None else "is not set up"
        raise SignInFailed(
            f"{login} {state} on this team database. Ask an administrator "
            "(caseload admin add-user / enable-user)."
        )
    roles = parse_roles(found.roles)
    access = Access(login=login, roles=roles, caseworker_id=found.caseworker_id)
    return SignedIn(db, login, found.name, found.caseworker_id, access)


def _why(exc: Exception, server: TeamServer, login: str) -> str:
    text = str(getattr(exc, "orig", exc))
    if "password authentication failed" in text or "no password supplied" in text:
        return f"The password for {login} is not right (or {login} has no login). Try again."
    if "not permitted to log in" in text:
        return f"{login} is disabled on the team database. Ask an administrator."
    if "does not exist" in text and "database" in text:
        return f"There is no team database at {server.place}. Check the address with IT."
    return (
        f"The team database at {server.place} cannot be reached (network, VPN or the "
        f"server). Check the connection, then try again. ({text.strip().splitlines()[0]})"
    )


# --------------------------------------------------------------------------- the keyring
def remembered_password(server: TeamServer, login: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, server.keyring_key(login))
    except Exception:  # no keyring on this computer: ask each time
        return None


def remember_password(server: TeamServer, login: str, password: str) -> bool:
    """Keep the password in the OS keyring (Credential Manager, Keychain, Secret Service);
    False if this computer has none (the person is then asked each time)."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, server.keyring_key(login), password)
        return True
    except Exception:
        return False


def forget_password(server: TeamServer, login: str) -> None:
    try:
        import keyring

        keyring.delete_password(KEYRING_SERVICE, server.keyring_key(login))
    except Exception:
        pass


def keyring_available() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:
        return False
