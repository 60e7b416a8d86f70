"""count rate limits in the database

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 17:45:00.000000

On PostgreSQL the requests each caller sent in the last minute are kept in the database, so the rate
limit holds for the sum of every worker and host serving it. SQLite keeps counting in memory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_window",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("hits", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_window")),
    )
    with op.batch_alter_table("rate_limit_window", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_window_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_window_expires_at"))
    op.drop_table("rate_limit_window")
