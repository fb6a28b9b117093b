"""Upgrading a database made before 0010, on SQLite and on PostgreSQL: each advice request
gets the day it was sent as the day the adviser received it, so its due date stands."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from tests.db.upgrading import as_date, at_revision, one_child, open_upgraded


def test_advice_requests_keep_their_dates(empty_url, tmp_path):
    rows = (
        *one_child(),
        "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
        "VALUES (1, 1, '2026-07-01', 'assessment', true, 1)",
        "INSERT INTO advice_request (id, case_id, advice_type, requested, due, chases, version) "
        "VALUES (1, 1, 'ep', '2026-08-06', '2026-09-17', 0, 1)",
    )
    at_revision(empty_url, "0009", rows)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        row = s.execute(
            text("SELECT requested, received_by_adviser, due FROM advice_request")
        ).one()
    db.dispose()
    assert [as_date(d) for d in row] == [date(2026, 8, 6), date(2026, 8, 6), date(2026, 9, 17)]
