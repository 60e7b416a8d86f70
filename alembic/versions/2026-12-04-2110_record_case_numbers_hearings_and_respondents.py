"""record case numbers, hearings and respondents

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 21:10:00.000000

The national case number of a notice and of an extradition proceeding (encrypted), a proceeding's
hearings (an encrypted JSON list), and the state a challenge is brought against.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_number", sa.Text(), nullable=True))
    with op.batch_alter_table("extradition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_number", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("hearings", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("respondent_state", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("respondent_state")
    with op.batch_alter_table("extradition", schema=None) as batch_op:
        batch_op.drop_column("hearings")
        batch_op.drop_column("case_number")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_column("case_number")
