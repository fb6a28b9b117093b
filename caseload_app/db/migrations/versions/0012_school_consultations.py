"""Schools consulted before one is named in Section I (CFA 2014 s39, s40; CoP 9.83): the
school, who asked for it, the day the draft was sent, the 15 days to respond, its response
and the decision to name it or not, with the s39(4) grounds and reasons (school_consultation).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school_consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("requested_by", sa.String(length=20), nullable=False),
        sa.Column("sent", sa.Date(), nullable=False),
        sa.Column("response_due", sa.Date(), nullable=False),
        sa.Column("response", sa.String(length=20), nullable=True),
        sa.Column("response_received", sa.Date(), nullable=True),
        sa.Column("response_note", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("grounds", sa.String(length=60), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["ehcp_case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_school_consultation_case_id", "school_consultation", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_school_consultation_case_id", table_name="school_consultation")
    op.drop_table("school_consultation")
