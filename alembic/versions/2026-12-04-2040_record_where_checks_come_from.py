"""record where checks come from

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:40:00.000000

A stored check is either a search of INTERPOL's public API (`interpol`) or a screening against a
FollowTheMoney dataset uploaded by the organisation (`ftm`), which names the dataset, its date and the
screening that wrote it. Checks stored before this revision came from INTERPOL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interpol_check") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=False, server_default="interpol"))
        batch.add_column(sa.Column("dataset", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("dataset_date", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("screening_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interpol_check") as batch:
        batch.drop_column("screening_id")
        batch.drop_column("dataset_date")
        batch.drop_column("dataset")
        batch.drop_column("source")
