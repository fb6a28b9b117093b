"""People who sign in, their roles, and what that lets them do (domain.access).

On a laptop file a person is matched by the computer's user name or by the caseworker name
chosen in Settings; on a team database by their PostgreSQL login.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseload_app.db import pg_security
from caseload_app.db.models import AppUser, Caseworker
from caseload_app.domain.access import Can, Role, parse_roles, roles_text
from caseload_app.domain.validators import ValidationError
from caseload_app.services import records
from caseload_app.services.base import UserService
from caseload_app.services.errors import NotFound, PermissionDenied, UserError
from caseload_app.services.who import UNNAMED_ON_A_LAPTOP, access_for

__all__ = ["UNNAMED_ON_A_LAPTOP", "access_for"]  # kept where callers have always found them

# A PostgreSQL login the app can create without quoting surprises: lower case, digits, . _ -
LOGIN = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")


@dataclass(frozen=True)
class PersonInfo:
    id: int
    login: str
    name: str
    caseworker_id: int | None
    caseworker: str
    roles: frozenset[Role]
    active: bool
    version: int


def check_login(login: str) -> str:
    login = login.strip()
    if not LOGIN.match(login):
        raise ValidationError(
            "A login is 2 to 63 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter (for example asha.patel)."
        )
    return login


def check_roles(roles: frozenset[Role] | set[Role] | str) -> frozenset[Role]:
    if isinstance(roles, str):
        try:
            roles = parse_roles(roles)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
    try:
        roles = frozenset(Role(r) for r in roles)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if not roles:
        raise ValidationError("Give at least one role.")
    if Role.READ_ONLY in roles and len(roles) > 1:
        raise ValidationError("Read-only is a role on its own; it cannot be combined.")
    return roles


class PeopleService(UserService):
    """Adding people, changing their roles and disabling them: administrators only (or,
    before anyone is set up, the laptop's single user)."""

    def people(self) -> list[PersonInfo]:
        with self._db.read() as s:
            workers: dict[int | None, str] = dict(
                s.execute(select(Caseworker.id, Caseworker.name)).all()
            )
            return [
                _info(p, workers.get(p.caseworker_id, ""))
                for p in s.scalars(select(AppUser).order_by(AppUser.name))
            ]

    def add_person(
        self,
        login: str,
        name: str,
        roles: frozenset[Role] | set[Role] | str,
        caseworker_id: int | None = None,
        password: str | None = None,
    ) -> int:
        """On a team database this also creates their PostgreSQL login (with `password`,
        or none yet: they cannot sign in until one is set)."""
        login, roles = check_login(login), check_roles(roles)
        name = name.strip()
        if not name:
            raise ValidationError("Give the person's name as it should appear on screen.")
        with self._db.uow() as s:
            self._require(s, Can.USERS)
            if s.scalar(select(AppUser.id).where(AppUser.login == login)) is not None:
                raise UserError(f"There is already someone with the login {login}.")
            self._check_caseworker(s, caseworker_id)
            person = AppUser(
                login=login,
                name=name,
                caseworker_id=caseworker_id,
                roles=roles_text(roles),
                active=True,
                updated_by=self.user,
                updated_at=self._now(),
            )
            s.add(person)
            if self._on_server():
                _on_server_login(pg_security.create_login, s.connection(), login, password, roles)
            detail = f"{login} ({name}): {roles_text(roles)}"
            records.audit(s, self.user, self._now(), "create", person, None, detail)
            self._keep_an_administrator(s)
            return person.id

    def set_roles(self, login: str, roles: frozenset[Role] | set[Role] | str) -> None:
        roles = check_roles(roles)
        with self._db.uow() as s:
            self._require(s, Can.USERS)
            person = self._person(s, login)
            old = person.roles
            person.roles = roles_text(roles)
            if self._on_server():
                _on_server_login(pg_security.set_groups, s.connection(), login, roles)
            self._stamp(s, person, f"roles: {old} → {person.roles}")

    def set_active(self, login: str, active: bool) -> None:
        with self._db.uow() as s:
            self._require(s, Can.USERS)
            person = self._person(s, login)
            person.active = active
            if self._on_server():  # a disabled person cannot even connect
                _on_server_login(pg_security.set_login_enabled, s.connection(), login, active)
            self._stamp(s, person, "enabled" if active else "disabled")

    def set_password(self, login: str, password: str) -> None:
        """A team-database password: an administrator's for anyone, or your own."""
        if len(password) < 12:
            raise ValidationError("A password is at least 12 characters.")
        if not self._on_server():
            raise UserError("A laptop file has no passwords: the computer's sign-in protects it.")
        with self._db.uow() as s:
            person = self._person(s, login)
            if person.login != access_for(s, self.user).login:
                self._require(s, Can.USERS)
            _on_server_login(pg_security.set_password, s.connection(), login, password)
            self._stamp(s, person, "password changed")

    def set_caseworker(self, login: str, caseworker_id: int | None) -> None:
        with self._db.uow() as s:
            self._require(s, Can.USERS)
            person = self._person(s, login)
            self._check_caseworker(s, caseworker_id)
            person.caseworker_id = caseworker_id
            self._stamp(s, person, f"caseworker: {caseworker_id or '(none)'}")

    # ------------------------------------------------------------------ helpers
    def _on_server(self) -> bool:
        return not self._db.is_sqlite

    def _person(self, s: Session, login: str) -> AppUser:
        person = s.scalar(select(AppUser).where(AppUser.login == login))
        if person is None:
            raise NotFound(f"There is nobody with the login {login}.")
        return person

    def _check_caseworker(self, s: Session, caseworker_id: int | None) -> None:
        if caseworker_id is not None and s.get(Caseworker, caseworker_id) is None:
            raise NotFound(f"There is no caseworker with id {caseworker_id}.")

    def _stamp(self, s: Session, person: AppUser, detail: str) -> None:
        person.updated_by, person.updated_at = self.user, self._now()
        records.audit(
            s, self.user, self._now(), "update", person, None, f"{person.login}: {detail}"
        )
        self._keep_an_administrator(s)

    def _keep_an_administrator(self, s: Session) -> None:
        """Nobody may leave the team without an active administrator, or lock themselves
        out of administration: the change is refused (rolled back) instead."""
        s.flush()
        me = access_for(s, self.user)
        if not me.can(Can.USERS):
            raise UserError(
                "That would take away your own administrator role; ask another "
                "administrator to make this change."
            )


def _info(p: AppUser, caseworker: str) -> PersonInfo:
    return PersonInfo(
        id=p.id,
        login=p.login,
        name=p.name,
        caseworker_id=p.caseworker_id,
        caseworker=caseworker,
        roles=parse_roles(p.roles),
        active=p.active,
        version=p.version,
    )


def _on_server_login(change, *args) -> None:
    """A change to a person's PostgreSQL login; the server's refusal (a login caseload did
    not create, or one holding other server roles) in its own plain words."""
    try:
        change(*args)
    except pg_security.LoginRefused as exc:
        raise PermissionDenied(str(exc)) from None
