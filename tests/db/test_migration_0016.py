"""Upgrading a database made before 0016, on SQLite and on PostgreSQL: a case with a plan and
a phase transfer recorded keeps them, and has no post-16 move (Reg 18(2)) until one is
recorded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database


def test_a_case_made_before_0016_keeps_its_phase_transfer_and_has_no_post16_move(
    empty_url, tmp_path
):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0013")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2008-03-10', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "phase_transfer_year, phase_transfer_kind, version) VALUES (1, 1, '2024-01-10', "
        "'plan_issued', true, '2024-05-20', 2024, 'secondary-post16', 3)",
    )
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        row = s.execute(
            text(
                "SELECT final_issued, phase_transfer_year, phase_transfer_kind, version, "
                "post16_move_date, post16_move_to, post16_amended FROM ehcp_case"
            )
        ).one()
        stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.dispose()
    issued = row[0] if isinstance(row[0], date) else date.fromisoformat(row[0])
    assert (issued, *row[1:]) == (
        date(2024, 5, 20), 2024, "secondary-post16", 3, None, None, None,
    )  # fmt: skip
    assert stamped == migrate.HEAD
