"""Upgrading a database made before 0015, on SQLite and on PostgreSQL: a maintained plan keeps
its dates and stored next step, and has no transfer in or move away recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database

_NEW = (
    "transferred_in",
    "transferred_from",
    "transfer_last_review",
    "transfer_family_told",
    "transfer_proposes_assessment",
    "moved_out",
    "moved_to",
    "move_aware",
    "plan_sent",
)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def test_a_plan_from_before_0015_keeps_its_review_date_and_has_no_transfer(empty_url, tmp_path):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0013")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2012-02-29', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "last_review, next_step, next_due, version) VALUES (1, 1, '2023-01-10', 'plan_issued', "
        "true, '2023-05-20', '2025-12-01', 'annual_review', '2026-11-30', 1)",
    )
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        row = s.execute(
            text(f"SELECT last_review, next_step, next_due, {', '.join(_NEW)} FROM ehcp_case")
        ).one()
    db.dispose()
    assert version == migrate.HEAD
    assert (_day(row[0]), row[1], _day(row[2])) == (
        date(2025, 12, 1),
        "annual_review",
        date(2026, 11, 30),
    )
    assert tuple(row[3:]) == (None,) * len(_NEW)
