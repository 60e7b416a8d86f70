"""Detention: a person held by a host state at a requesting state's behest, and its release or surrender."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator, model_validator
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, OrgOwned, StrictInput, Versioned, enum_column
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


class Custody(StrEnum):
    """What the custody was: held in a place of detention, confined at home, or free under supervision
    (reporting duties, a tag). Each is counted in days of its own (`custody_days`, `house_arrest_days`,
    `supervision_days`)."""

    detention = "detention"
    house_arrest = "house_arrest"
    supervision = "supervision"


class SurrenderKind(StrEnum):
    extradited = "extradited"
    deported = "deported"
    rendered = "rendered"


CourtText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CaseNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CUSTODY = (
    "`detention` (the default), `house_arrest` or `supervision`: each kind is counted in its own days "
    "(`custody_days` counts detention only)."
)
OTHER_BASES = "Further bases of the same custody besides `basis` (its codes, each once; never `unknown`)."
ENDED_ON = (
    "Custody that ended in a way nobody recorded: the date by which it had ended (the day and the manner "
    "are unknown), with `release_reason` (usually `unknown`) and no `released_on`."
)


def _other_bases(value: list[DetentionBasis]) -> list[DetentionBasis]:
    if DetentionBasis.unknown in value:
        raise ValueError("other_bases lists known bases only: leave `unknown` out")
    if len(set(value)) != len(value):
        raise ValueError("other_bases lists each basis once")
    return value


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
    custody: Custody = Field(default=Custody.detention, description=CUSTODY)
    court: CourtText | None = Field(
        default=None, description="The court that ordered or reviewed the custody."
    )
    case_number: CaseNumber | None = Field(default=None, description="The national case number.")
    other_bases: list[DetentionBasis] = Field(default_factory=list, max_length=8, description=OTHER_BASES)

    _bases = field_validator("other_bases")(_other_bases)


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
    custody: Custody | None = None
    court: CourtText | None = None
    case_number: CaseNumber | None = None
    other_bases: list[DetentionBasis] | None = Field(default=None, max_length=8)
    ended_on: FuzzyDate | None = Field(default=None, description=ENDED_ON)

    @field_validator("other_bases")
    @classmethod
    def _bases(cls, value: list[DetentionBasis] | None) -> list[DetentionBasis] | None:
        return None if value is None else _other_bases(value)


class ReleaseIn(StrictInput):
    """A release: `released_on` when it is known, or else `ended_on` (the date by which the custody had
    ended, in a way nobody recorded), exactly one of the two."""

    released_on: FuzzyDate | None = Field(default=None, description="Required unless `ended_on` is given.")
    reason: ReleaseReason
    conditions: ReleaseConditions | None = None
    note: NoteText | None = None
    ended_on: FuzzyDate | None = Field(default=None, description=ENDED_ON)

    @model_validator(mode="after")
    def _one_date(self) -> "ReleaseIn":
        if (self.released_on is None) == (self.ended_on is None):
            raise ValueError(
                "give released_on (the day, month or year of the release) or, when the custody ended in a "
                "way nobody recorded, ended_on (the date by which it had ended): one of the two"
            )
        return self


class SurrenderIn(StrictInput):
    surrendered_on: FuzzyDate
    kind: SurrenderKind
    note: NoteText | None = None


class Detention(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_detention_org_id_person_id", "org_id", "person_id"),  # a person's records, per tenant
        # GET /states: the released detentions by state and the surrendered (person, state) pairs they are
        # checked against, from the index alone (migration 0024)
        sa.Index(
            "ix_detention_status_requesting_state_person_id",
            "status",
            "requesting_state",
            "person_id",
            "released_on",
        ),
    )
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
    custody: Custody = Field(default=Custody.detention, sa_type=enum_column(Custody, length=16))
    ended_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    court: str | None = Field(default=None, sa_type=EncryptedText("detention.court"))
    case_number: str | None = Field(default=None, sa_type=EncryptedText("detention.case_number"))
    other_bases: list[str] = Field(default_factory=list, sa_type=JSONList)

    @property
    def custody_days(self) -> int | None:
        """Days in detention (custody `detention`) to release or surrender, when both are known to the day."""
        return days_of(self, Custody.detention)

    @property
    def house_arrest_days(self) -> int | None:
        return days_of(self, Custody.house_arrest)

    @property
    def supervision_days(self) -> int | None:
        return days_of(self, Custody.supervision)


class _Held(Protocol):
    custody: Custody
    detained_on: FuzzyDate
    released_on: FuzzyDate | None
    surrendered_on: FuzzyDate | None


def days_of(d: _Held, kind: Custody) -> int | None:
    """The days of custody of this kind (None for another kind, or when an end is not known to the day)."""
    if d.custody is not kind:
        return None
    return custody_days(d.detained_on, d.released_on or d.surrendered_on)


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
        description="Days in detention (custody `detention` only). Null while in custody, for another "
        "custody, or when a date is not known to the day."
    )
    note: str | None
    sources: list[str]
    custody: Custody = Custody.detention
    house_arrest_days: int | None = Field(default=None, description="As `custody_days`, for `house_arrest`.")
    supervision_days: int | None = Field(default=None, description="As `custody_days`, for `supervision`.")
    ended_on: FuzzyDate | None = Field(default=None, description=ENDED_ON)
    court: str | None = None
    case_number: str | None = None
    other_bases: list[DetentionBasis] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, detention: Detention, *, deceased_on: FuzzyDate | None = None) -> "DetentionPublic":
        """The answer for a detention. Custody still open when its person died has ended by the date of
        death: answered as released, `release_reason` unknown, `ended_on` the date of death (the stored
        record is left as it is, so a corrected date of death corrects the answer)."""
        public = cls.model_validate(detention)
        if deceased_on is not None and detention.status is DetentionStatus.in_custody:
            public.status = DetentionStatus.released
            public.release_reason = ReleaseReason.unknown
            public.ended_on = deceased_on
        return public


class DetentionList(SQLModel):
    items: list[DetentionPublic]
    next_cursor: str | None = None
