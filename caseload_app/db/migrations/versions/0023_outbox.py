"""E-mail from caseload: the outbox, where each message to a family is saved (with its own
Message-ID and its bytes in stored_file) before the mail server is asked to take it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

STATUSES = ("queued", "sending", "sent", "retry", "failed", "unsure", "draft", "cancelled")
FIXED = (
    "An e-mail in the outbox keeps the message, its subject and attachments, recipient and case "
    "it was queued with."
)
# What a queued message is never changed in: the message itself, to whom, and its case (on a
# team database, nobody can point an outbox row at another file's bytes to read them).
# Its subject and attachments too: whether it may go over a connection without TLS is decided
# from them at every try.
FIXED_COLUMNS = ("case_id", "message_id", "recipient", "subject", "attachments", "eml_sha256",
                 "size", "queued_by", "queued_at")  # fmt: skip


def upgrade() -> None:
    statuses = ", ".join(f"'{s}'" for s in STATUSES)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("with_whom", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("eml_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_try", sa.DateTime(), nullable=True),
        sa.Column("sending_since", sa.DateTime(), nullable=True),
        sa.Column("queued_by", sa.String(length=120), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("communication_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_outbox_status")),
        sa.ForeignKeyConstraint(["case_id"], ["ehcp_case.id"], name="fk_outbox_case_id_ehcp_case"),
        sa.ForeignKeyConstraint(
            ["eml_sha256"], ["stored_file.sha256"], name="fk_outbox_eml_sha256_stored_file"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("message_id", name="uq_outbox_message_id"),
    )
    op.create_index("ix_outbox_case_id", "outbox", ["case_id"])
    op.create_index("ix_outbox_status", "outbox", ["status"])
    _fixed_once_queued()


def _fixed_once_queued() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER outbox_fixed BEFORE UPDATE ON outbox WHEN {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{FIXED}'); END"
        )
        return
    changed = changed.replace(" IS NOT ", " IS DISTINCT FROM ")
    op.execute(
        "CREATE FUNCTION outbox_fixed() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF {changed} THEN RAISE EXCEPTION '{FIXED}'; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_fixed BEFORE UPDATE ON outbox "
        "FOR EACH ROW EXECUTE FUNCTION outbox_fixed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER outbox_fixed")
    else:
        op.execute("DROP TRIGGER outbox_fixed ON outbox")
        op.execute("DROP FUNCTION outbox_fixed()")
    op.drop_index("ix_outbox_status", table_name="outbox")
    op.drop_index("ix_outbox_case_id", table_name="outbox")
    op.drop_table("outbox")
