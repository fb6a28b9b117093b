"""Issued plan versions sealed by the database (plan_seal): an issued version may leave
plan_version only with its case, into the trash, and may come back only as it left; no
issued version can be written except by issuing the working copy. Written by triggers alone.

0016 refuses to change an issued version; this closes deleting one and writing a forged one
in its place (or writing one issued from the start). The seal of each version is taken when
it is issued; when its case goes to the trash (an unrestored trash item for the case, holding
the version's sha256) the seal keeps its content; an issued row is accepted only when it is
exactly a version so kept, and the seal then follows it. On PostgreSQL the seal table is the
owner's (people may only read it), issuing checks the sha256 against the content itself, and
at commit an issued version deleted must have left with its case.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-14 10:00:00
"""

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

LEAVES = "An issued plan version leaves only with its case, into the trash."
RETURNS = (
    "An issued plan version is made only by issuing the working copy, and comes back only "
    "from the trash as it was."
)
UNHASHED = "An issued plan version carries the sha256 of its content."

SEALED = "version_id, case_id, number, kind, issued_on, issued_by, content_sha256"
# The trash item of the version's case, if its case is going into the trash with it.
TRASHED = (
    "SELECT max(t.id) FROM trash_item t WHERE t.record_type = 'ehcp_case' "
    "AND t.record_id = OLD.case_id AND t.restored_at IS NULL "
    "AND {find}(t.payload, coalesce(OLD.content_sha256, '')) > 0"
)
# The seals of versions in the trash that the new row is exactly. (Into whichever case: the
# restore may have given the case a new id, and whoever may write plan_version may issue a
# version there anyway; what no one may do is bring back something else.)
MATCH = (
    "FROM plan_seal s JOIN trash_item t ON t.id = s.trash_id AND t.restored_at IS NULL "
    "WHERE s.number = NEW.number AND s.kind = NEW.kind AND s.issued_on = NEW.issued_on "
    "AND s.issued_by {same} NEW.issued_by AND s.content_sha256 {same} NEW.content_sha256 "
    "AND s.content = NEW.content"
)
IN_AGAIN = "version_id = NEW.id, case_id = NEW.case_id, trash_id = NULL, content = NULL"
OUT = "trash_id = ({trashed}), content = OLD.content"
# A version issued while no seal was taken (the triggers removed, say) is sealed as it leaves.
UNSEALED = (
    f"INSERT INTO plan_seal ({SEALED}) SELECT OLD.id, OLD.case_id, OLD.number, OLD.kind, "
    "OLD.issued_on, OLD.issued_by, OLD.content_sha256 WHERE NOT EXISTS "
    "(SELECT 1 FROM plan_seal WHERE version_id = OLD.id AND trash_id IS NULL)"
)


def upgrade() -> None:
    op.create_table(
        "plan_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("trash_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_plan_seal"),
    )
    op.create_index("ix_plan_seal_trash_id", "plan_seal", ["trash_id"])
    op.create_index(
        "uq_plan_seal_live_version",
        "plan_seal",
        ["version_id"],
        unique=True,
        sqlite_where=sa.text("trash_id IS NULL"),
        postgresql_where=sa.text("trash_id IS NULL"),
    )
    _seal_what_is_there()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def _seal_what_is_there() -> None:
    """Every version issued before this upgrade, and every one in the trash with its case."""
    bind = op.get_bind()
    bind.execute(
        sa.text(
            f"INSERT INTO plan_seal ({SEALED}) SELECT id, case_id, number, kind, issued_on, "
            "issued_by, content_sha256 FROM plan_version WHERE issued_on IS NOT NULL"
        )
    )
    seal = sa.table(
        "plan_seal",
        *(sa.column(n, sa.Integer()) for n in ("version_id", "case_id", "number", "trash_id")),
        *(sa.column(n, sa.Text()) for n in ("kind", "issued_by", "content_sha256", "content")),
        sa.column("issued_on", sa.Date()),
    )
    trash = bind.execute(
        sa.text(
            "SELECT id, payload FROM trash_item WHERE restored_at IS NULL "
            "AND record_type = 'ehcp_case'"
        )
    ).all()
    for item_id, payload in trash:
        rows = json.loads(payload)
        for v in rows.get("plan_version", []):
            if not v.get("issued_on"):
                continue
            bind.execute(
                seal.insert().values(
                    version_id=v["id"],
                    case_id=v["case_id"],
                    number=v["number"],
                    kind=v["kind"],
                    issued_on=date.fromisoformat(v["issued_on"]),
                    issued_by=v.get("issued_by"),
                    content_sha256=v.get("content_sha256"),
                    trash_id=item_id,
                    content=v["content"],
                )
            )


