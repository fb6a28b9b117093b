"""Indexes for the weekly report (issue 28): by day, so that the families in contact, and the
cases that changed stage or came to this caseload, in the few weeks before a week's end are
read as a range of recent rows, not by a look-up for each open case; and one holding every
column its pass over the open cases reads, so that the pass reads the index, not the rows.

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
    # The columns as of this revision (db/models.py POSITION_COLUMNS then), written out: a
    # migration does not change when the models do.
    op.create_index(
        "ix_ehcp_case_position",
        "ehcp_case",
        ["is_open", "stage", "caseworker_id", "request_received", "next_due", "next_step",
         "last_review", "final_issued", "assess_decision_date", "issue_decision_date",
         "draft_served", "assess_decision", "issue_decision", "ceased_date", "withdrawn_date",
         "child_id"],
    )  # fmt: skip
    op.create_index("ix_ehcp_case_final_issued", "ehcp_case", ["final_issued", "request_received"])


def downgrade() -> None:
    op.drop_index("ix_ehcp_case_final_issued", table_name="ehcp_case")
    op.drop_index("ix_ehcp_case_position", table_name="ehcp_case")
    op.drop_index("ix_stage_event_on", table_name="stage_event")
    op.drop_index("ix_communication_when", table_name="communication")
