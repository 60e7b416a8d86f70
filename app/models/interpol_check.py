"""InterpolCheck: a stored search of INTERPOL's public red notices for one person, with scored hits."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, OrgOwned, UTCDateTime, timestamp_field
from app.models.encrypted import EncryptedJSONList
from app.models.fuzzy_date import FuzzyDate

SearchName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CheckStatus(StrEnum):
    ok = "ok"


class CheckSource(StrEnum):
    """Where a check looked: INTERPOL's public API, or a FollowTheMoney dataset screened at once."""

    interpol = "interpol"
    ftm = "ftm"


class InterpolCheck(OrgOwned, table=True):
    __tablename__ = "interpol_check"

    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    checked_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    query: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("interpol_check.query"))
    hits: list[dict[str, object]] = Field(
        default_factory=list, sa_type=EncryptedJSONList("interpol_check.hits")
    )
    no_longer_public: list[str] = Field(default_factory=list, sa_type=JSONList)
    status: str = Field(default=CheckStatus.ok.value, max_length=16)
    created_at: datetime = timestamp_field()
    source: str = Field(
        default=CheckSource.interpol.value, max_length=16, sa_column_kwargs={"server_default": "interpol"}
    )
    dataset: str | None = Field(default=None, max_length=200)
    dataset_date: str | None = Field(default=None, max_length=10)
    screening_id: str | None = Field(default=None, max_length=36)


class RedNoticeItem(SQLModel):
    entity_id: str
    name: str
    forename: str | None
    birth_date: FuzzyDate | None
    nationalities: list[str] = Field(description="As INTERPOL gives them: a few are not ISO codes.")
    url: str


class RedNoticeList(SQLModel):
    total: int = Field(description="INTERPOL's count, which may exceed what it lets a query page through.")
    capped: bool = Field(description="True when total exceeds 160, the most INTERPOL returns for one query.")
    items: list[RedNoticeItem]


class CheckHit(SQLModel):
    entity_id: str
    name: str
    forename: str | None
    birth_date: FuzzyDate | None
    nationalities: list[str]
    score: float = Field(description="How well the notice's names match the person (same matcher as search).")
    requesting_states: list[str] = Field(
        description="Issuing countries of the notice's warrants, as INTERPOL gives them: ISO alpha-2, "
        "or one of its few non-ISO codes (e.g. `922`), passed through unchanged."
    )
    explanation: list[str] = Field(default_factory=list)


class InterpolCheckPublic(SQLModel):
    id: str
    person_id: str
    checked_at: datetime
    query: list[str] = Field(description="What was sent to INTERPOL: name parts and nationality only.")
    hits: list[CheckHit]
    no_longer_public: list[str] = Field(
        description="Notices hit by the previous check that INTERPOL no longer publishes: never read this as 'deleted'."
    )
    status: CheckStatus
    source: CheckSource = Field(
        default=CheckSource.interpol,
        description="`interpol`: a search of INTERPOL's public API; `ftm`: a screening against a "
        "FollowTheMoney dataset (`POST /screenings`), whose hits' `entity_id` is the FtM entity id.",
    )
    dataset: str | None = Field(default=None, description="The screened dataset's name (`ftm` checks).")
    dataset_date: FuzzyDate | None = Field(
        default=None, description="The date of the screened dataset's newest entity (`ftm` checks)."
    )
    screening_id: str | None = Field(default=None, description="The screening that stored it (`ftm` checks).")


class InterpolCheckList(SQLModel):
    items: list[InterpolCheckPublic]
    next_cursor: str | None = None
