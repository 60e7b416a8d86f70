"""Notice: every channel by which a state asks for a person, with its charges and its status history."""

import re
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Protocol, TypeVar

import sqlalchemy as sa
from pydantic import AfterValidator, StringConstraints, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, StrictInput, Versioned, enum_column, new_id, timestamp_field
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.person import SourceText
from app.models.state import StateCode


class Channel(StrEnum):
    red_notice = "red_notice"
    diffusion = "diffusion"
    blue_notice = "blue_notice"
    national_warrant = "national_warrant"
    bilateral_request = "bilateral_request"
    cis_wanted_list = "cis_wanted_list"
    sltd_passport = "sltd_passport"


class NoticeStatus(StrEnum):
    requested = "requested"
    published = "published"
    refused = "refused"
    blocked = "blocked"
    cancelled = "cancelled"
    withdrawn = "withdrawn"
    deleted = "deleted"
    reinstated = "reinstated"
    unknown = "unknown"


class StatusActor(StrEnum):
    requesting_state = "requesting_state"
    general_secretariat = "general_secretariat"
    ccf = "ccf"
    court = "court"
    unknown = "unknown"


class StatusReason(StrEnum):
    article_2 = "article_2"
    article_3 = "article_3"
    refugee_policy = "refugee_policy"
    article_83 = "article_83"
    purpose_achieved = "purpose_achieved"
    ncb_no_answer = "ncb_no_answer"
    source_withdrew = "source_withdrew"
    other = "other"


class ChargeCategory(StrEnum):
    terrorism = "terrorism"
    extremism = "extremism"
    separatism = "separatism"
    public_order = "public_order"
    speech = "speech"
    economic = "economic"
    violent = "violent"
    drugs = "drugs"
    property = "property"
    other = "other"


class CategorySource(StrEnum):
    auto = "auto"
    user = "user"


_FILE_REF = re.compile(r"^\d{4}/\d{1,7}$")
_CONTROL_NUMBER = re.compile(r"^([A-Za-z])-(\d{1,6})/(\d{1,2})-(\d{4})$")
INTERPOL_REF_PATTERN = r"^(\d{4}/\d{1,7}|[A-Za-z]-\d{1,6}/(0?[1-9]|1[0-2])-(19|20)\d{2})$"
INTERPOL_REF_FORMS = (
    "write INTERPOL's file number as year/number (2015/12345, 1 to 7 digits after the slash) or its "
    "control number as it appears on the notice: the notice's letter, a hyphen, the number, a slash, "
    "the month and year of issue (A-1234/6-2015)"
)


def _interpol_ref(text: str) -> str:
    """A file number (`2015/12345`) as it is, or a control number (`A-1234/6-2015`) with its letter in capitals."""
    if _FILE_REF.match(text):
        return text
    found = _CONTROL_NUMBER.match(text)
    if found is None:
        raise PydanticCustomError("interpol_ref", f"not an INTERPOL reference: {INTERPOL_REF_FORMS}")
    letter, number, month, year = found.groups()
    if not 1 <= int(month) <= 12 or not 1946 <= int(year) <= 2099:
        raise PydanticCustomError(
            "interpol_ref", f"no such month and year of issue ({month}-{year}): {INTERPOL_REF_FORMS}"
        )
    return f"{letter.upper()}-{number}/{month}-{year}"


InterpolRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(_interpol_ref),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": INTERPOL_REF_PATTERN,
            "maxLength": 16,
            "description": "INTERPOL's file number `YYYY/N…` (1–7 digits after the slash), or a control "
            "number as printed on a notice, e.g. `A-1234/6-2015` (letter, number, month-year of issue).",
        }
    ),
]
CaseNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
NoteText = Annotated[str, StringConstraints(max_length=2000)]
MAX_CHARGES = 50


class ChargeIn(StrictInput):
    text: str = Field(
        min_length=1, max_length=2000, description="The charge in the requesting state's words."
    )
    category: ChargeCategory | None = Field(
        default=None,
        description="Left out or null: the service classifies the text (`category_source: auto`).",
    )


class ChargePublic(SQLModel):
    text: str
    category: ChargeCategory
    category_source: CategorySource


def _dates_ordered(requested_on: FuzzyDate | None, issued_on: FuzzyDate | None) -> None:
    if requested_on is not None and issued_on is not None and issued_on.start < requested_on.start:
        raise ValueError("issued_on must not be before requested_on")


class NoticeCreate(StrictInput):
    person_id: str = Field(max_length=36)
    channel: Channel
    requesting_state: StateCode
    interpol_ref: InterpolRef | None = Field(
        default=None,
        description="`YYYY/N…` (1–7 digits after the slash), or an INTERPOL control number as printed on "
        "a notice, e.g. `A-1234/6-2015`.",
    )
    case_number: CaseNumber | None = Field(default=None, description="The national case behind the request.")
    requested_on: FuzzyDate | None = None
    issued_on: FuzzyDate | None = None
    status: NoticeStatus = Field(default=NoticeStatus.requested, description="The initial status.")
    status_actor: StatusActor | None = None
    status_reason: StatusReason | None = None
    public_extract: bool = False
    in_absentia: bool = Field(default=False, description="The request rests on a conviction in absentia.")
    charges: list[ChargeIn] = Field(default_factory=list, max_length=MAX_CHARGES)
    note: NoteText | None = None
    sources: list[SourceText] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ordered(self) -> "NoticeCreate":
        _dates_ordered(self.requested_on, self.issued_on)
        return self


