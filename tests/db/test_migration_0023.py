"""Upgrading a database made before 0023, on SQLite and on PostgreSQL: its cases are as they
were, the outbox is there and empty, and a queued e-mail's message, recipient and case are
kept as queued whatever program writes to the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from caseload_app.db import migrate
from tests.db.upgrading import at_revision, one_child, open_upgraded

CASE = (
    "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
    "VALUES (1, 1, '2026-07-01', 'request_received', true, 1)"
)
FILE = (
    "INSERT INTO stored_file (sha256, size, data, created_at) VALUES "
    "('{sha}', 3, '{data}', '2026-11-24 10:00:00')"
)
QUEUED = (
    "INSERT INTO outbox (case_id, message_id, recipient, with_whom, subject, attachments, "
    "eml_sha256, size, status, attempts, last_error, queued_by, queued_at, version) VALUES "
    "(1, '<1@council.example>', 'jo@example.org', 'Ms Jo Brontë', 'Hello', '', :sha, 3, "
    "'queued', 0, '', 'Asha Patel', '2026-11-24 10:00:00', 1)"
)


def test_an_older_database_gets_an_empty_outbox_that_keeps_what_was_queued(empty_url, tmp_path):
    import hashlib

    sha = hashlib.sha256(b"abc").hexdigest()
    data = "abc" if empty_url.startswith("sqlite") else "\\x616263"
    at_revision(empty_url, "0020", (*one_child(), CASE, FILE.format(sha=sha, data=data)))
    db = open_upgraded(empty_url, tmp_path)
    try:
        with db.read() as s:
            version = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            count = s.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            stage = s.execute(text("SELECT stage FROM ehcp_case WHERE id = 1")).scalar_one()
        assert (version, count, stage) == (migrate.HEAD, 0, "request_received")
        with db.uow() as s:
            s.execute(text(QUEUED), {"sha": sha})
        with db.uow() as s:  # its delivery may change
            s.execute(text("UPDATE outbox SET status = 'sent', attempts = 1"))
        changes = ("recipient = 'x@example.org'", "case_id = 2", "message_id = '<2@x>'",
                   "attachments = 'x.pdf'", "subject = 'Other'")  # fmt: skip
        for change in changes:
            refused = pytest.raises(DBAPIError, match="keeps the message, its subject")
            with refused, db.uow() as s:
                s.execute(text(f"UPDATE outbox SET {change}"))
        unknown = pytest.raises(DBAPIError, match="ck_outbox_status|CHECK constraint")
        with unknown, db.uow() as s:
            s.execute(text("UPDATE outbox SET status = 'lost'"))
    finally:
        db.dispose()
