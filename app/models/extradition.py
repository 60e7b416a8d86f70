"""Extradition: one proceeding (one stage of one decision) on a requesting state's request."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator, model_validator
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.notice import NoteText
from app.models.person import SourceText
from app.models.state import StateCode


class Stage(StrEnum):
    first_instance = "first_instance"
    appeal = "appeal"
    supreme = "supreme"
    executive = "executive"


class Decision(StrEnum):
    pending = "pending"
    granted = "granted"
    refused = "refused"
    withdrawn = "withdrawn"
    remanded = "remanded"


class Ground(StrEnum):
    political_offence = "political_offence"
    persecution_risk = "persecution_risk"
    torture_risk = "torture_risk"
    fair_trial = "fair_trial"
    refugee_status = "refugee_status"
    insufficient_evidence = "insufficient_evidence"
    dual_criminality = "dual_criminality"
    no_treaty = "no_treaty"
    statute_of_limitations = "statute_of_limitations"
    humanitarian = "humanitarian"
    other = "other"
    # The treaty clause: prosecution or punishment on account of political opinion, race, religion or
    # nationality (European Convention on Extradition, art. 3(2)); not the political offence itself.
    discrimination = "discrimination"


POLITICAL_GROUNDS = frozenset(
    {
        Ground.political_offence,
        Ground.persecution_risk,
        Ground.torture_risk,
        Ground.fair_trial,
        Ground.refugee_status,
        Ground.discrimination,
    }
)


CaseNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CourtText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
HEARINGS = (
    "Hearings, each `{on, court, note}` (`on` a fuzzy date), kept in date order; those on or after today "
    "are `extradition_hearing` deadlines."
)


class Hearing(StrictInput):
    on: FuzzyDate
    court: CourtText | None = None
    note: NoteText | None = None


def _in_order(hearings: list[Hearing]) -> list[Hearing]:
    return sorted(hearings, key=lambda h: h.on.start)


class ExtraditionCreate(StrictInput):
    person_id: str = Field(max_length=36)
    requesting_state: StateCode
    requested_state: StateCode = Field(description="The state asked to extradite (where the person is).")
    detention_id: str | None = Field(default=None, max_length=36)
    opened_on: FuzzyDate | None = None
    court: str | None = Field(default=None, max_length=200)
    stage: Stage | None = None
    decision: Decision = Decision.pending
    decided_on: FuzzyDate | None = Field(default=None, description="Must not precede `opened_on`.")
    grounds: list[Ground] = Field(default_factory=list, max_length=12, description="For a refusal: why.")
    note: NoteText | None = None
    sources: list[SourceText] = Field(default_factory=list, max_length=50)
    case_number: CaseNumber | None = Field(default=None, description="The court's case number.")
    hearings: list[Hearing] = Field(default_factory=list, max_length=50, description=HEARINGS)

    _hearings_in_order = field_validator("hearings")(_in_order)

    @model_validator(mode="after")
    def _ordered(self) -> "ExtraditionCreate":
        if self.opened_on and self.decided_on and self.decided_on.start < self.opened_on.start:
            raise ValueError("decided_on must not precede opened_on")
        return self


class ExtraditionUpdate(StrictInput):
    requesting_state: StateCode | None = None
    requested_state: StateCode | None = None
    detention_id: str | None = Field(default=None, max_length=36)
    opened_on: FuzzyDate | None = None
    court: str | None = Field(default=None, max_length=200)
    stage: Stage | None = None
    decision: Decision | None = None
    decided_on: FuzzyDate | None = None
    grounds: list[Ground] | None = Field(default=None, max_length=12)
    note: NoteText | None = None
    sources: list[SourceText] | None = Field(default=None, max_length=50)
    case_number: CaseNumber | None = None
    hearings: list[Hearing] | None = Field(default=None, max_length=50, description=HEARINGS)

    @field_validator("hearings")
    @classmethod
    def _hearings_in_order(cls, value: list[Hearing] | None) -> list[Hearing] | None:
        return None if value is None else _in_order(value)


class Extradition(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_extradition_org_id_person_id", "org_id", "person_id"),  # a person's records, per tenant
        # GET /states: the refused extraditions by state from the index alone (migration 0024)
        sa.Index("ix_extradition_decision_requesting_state", "decision", "requesting_state"),
    )
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    requesting_state: str = Field(max_length=2, index=True)
    requested_state: str = Field(max_length=2, index=True)
    detention_id: str | None = Field(
        default=None, foreign_key="detention.id", max_length=36, ondelete="SET NULL"
    )
    opened_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    court: str | None = Field(default=None, sa_type=EncryptedText("extradition.court"))
    stage: Stage | None = Field(default=None, sa_type=enum_column(Stage, length=16))
    decision: Decision = Field(sa_type=enum_column(Decision, length=16))
    decided_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    grounds: list[str] = Field(default_factory=list, sa_type=JSONList)
    note: str | None = Field(default=None, sa_type=EncryptedText("extradition.note"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("extradition.sources"))
    case_number: str | None = Field(default=None, sa_type=EncryptedText("extradition.case_number"))
    hearings: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=EncryptedJSONList("extradition.hearings")
    )


class ExtraditionPublic(SQLModel):
    id: str
    person_id: str
    requesting_state: str
    requested_state: str
    detention_id: str | None
    opened_on: FuzzyDate | None
    court: str | None
    stage: Stage | None
    decision: Decision
    decided_on: FuzzyDate | None
    grounds: list[Ground]
    note: str | None
    sources: list[str]
    case_number: str | None = None
    hearings: list[Hearing] = Field(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime


class ExtraditionList(SQLModel):
    items: list[ExtraditionPublic]
    next_cursor: str | None = None
