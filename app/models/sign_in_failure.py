"""SignInFailure: one failed sign-in attempt, counted per account and per client address."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime


class SignInFailure(SQLModel, table=True):
    """A wrong password or TOTP code, kept under a keyed digest of what it counts against (`account:` the
    typed username case-folded, whether or not it exists; `address:` the client address) for as long as
    the throttling window lasts. In the database, so every process and instance counts the same."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