class NoticeUpdate(StrictInput):
    channel: Channel | None = None
    requesting_state: StateCode | None = None
    interpol_ref: InterpolRef | None = None
    case_number: CaseNumber | None = None
    requested_on: FuzzyDate | None = None
    issued_on: FuzzyDate | None = None
    status_actor: StatusActor | None = None
    status_reason: StatusReason | None = None
    public_extract: bool | None = None
    in_absentia: bool | None = None
    charges: list[ChargeIn] | None = Field(default=None, max_length=MAX_CHARGES)
    note: NoteText | None = None
    sources: list[SourceText] | None = Field(default=None, max_length=50)


class StatusChangeIn(StrictInput):
    status: NoticeStatus
    on: FuzzyDate | None = Field(default=None, description="When it happened; null when unknown.")
    actor: StatusActor = StatusActor.unknown
    reason: StatusReason | None = None
    note: NoteText | None = None


class Notice(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_notice_org_id_person_id", "org_id", "person_id"),  # a person's records, per tenant
        # By person, holding all that `group_targeting` reads of each member of a group (pooled): the
        # largest groups have thousands of notices, read from the index without touching the table.
        sa.Index(
            "ix_notice_person_id_dates",
            "person_id",
            "requesting_state",
            "requested_on",
            "issued_on",
            "org_id",
            "id",
        ),
    )
    person_id: str = Field(foreign_key="person.id", max_length=36, ondelete="CASCADE")
    channel: Channel = Field(sa_type=enum_column(Channel))
    requesting_state: str = Field(max_length=2, index=True)
    interpol_ref: str | None = Field(default=None, max_length=16)
    requested_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    issued_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    initial_status: NoticeStatus = Field(sa_type=enum_column(NoticeStatus))
    status_actor: StatusActor | None = Field(default=None, sa_type=enum_column(StatusActor))
    status_reason: StatusReason | None = Field(default=None, sa_type=enum_column(StatusReason))
    status: NoticeStatus = Field(sa_type=enum_column(NoticeStatus), index=True)
    public_extract: bool = False
    in_absentia: bool = False
    note: str | None = Field(default=None, sa_type=EncryptedText("notice.note"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("notice.sources"))
    case_number: str | None = Field(default=None, sa_type=EncryptedText("notice.case_number"))

    @property
    def date(self) -> FuzzyDate | None:
        """A notice's date wherever a rule compares it: `requested_on`, else `issued_on`."""
        return self.requested_on if self.requested_on is not None else self.issued_on


class Charge(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    notice_id: str = Field(foreign_key="notice.id", index=True, max_length=36, ondelete="CASCADE")
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    position: int
    text: str = Field(sa_type=EncryptedText("charge.text"))
    category: ChargeCategory = Field(sa_type=enum_column(ChargeCategory), index=True)
    category_source: CategorySource = Field(sa_type=enum_column(CategorySource, length=8))


class NoticeStatusChange(SQLModel, table=True):
    """A status change appended to a notice; never updated (facts learned late get their place by date)."""

    __tablename__ = "notice_status_change"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    notice_id: str = Field(foreign_key="notice.id", index=True, max_length=36, ondelete="CASCADE")
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    status: NoticeStatus = Field(sa_type=enum_column(NoticeStatus))
    on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    actor: StatusActor = Field(sa_type=enum_column(StatusActor))
    reason: StatusReason | None = Field(default=None, sa_type=enum_column(StatusReason))
    note: str | None = Field(default=None, sa_type=EncryptedText("notice_status_change.note"))
    recorded_at: datetime = timestamp_field()
    position: int = Field(description="Order recorded, within the notice.")


class StatusEntry(SQLModel):
    status: NoticeStatus
    on: FuzzyDate | None
    actor: StatusActor | None
    reason: StatusReason | None
    note: str | None
    recorded_at: datetime


class NoticePublic(SQLModel):
    id: str
    person_id: str
    channel: Channel
    requesting_state: str
    interpol_ref: str | None
    requested_on: FuzzyDate | None
    issued_on: FuzzyDate | None
    status: NoticeStatus
    status_actor: StatusActor | None
    status_reason: StatusReason | None
    public_extract: bool
    in_absentia: bool
    charges: list[ChargePublic]
    status_history: list[StatusEntry] = Field(
        description="Oldest first; the initial status is the first entry."
    )
    note: str | None
    sources: list[str]
    case_number: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class NoticeList(SQLModel):
    items: list[NoticePublic]
    next_cursor: str | None = None


def initial_date(
    initial_status: NoticeStatus, requested_on: FuzzyDate | None, issued_on: FuzzyDate | None
) -> FuzzyDate | None:
    """The date of the first history entry: `issued_on`, unless the initial status is `requested`."""
    return requested_on if initial_status is NoticeStatus.requested else issued_on


class _Change(Protocol):
    @property
    def on(self) -> FuzzyDate | None: ...
    @property
    def position(self) -> int: ...


ChangeT = TypeVar("ChangeT", bound=_Change)


def ordered(changes: Iterable[ChangeT]) -> list[ChangeT]:
    """Later entries in date order (first day of each period), undated after dated, ties in the order recorded."""
    return sorted(changes, key=lambda c: (c.on is None, c.on.start if c.on else date.max, c.position))
