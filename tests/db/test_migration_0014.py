"""Upgrading a database made before 0014, on SQLite and on PostgreSQL: its cases and Tribunal
orders stay as they were, and a re-assessment can be recorded on a plan made before it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from caseload_app.db import migrate
from caseload_app.services.casework import CaseworkService
from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded
from tests.helpers import NOW, TODAY


def test_a_plan_made_before_0014_keeps_its_rows_and_takes_a_re_assessment(empty_url, tmp_path):
    rows = (
        *one_child("2010-05-04"),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "exception_limits, version) VALUES (1, 1, '2024-01-10', 'plan_issued', true, "
        "'2024-05-20', '', 1)",
        "INSERT INTO tribunal_order (id, case_id, order_date, kind, unopposed, recorded_by, "
        "version) VALUES (1, 1, '2026-09-07', 'maintain', false, 'Asha Patel', 1)",
    )
    at_revision(empty_url, "0013", rows)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        stage, final = s.execute(text("SELECT stage, final_issued FROM ehcp_case")).one()
        orders = s.execute(text("SELECT kind FROM tribunal_order")).scalars().all()
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert (stage, as_date(final), orders, version) == (
        "plan_issued", date(2024, 5, 20), ["maintain"], migrate.HEAD,
    )  # fmt: skip
    work = CaseworkService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW)
    work.record_reassessment_request(1, date(2026, 11, 16), "parent", date(2024, 4, 1))
    (step,) = work.get_case(1, opened=False).reassessments
    db.dispose()
    assert (step.step.due, step.too_soon) == (date(2026, 12, 1), None)
