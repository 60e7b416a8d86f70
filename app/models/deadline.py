"""Deadline: a dated obligation derived from the records (never stored), and its API shapes."""

from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.models.fuzzy_date import FuzzyDate


class DeadlineKind(StrEnum):
    ccf_decision = "ccf_decision"
    extradition_hearing = "extradition_hearing"
    protection_expiry = "protection_expiry"
    echr_application = "echr_application"


class DeadlineRef(SQLModel):
    kind: str = Field(
        description="The record the deadline comes from: `challenge`, `protection`, `extradition`."
    )
    id: str


class DeadlinePublic(SQLModel):
    kind: DeadlineKind
    due_on: FuzzyDate = Field(description="The last day (a full date).")
    basis: str = Field(description="The rule that sets the date, e.g. `CCF Statute Art. 40`.")
    person_id: str
    ref: DeadlineRef
    summary: str = Field(description="One line for a human; never a person's name.")
    overdue: bool = Field(description="True when today is after `due_on`.")


class DeadlineList(SQLModel):
    items: list[DeadlinePublic]
    next_cursor: str | None = None
