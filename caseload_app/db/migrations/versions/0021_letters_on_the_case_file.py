"""Issued letters on the case file: a letter's PDF is a document (kind letter_sent) linked to
its entry in the communication log (document.communication_id), kept in the database like
every other document, so backups, roles, the team database's security and the audit trail
cover it. A document's letter is fixed once added, like its file and its case.

The copies kept before this in the "letters" folder beside a laptop's database file are
brought in: for each contact that names one, the file is taken only if it is inside that
folder (a path in a row is never followed anywhere else, nor through a link out of it), is a
PDF and, when the print was audited with its sha256, is still the file printed. Anything else
is left where it is, and only how many is logged, never a name or a path. The files in the
folder are not removed (the backups a council keeps may name them), and communication
.letter_path is kept: it is what a letter not brought in still has (nothing is lost).

A team database (PostgreSQL) has no folder beside it: its letters were kept on the computer
that printed each one, which this upgrade, run once on the server, cannot reach. They are
still reprinted there, from that computer's letters folder (services/letters.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-20 09:00:00
"""

import hashlib
import logging
import os
import re
import stat
from datetime import datetime
from io import BytesIO
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

log = logging.getLogger("caseload_app.db.migrate")

FIXED = "The file, case and text of a document are kept as they were added."
BEFORE = ("sha256", "case_id", "size", "media_type", "body_text", "plan_version_id")
FIXED_COLUMNS = (*BEFORE, "communication_id")
# Frozen here (a migration does not follow later changes to the app): the default largest
# document (domain.documents.DEFAULT_MAX_MB), the most text searched, the audit's fingerprint.
MAX_BYTES = 100 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
DIGEST = re.compile(r"sha256 ([0-9a-f]{64})")
UPGRADE = "caseload upgrade"  # who the audit trail names for a letter brought in

