"""Upgrading a database made before 0007, on SQLite and on PostgreSQL: children who already
share an identifier are kept as they are, and from then on no new child can take a recorded
UPN or NHS number."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database

CHILD = (
    "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, upn, nhs_number, "
    "search_text, version) VALUES (:id, 1, 'Child', :last, '2016-05-04', :upn, :nhs, '', 1)"
)
UPN_A, UPN_B, NHS_A = "L837201500012", "H83720150001A", "4010232137"


def at_0006_with_shared_identifiers(url: str) -> None:
    engine = make_engine(url)
    command.upgrade(migrate.alembic_config(engine), "0006")
    with engine.begin() as con:
        con.execute(text("INSERT INTO family (id, parent_carer_name, address, interpreter_needed, "
                         "version) VALUES (1, '', '', false, 1)"))  # fmt: skip
        for id_, upn, nhs in (
            (1, UPN_A, NHS_A),
            (2, UPN_A, None),  # the same sheet imported twice at once
            (3, UPN_A, NHS_A),
            (4, UPN_B, None),
            (5, None, None),
            (6, None, None),
        ):
            con.execute(text(CHILD), dict(id=id_, last=f"N{id_}", upn=upn, nhs=nhs))
    engine.dispose()


def test_an_old_database_with_shared_identifiers_upgrades_and_refuses_new_ones(
    empty_url, caplog, tmp_path
):
    at_0006_with_shared_identifiers(empty_url)
    with caplog.at_level(logging.WARNING, logger="caseload_app"):
        target = empty_url.removeprefix("sqlite:///")  # a file by its path, like the app
        db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    logged = caplog.text
    assert "2 children share a upn" in logged
    assert "1 children share a nhs_number" in logged
    assert UPN_A not in logged
    assert NHS_A not in logged
    with db.read() as s:
        kept = s.execute(text("SELECT id, upn, nhs_number FROM child ORDER BY id")).all()
    assert [tuple(r) for r in kept] == [
        (1, UPN_A, NHS_A),
        (2, UPN_A, None),
        (3, UPN_A, NHS_A),
        (4, UPN_B, None),
        (5, None, None),
        (6, None, None),
    ]
    for id_, upn, nhs in ((7, UPN_A, None), (8, UPN_B, None), (9, None, NHS_A)):
        with pytest.raises(IntegrityError), db.engine.begin() as con:
            con.execute(text(CHILD), dict(id=id_, last="New", upn=upn, nhs=nhs))
    with db.engine.begin() as con:  # a child without identifiers, or with new ones, is fine
        con.execute(text(CHILD), dict(id=10, last="New", upn=None, nhs=None))
        con.execute(text(CHILD), dict(id=11, last="New", upn="ANOTHER", nhs="ANOTHER"))
    db.dispose()


def test_search_keys_made_before_names_were_cleaned_find_the_child_after_the_upgrade(
    empty_url, tmp_path
):
    from caseload_app.domain.text import matches

    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0006")
    old_key = "an\u200bna smith\x1fan\u200bnasmith\x1fms  jo\u202e smith"  # as 0006 stored it
    with engine.begin() as con:
        con.execute(text("INSERT INTO family (id, parent_carer_name, address, interpreter_needed, "
                         "version) VALUES (1, '', '', false, 1)"))  # fmt: skip
        con.execute(
            text(CHILD.replace("''", ":key")),
            dict(id=1, last="Smith", upn=None, nhs=None, key=old_key),
        )
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        (key,) = s.execute(text("SELECT search_text FROM child")).one()
    db.dispose()
    assert key == "anna smith\x1fannasmith\x1fms jo smith"
    assert matches("anna smith", key)
    assert matches("ms jo", key)


def test_values_already_over_a_limit_are_kept_and_shortened_at_their_next_save(
    empty_url, caplog, tmp_path
):
    """An address of 600 characters (and, on SQLite, a 5,000-character name imported before
    this version) survives the upgrade untouched; saving it again means shortening it, and
    the refusal says so plainly."""
    from sqlalchemy import update

    from caseload_app.db.engine import RefusedValue
    from caseload_app.db.models import Child, Family

    at_0006_with_shared_identifiers(empty_url)
    sqlite = empty_url.startswith("sqlite")
    engine = make_engine(empty_url)
    with engine.begin() as con:
        con.execute(text("UPDATE family SET address = :a"), {"a": "Flat 1 " * 86})  # 602
        if sqlite:
            con.execute(text("UPDATE child SET first_name = :n WHERE id = 5"), {"n": "Z" * 5000})
    engine.dispose()
    with caplog.at_level(logging.WARNING, logger="caseload_app"):
        target = empty_url.removeprefix("sqlite:///")
        db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    assert "1 family rows have a address longer than 500 characters" in caplog.text
    assert ("1 child rows have a first_name longer than 100" in caplog.text) == sqlite
    with db.read() as s:
        assert len(s.scalar(text("SELECT address FROM family"))) == 602
    # PostgreSQL checks every rule of a row it saves; SQLite only those of the columns saved.
    other_field = update(Family).values(postcode="BH1 1AA")
    still_long = update(Family).values(address="Flat 2 " * 86)
    for change in [still_long] if sqlite else [other_field, still_long]:
        with pytest.raises(RefusedValue, match="Address is longer") as refused, db.uow() as s:
            s.execute(change)
        assert refused.value.column == "family.address"
    with db.uow() as s:
        s.execute(update(Family).values(address="Flat 1", postcode="BH1 1AA"))
    if sqlite:
        refused_name = pytest.raises(RefusedValue, match="First name is longer than the 100")
        with refused_name, db.uow() as s:
            s.execute(update(Child).where(Child.id == 5).values(first_name="Z" * 101))
    db.dispose()
