"""scope idempotency keys to tokens

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 13:55:07.740384

A stored answer now belongs to the token that got it (`token_id`), keeps no secret shown once
(`shown_once`), and lists every person it names (`idempotency_mention`), so erasing a person drops every
answer about them. Answers stored before this revision are deleted, both ways: they were replayed to
any token of the organisation, and some hold tokens shown once. They are at most 24 hours of retries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_id", sa.String(length=36), nullable=False))
        batch_op.add_column(sa.Column("shown_once", sa.Boolean(), nullable=False))
        batch_op.drop_index(batch_op.f("ix_idempotency_key_person_id"))
        batch_op.create_foreign_key(
            batch_op.f("fk_idempotency_key_token_id_api_token"),
            "api_token",
            ["token_id"],
            ["id"],
            ondelete="CASCADE",
        )

    op.create_table(
        "idempotency_mention",
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "key"],
            ["idempotency_key.org_id", "idempotency_key.key"],
            name=op.f("fk_idempotency_mention_org_id_idempotency_key"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_idempotency_mention_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "key", "person_id", name=op.f("pk_idempotency_mention")),
    )
    with op.batch_alter_table("idempotency_mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_mention_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_mention_person_id"))
    op.drop_table("idempotency_mention")

    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_idempotency_key_token_id_api_token"), type_="foreignkey")
        batch_op.create_index(batch_op.f("ix_idempotency_key_person_id"), ["person_id"], unique=False)
        batch_op.drop_column("shown_once")
        batch_op.drop_column("token_id")
