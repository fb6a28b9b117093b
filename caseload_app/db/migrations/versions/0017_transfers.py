"""Plans moving between councils (SEND Regs 2014 reg 15), on ehcp_case: a plan transferred in
(the day, the old council's LA number, its last review or making, the day the family was told
and whether an assessment is proposed) and the child moving away (the day, the new council,
the day this council became aware, the day it sent the plan).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-13 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("transferred_in", sa.Date()),
    ("transferred_from", sa.Integer()),
    ("transfer_last_review", sa.Date()),
    ("transfer_family_told", sa.Date()),
    ("transfer_proposes_assessment", sa.Boolean()),
    ("moved_out", sa.Date()),
    ("moved_to", sa.Integer()),
    ("move_aware", sa.Date()),
    ("plan_sent", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
