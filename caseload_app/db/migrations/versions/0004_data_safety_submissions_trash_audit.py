"""data safety: form submissions, trash, append-only audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit trail is append-only: entries cannot be changed or removed"


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("who", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_submission")),
    )
    op.create_table(
        "trash_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trash_item")),
    )
    with op.batch_alter_table("trash_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trash_item_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trash_item_deleted_at"), ["deleted_at"], unique=False)
    _audit_append_only()


def _audit_append_only() -> None:
    """The database itself refuses to change or remove an audit entry, whatever the client."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_entry_no_update")
        op.execute("DROP TRIGGER audit_entry_no_delete")
    else:
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    with op.batch_alter_table("trash_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trash_item_deleted_at"))
        batch_op.drop_index(batch_op.f("ix_trash_item_case_id"))
    op.drop_table("trash_item")
    op.drop_table("submission")
