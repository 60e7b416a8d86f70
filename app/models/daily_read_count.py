"""DailyReadCount: how many answers showing persons' data each actor received on each day (UTC)."""

from sqlmodel import Field, SQLModel


class DailyReadCount(SQLModel, table=True):
    """One row per actor and day, kept in the transaction of every audit entry the daily quota counts, so
    it always equals the count of those entries: the quota reads one row instead of counting the trail."""

    __tablename__ = "daily_read_count"

    actor: str = Field(primary_key=True, max_length=64)
    day: str = Field(primary_key=True, max_length=10, description="ISO date, UTC")
    used: int = 0
