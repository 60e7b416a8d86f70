"""Person: someone a state pursues, with aliases, relatives and affiliations, and the request/response shapes."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import StringConstraints, field_validator, model_validator
from sqlmodel import Field, SQLModel

from app.models.base import JSONList, OrgOwned, StrictInput, Versioned, enum_column
from app.models.encrypted import EncryptedFuzzyDate, EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate
from app.models.state import StateCode

NameText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SourceText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Sex(StrEnum):
    male = "male"
    female = "female"
    unknown = "unknown"


class PersonCategory(StrEnum):
    opposition = "opposition"
    journalist = "journalist"
    activist = "activist"
    religious = "religious"
    former_insider = "former_insider"
    businessperson = "businessperson"
    relative = "relative"
    other = "other"


class Relation(StrEnum):
    parent = "parent"
    child = "child"
    sibling = "sibling"
    spouse = "spouse"
    relative = "relative"
    associate = "associate"


class RelatedPerson(StrictInput):
    person_id: str = Field(max_length=36)
    relation: Relation


def _not_in_future(value: FuzzyDate | None) -> FuzzyDate | None:
    if value is not None and value.start > date.today():
        raise ValueError("a birth date cannot be in the future")
    return value


def _death_not_in_future(value: FuzzyDate | None) -> FuzzyDate | None:
    if value is not None and value.start > date.today():
        raise ValueError("a date of death cannot be in the future")
    return value


PlaceText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
DECEASED_ON = (
    "When the person died (fuzzy date, not in the future, not before `birth_date`). A detention still "
    "in custody then is answered as ended by that date (`status` released, `release_reason` unknown, "
    "`ended_on` = this date)."
)


class PersonFields(SQLModel):
    """The fields a client sends, with their rules (contract section 3)."""

    name: NameText = Field(description="1–200 characters after trimming, any script.")
    aliases: list[NameText] = Field(default_factory=list, max_length=50)
    birth_date: FuzzyDate | None = None
    sex: Sex = Sex.unknown
    nationalities: list[StateCode] = Field(default_factory=list, max_length=10)
    categories: list[PersonCategory] = Field(default_factory=list, max_length=8)
    affiliations: list[NameText] = Field(
        default_factory=list,
        max_length=50,
        description="Organisation or group names; compared after the name normaliser (script, case, "
        "punctuation), a parenthesised part counting as another name of the same group: "
        "'Group 24 (Гурӯҳи 24)' matches 'Group 24' and 'Гурӯҳи 24'.",
    )
    related_persons: list[RelatedPerson] = Field(default_factory=list, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)
    sources: list[SourceText] = Field(
        default_factory=list,
        max_length=50,
        description="Where the facts come from (publications, judgments).",
    )
    place_of_birth: PlaceText | None = Field(default=None, description="1–200 characters; stored encrypted.")
    deceased_on: FuzzyDate | None = Field(default=None, description=DECEASED_ON)


class PersonCreate(PersonFields, StrictInput):
    _birth_date_not_in_future = field_validator("birth_date")(_not_in_future)
    _deceased_on_not_in_future = field_validator("deceased_on")(_death_not_in_future)

    @model_validator(mode="after")
    def _died_after_birth(self) -> "PersonCreate":
        check_lifetime(self.birth_date, self.deceased_on)
        return self


def check_lifetime(birth_date: FuzzyDate | None, deceased_on: FuzzyDate | None) -> None:
    """A person dies no earlier than the period of their birth begins."""
    if birth_date is not None and deceased_on is not None and deceased_on.end < birth_date.start:
        raise ValueError(f"deceased_on ({deceased_on}) must not be before birth_date ({birth_date})")


class PersonUpdate(StrictInput):
    name: NameText | None = None
    aliases: list[NameText] | None = Field(default=None, max_length=50)
    birth_date: FuzzyDate | None = None
    sex: Sex | None = None
    nationalities: list[StateCode] | None = Field(default=None, max_length=10)
    categories: list[PersonCategory] | None = Field(default=None, max_length=8)
    affiliations: list[NameText] | None = Field(default=None, max_length=50)
    related_persons: list[RelatedPerson] | None = Field(default=None, max_length=50)
    notes: str | None = Field(default=None, max_length=10_000)
    sources: list[SourceText] | None = Field(default=None, max_length=50)
    place_of_birth: PlaceText | None = None
    deceased_on: FuzzyDate | None = Field(default=None, description=DECEASED_ON)

    _birth_date_not_in_future = field_validator("birth_date")(_not_in_future)
    _deceased_on_not_in_future = field_validator("deceased_on")(_death_not_in_future)


class Person(OrgOwned, Versioned, table=True):
    name: str = Field(sa_type=EncryptedText("person.name"))
    aliases: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("person.aliases"))
    birth_date: FuzzyDate | None = Field(default=None, sa_type=EncryptedFuzzyDate("person.birth_date"))
    sex: Sex = Field(default=Sex.unknown, sa_type=enum_column(Sex, length=16))
    nationalities: list[str] = Field(default_factory=list, sa_type=JSONList)
    categories: list[str] = Field(default_factory=list, sa_type=JSONList)
    affiliations: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("person.affiliations"))
    notes: str | None = Field(default=None, sa_type=EncryptedText("person.notes"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("person.sources"))
    place_of_birth: str | None = Field(default=None, sa_type=EncryptedText("person.place_of_birth"))
    deceased_on: FuzzyDate | None = Field(default=None, sa_type=EncryptedFuzzyDate("person.deceased_on"))


class PersonRelation(SQLModel, table=True):
    """A link between two persons of one organisation, as entered (`person_id` says it of `related_id`)."""

    __tablename__ = "person_relation"

    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36, ondelete="CASCADE")
    related_id: str = Field(
        foreign_key="person.id", primary_key=True, index=True, max_length=36, ondelete="CASCADE"
    )
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    relation: Relation = Field(sa_type=enum_column(Relation, length=16))


class PersonAffiliation(SQLModel, table=True):
    """An affiliation as a keyed digest of its folded name: lets `group_targeting` compare groups across
    organisations without a plain group name in the comparison."""

    __tablename__ = "person_affiliation"
    __table_args__ = (sa.Index("ix_person_affiliation_key_person_id", "key", "person_id"),)  # members

    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=64)
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")


class PersonPublic(SQLModel):
    id: str
    name: str
    aliases: list[str]
    birth_date: FuzzyDate | None
    sex: Sex
    nationalities: list[str]
    categories: list[PersonCategory]
    affiliations: list[str]
    related_persons: list[RelatedPerson]
    notes: str | None
    sources: list[str]
    place_of_birth: str | None = None
    deceased_on: FuzzyDate | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class PersonListItem(PersonPublic):
    match_score: float | None = Field(
        default=None, description="How well the person's names match `q` (0–1); null when no `q` was given."
    )


class PersonList(SQLModel):
    items: list[PersonListItem]
    next_cursor: str | None = None


class PersonChange(SQLModel, table=True):
    """The change log the in-memory name index of every process catches up from.

    `seq` is the sequence number of the audit entry written in the same transaction: audit numbers are
    handed out under the chain's head lock and committed in order, so a process that has applied
    every change up to n never misses one below n committed later.
    """

    __tablename__ = "person_change"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    person_id: str = Field(max_length=36)
    org_id: str = Field(max_length=36)
    erased: bool = False
