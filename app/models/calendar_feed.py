"""CalendarFeed: a secret address from which calendar apps read an organisation's deadlines."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, ShownOnce, StrictInput, UTCDateTime, enum_column, timestamp_field


class FeedNames(StrEnum):
    initials = "initials"
    full = "full"


class CalendarFeed(OrgOwned, table=True):
    """Only the HMAC digest of the feed's secret is stored; the secret is in the url, shown once."""

    __tablename__ = "calendar_feed"

    digest: str = Field(max_length=64, unique=True)
    names: FeedNames = Field(sa_type=enum_column(FeedNames, length=16))
    created_at: datetime = timestamp_field()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalendarFeedCreate(StrictInput):
    names: FeedNames = Field(
        default=FeedNames.initials,
        description="`initials` (the default): events name persons by their initials only. `full` lets the "
        "feed show full names, when its url is fetched with `?names=full`.",
    )


class CalendarFeedPublic(SQLModel):
    id: str
    names: FeedNames
    created_at: datetime
    revoked_at: datetime | None = None


class CalendarFeedCreated(SQLModel, ShownOnce):
    id: str
    url: str = Field(description="The feed's address, holding its secret: shown this once, never stored.")
    names: FeedNames
    created_at: datetime


class CalendarFeedList(SQLModel):
    items: list[CalendarFeedPublic]
    next_cursor: str | None = None
