"""index group members' notices

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 20:30:00.000000

`group_targeting` reads the dated notices of every member of a person's affiliation groups. Two
covering indexes let it read them without touching either table: (key, person_id) on the links,
(person_id, requesting_state, requested_on, issued_on, org_id, id) on notices, which also serves every
lookup by person the old single-column index served.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_person_id"))
        batch_op.create_index(
            "ix_notice_person_id_dates",
            ["person_id", "requesting_state", "requested_on", "issued_on", "org_id", "id"],
            unique=False,
        )

    with op.batch_alter_table("person_affiliation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_affiliation_key"))
        batch_op.create_index("ix_person_affiliation_key_person_id", ["key", "person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_affiliation", schema=None) as batch_op:
        batch_op.drop_index("ix_person_affiliation_key_person_id")
        batch_op.create_index(batch_op.f("ix_person_affiliation_key"), ["key"], unique=False)

    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_person_id_dates")
        batch_op.create_index(batch_op.f("ix_notice_person_id"), ["person_id"], unique=False)
