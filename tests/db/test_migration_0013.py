"""Upgrading a database made before 0013, on SQLite and on PostgreSQL: a plan ceased with only
written reasons keeps them, and has no proposal, coded reason or consultation dates."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded


def test_a_plan_ceased_before_0013_keeps_its_written_reasons(empty_url, tmp_path):
    rows = (
        *one_child("2010-05-04"),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, final_issued, "
        "ceased_date, outcome_reason, version) VALUES (1, 1, '2024-01-10', 'ceased', false, "
        "'2024-05-20', '2026-06-30', 'Moved to Wales', 1)",
    )
    at_revision(empty_url, "0012", rows)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        row = s.execute(
            text(
                "SELECT ceased_date, outcome_reason, cease_proposed, cease_reason, "
                "cease_family_consulted, cease_school_consulted FROM ehcp_case"
            )
        ).one()
    db.dispose()
    written = (date(2026, 6, 30), "Moved to Wales")
    assert (as_date(row[0]), *row[1:]) == (*written, None, None, None, None)
