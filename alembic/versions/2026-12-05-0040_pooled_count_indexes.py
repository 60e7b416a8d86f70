"""Covering indexes for the pooled counts of GET /states

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 00:40:00

`GET /states` counts across whole tables. At a million persons (ten million records) on PostgreSQL the
counts that filter on a column no index leads with read every row of their table: the flags by (state,
code) and the noncompliant notices by state (`person_flag`, four million rows), the refused extraditions
by state, and the released detentions with their anti-join on the surrendered (person, state) pairs.
Each index below holds every column its count reads, so the count reads the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_person_flag_code_state_notices", "person_flag", ["code", "state", "notices"])
    op.create_index(
        "ix_extradition_decision_requesting_state", "extradition", ["decision", "requesting_state"]
    )
    op.create_index(
        "ix_detention_status_requesting_state_person_id",
        "detention",
        ["status", "requesting_state", "person_id", "released_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_detention_status_requesting_state_person_id", table_name="detention")
    op.drop_index("ix_extradition_decision_requesting_state", table_name="extradition")
    op.drop_index("ix_person_flag_code_state_notices", table_name="person_flag")
