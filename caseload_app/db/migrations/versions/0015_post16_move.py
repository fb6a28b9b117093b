"""A young person's move between post-16 institutions (SEND Regs 2014 reg 18(2)): the day of
the move, the institution moving to and the day the plan was amended for it, on ehcp_case.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("post16_move_date", sa.Date()),
    ("post16_move_to", sa.String(length=120)),
    ("post16_amended", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
