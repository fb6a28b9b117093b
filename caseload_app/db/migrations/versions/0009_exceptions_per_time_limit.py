"""exceptions per time limit: each recorded exception names the time limits it covers
(case_exception.limits) and the case keeps their union (ehcp_case.exception_limits) in place
of the one flag that greyed every assessment step (ehcp_case.exception_applies).

Existing exceptions keep covering what they covered, as far as the law lets them: every
assessment limit their ground allows. A case flagged with no exception recorded (an old
import) keeps its three greyed steps.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 21:20:00
"""

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
        sa.column("exception_limits"),
    )  # fmt: skip
    by_case: dict[int, set[str]] = {}
    for row_id, case_id, ground in bind.execute(
        sa.select(exceptions.c.id, exceptions.c.case_id, exceptions.c.ground)
    ).all():
        limits = _LIMITS_BY_GROUND.get(ground, "")
        bind.execute(exceptions.update().where(exceptions.c.id == row_id).values(limits=limits))
        by_case.setdefault(case_id, set()).update(limits.split())
    for (case_id,) in bind.execute(
        sa.select(cases.c.id).where(cases.c.exception_applies == sa.true())
    ).all():
        found = by_case.get(case_id)
        text = " ".join(k for k in _ORDER if k in found) if found else _OLD_FLAG
        bind.execute(cases.update().where(cases.c.id == case_id).values(exception_limits=text))
    # Both SQLite (3.35 and later) and PostgreSQL drop a plain column in place; the column is in
    # no index, so the table (and its partial unique index) is not rebuilt.
    op.execute("ALTER TABLE ehcp_case DROP COLUMN exception_applies")


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
