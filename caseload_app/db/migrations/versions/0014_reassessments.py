"""Re-assessments of a plan's needs (CFA 2014 s44(2)-(3); SEND Regs 2014 regs 24-27): the
request (or the council's own decision), who asked, the last assessment, the decision told to
the family and why, and the day the re-assessed plan was finalised (reassessment).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-13 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reassessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=20), nullable=False),
        sa.Column("last_assessment", sa.Date(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("plan_finalised", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["ehcp_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reassessment_case_id", "reassessment", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_reassessment_case_id", table_name="reassessment")
    op.drop_table("reassessment")
