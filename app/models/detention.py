"""Detention: a person held by a host state at a requesting state's behest, and its release or surrender."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.notice import NoteText
from app.models.person import SourceText
from app.models.state import StateCode


class DetentionBasis(StrEnum):
    red_notice = "red_notice"
    diffusion = "diffusion"
    blue_notice = "blue_notice"
    national_warrant = "national_warrant"
    bilateral_request = "bilateral_request"
    cis_wanted_list = "cis_wanted_list"
    sltd_passport = "sltd_passport"
    immigration = "immigration"
    unknown = "unknown"


class DetentionStatus(StrEnum):
    in_custody = "in_custody"
    released = "released"
    surrendered = "surrendered"


class ReleaseReason(StrEnum):
    extradition_refused = "extradition_refused"
    notice_deleted = "notice_deleted"
    bail = "bail"
    asylum_granted = "asylum_granted"
    time_limit = "time_limit"
    insufficient_documents = "insufficient_documents"
    court_order = "court_order"
    other = "other"
    unknown = "unknown"


class ReleaseConditions(StrEnum):
    none = "none"
    bail = "bail"
    house_arrest = "house_arrest"
    travel_ban = "travel_ban"


class SurrenderKind(StrEnum):
    extradited = "extradited"
    deported = "deported"
    rendered = "rendered"


class DetentionCreate(StrictInput):
    person_id: str = Field(max_length=36)
    notice_id: str | None = Field(
        default=None, max_length=36, description="The notice the detention executed."
    )
    host_state: StateCode
    requesting_state: StateCode | None = Field(
        default=None,
        description="Required unless `notice_id` is given; it then defaults to the notice's and must equal it.",
    )
    detained_on: FuzzyDate
    place: str | None = Field(default=None, max_length=200)
    basis: DetentionBasis = DetentionBasis.unknown
    note: NoteText | None = None
    sources: list[SourceText] = Field(default_factory=list, max_length=50)


class DetentionUpdate(StrictInput):
    """A correction: every create field but `person_id`; the release fields once released, the surrender
    fields once surrendered (a detention ends by its actions, never by a PATCH)."""

    notice_id: str | None = Field(default=None, max_length=36)
    host_state: StateCode | None = None
    requesting_state: StateCode | None = None
    detained_on: FuzzyDate | None = None
    place: str | None = Field(default=None, max_length=200)
    basis: DetentionBasis | None = None
    note: NoteText | None = None
    sources: list[SourceText] | None = Field(default=None, max_length=50)
    released_on: FuzzyDate | None = None
    release_reason: ReleaseReason | None = None
    release_conditions: ReleaseConditions | None = None
    release_note: NoteText | None = None
    surrendered_on: FuzzyDate | None = None
    surrender_kind: SurrenderKind | None = None
    surrender_note: NoteText | None = None


class ReleaseIn(StrictInput):
    released_on: FuzzyDate
    reason: ReleaseReason
    conditions: ReleaseConditions | None = None
    note: NoteText | None = None


class SurrenderIn(StrictInput):
    surrendered_on: FuzzyDate
    kind: SurrenderKind
    note: NoteText | None = None


class Detention(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_detention_org_id_person_id", "org_id", "person_id"),
    )  # a person's records, per tenant
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    notice_id: str | None = Field(
        default=None, foreign_key="notice.id", index=True, max_length=36, ondelete="SET NULL"
    )
    host_state: str = Field(max_length=2, index=True)
    requesting_state: str = Field(max_length=2, index=True)
    detained_on: FuzzyDate = Field(sa_type=FuzzyDateType)
    place: str | None = Field(default=None, sa_type=EncryptedText("detention.place"))
    basis: DetentionBasis = Field(sa_type=enum_column(DetentionBasis))
    status: DetentionStatus = Field(
        default=DetentionStatus.in_custody, sa_type=enum_column(DetentionStatus, length=16)
    )
    released_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    release_reason: ReleaseReason | None = Field(default=None, sa_type=enum_column(ReleaseReason))
    release_conditions: ReleaseConditions | None = Field(
        default=None, sa_type=enum_column(ReleaseConditions, length=16)
    )
    release_note: str | None = Field(default=None, sa_type=EncryptedText("detention.release_note"))
    surrendered_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    surrender_kind: SurrenderKind | None = Field(default=None, sa_type=enum_column(SurrenderKind, length=16))
    surrender_note: str | None = Field(default=None, sa_type=EncryptedText("detention.surrender_note"))
    note: str | None = Field(default=None, sa_type=EncryptedText("detention.note"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("detention.sources"))

    @property
    def custody_days(self) -> int | None:
        """Days from detention to release or surrender, when both are known to the day."""
        return custody_days(self.detained_on, self.released_on or self.surrendered_on)


def custody_days(detained_on: FuzzyDate, ended_on: FuzzyDate | None) -> int | None:
    """Days from detention to its end (release or surrender), when both are known to the day."""
    if ended_on is None or ended_on.exact is None or detained_on.exact is None:
        return None
    return (ended_on.exact - detained_on.exact).days


class DetentionPublic(SQLModel):
    id: str
    person_id: str
    notice_id: str | None
    host_state: str
    requesting_state: str
    detained_on: FuzzyDate
    place: str | None
    basis: DetentionBasis
    status: DetentionStatus
    released_on: FuzzyDate | None
    release_reason: ReleaseReason | None
    release_conditions: ReleaseConditions | None
    release_note: str | None
    surrendered_on: FuzzyDate | None
    surrender_kind: SurrenderKind | None
    surrender_note: str | None
    custody_days: int | None = Field(
        description="Null while in custody or when a date is not known to the day."
    )
    note: str | None
    sources: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class DetentionList(SQLModel):
    items: list[DetentionPublic]
    next_cursor: str | None = None
