"""The audit trail is append-only in the database itself, not only in the app: a raw
connection (any client) cannot change or remove an entry, on SQLite and on PostgreSQL."""

import pytest

from tests.helpers import new_case


def test_no_client_can_change_or_remove_an_audit_entry(db):
    new_case(db)
    con = db.engine.raw_connection()  # the driver's own connection, past the app's code
    dbapi_error = db.engine.dialect.loaded_dbapi.Error
    try:
        cur = con.cursor()
        cur.execute("SELECT count(*) FROM audit_entry")
        (count,) = cur.fetchone()
        assert count >= 1
        for sql in (
            "UPDATE audit_entry SET who = 'someone else'",
            "DELETE FROM audit_entry",
        ):
            with pytest.raises(dbapi_error, match="append-only"):
                cur.execute(sql)
            con.rollback()
        cur.execute(
            "INSERT INTO audit_entry (at, who, action, record_type, detail) "
            "VALUES ('2026-12-02 10:00:00', 'x', 'view', 'child', '')"
        )  # adding stays possible
        con.commit()
        cur.execute("SELECT count(*) FROM audit_entry")
        assert cur.fetchone()[0] == count + 1
    finally:
        con.close()
