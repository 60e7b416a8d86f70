"""create calendar feeds

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 18:00:00.000000

An organisation's calendar feeds: the HMAC digest of each feed's secret, whether it may show full names,
and when it was revoked.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column(
            "names",
            sa.Enum("initials", "full", name="feednames", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_calendar_feed_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("digest", name=op.f("uq_calendar_feed_digest")),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_org_id"))
    op.drop_table("calendar_feed")