communication = sa.table(
    "communication",
    sa.column("id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("occurred_at", sa.DateTime()),
    sa.column("summary", sa.Text()),
    sa.column("logged_by", sa.String()),
    sa.column("letter_path", sa.Text()),
)
stored_file = sa.table(
    "stored_file",
    sa.column("sha256", sa.String()),
    sa.column("size", sa.BigInteger()),
    sa.column("data", sa.LargeBinary()),
    sa.column("created_at", sa.DateTime()),
)
TEXTS = ("kind", "title", "file_name", "media_type", "sha256", "came_from", "body_text")
document = sa.table(
    "document",
    *(sa.column(n, sa.Integer()) for n in ("case_id", "communication_id", "version")),
    *(sa.column(n, sa.Text()) for n in (*TEXTS, "created_by", "updated_by")),
    sa.column("size", sa.BigInteger()),
    sa.column("dated", sa.Date()),
    sa.column("created_at", sa.DateTime()),
    sa.column("updated_at", sa.DateTime()),
)
audit_entry = sa.table(
    "audit_entry",
    sa.column("at", sa.DateTime()),
    sa.column("who", sa.String()),
    sa.column("action", sa.String()),
    sa.column("record_type", sa.String()),
    sa.column("record_id", sa.Integer()),
    sa.column("case_id", sa.Integer()),
    sa.column("detail", sa.Text()),
)


def upgrade() -> None:
    _link_to_communication()
    _fixed_once_added(FIXED_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        _bring_in_kept_letters()


def _link_to_communication() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Added in place: a rebuild of document would drop its search and fixed triggers.
        op.execute(
            "ALTER TABLE document ADD COLUMN communication_id INTEGER "
            "CONSTRAINT fk_document_communication_id_communication "
            "REFERENCES communication (id)"
        )
    else:
        op.add_column("document", sa.Column("communication_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_document_communication_id_communication",
            "document",
            "communication",
            ["communication_id"],
            ["id"],
        )
    op.create_index("ix_document_communication_id", "document", ["communication_id"])


def _fixed_once_added(columns: tuple[str, ...]) -> None:
    """Migration 0020's trigger, over these columns."""
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER document_fixed")
        op.execute(
            f"CREATE TRIGGER document_fixed BEFORE UPDATE ON document WHEN {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{FIXED}'); END"
        )
        return
    changed = changed.replace(" IS NOT ", " IS DISTINCT FROM ")
    op.execute(
        "CREATE OR REPLACE FUNCTION document_fixed() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN IF {changed} THEN RAISE EXCEPTION '{FIXED}'; END IF; RETURN NEW; END $$"
    )


# ---------------------------------------------------------------------- the letters folder
def _bring_in_kept_letters() -> None:
    bind = op.get_bind()
    database = bind.engine.url.database
    if not database or database == ":memory:":
        return  # no file, so no folder beside it
    folder = Path(database).parent / "letters"  # services.letters.default_letters_dir
    rows = bind.execute(
        sa.select(communication)
        .where(communication.c.letter_path.is_not(None), communication.c.letter_path != "")
        .order_by(communication.c.id)
    ).all()
    left: dict[str, int] = {}
    now = datetime.now()
    for row in rows:
        data, why_not = _kept_pdf(folder, row.letter_path)
        if data is not None and row.case_id is None:
            data, why_not = None, "on no case"
        if data is not None and _printed_digest(row.id) not in (None, _sha(data)):
            data, why_not = None, "changed since it was printed"
        if data is None:
            left[why_not] = left.get(why_not, 0) + 1
            continue
        _store(row, data, now)
    if rows:
        log.info("%d kept letters brought into the database", len(rows) - sum(left.values()))
    for why_not, count in sorted(left.items()):
        log.warning("%d kept letters left where they were: %s", count, why_not)


def _kept_pdf(folder: Path, named: str) -> tuple[bytes | None, str]:
    """The file a row names, if it is a PDF inside the letters folder; else why not."""
    try:
        path = Path(named).resolve()  # used as checked: not a link that may change meanwhile
        inside = path.is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return None, "not a path"
    if not inside:
        return None, "outside the letters folder"
    try:
        # Not through a link put in its place since, nor blocking on a pipe.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        handle = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None, "missing"
    except OSError:
        return None, "cannot be read"
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None, "not a file"
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES or not data.startswith(b"%PDF-"):
        return None, "not a PDF"
    return data, ""


def _printed_digest(communication_id: int) -> str | None:
    """The sha256 the letter's first print was audited with (older letters may have none)."""
    detail = op.get_bind().scalar(
        sa.select(audit_entry.c.detail)
        .where(
            audit_entry.c.record_type == "communication",
            audit_entry.c.record_id == communication_id,
            audit_entry.c.action == "print",
        )
        .order_by(sa.text("id"))
        .limit(1)
    )
    found = DIGEST.search(detail or "")
    return found.group(1) if found else None


def _store(row, data: bytes, now: datetime) -> None:
    bind = op.get_bind()
    digest = _sha(data)
    bind.execute(  # stored once: the same bytes may be there already
        stored_file.insert()
        .prefix_with("OR IGNORE")
        .values(sha256=digest, size=len(data), data=data, created_at=now)
    )
    title = _one_line(row.summary.removeprefix("Letter: "), 200) or "Letter"
    made = bind.execute(
        document.insert().values(
            case_id=row.case_id,
            kind="letter_sent",
            title=title,
            file_name=_one_line(Path(row.letter_path).name, 255) or "letter.pdf",
            media_type="application/pdf",
            sha256=digest,
            size=len(data),
            dated=row.occurred_at.date(),
            came_from="the council",
            body_text=_pdf_text(data),
            communication_id=row.id,
            created_by=row.logged_by,
            created_at=row.occurred_at,
            version=1,
            updated_by=UPGRADE,
            updated_at=now,
        )
    )
    document_id = made.lastrowid  # SQLite's: only a laptop's file has a letters folder
    bind.execute(
        audit_entry.insert().values(
            at=now,
            who=UPGRADE,
            action="create",
            record_type="document",
            record_id=document_id,
            case_id=row.case_id,
            detail=(
                f"Document added: {title!r}, Letter sent, {len(data):,} bytes (sha256 {digest}): "
                "the letter's kept copy, brought into the database from the letters folder"
            ),
        )
    )


def _pdf_text(data: bytes) -> str:
    """The words of the letter, for the case file's search ("" if they cannot be read)."""
    from pypdf import PdfReader

    try:
        pages = PdfReader(BytesIO(data), strict=False).pages
        text = "\n\n".join(page.extract_text() or "" for page in pages)
    except Exception:  # a damaged file is still brought in, unsearched
        return ""
    text = text.replace("\x00", "").replace("\r\n", "\n")
    return text.encode("utf-8", "replace").decode("utf-8")[:MAX_TEXT_CHARS]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _one_line(value: str, limit: int) -> str:
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()[:limit]


def downgrade() -> None:
    # The letters brought in stay on the case file, as documents of their own.
    _fixed_once_added(BEFORE)
    op.drop_index("ix_document_communication_id", table_name="document")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_document_communication_id_communication", "document")
        op.drop_column("document", "communication_id")
        return
    # SQLite drops a foreign key's column only by rebuilding the table, which drops its
    # triggers (the search's and the fixed columns'): they are made again as they were.
    bind = op.get_bind()
    triggers = bind.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'document' ORDER BY name")
    ).all()  # fmt: skip
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("document", recreate="always") as batch:
        batch.drop_column("communication_id")
    for _, sql in triggers:
        op.execute(sql)
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:  # never expected: a rebuild keeps every id
        raise RuntimeError(f"{len(broken)} references broken rebuilding document")
