"""Upgrading a database made before 0010, on SQLite and on PostgreSQL: each advice request
gets the day it was sent as the day the adviser received it, so its due date stands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database


def test_advice_requests_keep_their_dates(empty_url, tmp_path):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0009")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2016-05-04', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
        "VALUES (1, 1, '2026-07-01', 'assessment', true, 1)",
        "INSERT INTO advice_request (id, case_id, advice_type, requested, due, chases, version) "
        "VALUES (1, 1, 'ep', '2026-08-06', '2026-09-17', 0, 1)",
    )
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        row = s.execute(
            text("SELECT requested, received_by_adviser, due FROM advice_request")
        ).one()
    db.dispose()
    as_dates = [d if isinstance(d, date) else date.fromisoformat(d) for d in row]
    assert as_dates == [date(2026, 8, 6), date(2026, 8, 6), date(2026, 9, 17)]
