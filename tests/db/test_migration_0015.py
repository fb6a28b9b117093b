"""Upgrading a database made before 0015, on SQLite and on PostgreSQL: a case with a plan and
a phase transfer recorded keeps them, and has no post-16 move (Reg 18(2)) until one is
recorded."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from caseload_app.db import migrate
from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded


def test_a_case_made_before_0015_keeps_its_phase_transfer_and_has_no_post16_move(
    empty_url, tmp_path
):
    rows = (
        *one_child("2008-03-10"),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "phase_transfer_year, phase_transfer_kind, version) VALUES (1, 1, '2024-01-10', "
        "'plan_issued', true, '2024-05-20', 2024, 'secondary-post16', 3)",
    )
    at_revision(empty_url, "0014", rows)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        row = s.execute(
            text(
                "SELECT final_issued, phase_transfer_year, phase_transfer_kind, version, "
                "post16_move_date, post16_move_to, post16_amended FROM ehcp_case"
            )
        ).one()
        stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.dispose()
    assert (as_date(row[0]), *row[1:]) == (
        date(2024, 5, 20), 2024, "secondary-post16", 3, None, None, None,
    )  # fmt: skip
    assert stamped == migrate.HEAD
