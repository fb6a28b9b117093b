"""Folded sort keys for the case list's Child and Family columns, stored with each child as
its search text is, so the list can be sorted by name in SQL (issue 28: the list as a window
onto the database) rather than by Python over every row; and an index in the list's own
order (next step due, undated last, then case), so its ids are read in order, not sorted.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 23:00:00
"""

import sqlalchemy as sa
from alembic import op

from caseload_app.domain.text import child_sort_keys

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("sort_name", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("family_sort_name", sa.Text(), nullable=False, server_default="")
        )
    _fill_keys()
    op.create_index(
        "ix_ehcp_case_arrival", "ehcp_case", [sa.text("(next_due IS NULL)"), "next_due", "id"]
    )


def _fill_keys() -> None:
    """Each child's keys from its names and its family's, a batch of updates at a time.
    The keys are derived (domain.text.child_sort_keys): if that rule ever changes, a later
    migration fills them again."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT c.id, c.first_name, c.last_name, f.parent_carer_name "
            "FROM child c JOIN family f ON f.id = c.family_id ORDER BY c.id"
        )
    ).all()
    update = sa.text(
        "UPDATE child SET sort_name = :name, family_sort_name = :family WHERE id = :id"
    )
    for start in range(0, len(rows), BATCH):
        values = []
        for child_id, first, last, parent in rows[start : start + BATCH]:
            name, family = child_sort_keys(first or "", last or "", parent)
            values.append({"id": child_id, "name": name, "family": family})
        bind.execute(update, values)


def downgrade() -> None:
    op.drop_index("ix_ehcp_case_arrival", table_name="ehcp_case")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("family_sort_name")
        batch.drop_column("sort_name")
