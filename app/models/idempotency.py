"""IdempotencyKey: a token's first answer to a POST that writes, replayed to that token for 24 hours;
IdempotencyMention: the persons such an answer names, so erasing one drops every answer about them."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, UTCDateTime
from app.models.encrypted import EncryptedText


class IdempotencyKey(SQLModel, table=True):
    """A key is unique within its organisation; only the token that claimed it gets its answer."""

    __tablename__ = "idempotency_key"

    org_id: str = Field(foreign_key="org.id", primary_key=True, max_length=36, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=255)
    token_id: str = Field(foreign_key="api_token.id", max_length=36, ondelete="CASCADE")
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, path, query and body.")
    done: bool = False
    status_code: int | None = None
    headers: list[list[str]] = Field(default_factory=list, sa_type=JSONList)
    body: str | None = Field(default=None, sa_type=EncryptedText("idempotency_key.body"))
    shown_once: bool = Field(
        default=False, description="The answer held a secret shown once: no body is kept, a replay is a 409."
    )
    person_id: str | None = Field(
        default=None, max_length=36, description="The first person the answer names: a replay's audit entry."
    )
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class IdempotencyMention(SQLModel, table=True):
    """A person named anywhere in a stored answer (the record's own id, `person_id`, related persons…)."""

    __tablename__ = "idempotency_mention"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["org_id", "key"], ["idempotency_key.org_id", "idempotency_key.key"], ondelete="CASCADE"
        ),
    )

    org_id: str = Field(primary_key=True, max_length=36)
    key: str = Field(primary_key=True, max_length=255)
    person_id: str = Field(
        foreign_key="person.id", primary_key=True, index=True, max_length=36, ondelete="CASCADE"
    )
