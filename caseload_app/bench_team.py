"""The benchmark on a team database: `caseload bench --team-url URL` (issue 28).

Run as the database's owner (the URL of `caseload admin init`). An empty database is filled
first: the demo is written to a laptop file of the chosen size and moved in, as
`caseload admin migrate` moves one. Then, for each chosen role, a login of that role signs
in through the app (row-level security on) and the list, reading a case, the workload board
and the weekly report's figures are timed. Every SQL statement the app sent is recorded and
counted (each is one round trip to the server), then the very same statements are sent again
by hand as the owner, whom row-level security does not filter: app ÷ raw is what the
policies and the app's own work cost. With --latency-ms both go through a proxy on
127.0.0.1 that adds that round trip, as a council's network would.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from caseload_app.bench import (
    AS_OF,
    Measure,
    database,
    first_page,
    held_cases,
    timed,
    top_up_contacts,
)
from caseload_app.bench_proxy import LatencyProxy
from caseload_app.domain.access import Role
from caseload_app.services.errors import UserError

ROLES = {"lead": Role.LEAD, "caseworker": Role.CASEWORKER, "reader": Role.READ_ONLY}
ADMIN_NAME = "Bench Administrator"


@dataclass
class Sent:
    """The statements an action sent, in order, to be sent again by hand: each in a message
    of its own, or several in one as db.batch sends them (on one cursor)."""

    messages: list[list[tuple[str, Any]]]  # as handed to psycopg: SQL and its parameters
    _cursors: list[Any]  # each message's cursor (kept, so that none is taken for another's)

    def __len__(self) -> int:
        return sum(len(m) for m in self.messages)

    def add(self, cursor, statement: str, parameters) -> None:
        if self._cursors and self._cursors[-1] is cursor:
            self.messages[-1].append((statement, parameters))
        else:
            self.messages.append([(statement, parameters)])
            self._cursors.append(cursor)


@contextlib.contextmanager
def recording(engine) -> Iterator[Sent]:
    sent = Sent([], [])

    def record(_conn, cursor, statement, parameters, _context, executemany) -> None:
        sent.add(cursor, statement, parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def replay(conn: psycopg.Connection, sent: Sent) -> None:
    """The same statements by hand, in one transaction, rolled back (an audit entry the
    app wrote is not written twice); those the app sent together, together."""
    with conn.cursor() as cur, psycopg.ClientCursor(conn) as together:
        for message in sent.messages:
            if len(message) == 1:
                [(statement, parameters)] = message
                cur.execute(statement, parameters or None)
                if cur.description is not None:
                    cur.fetchall()
                continue
            together.execute(";\n".join(together.mogrify(q, p) for q, p in message))
            while True:
                together.fetchall()
                if not together.nextset():
                    break
    conn.rollback()


def tag(url: URL) -> str:
    """What makes the bench's logins this database's own (logins are the whole server's)."""
    return re.sub(r"[^a-z0-9]+", "-", (url.database or "db").lower()).strip("-")[:40]


@dataclass(frozen=True)
class Team:
    owner_url: URL
    case_id: int
    caseworker_id: int | None
    logins: dict[str, tuple[str, str]]  # role's short name → (login, password)


def prepare(owner_url: str, children: int, laptop: Path, roles: list[str]) -> Team:
    """The team database filled (if empty) and a login for each role, with a new password."""
    from caseload_app.db.engine import open_database
    from caseload_app.services.transfer import move_laptop_file

    url = make_url(owner_url)
    owner = open_database(owner_url)
    try:
        if not held_cases(owner):
            _fill(laptop, children)
            owner.dispose()
            print(f"Moving {laptop} into the team database …", flush=True)
            print(move_laptop_file(laptop, owner_url).summary(), flush=True)
            owner = open_database(owner_url)
        suffix = tag(url)
        people = _administrator(owner, f"bench-admin.{suffix}")
        case_id, caseworker_id = _busiest(owner)
        logins = _logins(people, suffix, roles, caseworker_id)
    finally:
        owner.dispose()
    return Team(url, case_id, caseworker_id, logins)


def _fill(laptop: Path, children: int) -> None:
    import sqlite3

    db = database(laptop, children)
    try:
        with sqlite3.connect(f"file:{laptop}?mode=ro", uri=True) as raw:
            top_up_contacts(db, raw)
    finally:
        db.dispose()


def _busiest(owner) -> tuple[int, int | None]:
    """The open case whose family has the most communications, and its caseworker."""
    with owner.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT c.id, c.caseworker_id FROM ehcp_case c JOIN child ch ON ch.id = c.child_id "
            "LEFT JOIN communication m ON m.family_id = ch.family_id WHERE c.is_open "
            "AND c.caseworker_id IS NOT NULL GROUP BY c.id ORDER BY count(m.id) DESC, c.id "
            "LIMIT 1"
        ).first()
    if row is None:
        raise UserError("The team database has no open case with a caseworker to open.")
    return row[0], row[1]


