"""Ceasing a plan (CFA 2014 s45; SEND Regs 2014 reg 31): the proposal to cease with its
reason as SEN2 codes it, and the days the family and the school or college were told and
consulted, on ehcp_case.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("cease_proposed", sa.Date()),
    ("cease_reason", sa.String(length=2)),
    ("cease_family_consulted", sa.Date()),
    ("cease_school_consulted", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ehcp_case") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
