"""IdempotencyKey: the first answer to a POST sent with an Idempotency-Key, replayed for 24 hours."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import JSONList, UTCDateTime
from app.models.encrypted import EncryptedText


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"

    org_id: str = Field(foreign_key="org.id", primary_key=True, max_length=36, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, path, query and body.")
    done: bool = False
    status_code: int | None = None
    headers: list[list[str]] = Field(default_factory=list, sa_type=JSONList)
    body: str | None = Field(default=None, sa_type=EncryptedText("idempotency_key.body"))
    person_id: str | None = Field(
        default=None, max_length=36, index=True, description="Erasing the person drops the stored answer."
    )
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
