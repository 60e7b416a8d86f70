"""The shapes of a person's history: dated events pointing at the record they come from."""

from sqlmodel import Field, SQLModel

from app.models.fuzzy_date import FuzzyDate
from app.models.person import PersonPublic


class RecordRef(SQLModel):
    kind: str = Field(description="protection, notice, detention, extradition, incident or challenge")
    id: str


class HistoryEvent(SQLModel):
    on: FuzzyDate = Field(description="As given in the record; sorted by the first day of its period.")
    type: str = Field(description="`<record>.<what>`, e.g. `detention.released`, `notice.status.deleted`.")
    summary: str = Field(description="One line for a human.")
    ref: RecordRef


class PersonHistory(SQLModel):
    person: PersonPublic
    events: list[HistoryEvent]
