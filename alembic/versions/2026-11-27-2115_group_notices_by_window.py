"""group notices by window

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 21:15:00.000000

A derived table: each dated notice of each member of each affiliation group, by group, requesting state
and the first day of its date, so `group_targeting` reads a group's window as one index range. Filled
here from the links and notices; the app keeps it current in the transaction of every write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = """
INSERT INTO group_notice (key, notice_id, requesting_state, first_day, person_id, org_id)
SELECT a.key, n.id, n.requesting_state,
       CASE LENGTH(COALESCE(n.requested_on, n.issued_on))
           WHEN 4 THEN COALESCE(n.requested_on, n.issued_on) || '-01-01'
           WHEN 7 THEN COALESCE(n.requested_on, n.issued_on) || '-01'
           ELSE COALESCE(n.requested_on, n.issued_on)
       END,
       n.person_id, n.org_id
FROM person_affiliation a JOIN notice n ON n.person_id = a.person_id
WHERE COALESCE(n.requested_on, n.issued_on) IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "group_notice",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("notice_id", sa.String(length=36), nullable=False),
        sa.Column("requesting_state", sa.String(length=2), nullable=False),
        sa.Column("first_day", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_group_notice_notice_id_notice"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_group_notice_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_group_notice_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "notice_id", name=op.f("pk_group_notice")),
    )
    with op.batch_alter_table("group_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_notice_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_notice_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_group_notice_window",
            ["key", "requesting_state", "first_day", "person_id", "org_id", "notice_id"],
            unique=False,
        )
    op.execute(FILL)


def downgrade() -> None:
    op.drop_table("group_notice")
