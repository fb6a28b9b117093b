"""A team database on a real PostgreSQL server, with people signed in on their own logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import psycopg
import pytest

from caseload_app.db.engine import Database, open_database
from caseload_app.services.requests import RequestService
from caseload_app.services.team import TeamService
from tests.helpers import NOW, TODAY, add_person, plain_request

# login → (name, roles); Asha and Ben are caseworkers with a case each.
PEOPLE = {
    "asha": ("Asha Patel", "caseworker"),
    "ben": ("Ben Okafor", "caseworker"),
    "lee": ("Lee Lead", "team_lead"),
    "dee": ("Dee Admin", "administrator"),
    "ravi": ("Ravi Reader", "read_only"),
}


@dataclass
class TeamServer:
    owner: Database  # the owner's connection (as `caseload admin init` uses)
    url: str  # the owner's URL
    passwords: dict[str, str]
    case_a: int  # Asha's
    case_b: int  # Ben's
    asha: int
    ben: int
    opened: list = field(default_factory=list)
    pools: dict = field(default_factory=dict)
    raws: dict = field(default_factory=dict)

    def url_for(self, login: str) -> str:
        from urllib.parse import quote

        rest = self.url.split("@", 1)[1]
        return f"postgresql+psycopg://{quote(login)}:{quote(self.passwords[login])}@{rest}"

    def database(self, login: str) -> Database:
        """The team database as `login` signs in to it."""
        db = open_database(self.url_for(login))
        self.opened.append(db)
        return db

    def signed_in(self, login: str) -> Database:
        """`login`'s one connection pool, opened on first use."""
        if login not in self.pools:
            self.pools[login] = self.database(login)
        return self.pools[login]

    def raw(self, login: str, *, fresh: bool = False) -> psycopg.Connection:
        """A plain psycopg connection as `login`: a home-made client, past the app (one per
        login, unless `fresh`)."""
        if fresh or login not in self.raws:
            conn = psycopg.connect(self.url_for(login).replace("+psycopg", ""))
            self.opened.append(conn)
            if fresh:
                return conn
            self.raws[login] = conn
        return self.raws[login]

    def service(self, cls, login: str, db: Database | None = None):
        return cls(db or self.database(login), login, today=lambda: TODAY, now=lambda: NOW)


@pytest.fixture
def team_server(pg_database) -> TeamServer:
    owner = open_database(pg_database)
    lead = TeamService(owner, "setup", today=lambda: TODAY, now=lambda: NOW)
    asha, ben = lead.add_caseworker("Asha Patel"), lead.add_caseworker("Ben Okafor")
    requests = RequestService(owner, "setup", today=lambda: TODAY, now=lambda: NOW)
    case_a = requests.create(plain_request("Amy", asha))
    case_b = requests.create(plain_request("Bea", ben))
    passwords = {login: secrets.token_urlsafe(16) for login in PEOPLE}
    workers = {"asha": asha, "ben": ben}
    for login in ["dee"] + [p for p in PEOPLE if p != "dee"]:  # the administrator first
        name, roles = PEOPLE[login]
        add_person(
            owner,
            login,
            name,
            roles,
            caseworker_id=workers.get(login),
            by="Dee Admin" if login != "dee" else None,
            password=passwords[login],
        )
    server = TeamServer(owner, pg_database, passwords, case_a, case_b, asha, ben)
    yield server
    for thing in server.opened:
        thing.dispose() if isinstance(thing, Database) else thing.close()
    owner.dispose()
