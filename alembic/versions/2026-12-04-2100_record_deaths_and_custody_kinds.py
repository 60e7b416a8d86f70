"""record deaths and custody kinds

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 21:00:00.000000

A person's place of birth and date of death (both encrypted like the birth date); a detention's kind of
custody (detention, house arrest, supervision), the date by which custody ended when nobody recorded how,
its court, case number (encrypted) and further bases.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_of_birth", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("deceased_on", sa.Text(), nullable=True))
    with op.batch_alter_table("detention", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("custody", sa.String(length=16), nullable=False, server_default="detention")
        )
        batch_op.add_column(sa.Column("ended_on", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("court", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("case_number", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("other_bases", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("detention", schema=None) as batch_op:
        for column in ("other_bases", "case_number", "court", "ended_on", "custody"):
            batch_op.drop_column(column)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("deceased_on")
        batch_op.drop_column("place_of_birth")
