"""Upgrading a database made before 0013, on SQLite and on PostgreSQL: a plan ceased with only
written reasons keeps them, and has no proposal, coded reason or consultation dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database


def test_a_plan_ceased_before_0013_keeps_its_written_reasons(empty_url, tmp_path):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0012")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2010-05-04', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "ceased_date, outcome_reason, version) VALUES (1, 1, '2024-01-10', 'ceased', false, "
        "'2024-05-20', '2026-06-30', 'Moved to Wales', 1)",
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
                "SELECT ceased_date, outcome_reason, cease_proposed, cease_reason, "
                "cease_family_consulted, cease_school_consulted FROM ehcp_case"
            )
        ).one()
    db.dispose()
    ceased = row[0] if isinstance(row[0], date) else date.fromisoformat(row[0])
    assert (ceased, *row[1:]) == (date(2026, 6, 30), "Moved to Wales", None, None, None, None)
