"""Upgrading a database made before 0012, on SQLite and on PostgreSQL: the new table of schools
consulted starts empty, and a "School or college consulted" stage step recorded before it
stays as it was (the two complement each other: the step is a dated note, the table holds
each school's 15 days)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine
from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded


def test_school_consultations_arrive_empty_and_old_steps_stay(empty_url, tmp_path):
    rows = (
        *one_child(),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
        "VALUES (1, 1, '2026-07-01', 'draft_issued', true, 1)",
        "INSERT INTO stage_event (id, case_id, action, on_date, by, recorded_at, note) "
        "VALUES (1, 1, 'school_consulted', '2026-10-06', 'Asha', '2026-10-06 09:00', "
        "'Harbourside Primary')",
    )
    at_revision(empty_url, "0011", rows)
    engine = make_engine(empty_url)
    assert "school_consultation" not in inspect(engine).get_table_names()
    engine.dispose()
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
        consulted = s.execute(text("SELECT count(*) FROM school_consultation")).scalar()
        step = s.execute(text("SELECT action, on_date, note FROM stage_event")).one()
        columns = {c["name"] for c in inspect(s.connection()).get_columns("school_consultation")}
    db.dispose()
    assert (version, consulted) == (migrate.HEAD, 0)  # upgraded to the newest
    assert (step[0], as_date(step[1]), step[2]) == (
        "school_consulted", date(2026, 10, 6), "Harbourside Primary",
    )  # fmt: skip
    assert {"school", "requested_by", "sent", "response_due", "response", "response_received",
            "decision", "decision_date", "grounds", "reasons"} <= columns  # fmt: skip
