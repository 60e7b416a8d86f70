"""create deadline reminders

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:10:00.000000

Which deadline reminders were queued as webhooks, one row per deadline, due date and stage, so that each
is sent once however many processes look.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deadline_reminder",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("deadline_key", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_deadline_reminder_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_reminder")),
        sa.UniqueConstraint(
            "deadline_key", "due_on", "stage", name=op.f("uq_deadline_reminder_deadline_key_due_on_stage")
        ),
    )
    with op.batch_alter_table("deadline_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_reminder_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deadline_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_reminder_org_id"))
    op.drop_table("deadline_reminder")
