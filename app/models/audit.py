"""AuditEntry: the append-only, hash-chained trail of every write and every read of a person's data."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, timestamp_field


class AuditEntry(SQLModel, table=True):
    """One entry. Ids only, never personal data. Triggers in the database refuse UPDATE and DELETE."""

    __tablename__ = "audit_entry"
    # The daily read quota counts a token's reads of today from this index alone.
    __table_args__ = (sa.Index("ix_audit_entry_actor_at_action", "actor", "at", "action"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    org_id: str | None = Field(default=None, max_length=36, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    object_kind: str | None = Field(default=None, max_length=32)
    object_id: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AuditHead(SQLModel, table=True):
    """The chain's last link, one row: writers lock it, so entries get gapless sequence numbers in order."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = 0
    hash: str = Field(max_length=64)
    updated_at: datetime = timestamp_field()


class AuditObject(SQLModel):
    kind: str | None
    id: str | None


class AuditEntryPublic(SQLModel):
    seq: int
    at: datetime
    actor: str = Field(
        description="The id of the token used, or of the person's user account for what they did in the"
        " web interface (or `cli` for the command line)."
    )
    actor_username: str | None = Field(
        default=None, description="When the actor is a user account of your organisation: its username."
    )
    action: str
    object: AuditObject


class AuditList(SQLModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None = None


class AuditVerification(SQLModel):
    ok: bool
    entries: int | None = Field(default=None, description="The caller's organisation's entries, when ok.")
    first_bad_seq: int | None = Field(default=None, description="The first entry that fails, when not ok.")
