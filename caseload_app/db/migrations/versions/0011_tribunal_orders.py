"""Tribunal orders (Reg 44), unopposed appeals (Reg 45) and the Tribunal's health and social
care recommendations (SI 2017/1306) on a case: the date and kind and the day each step the
council must take was done (tribunal_order).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribunal_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unopposed", sa.Boolean(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("not_to_issue_on", sa.Date(), nullable=True),
        sa.Column("draft_on", sa.Date(), nullable=True),
        sa.Column("final_on", sa.Date(), nullable=True),
        sa.Column("amended_on", sa.Date(), nullable=True),
        sa.Column("ceased_on", sa.Date(), nullable=True),
        sa.Column("responded_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["ehcp_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribunal_order_case_id", "tribunal_order", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_tribunal_order_case_id", table_name="tribunal_order")
    op.drop_table("tribunal_order")
