"""Upgrading a database made before 0014, on SQLite and on PostgreSQL: its cases and Tribunal
orders stay as they were, and a re-assessment can be recorded on a plan made before it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from alembic import command
from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database
from caseload_app.services.casework import CaseworkService
from tests.helpers import NOW, TODAY


def test_a_plan_made_before_0014_keeps_its_rows_and_takes_a_re_assessment(empty_url, tmp_path):
    engine = make_engine(empty_url)
    command.upgrade(migrate.alembic_config(engine), "0013")
    rows = (
        "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
        "VALUES (1, '', '', false, 1)",
        "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
        "version) VALUES (1, 1, 'A', 'B', '2010-05-04', '', 1)",
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "exception_limits, version) VALUES (1, 1, '2024-01-10', 'plan_issued', true, "
        "'2024-05-20', '', 1)",
        "INSERT INTO tribunal_order (id, case_id, order_date, kind, unopposed, recorded_by, "
        "version) VALUES (1, 1, '2026-09-07', 'maintain', false, 'Asha Patel', 1)",
    )
    with engine.begin() as con:
        for row in rows:
            con.execute(text(row))
    engine.dispose()
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        stage, final = s.execute(text("SELECT stage, final_issued FROM ehcp_case")).one()
        orders = s.execute(text("SELECT kind FROM tribunal_order")).scalars().all()
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
    final = final if isinstance(final, date) else date.fromisoformat(final)
    assert (stage, final, orders, version) == (
        "plan_issued",
        date(2024, 5, 20),
        ["maintain"],
        "0014",
    )
    work = CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    work.record_reassessment_request(1, date(2026, 11, 16), "parent", date(2024, 4, 1))
    (step,) = work.get_case(1, opened=False).reassessments
    db.dispose()
    assert (step.step.due, step.too_soon) == (date(2026, 12, 1), None)
