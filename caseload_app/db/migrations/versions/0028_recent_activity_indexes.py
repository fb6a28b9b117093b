"""Indexes by day for the weekly report (issue 28): the families in contact, and the cases
that changed stage or came to this caseload, in the few weeks before a week's end are read as
a range of recent rows, not by a look-up for each open case.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 03:00:00
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_communication_when",
        "communication",
        ["occurred_at", "family_id", "direction", "with_family"],
    )
    op.create_index("ix_stage_event_on", "stage_event", ["on_date", "action", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_stage_event_on", table_name="stage_event")
    op.drop_index("ix_communication_when", table_name="communication")
