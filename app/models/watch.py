"""Watch: a person re-checked against INTERPOL's public red notices on a schedule; InterpolChange: what one
of those checks found changed since the watch's previous check; WatchRunner: the one row every process
shares to pace its requests to INTERPOL and, on SQLite, to run one at a time."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.base import JSONList, OrgOwned, StrictInput, UTCDateTime, enum_column, timestamp_field

MIN_INTERVAL_HOURS = 1
MAX_INTERVAL_HOURS = 168
CHANGES_SHOWN = 100  # the newest changes a watch's answer lists


class ChangeKind(StrEnum):
    appeared = "appeared"
    disappeared = "disappeared"  # no longer public: never read as "deleted"
    changed = "changed"


class ChangedField(StrEnum):
    """What a `changed` notice changed in, as the check's hits show it."""

    name = "name"
    birth_date = "birth_date"
    nationalities = "nationalities"
    requesting_states = "requesting_states"


class Watch(OrgOwned, table=True):
    """One per person. `next_check_at` is when it is due; a runner takes it by setting `lease_holder` and
    `lease_until` (a crashed runner's lease ends, and the watch is due again). `last_check_id` is the
    check the next one is compared with; `failures` counts the checks that failed since the last one that
    did not (each waits longer)."""

    __tablename__ = "watch"

    person_id: str = Field(foreign_key="person.id", unique=True, max_length=36, ondelete="CASCADE")
    interval_hours: int = Field(nullable=False)
    created_at: datetime = timestamp_field()
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_check_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    last_check_id: str | None = Field(default=None, max_length=36)
    failures: int = Field(default=0, nullable=False)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_holder: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InterpolChange(OrgOwned, table=True):
    """A notice that appeared in, disappeared from, or changed in a watch's check, against its previous one.

    A child of the check that found it (the person's history shows it as that check's event)."""

    __tablename__ = "interpol_change"

    check_id: str = Field(foreign_key="interpol_check.id", index=True, max_length=36, ondelete="CASCADE")
    watch_id: str = Field(max_length=36, index=True)
    position: int = Field(default=0, nullable=False)
    change: ChangeKind = Field(sa_type=enum_column(ChangeKind, length=16), nullable=False)
    entity_id: str = Field(max_length=32)
    fields: list[str] = Field(default_factory=list, sa_type=JSONList)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class WatchRunner(SQLModel, table=True):
    """The shared state of every process that runs watches (one row, `name` = `interpol`)."""

    __tablename__ = "watch_runner"

    name: str = Field(primary_key=True, max_length=32)
    next_request_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    holder: str | None = Field(default=None, max_length=36)
    held_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WatchCreate(StrictInput):
    interval_hours: int | None = Field(
        default=None,
        ge=MIN_INTERVAL_HOURS,
        le=MAX_INTERVAL_HOURS,
        description="Hours between checks, 1–168 (default: the server's `ARTICLE3_WATCH_INTERVAL_HOURS`). "
        "Each next check is spread by up to a tenth of it either way.",
    )


class WatchChange(SQLModel):
    at: datetime = Field(description="When the check that found it ran.")
    change: ChangeKind = Field(
        description="`appeared`, `disappeared` (no longer public: never evidence of deletion) or `changed` "
        "(name, birth date, nationalities or requesting states)."
    )
    entity_id: str = Field(description="INTERPOL's id of the notice, e.g. `2017/40211`.")
    check_id: str = Field(description="The stored INTERPOL check that found it (`interpol-checks`).")


class WatchPublic(SQLModel):
    person_id: str
    interval_hours: int
    created_at: datetime
    last_checked_at: datetime | None = Field(
        description="When its last successful check ran (null before the first)."
    )
    next_check_at: datetime = Field(
        description="When it is due again (a new watch: its creation time). A failed check moves it on."
    )
    changes: list[WatchChange] = Field(
        description=f"What its checks found changed, newest first (the newest {CHANGES_SHOWN}). The first "
        "check is the baseline: notices it finds are not reported as appeared."
    )


class WatchList(SQLModel):
    items: list[WatchPublic]
    next_cursor: str | None = None


class InterpolChangeRow(SQLModel):
    """An exported change, as the import checks it."""

    id: str
    check_id: str
    watch_id: str
    change: ChangeKind
    entity_id: str
    at: datetime
