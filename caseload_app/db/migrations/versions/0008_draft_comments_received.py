"""the family's comments on a draft plan: the date they arrived (ehcp_case.comments_received),
so a final plan is not issued before the 15-day comment window closes unless they have

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comments_received", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehcp_case", schema=None) as batch_op:
        batch_op.drop_column("comments_received")
