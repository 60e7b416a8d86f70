"""RateLimitWindow: the requests one caller sent in the last minute, shared by every process on PostgreSQL."""

from sqlmodel import Field, SQLModel

from app.models.base import JSONList


class RateLimitWindow(SQLModel, table=True):
    """One row per caller that sent a request in the last 60 seconds: how many requests it sent in each
    second of that window, as `[moment, requests]` pairs, the moment that of the second's last request
    (database clock, epoch seconds). `key` is a SHA-256 digest of the caller's key (a token id
    or a client address), so no address is stored. Unused on SQLite, where one process counts in memory."""

    __tablename__ = "rate_limit_window"

    key: str = Field(primary_key=True, max_length=64)
    hits: list[list[float]] = Field(default_factory=list, sa_type=JSONList)
    expires_at: float = Field(
        nullable=False, index=True
    )  # the last request + 60 s: past it, the row counts nothing
