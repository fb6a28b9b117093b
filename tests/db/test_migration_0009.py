"""Upgrading a database made before 0009, on SQLite and on PostgreSQL: each exception keeps
covering what it covered as far as the law lets it, the cases' one flag becomes the time
limits their exceptions cover, and the flag's column is gone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from caseload_app.db import migrate
from caseload_app.db.engine import make_engine, open_database

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
    engine.dispose()


def test_exceptions_become_per_time_limit_and_the_flag_goes(empty_url, tmp_path):
    at_0008(empty_url)
    target = empty_url.removeprefix("sqlite:///")
    db = open_database(target if "://" in target else Path(target), backup_dir=tmp_path)
    with db.read() as s:
        limits = dict(s.execute(text("SELECT id, limits FROM case_exception ORDER BY id")).all())
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
    }
    assert cases == {
        1: "decide_assess advice decide_issue final_plan",
        2: "decide_assess decide_issue final_plan",
        3: "decide_assess decide_issue final_plan",  # what the old flag greyed
        4: "",
    }
    assert "exception_applies" not in columns
    assert "exception_limits" in columns
