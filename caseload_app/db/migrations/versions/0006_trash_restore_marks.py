"""trash: a restore marks the item (restored_at, restored_by) instead of deleting it

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trash_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restored_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("restored_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM trash_item WHERE restored_at IS NOT NULL")
    with op.batch_alter_table("trash_item", schema=None) as batch_op:
        batch_op.drop_column("restored_by")
        batch_op.drop_column("restored_at")
