"""The audit trail is append-only in the database itself, not only in the app."""

import sqlite3

import pytest

from tests.helpers import new_case


def test_no_client_can_change_or_remove_an_audit_entry(db):
    new_case(db)
    con = sqlite3.connect(db.path)
    try:
        (count,) = con.execute("SELECT count(*) FROM audit_entry").fetchone()
        assert count >= 1
        for sql in (
            "UPDATE audit_entry SET who = 'someone else'",
            "DELETE FROM audit_entry",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(sql)
        con.execute(
            "INSERT INTO audit_entry (at, who, action, record_type, detail) "
            "VALUES ('2026-12-02 10:00:00', 'x', 'view', 'child', '')"
        )  # adding stays possible
        con.commit()
        assert con.execute("SELECT count(*) FROM audit_entry").fetchone()[0] == count + 1
    finally:
        con.close()
