"""ccf time limits and protection rules

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 17:20:00.000000

A CCF revision request has no decision time limit: its stored `deadline_on` goes. The indicators changed
(a CCF challenge decided `deleted` now counts as INTERPOL's finding of non-compliance; an asylum
application rejected later no longer counts as protection), so the marker of the derived flag tables is
dropped and the next start-up rebuilds them from the records.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE challenge SET deadline_on = NULL WHERE forum = 'ccf' AND kind = 'revision'")
    op.execute("DELETE FROM app_meta WHERE key = 'flags_built_v1'")


def downgrade() -> None:
    """Nothing to undo: a revision without a deadline and derived tables rebuilt are valid for the older code."""
