"""remember signed-out ui sessions

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 14:00:00.000000

Signing out of the web interface is kept in the database until the session would have expired, so
every process of every instance refuses the session's cookie, before and after a restart.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ui_signed_out",
        sa.Column("sid", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_ui_signed_out")),
    )
    with op.batch_alter_table("ui_signed_out", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ui_signed_out_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ui_signed_out", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ui_signed_out_expires_at"))
    op.drop_table("ui_signed_out")
