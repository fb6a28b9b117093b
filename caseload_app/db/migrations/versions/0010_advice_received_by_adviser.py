"""advice: the day the adviser received the request (advice_request.received_by_adviser), from
which Reg 8(1) counts its 6 weeks; until now the day it was sent stood for both, so existing
requests get that day and keep their due dates.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_by_adviser", sa.Date(), nullable=True))
    op.execute("UPDATE advice_request SET received_by_adviser = requested")
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.alter_column("received_by_adviser", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_column("received_by_adviser")
