"""Upgrading a database made before 0012, on SQLite and on PostgreSQL: the new table of schools
consulted starts empty, and a "School or college consulted" stage step recorded before it
stays as it was (the two complement each other: the step is a dated note, the table holds
each school's 15 days)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database


def test_school_consultations_arrive_empty_and_old_steps_stay(empty_url, tmp_path):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0011")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2016-05-04', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
        "VALUES (1, 1, '2026-07-01', 'draft_issued', true, 1)",
        "INSERT INTO stage_event (id, case_id, action, on_date, by, recorded_at, note) "
        "VALUES (1, 1, 'school_consulted', '2026-10-06', 'Asha', '2026-10-06 09:00', "
        "'Harbourside Primary')",
    )
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    assert "school_consultation" not in inspect(engine).get_table_names()
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
        consulted = s.execute(text("SELECT count(*) FROM school_consultation")).scalar()
        step = s.execute(text("SELECT action, on_date, note FROM stage_event")).one()
        columns = {c["name"] for c in inspect(s.connection()).get_columns("school_consultation")}
    db.dispose()
    assert (version, consulted) == (migrate.HEAD, 0)  # upgraded to the newest
    on = step[1] if isinstance(step[1], date) else date.fromisoformat(step[1])
    assert (step[0], on, step[2]) == ("school_consulted", date(2026, 10, 6), "Harbourside Primary")
    assert {"school", "requested_by", "sent", "response_due", "response", "response_received",
            "decision", "decision_date", "grounds", "reasons"} <= columns  # fmt: skip