def _sqlite_triggers() -> None:
    trashed = TRASHED.format(find="instr")
    match = MATCH.format(same="IS")
    op.execute(
        "CREATE TRIGGER plan_version_sealed AFTER UPDATE ON plan_version "
        "WHEN OLD.issued_on IS NULL AND NEW.issued_on IS NOT NULL BEGIN "
        f"SELECT RAISE(ABORT, '{UNHASHED}') WHERE NEW.content_sha256 IS NULL; "
        f"INSERT INTO plan_seal ({SEALED}) VALUES (NEW.id, NEW.case_id, NEW.number, NEW.kind, "
        "NEW.issued_on, NEW.issued_by, NEW.content_sha256); END"
    )
    op.execute(
        "CREATE TRIGGER plan_version_leaves BEFORE DELETE ON plan_version "
        "WHEN OLD.issued_on IS NOT NULL BEGIN "
        f"SELECT RAISE(ABORT, '{LEAVES}') WHERE ({trashed}) IS NULL; "
        f"{UNSEALED}; "
        f"UPDATE plan_seal SET {OUT.format(trashed=trashed)} "
        "WHERE version_id = OLD.id AND trash_id IS NULL; END"
    )
    op.execute(
        "CREATE TRIGGER plan_version_returns BEFORE INSERT ON plan_version "
        "WHEN NEW.issued_on IS NOT NULL BEGIN "
        f"SELECT RAISE(ABORT, '{RETURNS}') WHERE NOT EXISTS (SELECT 1 {match}); END"
    )
    op.execute(
        "CREATE TRIGGER plan_version_returned AFTER INSERT ON plan_version "
        "WHEN NEW.issued_on IS NOT NULL BEGIN "
        f"UPDATE plan_seal SET {IN_AGAIN} WHERE id = (SELECT min(s.id) {match}); END"
    )
    op.execute(
        "CREATE TRIGGER plan_seal_purged AFTER DELETE ON trash_item "
        "BEGIN DELETE FROM plan_seal WHERE trash_id = OLD.id; END"
    )


def _postgresql_triggers() -> None:
    trashed = TRASHED.format(find="strpos")
    match = MATCH.format(same="IS NOT DISTINCT FROM")
    definer = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"
    op.execute(
        f"CREATE FUNCTION plan_version_guard() RETURNS trigger {definer} AS $$ "
        "DECLARE found integer; BEGIN "
        "IF TG_OP = 'UPDATE' THEN "
        "  IF OLD.issued_on IS NULL AND NEW.issued_on IS NOT NULL THEN "
        "    IF NEW.content_sha256 IS DISTINCT FROM "
        "       encode(sha256(convert_to(NEW.content, 'UTF8')), 'hex') THEN "
        f"      RAISE EXCEPTION '{UNHASHED}'; "
        "    END IF; "
        f"    INSERT INTO plan_seal ({SEALED}) VALUES (NEW.id, NEW.case_id, NEW.number, "
        "      NEW.kind, NEW.issued_on, NEW.issued_by, NEW.content_sha256); "
        "  END IF; "
        "  RETURN NEW; "
        "END IF; "
        "IF TG_OP = 'DELETE' THEN "
        "  IF OLD.issued_on IS NOT NULL THEN "
        f"    IF ({trashed}) IS NULL THEN RAISE EXCEPTION '{LEAVES}'; END IF; "
        f"    {UNSEALED}; "
        f"    UPDATE plan_seal SET {OUT.format(trashed=trashed)} "
        "     WHERE version_id = OLD.id AND trash_id IS NULL; "
        "  END IF; "
        "  RETURN OLD; "
        "END IF; "
        "IF NEW.issued_on IS NOT NULL THEN "
        f"  SELECT min(s.id) INTO found {match}; "
        f"  IF found IS NULL THEN RAISE EXCEPTION '{RETURNS}'; END IF; "
        f"  UPDATE plan_seal SET {IN_AGAIN} WHERE id = found; "
        "END IF; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER plan_version_guard BEFORE INSERT OR UPDATE OR DELETE ON plan_version "
        "FOR EACH ROW EXECUTE FUNCTION plan_version_guard()"
    )
    # At commit, an issued version deleted must have gone with its case (not merely beside a
    # trash item made for the purpose).
    op.execute(
        f"CREATE FUNCTION plan_version_left() RETURNS trigger {definer} AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM ehcp_case WHERE id = OLD.case_id) THEN "
        f"RAISE EXCEPTION '{LEAVES}'; END IF; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER plan_version_left AFTER DELETE ON plan_version "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.issued_on IS NOT NULL) "
        "EXECUTE FUNCTION plan_version_left()"
    )
    op.execute(
        f"CREATE FUNCTION plan_seal_purged() RETURNS trigger {definer} AS $$ BEGIN "
        "DELETE FROM plan_seal WHERE trash_id = OLD.id; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER plan_seal_purged AFTER DELETE ON trash_item "
        "FOR EACH ROW EXECUTE FUNCTION plan_seal_purged()"
    )
    for fn in ("plan_version_guard()", "plan_version_left()", "plan_seal_purged()"):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "plan_version_sealed",
            "plan_version_leaves",
            "plan_version_returns",
            "plan_version_returned",
            "plan_seal_purged",
        ):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER plan_seal_purged ON trash_item")
        op.execute("DROP TRIGGER plan_version_left ON plan_version")
        op.execute("DROP TRIGGER plan_version_guard ON plan_version")
        for fn in ("plan_seal_purged()", "plan_version_left()", "plan_version_guard()"):
            op.execute(f"DROP FUNCTION {fn}")
    op.drop_index("uq_plan_seal_live_version", table_name="plan_seal")
    op.drop_index("ix_plan_seal_trash_id", table_name="plan_seal")
    op.drop_table("plan_seal")
