"""The keep-in-touch promise counts only contacts with the family: communication.with_family.

Before this, any contact going out counted as the family's update, a chase to an educational
psychologist or a letter to the school included. Every place that writes a communication now
says whether it is with the family; the rows already written get it from what they are:

- true when "with whom" is empty (the log was the family's log), names the family's parent or
  carer exactly as on the family's details (every letter to the family, the e-mails to the
  family and the demo's contacts are logged so), or says parent, mum, dad, mother, father,
  carer, family, grandparent, foster or guardian;
- otherwise false when it names a professional: what caseload itself writes for a chase
  ("Educational psychology adviser") and a letter to an adviser or the school ("The
  Headteacher, …", "Principal Educational Psychologist, …", "Team Manager, Children's Social
  Care", "Designated Clinical Officer for SEND, …", "Head of Sensory Support, …", "The adviser,
  …"), and what caseworkers type for them (school, SENCo, college, nursery, health, NHS,
  therapist, doctor, nurse, CAMHS, social worker, Tribunal…);
- true for anything else typed in (a first name, "Jo and Sam"): given the benefit of the
  doubt, so an upgrade does not make families look overdue an update they had.

The index the promise seeks on gains the flag (family, direction, with the family, when): the
family's last update stays one covering index seek on SQLite and PostgreSQL.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-10 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

FAMILY_WORDS = ("parent", "mum", "dad", "mother", "father", "carer", "family", "grand", "foster",
                "guardian")  # fmt: skip
PROFESSIONAL_WORDS = (
    "adviser", "advisor", "headteacher", "teacher", "psycholog", "social care",
    "social worker", "clinical", "nhs", "sensory support", "school", "senco", "college",
    "nursery", "academy", "health", "therapist", "doctor", "nurse", "paediatric", "camhs",
    "tribunal", "officer",
)  # fmt: skip


def _any_of(words: tuple[str, ...]) -> str:
    return " OR ".join(f"lower(with_whom) LIKE '%{w}%'" for w in words)


def upgrade() -> None:
    with op.batch_alter_table("communication") as batch:
        batch.add_column(
            sa.Column("with_family", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    parent = (
        "EXISTS (SELECT 1 FROM family f WHERE f.id = communication.family_id "
        "AND lower(trim(f.parent_carer_name)) = lower(trim(communication.with_whom)))"
    )
    family = f"trim(with_whom) = '' OR {parent} OR {_any_of(FAMILY_WORDS)}"
    op.execute(
        f"UPDATE communication SET with_family = false "
        f"WHERE NOT ({family}) AND ({_any_of(PROFESSIONAL_WORDS)})"
    )
    op.drop_index("ix_communication_family_out", table_name="communication")
    op.create_index(
        "ix_communication_family_out",
        "communication",
        ["family_id", "direction", "with_family", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_communication_family_out", table_name="communication")
    op.create_index(
        "ix_communication_family_out", "communication", ["family_id", "direction", "occurred_at"]
    )
    with op.batch_alter_table("communication") as batch:
        batch.drop_column("with_family")
