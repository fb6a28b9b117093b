"""The EHC plan's versions on a case (plan_version): the working copy and every issued
version, frozen. The database itself refuses to change a version once issued.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FROZEN = "An issued plan version cannot be changed: an amendment is a new version."


def upgrade() -> None:
    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("issued_by", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["ehcp_case.id"], name="fk_plan_version_case_id_ehcp_case"
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_plan_version"),
        sa.UniqueConstraint("case_id", "number", name="uq_plan_version_case_number"),
    )
    op.create_index("ix_plan_version_case_id", "plan_version", ["case_id"])
    op.create_index(
        "uq_plan_version_one_working",
        "plan_version",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text("issued_on IS NULL"),
        postgresql_where=sa.text("issued_on IS NULL"),
    )
    _frozen_once_issued()


def _frozen_once_issued() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER plan_version_frozen BEFORE UPDATE ON plan_version "
            f"WHEN OLD.issued_on IS NOT NULL BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION plan_version_frozen() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF OLD.issued_on IS NOT NULL THEN RAISE EXCEPTION '{FROZEN}'; END IF; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER plan_version_frozen BEFORE UPDATE ON plan_version "
        "FOR EACH ROW EXECUTE FUNCTION plan_version_frozen()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER plan_version_frozen")
    else:
        op.execute("DROP TRIGGER plan_version_frozen ON plan_version")
        op.execute("DROP FUNCTION plan_version_frozen()")
    op.drop_index("uq_plan_version_one_working", table_name="plan_version")
    op.drop_index("ix_plan_version_case_id", table_name="plan_version")
    op.drop_table("plan_version")
