"""The case file: documents on a case (document) and their bytes, stored once by content
(stored_file), with the text found in them searched by the database's own full-text search
(SQLite FTS5; PostgreSQL text search on an expression index).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# What is searched: the document's title and the text found in it (PostgreSQL's query uses
# the same expression, so the index serves it).
# A PostgreSQL text-search value holds at most 1 MB: the first 300,000 characters of a
# document's text are searched (a 150-page report), which stays well inside it.
PG_SEARCH = (
    "to_tsvector('english', coalesce(title, '') || ' ' || left(coalesce(body_text, ''), 300000))"
)
FIXED = "The file, case and text of a document are kept as they were added."
# What a document is never changed in: its bytes, its case, what they are and their text.
FIXED_COLUMNS = ("sha256", "case_id", "size", "media_type", "body_text", "plan_version_id")


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_stored_file"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("dated", sa.Date(), nullable=False),
        sa.Column("came_from", sa.String(length=200), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("advice_request_id", sa.Integer(), nullable=True),
        sa.Column("annual_review_id", sa.Integer(), nullable=True),
        sa.Column("disagreement_id", sa.Integer(), nullable=True),
        sa.Column("plan_version_id", sa.Integer(), nullable=True),
        sa.Column("attached_to_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["ehcp_case.id"], name="fk_document_case_id_ehcp_case"
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["stored_file.sha256"], name="fk_document_sha256_stored_file"
        ),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_request.id"],
            name="fk_document_advice_request_id_advice_request",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["annual_review_id"],
            ["annual_review.id"],
            name="fk_document_annual_review_id_annual_review",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["disagreement_id"],
            ["disagreement.id"],
            name="fk_document_disagreement_id_disagreement",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name="fk_document_plan_version_id_plan_version",
        ),
        sa.ForeignKeyConstraint(
            ["attached_to_id"], ["document.id"], name="fk_document_attached_to_id_document"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
    )
    op.create_index("ix_document_case_id", "document", ["case_id"])
    op.create_index("ix_document_sha256", "document", ["sha256"])
    _search_index()
    _fixed_once_added()


def _fixed_once_added() -> None:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER document_fixed BEFORE UPDATE ON document WHEN {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{FIXED}'); END"
        )
        return
    changed = changed.replace(" IS NOT ", " IS DISTINCT FROM ")
    op.execute(
        "CREATE FUNCTION document_fixed() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF {changed} THEN RAISE EXCEPTION '{FIXED}'; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER document_fixed BEFORE UPDATE ON document "
        "FOR EACH ROW EXECUTE FUNCTION document_fixed()"
    )


def _search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # An external-content FTS5 table kept in step by triggers: the text is held once.
        op.execute(
            "CREATE VIRTUAL TABLE document_search USING fts5(title, body_text, "
            "content='document', content_rowid='id', tokenize='porter unicode61')"
        )
        op.execute(
            "CREATE TRIGGER document_search_ai AFTER INSERT ON document BEGIN "
            "INSERT INTO document_search(rowid, title, body_text) "
            "VALUES (new.id, new.title, new.body_text); END"
        )
        op.execute(
            "CREATE TRIGGER document_search_ad AFTER DELETE ON document BEGIN "
            "INSERT INTO document_search(document_search, rowid, title, body_text) "
            "VALUES ('delete', old.id, old.title, old.body_text); END"
        )
        op.execute(
            "CREATE TRIGGER document_search_au AFTER UPDATE ON document BEGIN "
            "INSERT INTO document_search(document_search, rowid, title, body_text) "
            "VALUES ('delete', old.id, old.title, old.body_text); "
            "INSERT INTO document_search(rowid, title, body_text) "
            "VALUES (new.id, new.title, new.body_text); END"
        )
        return
    op.execute(f"CREATE INDEX ix_document_search ON document USING GIN ({PG_SEARCH})")
    # The bytes are what their name says: nobody can put other bytes under a file's sha256.
    op.execute(
        "ALTER TABLE stored_file ADD CONSTRAINT ck_stored_file_sha256 "
        "CHECK (sha256 = encode(sha256(data), 'hex'))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER document_fixed")
    else:
        op.execute("DROP TRIGGER document_fixed ON document")
        op.execute("DROP FUNCTION document_fixed()")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER document_search_{name}")
        op.execute("DROP TABLE document_search")
    else:
        op.execute("ALTER TABLE stored_file DROP CONSTRAINT ck_stored_file_sha256")
        op.execute("DROP INDEX ix_document_search")
    op.drop_index("ix_document_sha256", table_name="document")
    op.drop_index("ix_document_case_id", table_name="document")
    op.drop_table("document")
    op.drop_table("stored_file")