def _logins(people, suffix: str, roles: list[str], caseworker_id: int | None) -> dict:
    """A login for each role, with a new password, added by the bench's own administrator
    (`people`: the first person, on a database filled by the bench)."""
    known = {p.login for p in people.people()}
    logins = {}
    for short in roles:
        login, password = f"bench-{short}.{suffix}", secrets.token_urlsafe(18)
        if login in known:
            people.set_active(login, True)  # disabled at the end of the last run
            people.set_password(login, password)
        else:
            worker = caseworker_id if ROLES[short] == Role.CASEWORKER else None
            people.add_person(login, f"Bench {short}", {ROLES[short]}, worker, password)
        logins[short] = (login, password)
    return logins


def _administrator(owner, admin: str):
    from caseload_app.services.people import PeopleService

    people = PeopleService(owner, admin)
    known = {p.login for p in people.people()}
    if admin in known:
        return people
    if known:
        raise UserError(
            "caseload bench signs in with logins of its own, which only its own administrator "
            "may add: run it on an empty database (it is filled with the demo), not on a "
            "copy of your team's."
        )
    # The first person sets themselves up; nobody will sign in with this password.
    people.add_person(admin, ADMIN_NAME, {Role.ADMIN}, password=secrets.token_urlsafe(18))
    return people


def retire(owner_url: str, team: Team) -> None:
    """The role logins disabled once timed: nobody signs in with them between runs."""
    from caseload_app.db.engine import open_database
    from caseload_app.services.people import PeopleService

    owner = open_database(owner_url)
    try:
        people = PeopleService(owner, f"bench-admin.{tag(team.owner_url)}")
        for login, _password in team.logins.values():
            people.set_active(login, False)
    finally:
        owner.dispose()


def run(team: Team, runs: int, latency_ms: float) -> list[Measure]:
    """Every connection goes through the proxy, which counts round trips (and adds the
    latency, if any)."""
    url = team.owner_url
    measures = []
    with LatencyProxy(url.host or "127.0.0.1", url.port or 5432, latency_ms) as proxy:
        via = url.set(host="127.0.0.1", port=proxy.port)
        with _by_hand(via) as owner:
            for short, (login, password) in team.logins.items():
                as_role = via.set(username=login, password=password)
                with _by_hand(as_role) as policed:
                    raw = (owner, policed)
                    measures += _role(short, login, as_role, team, raw, proxy, runs)
    return measures


def _by_hand(url: URL) -> psycopg.Connection:
    return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))


def _role(
    short: str, login: str, url: URL, team: Team, raw: tuple, proxy: LatencyProxy, runs: int
) -> list[Measure]:
    from caseload_app.db.engine import open_database
    from caseload_app.services.case_window import CaseWindowService
    from caseload_app.services.casework import CaseworkService
    from caseload_app.services.errors import PermissionDenied
    from caseload_app.services.weekly import WeeklyReportService
    from caseload_app.services.workload import WorkloadService

    today = lambda: AS_OF  # noqa: E731
    db = open_database(url.render_as_string(hide_password=False))
    try:
        work = CaseworkService(db, login, today=today)
        window = CaseWindowService(db, today=today)
        actions = [
            ("case list", 1000.0, lambda: first_page(window, team.caseworker_id)),
            ("read a case", 100.0, lambda: work.get_case(team.case_id, opened=False)),
            ("workload board", 300.0, WorkloadService(db, login, today=today).board),
            (
                "weekly report's figures",
                2000.0,
                lambda: WeeklyReportService(db, login, today=today).report(
                    date(2026, 11, 20), forecast=False
                ),
            ),
        ]
        out = []
        for name, target, call in actions:
            try:
                with recording(db.engine) as sent, counting(proxy) as trips:
                    call()  # warm, and the statements it sends
            except PermissionDenied:
                print(f"  {short}: {name} is not open to this role", flush=True)
                continue
            samples = timed(call, runs)
            owner, policed = (_replayed(c, sent, runs) for c in raw)
            out.append(
                Measure.of(
                    f"{name} as {short}",
                    target,
                    samples,
                    raw_median=owner,
                    policed_median=policed,
                    statements=len(sent),
                    round_trips=trips[0],
                )
            )
        out.append(_open_case(short, db, work, team.case_id, proxy, runs))
        return out
    finally:
        db.dispose()


def _replayed(conn: psycopg.Connection, sent: Sent, runs: int) -> float:
    return statistics.median(timed(lambda: replay(conn, sent), runs))


def _open_case(short: str, db, work, case_id: int, proxy: LatencyProxy, runs: int) -> Measure:
    """Opening a case as a person does: the read and its audit entry, one transaction."""
    with recording(db.engine) as sent, counting(proxy) as trips:
        work.get_case(case_id)
    samples = timed(lambda: work.get_case(case_id), runs)
    return Measure.of(
        f"open a case as {short}", 100.0, samples, statements=len(sent), round_trips=trips[0]
    )


@contextlib.contextmanager
def counting(proxy: LatencyProxy) -> Iterator[list[int]]:
    """The round trips made inside the block (in [0] once it ends)."""
    found = [0]
    before = proxy.requests
    try:
        yield found
    finally:
        found[0] = proxy.requests - before
