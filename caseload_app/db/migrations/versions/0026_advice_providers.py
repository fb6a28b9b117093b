"""Advice providers: the teams and named advisers who give each kind of advice, with their
manager for escalation, and the provider an advice request went to (optional: a request
recorded before this, or without one, is grouped under its service on the provider board).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-20 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# As domain.text.LIMITS had them at 0026.
LIMITS = {
    "advice_provider": {
        "name": 120,
        "email": 254,
        "address": 500,
        "manager_name": 120,
        "manager_role": 120,
        "manager_email": 254,
    }
}


def upgrade() -> None:
    op.create_table(
        "advice_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("manager_name", sa.String(length=120), nullable=False),
        sa.Column("manager_role", sa.String(length=120), nullable=False),
        sa.Column("manager_email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        *(
            sa.CheckConstraint(
                f"length({column}) <= {limit}", name=op.f(f"ck_advice_provider_{column}_length")
            )
            for column, limit in LIMITS["advice_provider"].items()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_advice_provider"),
        sa.UniqueConstraint("service", "name", name="uq_advice_provider_service_name"),
    )
    with op.batch_alter_table("advice_request") as batch:
        batch.add_column(sa.Column("provider_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_advice_request_provider_id_advice_provider",
            "advice_provider",
            ["provider_id"],
            ["id"],
        )
        batch.create_index("ix_advice_request_provider_id", ["provider_id"])


def downgrade() -> None:
    with op.batch_alter_table("advice_request") as batch:
        batch.drop_index("ix_advice_request_provider_id")
        batch.drop_constraint("fk_advice_request_provider_id_advice_provider", type_="foreignkey")
        batch.drop_column("provider_id")
    op.drop_table("advice_provider")
