"""Protection: a status a host state granted (or refused) a person against the state they fled."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import model_validator
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.person import SourceText
from app.models.state import StateCode


class ProtectionKind(StrEnum):
    asylum_applied = "asylum_applied"
    refugee_status = "refugee_status"
    subsidiary_protection = "subsidiary_protection"
    humanitarian = "humanitarian"
    citizenship = "citizenship"
    asylum_rejected = "asylum_rejected"
    unhcr_mandate = "unhcr_mandate"  # refugee status recognised by UNHCR under its mandate


class ProtectionCreate(StrictInput):
    kind: ProtectionKind = Field(
        description="For the indicators, an `asylum_applied` counts only while no `asylum_rejected` with the "
        "same `host_state` and `against_state` is dated on or after it; `citizenship` never counts."
    )
    host_state: StateCode
    against_state: StateCode = Field(
        description="The state the person fled: whose requests the protection guards against."
    )
    since: FuzzyDate | None = None
    until: FuzzyDate | None = None
    note: str | None = Field(default=None, max_length=2000)
    sources: list[SourceText] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ordered(self) -> "ProtectionCreate":
        if self.since is not None and self.until is not None and self.until.start < self.since.start:
            raise ValueError("until must not be before since")
        return self


class ProtectionUpdate(StrictInput):
    """A correction: the dates and the host state (the kind and the state fled make another protection)."""

    host_state: StateCode | None = None
    since: FuzzyDate | None = None
    until: FuzzyDate | None = None
    note: str | None = Field(default=None, max_length=2000)
    sources: list[SourceText] | None = Field(default=None, max_length=50)


class Protection(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_protection_org_id_person_id", "org_id", "person_id"),
    )  # a person's records, per tenant
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    kind: ProtectionKind = Field(sa_type=enum_column(ProtectionKind))
    host_state: str = Field(max_length=2)
    against_state: str = Field(max_length=2, index=True)
    since: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    until: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    note: str | None = Field(default=None, sa_type=EncryptedText("protection.note"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("protection.sources"))


class ProtectionPublic(SQLModel):
    id: str
    person_id: str
    kind: ProtectionKind
    host_state: str
    against_state: str
    since: FuzzyDate | None
    until: FuzzyDate | None
    note: str | None
    sources: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class ProtectionList(SQLModel):
    items: list[ProtectionPublic]
    next_cursor: str | None = None
