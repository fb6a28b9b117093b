"""What the SEN2 return asks that caseload did not record: the DfE's register of establishments,
each child's placements as history, the person details SEN2 asks for (sex, ethnicity, ULN, why a
UPN is not known), needs ranked after the secondary one, a request withdrawn before its outcome,
and which decision a disagreement is about.

Nothing already recorded changes meaning: the setting typed on a child stays as it was (it is not
a placement: it has no dates); a disagreement recorded before this has no coded decision until
someone says which (the return's checks list it).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

LIMITS = {"placement": {"setting_name": 200}}  # as domain.text.LIMITS had them at 0025


def upgrade() -> None:
    op.create_table(
        "establishment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("la_code", sa.Integer(), nullable=True),
        sa.Column("establishment_number", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type_code", sa.String(length=8), nullable=False),
        sa.Column("type_name", sa.String(length=120), nullable=False),
        sa.Column("phase", sa.String(length=60), nullable=False),
        sa.Column("ukprn", sa.Integer(), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_establishment"),
        sa.UniqueConstraint("urn", name="uq_establishment_urn"),
    )
    op.create_index("ix_establishment_ukprn", "establishment", ["ukprn"])
    op.create_table(
        "placement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("setting_name", sa.String(length=200), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("provision", sa.String(length=12), nullable=True),
        sa.Column("attendance", sa.String(length=10), nullable=True),
        sa.Column("residential", sa.String(length=16), nullable=True),
        sa.Column("work_based", sa.String(length=24), nullable=True),
        sa.Column("out_of_area", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "ends IS NULL OR ends >= starts", name=op.f("ck_placement_dates_in_order")
        ),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_placement_rank_positive")),
        *(
            sa.CheckConstraint(
                f"length({column}) <= {limit}", name=op.f(f"ck_placement_{column}_length")
            )
            for column, limit in LIMITS["placement"].items()
        ),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"], name="fk_placement_child_id_child"),
        sa.ForeignKeyConstraint(
            ["establishment_id"],
            ["establishment.id"],
            name="fk_placement_establishment_id_establishment",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_placement"),
    )
    op.create_index("ix_placement_child_id", "placement", ["child_id"])
    op.create_index("ix_placement_establishment_id", "placement", ["establishment_id"])
    with op.batch_alter_table("child") as batch:
        batch.add_column(
            sa.Column("further_needs", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("sex", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("ethnicity", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("uln", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("upn_unknown", sa.String(length=4), nullable=True))
    with op.batch_alter_table("ehcp_case") as batch:
        batch.add_column(sa.Column("withdrawn_date", sa.Date(), nullable=True))
    with op.batch_alter_table("disagreement") as batch:
        batch.add_column(sa.Column("about", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disagreement") as batch:
        batch.drop_column("about")
    with op.batch_alter_table("ehcp_case") as batch:
        batch.drop_column("withdrawn_date")
    with op.batch_alter_table("child") as batch:
        for column in ("upn_unknown", "uln", "ethnicity", "sex", "further_needs"):
            batch.drop_column(column)
    op.drop_table("placement")
    op.drop_table("establishment")
