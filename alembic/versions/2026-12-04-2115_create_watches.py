"""create watches

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 20:38:53.018114

Watches (a person re-checked against INTERPOL's public red notices on a schedule, under a lease each
runner takes), the changes their checks found (children of the stored checks), and the one row every
runner shares to pace its requests to INTERPOL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watch_runner",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("next_request_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=36), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_watch_runner")),
    )
    op.create_table(
        "watch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("interval_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_check_id", sa.String(length=36), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_holder", sa.String(length=36), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_watch_org_id_org"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_watch_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch")),
        sa.UniqueConstraint("person_id", name=op.f("uq_watch_person_id")),
    )
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_next_check_at"), ["next_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_org_id"), ["org_id"], unique=False)

    op.create_table(
        "interpol_change",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("check_id", sa.String(length=36), nullable=False),
        sa.Column("watch_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "change",
            sa.Enum("appeared", "disappeared", "changed", name="changekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["interpol_check.id"],
            name=op.f("fk_interpol_change_check_id_interpol_check"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_interpol_change_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interpol_change")),
    )
    with op.batch_alter_table("interpol_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interpol_change_check_id"), ["check_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interpol_change_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interpol_change_watch_id"), ["watch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interpol_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interpol_change_watch_id"))
        batch_op.drop_index(batch_op.f("ix_interpol_change_org_id"))
        batch_op.drop_index(batch_op.f("ix_interpol_change_check_id"))

    op.drop_table("interpol_change")
    with op.batch_alter_table("watch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_org_id"))
        batch_op.drop_index(batch_op.f("ix_watch_next_check_at"))

    op.drop_table("watch")
    op.drop_table("watch_runner")
