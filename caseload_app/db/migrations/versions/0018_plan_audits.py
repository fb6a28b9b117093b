"""Quality audits of EHC plans (plan_audit): a second person scores a plan version against
the council's checklist, comments per section, and sends it back for rework or signs it off.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("auditor", sa.String(length=120), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("plan_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["ehcp_case.id"], name="fk_plan_audit_case_id_ehcp_case"
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name="fk_plan_audit_plan_version_id_plan_version",
        ),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["caseworker.id"], name="fk_plan_audit_caseworker_id_caseworker"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_plan_audit"),
    )
    op.create_index("ix_plan_audit_case_id", "plan_audit", ["case_id"])
    op.create_index("ix_plan_audit_plan_version_id", "plan_audit", ["plan_version_id"])
    op.create_index("ix_plan_audit_decided_on", "plan_audit", ["decided_on"])
    op.create_index(
        "uq_plan_audit_one_open",
        "plan_audit",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_plan_audit_one_open", table_name="plan_audit")
    op.drop_index("ix_plan_audit_decided_on", table_name="plan_audit")
    op.drop_index("ix_plan_audit_plan_version_id", table_name="plan_audit")
    op.drop_index("ix_plan_audit_case_id", table_name="plan_audit")
    op.drop_table("plan_audit")
