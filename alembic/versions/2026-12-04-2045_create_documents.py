"""create documents

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 20:38:43.410509

Documents kept as exhibits of a person's case, and their bytes: chunks of up to 1 MiB, each sealed
with AES-GCM by the application (the database never holds a document's plaintext).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "warrant",
                "court_decision",
                "ccf_correspondence",
                "interpol_notice",
                "translation",
                "identity",
                "medical",
                "media",
                "other",
                name="documentkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("dated", sa.String(length=10), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_document_org_id_org"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_document_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_document_org_id_person_id", ["org_id", "person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_person_id"), ["person_id"], unique=False)

    op.create_table(
        "document_chunk",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_document_chunk_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["org.id"], name=op.f("fk_document_chunk_org_id_org"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_document_chunk")),
    )
    with op.batch_alter_table("document_chunk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_chunk_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_chunk_org_id"))

    op.drop_table("document_chunk")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_person_id"))
        batch_op.drop_index("ix_document_org_id_person_id")
        batch_op.drop_index(batch_op.f("ix_document_org_id"))

    op.drop_table("document")
