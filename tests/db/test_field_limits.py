"""The database holds the forms' limits itself, on SQLite and on PostgreSQL, and a value it
refuses gets a plain message that never quotes the value: not a traceback, and not "the
connection was lost"."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import insert, inspect, select, update

from caseload_app.db.engine import RefusedValue, StorageError
from caseload_app.db.models import Child, Communication, Family
from caseload_app.domain.text import LIMITS
from tests.helpers import HEADER, NOW, new_case

SECRET = "Zebedee"  # stands for a child's data: never in a message, a log or a traceback


def test_the_migrations_hold_the_same_limits_as_the_forms_and_the_import():
    frozen = {}
    for name in (
        "0007_one_child_per_identifier",
        "0025_placements_establishments",
        "0026_advice_providers",
    ):
        migration = importlib.import_module(f"caseload_app.db.migrations.versions.{name}")
        frozen |= {
            f"{table}.{column}": limit
            for table, columns in migration.LIMITS.items()
            for column, limit in columns.items()
        }
    assert frozen == {column: limit.length for column, limit in LIMITS.items()}


def test_every_limited_column_has_its_check_constraint(db):
    tables = {key.split(".")[0] for key in LIMITS}
    with db.engine.connect() as con:
        found = {
            check["name"]: check["sqltext"]
            for table in tables
            for check in inspect(con).get_check_constraints(table)
        }
    for key, limit in LIMITS.items():
        table, column = key.split(".")
        rule = found[f"ck_{table}_{column}_length"]
        assert column in rule
        assert str(limit.length) in rule


def _family(s) -> int:
    return s.execute(
        insert(Family).values(parent_carer_name="", address="", version=1).returning(Family.id)
    ).scalar_one()


def test_an_address_over_its_limit_is_refused_by_the_database_with_a_plain_message(db, caplog):
    """Past every service check (a statement of its own), on both engines: the CHECK
    constraint refuses it, and the message names the field, not the value."""
    with caplog.at_level(logging.DEBUG), pytest.raises(RefusedValue) as refused, db.uow() as s:
        family_id = _family(s)
        s.execute(update(Family).where(Family.id == family_id).values(address=SECRET * 80))
    assert refused.value.column == "family.address"
    assert str(refused.value).startswith(
        "Not saved: Address is longer than the 500 characters the database allows."
    )
    assert not refused.value.retryable
    assert SECRET not in str(refused.value)
    assert SECRET not in caplog.text
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__


@pytest.mark.parametrize("column", ["first_name", "last_name"])
def test_a_name_of_5000_characters_is_refused_by_the_database(db, column):
    with pytest.raises(RefusedValue) as refused, db.uow() as s:
        values = dict(first_name="Zoe", last_name="Smith", date_of_birth=date(2016, 5, 4))
        values[column] = SECRET * 700
        s.execute(insert(Child).values(family_id=_family(s), search_text="", version=1, **values))
    message = str(refused.value)
    assert SECRET not in message
    assert "longer than" in message
    if db.is_sqlite:  # PostgreSQL's own type length (varchar) refuses first, naming no column
        assert refused.value.column == f"child.{column}"


def test_a_nul_byte_on_a_team_database_is_a_refused_value_not_a_lost_connection(db):
    """psycopg refuses a NUL in text before it reaches the server; that once read as "the
    connection to the team database was lost" and the form retried for ever."""
    case_id, work = new_case(db)
    summary = f"Rang {SECRET}\x00"
    if db.is_sqlite:  # SQLite stores it as it is
        work.log_communication(case_id, NOW, "phone", "in", "Ms B", summary)
        return
    with pytest.raises(StorageError) as refused:
        work.log_communication(case_id, NOW, "phone", "in", "Ms B", summary)
    assert isinstance(refused.value, RefusedValue)
    assert not refused.value.retryable
    message = str(refused.value)
    assert "NUL character" in message
    assert "connection" not in message
    assert SECRET not in message
    with db.read() as s:
        assert s.scalar(select(Communication.id)) is None


@pytest.mark.slow
def test_the_command_line_import_of_a_huge_name_into_a_team_database_explains(
    pg_database, tmp_path
):
    """The attack as it was made: a 5,000-character name, imported on the command line into
    a team database, crashed with a traceback holding the child's data."""
    sheet = tmp_path / "sheet.csv"
    row = f"{SECRET * 700},Smith,2014-05-05,,,,ASD,,2026-01-05,assessment,,,,,"
    sheet.write_text(f"{HEADER}\r\n{row}\r\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "caseload_app", "import", "--db", pg_database, str(sheet)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "row 2, column child_first_name: First name is 4,900 characters long" in done.stderr
    assert "Traceback" not in done.stderr
    assert SECRET not in done.stderr + done.stdout
