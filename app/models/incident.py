"""Incident: transnational repression beyond the legal channels (threats, abductions, killings…)."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.person import SourceText
from app.models.state import StateCode


class IncidentKind(StrEnum):
    family_intimidation = "family_intimidation"
    surveillance = "surveillance"
    digital_threat = "digital_threat"
    assault = "assault"
    abduction = "abduction"
    rendition = "rendition"
    enforced_disappearance = "enforced_disappearance"
    assassination = "assassination"
    attempted_assassination = "attempted_assassination"
    unlawful_deportation = "unlawful_deportation"
    passport_cancellation = "passport_cancellation"
    other = "other"
    relatives_detained = "relatives_detained"
    relatives_prosecuted = "relatives_prosecuted"
    property_confiscated = "property_confiscated"
    travel_ban_on_relatives = "travel_ban_on_relatives"


# Kinds done to the person's family: the indicator `relatives_targeted` reads each of them.
AGAINST_RELATIVES = frozenset(
    {
        IncidentKind.family_intimidation,
        IncidentKind.relatives_detained,
        IncidentKind.relatives_prosecuted,
        IncidentKind.travel_ban_on_relatives,
    }
)


class Certainty(StrEnum):
    established = "established"
    reported = "reported"
    alleged = "alleged"


class IncidentCreate(StrictInput):
    person_id: str = Field(max_length=36)
    kind: IncidentKind
    perpetrator_state: StateCode
    host_state: StateCode | None = None
    occurred_on: FuzzyDate | None = None
    certainty: Certainty = Field(
        default=Certainty.reported,
        description="`established`: a court or the state acknowledged it; `reported`: credible sources; `alleged`.",
    )
    description: str | None = Field(default=None, max_length=10_000)
    sources: list[SourceText] = Field(default_factory=list, max_length=50)


class IncidentUpdate(StrictInput):
    kind: IncidentKind | None = None
    perpetrator_state: StateCode | None = None
    host_state: StateCode | None = None
    occurred_on: FuzzyDate | None = None
    certainty: Certainty | None = None
    description: str | None = Field(default=None, max_length=10_000)
    sources: list[SourceText] | None = Field(default=None, max_length=50)


class Incident(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_incident_org_id_person_id", "org_id", "person_id"),
    )  # a person's records, per tenant
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    kind: IncidentKind = Field(sa_type=enum_column(IncidentKind))
    perpetrator_state: str = Field(max_length=2, index=True)
    host_state: str | None = Field(default=None, max_length=2)
    occurred_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    certainty: Certainty = Field(sa_type=enum_column(Certainty, length=16))
    description: str | None = Field(default=None, sa_type=EncryptedText("incident.description"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("incident.sources"))


class IncidentPublic(SQLModel):
    id: str
    person_id: str
    kind: IncidentKind
    perpetrator_state: str
    host_state: str | None
    occurred_on: FuzzyDate | None
    certainty: Certainty
    description: str | None
    sources: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class IncidentList(SQLModel):
    items: list[IncidentPublic]
    next_cursor: str | None = None
