"""Upgrading a database made before 0017, on SQLite and on PostgreSQL: a maintained plan keeps
its dates and stored next step, and has no transfer in or move away recorded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from caseload_app.db import migrate
from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded

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


def test_a_plan_from_before_0017_keeps_its_review_date_and_has_no_transfer(empty_url, tmp_path):
    rows = (
        *one_child("2012-02-29"),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "last_review, next_step, next_due, version) VALUES (1, 1, '2023-01-10', 'plan_issued', "
        "true, '2023-05-20', '2025-12-01', 'annual_review', '2026-11-30', 1)",
    )
    at_revision(empty_url, "0016", rows)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        version = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        row = s.execute(
            text(f"SELECT last_review, next_step, next_due, {', '.join(_NEW)} FROM ehcp_case")
        ).one()
    db.dispose()
    assert version == migrate.HEAD
    assert (as_date(row[0]), row[1], as_date(row[2])) == (
        date(2025, 12, 1), "annual_review", date(2026, 11, 30),
    )  # fmt: skip
    assert tuple(row[3:]) == (None,) * len(_NEW)
