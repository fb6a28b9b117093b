"""A team database on a real PostgreSQL server, with people signed in on their own logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import psycopg
import pytest

from caseload_app.db.engine import Database, open_database
from caseload_app.services.requests import RequestService
from caseload_app.services.team import TeamService
from tests import pg_cluster
from tests.helpers import NOW, TODAY, add_person, login_tag, plain_request

# person → (name, roles); Asha and Ben are caseworkers with a case each. Each test database
# has its own logins for them (asha → asha.t1234n5: TeamServer.login), as the server's roles
# are shared by every database on it.
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
    passwords: dict[str, str]  # by person (asha) or by login
    case_a: int  # Asha's
    case_b: int  # Ben's
    asha: int
    ben: int
    opened: list = field(default_factory=list)
    pools: dict = field(default_factory=dict)
    raws: dict = field(default_factory=dict)

    def login(self, person: str) -> str:
        """The PostgreSQL login of `person` (asha, ben, …) in this test's database (a login
        already made so is kept)."""
        tag = login_tag(self.url)
        return person if person.endswith(f".{tag}") else f"{person}.{tag}"

    def password(self, person: str) -> str:
        return self.passwords[person]

    def url_for(self, person: str) -> str:
        from urllib.parse import quote

        rest = self.url.split("@", 1)[1]
        login, password = self.login(person), self.password(person)
        return f"postgresql+psycopg://{quote(login)}:{quote(password)}@{rest}"

    def database(self, person: str) -> Database:
        """The team database as `person` signs in to it."""
        db = open_database(self.url_for(person))
        self.opened.append(db)
        return db

    def signed_in(self, person: str) -> Database:
        """`person`'s one connection pool, opened on first use."""
        if person not in self.pools:
            self.pools[person] = self.database(person)
        return self.pools[person]

    def raw(self, person: str, *, fresh: bool = False) -> psycopg.Connection:
        """A plain psycopg connection as `person`: a home-made client, past the app (one per
        person, unless `fresh`)."""
        if fresh or person not in self.raws:
            conn = psycopg.connect(self.url_for(person).replace("+psycopg", ""))
            self.opened.append(conn)
            if fresh:
                return conn
            self.raws[person] = conn
        return self.raws[person]

    def service(self, cls, person: str, db: Database | None = None):
        login = self.login(person)
        return cls(db or self.database(person), login, today=lambda: TODAY, now=lambda: NOW)


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
    for person in ["dee"] + [p for p in PEOPLE if p != "dee"]:  # the administrator first
        name, roles = PEOPLE[person]
        add_person(
            owner,
            person,
            name,
            roles,
            caseworker_id=workers.get(person),
            by="Dee Admin" if person != "dee" else None,
            password=passwords[person],
        )
    server = TeamServer(owner, pg_database, passwords, case_a, case_b, asha, ben)
    yield server
    for thing in server.opened:
        thing.dispose() if isinstance(thing, Database) else thing.close()
    owner.dispose()


def superuser(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("+psycopg", ""), autocommit=True)


@pytest.fixture
def server_roles(team_server, pg_server):
    """Roles IT made on the same server, as a superuser: hr_runner (no login, may run
    programs on the server), hr_owner (owns another database, with a password of IT's),
    plain (no login, nothing else), middle (may run programs: a role to be a member of);
    and hr_database, hr_owner's, with its table salaries. Dropped afterwards."""
    tag = login_tag(team_server.url)
    names = {kind: f"{kind}.{tag}" for kind in ("hr_runner", "hr_owner", "plain", "middle")}
    other_db = f"hr_{tag}"
    with superuser(pg_server) as su:
        su.execute(f'CREATE ROLE "{names["hr_runner"]}" NOLOGIN')
        su.execute(f'GRANT pg_execute_server_program TO "{names["hr_runner"]}"')
        su.execute(f"CREATE ROLE \"{names['hr_owner']}\" LOGIN PASSWORD 'it-knows-this-one'")
        su.execute(f'CREATE ROLE "{names["plain"]}" NOLOGIN')
        su.execute(f'CREATE ROLE "{names["middle"]}" NOLOGIN')
        su.execute(f'GRANT pg_execute_server_program TO "{names["middle"]}"')
    pg_cluster.create_database(pg_server, other_db)
    with superuser(pg_cluster.database_url(pg_server, other_db)) as su:
        su.execute(f'ALTER DATABASE {other_db} OWNER TO "{names["hr_owner"]}"')
        su.execute("CREATE TABLE salaries (name text, pay int)")
        su.execute(f'ALTER TABLE salaries OWNER TO "{names["hr_owner"]}"')
    yield {**names, "hr_database": other_db}
    pg_cluster.drop_database(pg_server, other_db)
    pg_cluster.drop_roles(pg_server, list(names.values()))
