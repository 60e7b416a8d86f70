"""Challenge: what advocates file (CCF requests, court cases, UN complaints), moved by dated events."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import OrgOwned, StrictInput, Versioned, enum_column, new_id, timestamp_field
from app.models.encrypted import EncryptedJSONList, EncryptedText
from app.models.fuzzy_date import FuzzyDate, FuzzyDateType
from app.models.notice import NoteText, StatusReason
from app.models.person import SourceText
from app.models.state import StateCode


class Forum(StrEnum):
    ccf = "ccf"
    national_court = "national_court"
    echr = "echr"
    un_cat = "un_cat"
    un_hrc = "un_hrc"
    un_wgad = "un_wgad"
    other = "other"


class ChallengeKind(StrEnum):
    access = "access"
    deletion = "deletion"
    correction = "correction"
    revision = "revision"
    appeal = "appeal"
    interim_measure = "interim_measure"


class ChallengeStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    admissible = "admissible"
    closed = "closed"


class EventType(StrEnum):
    filed = "filed"
    admissible = "admissible"
    inadmissible = "inadmissible"
    provisional_measure = "provisional_measure"
    decided = "decided"
    withdrawn = "withdrawn"


class Outcome(StrEnum):
    deleted = "deleted"
    maintained = "maintained"
    corrected = "corrected"
    withdrawn_by_source = "withdrawn_by_source"
    answered = "answered"  # an access request answered
    violation = "violation"  # a court or UN body found a violation
    no_violation = "no_violation"
    struck_out = "struck_out"  # struck out of the list (settled, not pursued)
    interim_measure_granted = "interim_measure_granted"
    interim_measure_refused = "interim_measure_refused"


# Outcomes of courts and UN bodies: never of the CCF, whose files end in deletion, correction or not.
COURT_OUTCOMES = frozenset(
    {
        Outcome.violation,
        Outcome.no_violation,
        Outcome.struck_out,
        Outcome.interim_measure_granted,
        Outcome.interim_measure_refused,
    }
)
INTERIM_OUTCOMES = frozenset({Outcome.interim_measure_granted, Outcome.interim_measure_refused})


class ChallengeCreate(StrictInput):
    person_id: str = Field(max_length=36)
    notice_id: str | None = Field(default=None, max_length=36, description="The notice challenged, if any.")
    forum: Forum
    kind: ChallengeKind = Field(
        description="With forum `ccf`, `appeal` and `interim_measure` are 422 (the CCF's decisions are final)."
    )
    reference: str | None = Field(default=None, max_length=200, description="The forum's file number.")
    summary: str | None = Field(default=None, max_length=2000)
    counsel: str | None = Field(
        default=None, max_length=200, description="Who files it: the lawyer or organisation acting."
    )
    sources: list[SourceText] = Field(default_factory=list, max_length=50)
    respondent_state: StateCode | None = Field(
        default=None,
        description="The state the challenge is brought against (at a court or UN body). With forum `echr`, a "
        "state that had not joined the European Convention on Human Rights by the filing date (today before "
        "filing) is 422; a state that has left it (Russia, since 16 Sep 2022) stays a respondent for facts "
        "before it left.",
    )


class ChallengeUpdate(StrictInput):
    """A correction of what was filed (the forum and kind make another challenge; events move its status)."""

    reference: str | None = Field(default=None, max_length=200, description="The forum's file number.")
    summary: str | None = Field(default=None, max_length=2000)
    notice_id: str | None = Field(default=None, max_length=36, description="The notice challenged, if any.")
    counsel: str | None = Field(default=None, max_length=200)
    sources: list[SourceText] | None = Field(default=None, max_length=50)
    respondent_state: StateCode | None = None


class EventIn(StrictInput):
    type: EventType
    on: FuzzyDate
    outcome: Outcome | None = Field(
        default=None,
        description="Required with `decided`, refused otherwise; `answered` (an access request answered) only "
        "for `kind` `access`; `violation`, `no_violation`, `struck_out`, `interim_measure_granted` and "
        "`interim_measure_refused` (courts and UN bodies) never at the CCF, the last two only for `kind` "
        "`interim_measure`.",
    )
    reason: StatusReason | None = None
    note: NoteText | None = None


class Challenge(OrgOwned, Versioned, table=True):
    __table_args__ = (
        sa.Index("ix_challenge_org_id_person_id", "org_id", "person_id"),
    )  # a person's records, per tenant
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    notice_id: str | None = Field(
        default=None, foreign_key="notice.id", index=True, max_length=36, ondelete="SET NULL"
    )
    forum: Forum = Field(sa_type=enum_column(Forum, length=16))
    kind: ChallengeKind = Field(sa_type=enum_column(ChallengeKind, length=16))
    reference: str | None = Field(default=None, sa_type=EncryptedText("challenge.reference"))
    summary: str | None = Field(default=None, sa_type=EncryptedText("challenge.summary"))
    counsel: str | None = Field(default=None, sa_type=EncryptedText("challenge.counsel"))
    sources: list[str] = Field(default_factory=list, sa_type=EncryptedJSONList("challenge.sources"))
    respondent_state: str | None = Field(default=None, max_length=2)
    status: ChallengeStatus = Field(
        default=ChallengeStatus.draft, sa_type=enum_column(ChallengeStatus, length=16), index=True
    )
    outcome: Outcome | None = Field(default=None, sa_type=enum_column(Outcome, length=24))
    filed_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    admissible_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    provisional_measure_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    decided_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    closed_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType)
    deadline_on: FuzzyDate | None = Field(default=None, sa_type=FuzzyDateType, index=True)


class ChallengeEvent(SQLModel, table=True):
    __tablename__ = "challenge_event"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    challenge_id: str = Field(foreign_key="challenge.id", index=True, max_length=36, ondelete="CASCADE")
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    position: int
    type: EventType = Field(sa_type=enum_column(EventType, length=24))
    on: FuzzyDate = Field(sa_type=FuzzyDateType)
    outcome: Outcome | None = Field(default=None, sa_type=enum_column(Outcome, length=24))
    reason: StatusReason | None = Field(default=None, sa_type=enum_column(StatusReason))
    note: str | None = Field(default=None, sa_type=EncryptedText("challenge_event.note"))
    recorded_at: datetime = timestamp_field()


class EventPublic(SQLModel):
    type: EventType
    on: FuzzyDate
    outcome: Outcome | None
    reason: StatusReason | None
    note: str | None
    recorded_at: datetime


class ChallengePublic(SQLModel):
    id: str
    person_id: str
    notice_id: str | None
    forum: Forum
    kind: ChallengeKind
    reference: str | None
    summary: str | None
    counsel: str | None
    sources: list[str]
    respondent_state: str | None = None
    status: ChallengeStatus
    outcome: Outcome | None
    events: list[EventPublic] = Field(description="Oldest first.")
    filed_on: FuzzyDate | None
    admissible_on: FuzzyDate | None
    provisional_measure_on: FuzzyDate | None
    decided_on: FuzzyDate | None
    deadline_on: FuzzyDate | None = Field(
        description="CCF only (Statute Art. 40): admissibility + 4 calendar months (access) or 9 (deletion, "
        "correction), clamped to the month's last day; null before admissibility, for a revision (no decision "
        "time limit) and for other forums."
    )
    overdue: bool = Field(description="Open and today is after `deadline_on`.")
    version: int
    created_at: datetime
    updated_at: datetime


class ChallengeList(SQLModel):
    items: list[ChallengePublic]
    next_cursor: str | None = None
