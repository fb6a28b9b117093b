"""Upgrading a database made before 0009, on SQLite and on PostgreSQL: each exception keeps
covering what it covered as far as the law lets it, the cases' one flag becomes the time
limits their exceptions cover, and the flag's column is gone."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine
from tests.db.upgrading import open_upgraded

FAMILY = (
    "INSERT INTO family (id, parent_carer_name, address, interpreter_needed, version) "
    "VALUES (1, '', '', false, 1)"
)
CHILD = (
    "INSERT INTO child (id, family_id, first_name, last_name, date_of_birth, search_text, "
    "version) VALUES (:id, 1, 'Child', 'Test', '2016-05-04', '', 1)"
)
CASE = (
    "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, exception_applies, "
    "version) VALUES (:id, :id, '2026-07-01', 'assessment', true, :flag, 1)"
)
EXCEPTION = (
    "INSERT INTO case_exception (id, case_id, ground, period_start, recorded_by, recorded_at, "
    "version) VALUES (:id, :case, :ground, '2026-07-10', 'Asha Patel', '2026-07-10 09:00', 1)"
)


def at_0008(url: str) -> None:
    """Case 1: a missed appointment and an absence; case 2: a school closure; case 3: flagged
    by an import with no exception recorded; case 4: no exception."""
    engine = make_engine(url)
    command.upgrade(migrate.alembic_config(engine), "0008")
    with engine.begin() as con:
        con.execute(text(FAMILY))
        for case_id, flag in ((1, True), (2, True), (3, True), (4, False)):
            con.execute(text(CHILD), dict(id=case_id))
            con.execute(text(CASE), dict(id=case_id, flag=flag))
        for row_id, case_id, ground in (
            (1, 1, "missed_appointment"),
            (2, 1, "absent_from_area"),
            (3, 2, "school_closed"),
        ):
            con.execute(text(EXCEPTION), dict(id=row_id, case=case_id, ground=ground))
        if engine.dialect.name == "postgresql":  # as if the app had numbered them
            con.execute(text("SELECT setval(pg_get_serial_sequence('case_exception', 'id'), 3)"))
    engine.dispose()


def test_exceptions_become_per_time_limit_and_the_flag_goes(empty_url, tmp_path):
    at_0008(empty_url)
    db = open_upgraded(empty_url, tmp_path)
    with db.read() as s:
        limits = dict(s.execute(text("SELECT id, limits FROM case_exception ORDER BY id")).all())
        placeholder = s.execute(
            text("SELECT case_id, ground, period_start FROM case_exception WHERE id = 4")
        ).one()
        cases = dict(
            s.execute(text("SELECT id, exception_limits FROM ehcp_case ORDER BY id")).all()
        )
        columns = {c["name"] for c in inspect(s.connection()).get_columns("ehcp_case")}
    db.dispose()
    # Reg 8(2)(c), 10(4)(e): a missed appointment never covered the 20-week limit (Reg 13(3)).
    assert limits == {
        1: "advice decide_issue",
        2: "decide_assess advice decide_issue final_plan",
        3: "decide_assess decide_issue final_plan",  # Reg 8(2) has no closure ground
        # Case 3's flag, kept by a row whose ground was never recorded (so recording or
        # withdrawing another exception cannot drop it).
        4: "decide_assess decide_issue final_plan",
    }
    assert (placeholder[0], placeholder[1]) == (3, "not_recorded")
    assert str(placeholder[2])[:10] == "2026-07-01"  # the request's day
    assert cases == {
        1: "decide_assess advice decide_issue final_plan",
        2: "decide_assess decide_issue final_plan",
        3: "decide_assess decide_issue final_plan",  # what the old flag greyed
        4: "",
    }
    assert "exception_applies" not in columns
    assert "exception_limits" in columns


def test_a_flag_with_no_exception_survives_another_being_recorded_and_withdrawn(
    empty_url, tmp_path
):
    """Case 3 was flagged by an import with no exception recorded: after the upgrade, a
    missed appointment recorded against the advice only (Reg 8(2)) adds to what it covered,
    and withdrawing that one leaves the old three limits greyed."""
    from datetime import date

    from caseload_app.services.trash import TrashService
    from tests.helpers import NOW, TODAY, services

    at_0008(empty_url)
    db = open_upgraded(empty_url, tmp_path)
    _, work = services(db)
    added = work.record_exception(
        3, "missed_appointment", ["advice"], date(2026, 7, 10), None, None
    )
    assert work.get_case(3).exception_limits == {
        "decide_assess", "advice", "decide_issue", "final_plan",
    }  # fmt: skip
    TrashService(db, "Asha Patel", today=lambda: TODAY, now=lambda: NOW).withdraw_exception(
        added, "recorded on the wrong case"
    )
    assert work.get_case(3).exception_limits == {"decide_assess", "decide_issue", "final_plan"}
    (kept,) = work.get_case(3).exceptions
    assert kept.ground_label.startswith("Not recorded")
    db.dispose()


def test_an_older_sqlite_rebuilds_the_table_and_keeps_the_partial_index(tmp_path, monkeypatch):
    """SQLite before 3.35 cannot drop a column in place: the table is rebuilt, and a child
    still has at most one live case afterwards (the partial unique index is as it was)."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError

    from caseload_app.db.engine import sqlite_url

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    url = sqlite_url(tmp_path / "old.sqlite3")
    at_0008(url)
    db = open_upgraded(url, tmp_path)
    with db.read() as s:
        (sql,) = s.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'uq_ehcp_case_live_child'")
        ).one()
        columns = {c["name"] for c in inspect(s.connection()).get_columns("ehcp_case")}
    assert "WHERE is_open = 1" in sql
    assert "exception_applies" not in columns
    with pytest.raises(IntegrityError), db.engine.begin() as con:  # a second live case
        con.execute(
            text(
                "INSERT INTO ehcp_case (id, child_id, request_received, stage, is_open, version) "
                "VALUES (5, 1, '2026-07-02', 'assessment', true, 1)"
            )
        )
    db.dispose()
