"""db.batch.rows_of: several reads sent together (one message to a team database) give
exactly the rows that session.execute gives, one statement at a time, on both engines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, bindparam, func, literal, select

from caseload_app.db.batch import rows_of
from caseload_app.db.models import Caseworker, Communication, Family
from tests.helpers import new_case

AWKWARD = "O'Brien said \"100%\" ; -- \\ 'x'); DROP TABLE child; -- ünïcödé 🙂 %(id)s {0}"


def _awkward_family(db) -> int:
    case_id, work = new_case(db)
    family_id = work.get_case(case_id, opened=False).family.id
    with db.uow() as s:
        s.get(Family, family_id).address = AWKWARD
        for n, summary in enumerate([AWKWARD, "Rang", "%", "'"]):
            s.add(
                Communication(
                    family_id=family_id,
                    occurred_at=datetime(2026, 11, 2, 9, n),
                    channel="phone",
                    direction="out",
                    with_whom=AWKWARD[: 10 + n],
                    summary=summary,
                    logged_by="Asha Patel",
                    with_family=n % 2 == 0,
                )
            )
    return family_id


def test_rows_come_back_as_session_execute_gives_them(db):
    family_id = _awkward_family(db)
    statements = [
        select(Family.id, Family.address, Family.postcode).where(Family.id == family_id),
        select(Communication.__table__)
        .where(Communication.family_id == family_id)
        .order_by(Communication.occurred_at.desc()),
        select(Communication.id).where(Communication.summary == AWKWARD),  # quoted right
        select(Family.id).where(Family.id.in_([family_id, -1, -2])),  # an IN list
        select(Caseworker.id).where(Caseworker.id == -1),  # nothing
        select(func.count(Communication.id).label("how_many"), func.max(Communication.occurred_at)),
    ]
    with db.read() as s:
        together = rows_of(s, statements)
        apart = [s.execute(stmt).all() for stmt in statements]
    assert [[tuple(r) for r in rows] for rows in together] == [
        [tuple(r) for r in rows] for rows in apart
    ]
    family, comms, matched, listed, nothing, counted = together
    assert family[0].address == AWKWARD
    assert [c.summary for c in comms] == ["'", "%", "Rang", AWKWARD]
    assert [type(c.occurred_at) for c in comms] == [datetime] * 4
    assert [c.with_family for c in comms] == [False, True, False, True]
    assert len(matched) == 1 and listed == [(family_id,)] and nothing == []
    assert counted[0].how_many == 4 and counted[0][1] == datetime(2026, 11, 2, 9, 3)


def test_what_the_transaction_wrote_so_far_is_read(db):
    family_id = _awkward_family(db)
    with db.uow() as s:
        s.get(Family, family_id).postcode = "BH2 2BB"  # not flushed yet
        [[row]] = rows_of(s, [select(Family.postcode).where(Family.id == family_id)])
        assert row.postcode == "BH2 2BB"
        s.rollback()


def test_a_statement_made_once_takes_a_new_list_each_time(db):
    """An IN list bound when the statement is sent (an expanding bindparam), as the module
    suggests for what changes between calls: each call's own list, on both engines."""
    with db.uow() as s:
        s.add_all([Caseworker(name=name) for name in ("Asha Patel", "Ben Okafor", "Cy Dee")])
        s.flush()
        ids = s.scalars(select(Caseworker.id).order_by(Caseworker.id)).all()
        chosen = (
            select(Caseworker.name)
            .where(Caseworker.id.in_(bindparam("ids", expanding=True)))
            .order_by(Caseworker.id)
        )
        for wanted in ([ids[0]], ids[1:], []):
            [rows] = rows_of(s, [chosen], {"ids": wanted})
            assert [r.name for r in rows] == [r.name for r in s.execute(chosen, {"ids": wanted})]
        s.rollback()


def test_values_come_back_as_their_columns_types_say(db):
    """SQLAlchemy turns what the server sends into the column's Python type (a Float's
    numeric as a float): so do reads sent together."""
    half = select(literal(0.5, Float).label("half"), literal(date(2026, 1, 2), Date).label("on"))
    with db.read() as s:
        [[together]] = rows_of(s, [half])
        [apart] = s.execute(half).all()
    assert tuple(together) == tuple(apart) == (0.5, date(2026, 1, 2))
    assert [type(v) for v in together] == [type(v) for v in apart] == [float, date]
