"""ApiToken, Role and Principal: who is calling, for which organisation, with which rights."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, model_validator
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, ShownOnce, StrictInput, UTCDateTime, enum_column, timestamp_field


class Role(StrEnum):
    admin = "admin"
    editor = "editor"
    viewer = "viewer"
    analyst = "analyst"


class ApiToken(OrgOwned, table=True):
    """A bearer token. Only its HMAC-SHA256 digest is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    role: Role = Field(sa_type=enum_column(Role, length=16))
    label: str | None = Field(default=None, max_length=200)
    digest: str = Field(max_length=64, unique=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = timestamp_field()


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller every service receives: its organisation comes only from the credential.

    `token_id` names who acts, in the audit trail (`actor`), the rate limit and the daily quota: the
    token's id, or, for a person signed in to the web interface, their user account's id (then also
    `user_id`, with `username` for pages). A user's role is read from the database on every request."""

    token_id: str
    org_id: str
    role: Role
    user_id: str | None = None
    username: str | None = None


class TokenCreate(StrictInput):
    role: Role
    label: str | None = Field(default=None, min_length=1, max_length=200)
    expires_days: int | None = Field(default=None, ge=1, le=3650)
    expires_at: AwareDatetime | None = Field(default=None, description="A future timestamp with its offset.")

    @model_validator(mode="after")
    def _one_expiry(self) -> "TokenCreate":
        if self.expires_days is not None and self.expires_at is not None:
            raise ValueError("give expires_days or expires_at, not both")
        return self


class TokenPublic(SQLModel):
    id: str
    role: Role
    label: str | None
    expires_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None = None


class TokenCreated(SQLModel, ShownOnce):
    id: str
    token: str = Field(description="The token itself: shown this once, never stored.")
    role: Role
    label: str | None
    expires_at: datetime | None
    created_at: datetime


class TokenList(SQLModel):
    items: list[TokenPublic]
    next_cursor: str | None = None
