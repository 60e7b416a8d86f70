"""record challenge counsel

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 17:40:00.000000

Who files a challenge (the lawyer or organisation acting), encrypted like every free text about a person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counsel", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("counsel")
