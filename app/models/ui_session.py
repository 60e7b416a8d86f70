"""SignedOutSession: a web-interface session ended by its user before it expired."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class SignedOutSession(SQLModel, table=True):
    """Every process of every instance refuses the session's cookie until it would have expired anyway
    (the cookie itself is sealed, so its copies outlive a deleted cookie)."""

    __tablename__ = "ui_signed_out"

    sid: str = Field(primary_key=True, max_length=32)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
