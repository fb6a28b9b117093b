"""Upgrading a database made before 0028, on SQLite and on PostgreSQL: the contacts and stage
events it holds are kept, and gain the indexes by day the weekly report reads recent weeks
through."""

from __future__ import annotations

from sqlalchemy import text

from caseload_app.db import migrate
from tests.db.upgrading import at_revision, open_upgraded

ROWS = (
    "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
    "VALUES (1, 'Parent', '', false, 1)",
    "INSERT INTO communication (id, family_id, occurred_at, channel, direction, with_whom, "
    "with_family, summary, logged_by, version) VALUES "
    "(1, 1, '2026-11-20 09:30:00', 'phone', 'out', 'Mum', true, '', 'x', 1)",
)


def test_the_indexes_by_day_are_added_and_the_rows_kept(empty_url, tmp_path):
    at_revision(empty_url, "0027", ROWS)
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            stamped = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            if s.get_bind().dialect.name == "sqlite":
                listed = "SELECT name FROM sqlite_master WHERE type = 'index'"
            else:
                listed = "SELECT indexname FROM pg_indexes"
            indexes = set(s.execute(text(listed)).scalars())
            kept = s.execute(text("SELECT count(*) FROM communication")).scalar_one()
        assert stamped == migrate.HEAD
        assert {
            "ix_communication_when",
            "ix_stage_event_on",
            "ix_ehcp_case_position",
            "ix_ehcp_case_final_issued",
        } <= indexes
        assert kept == 1
    finally:
        db.dispose()
