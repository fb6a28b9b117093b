"""people and roles: app_user (login, name, caseworker, roles, active)

The administrators named by the data-safety settings (a list of names) become people with
the administrator role.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    app_user = op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("roles", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["caseworker.id"], name=op.f("fk_app_user_caseworker_id_caseworker")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("login", name=op.f("uq_app_user_login")),
    )
    bind = op.get_bind()
    listed = bind.execute(
        sa.text("SELECT value FROM app_setting WHERE key = 'administrators'")
    ).scalar()
    names = sorted({n.strip() for n in (listed or "").split("\n") if n.strip()})
    workers: dict[str, int] = dict(bind.execute(sa.text("SELECT name, id FROM caseworker")).all())
    op.bulk_insert(
        app_user,
        [
            {
                "login": name[:63],
                "name": name,
                "caseworker_id": workers.get(name),
                "roles": "administrator",
                "active": True,
                "version": 1,
            }
            for name in names
        ],
    )
    op.execute("DELETE FROM app_setting WHERE key = 'administrators'")


def downgrade() -> None:
    op.drop_table("app_user")
