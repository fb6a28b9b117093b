"""exceptions per time limit: each recorded exception names the time limits it covers
(case_exception.limits) and the case keeps their union (ehcp_case.exception_limits) in place
of the one flag that greyed every assessment step (ehcp_case.exception_applies).

Existing exceptions keep covering what they covered, as far as the law lets them: every
assessment limit their ground allows. A case flagged with no exception recorded (an old
import) keeps its three greyed steps, through an exception row saying its ground was not
recorded, so that recording or withdrawing another never loses them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 21:20:00
"""

import sqlite3
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The law as this revision reads it (SEND Regs 2014 regs 5(4), 8(2), 10(4), 13(3)), frozen
# here so a later change to the domain never changes what this migration did.
_LIMITS_BY_GROUND = {
    "school_closed": "decide_assess decide_issue final_plan",
    "exceptional_circumstances": "decide_assess advice decide_issue final_plan",
    "absent_from_area": "decide_assess advice decide_issue final_plan",
    "missed_appointment": "advice decide_issue",
}
_ORDER = ("decide_assess", "advice", "decide_issue", "final_plan")
_OLD_FLAG = "decide_assess decide_issue final_plan"


def upgrade() -> None:
    with op.batch_alter_table("case_exception", schema=None) as batch_op:
        batch_op.add_column(sa.Column("limits", sa.String(60), nullable=False, server_default=""))
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exception_limits", sa.String(60), nullable=False, server_default="")
        )
    bind = op.get_bind()
    exceptions = sa.table(
        "case_exception", sa.column("id"), sa.column("case_id"), sa.column("ground"),
        sa.column("limits"),
    )  # fmt: skip
    cases = sa.table(
        "ehcp_case", sa.column("id"), sa.column("exception_applies"),
        sa.column("exception_limits"), sa.column("request_received"),
    )  # fmt: skip
    by_case: dict[int, set[str]] = {}
    for row_id, case_id, ground in bind.execute(
        sa.select(exceptions.c.id, exceptions.c.case_id, exceptions.c.ground)
    ).all():
        limits = _LIMITS_BY_GROUND.get(ground, "")
        bind.execute(exceptions.update().where(exceptions.c.id == row_id).values(limits=limits))
        by_case.setdefault(case_id, set()).update(limits.split())
    for case_id, received in bind.execute(
        sa.select(cases.c.id, cases.c.request_received).where(
            cases.c.exception_applies == sa.true()
        )
    ).all():
        found = by_case.get(case_id)
        text = " ".join(k for k in _ORDER if k in found) if found else _OLD_FLAG
        bind.execute(cases.update().where(cases.c.id == case_id).values(exception_limits=text))
        if not found:
            bind.execute(_placeholder(case_id, received))
    _drop_flag()


def _placeholder(case_id: int, received: object) -> sa.Insert:
    """The exception a flag with no recorded exception stood for: its ground not recorded."""
    row = sa.table(
        "case_exception", sa.column("case_id"), sa.column("ground"), sa.column("limits"),
        sa.column("period_start"), sa.column("recorded_by"), sa.column("recorded_at"),
        sa.column("note"), sa.column("version"),
    )  # fmt: skip
    return row.insert().values(
        case_id=case_id,
        ground="not_recorded",
        limits=_OLD_FLAG,
        period_start=received,
        recorded_by="caseload upgrade",
        recorded_at=datetime.now().replace(microsecond=0),
        note="Marked 'exception applies' before caseload recorded each exception's ground "
        "and time limits. Correct it to its ground, or withdraw it.",
        version=1,
    )


def _drop_flag() -> None:
    """PostgreSQL and SQLite 3.35 or later drop a plain column in place (the column is in no
    index, so the table and its partial unique index stay as they are). An older SQLite
    rebuilds the table, and the partial index is made again as it was."""
    if op.get_bind().dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 35):
        op.execute("ALTER TABLE ehcp_case DROP COLUMN exception_applies")
        return
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.drop_column("exception_applies")
    op.execute("DROP INDEX IF EXISTS uq_ehcp_case_live_child")
    op.execute(
        "CREATE UNIQUE INDEX uq_ehcp_case_live_child ON ehcp_case (child_id) WHERE is_open = 1"
    )


def downgrade() -> None:
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("exception_applies", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE ehcp_case SET exception_applies = (exception_limits <> '')")
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.drop_column("exception_limits")
    with op.batch_alter_table("case_exception", schema=None) as batch_op:
        batch_op.drop_column("limits")
