"""Indicator flags per person and requesting state, the pooled tables behind the state figures, and their shapes."""

from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.models.base import enum_column


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class FlagCode(StrEnum):
    refugee_protection = "refugee_protection"
    issued_after_protection = "issued_after_protection"
    extradition_refused_political = "extradition_refused_political"
    interpol_found_noncompliant = "interpol_found_noncompliant"
    released_without_extradition = "released_without_extradition"
    repeat_after_refusal = "repeat_after_refusal"
    channel_switch = "channel_switch"
    escalation = "escalation"
    group_targeting = "group_targeting"
    relatives_targeted = "relatives_targeted"
    security_charge = "security_charge"
    economic_charge_dissident = "economic_charge_dissident"
    in_absentia = "in_absentia"
    travel_triggered = "travel_triggered"
    mobility_controls = "mobility_controls"


SEVERITY: dict[FlagCode, Severity] = {
    FlagCode.refugee_protection: Severity.high,
    FlagCode.issued_after_protection: Severity.high,
    FlagCode.extradition_refused_political: Severity.high,
    FlagCode.interpol_found_noncompliant: Severity.high,
    FlagCode.released_without_extradition: Severity.medium,
    FlagCode.repeat_after_refusal: Severity.medium,
    FlagCode.channel_switch: Severity.medium,
    FlagCode.escalation: Severity.high,
    FlagCode.group_targeting: Severity.medium,
    FlagCode.relatives_targeted: Severity.medium,
    FlagCode.security_charge: Severity.low,
    FlagCode.economic_charge_dissident: Severity.low,
    FlagCode.in_absentia: Severity.low,
    FlagCode.travel_triggered: Severity.low,
    FlagCode.mobility_controls: Severity.low,
}


class PersonState(SQLModel, table=True):
    """A (person, state) pair: the state asked for, detained, sought or harmed the person. Derived data,
    refreshed in the transaction of every write that can change it; pooled figures count these."""

    __tablename__ = "person_state"

    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36, ondelete="CASCADE")
    state: str = Field(primary_key=True, max_length=2, index=True)
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")


class PersonFlag(SQLModel, table=True):
    """An indicator that holds for a (person, state) pair. Derived like PersonState.

    `notices` counts the pair's notices behind the flag (used for `interpol_noncompliant`)."""

    __tablename__ = "person_flag"
    # `GET /states` counts flags by (state, code) and sums the noncompliant notices by state from this
    # index alone (migration 0024): at a million persons the table has four million rows.
    __table_args__ = (sa.Index("ix_person_flag_code_state_notices", "code", "state", "notices"),)

    person_id: str = Field(foreign_key="person.id", primary_key=True, max_length=36, ondelete="CASCADE")
    state: str = Field(primary_key=True, max_length=2)
    code: FlagCode = Field(primary_key=True, sa_type=enum_column(FlagCode, length=40))
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")
    notices: int = 0


class GroupMemberNotice(SQLModel, table=True):
    """A dated notice of a member of an affiliation group, by group, requesting state and the first day of
    its date (pooled across organisations). Derived like PersonFlag: `group_targeting` reads one group's
    window as one index range instead of looking up every member's notices."""

    __tablename__ = "group_notice"
    __table_args__ = (
        sa.Index(
            "ix_group_notice_window",
            "key",
            "requesting_state",
            "first_day",
            "person_id",
            "org_id",
            "notice_id",
        ),
    )

    key: str = Field(primary_key=True, max_length=64)
    notice_id: str = Field(foreign_key="notice.id", primary_key=True, max_length=36, ondelete="CASCADE")
    requesting_state: str = Field(max_length=2)
    first_day: str = Field(max_length=10, description="ISO date: the first day of the notice's period")
    person_id: str = Field(foreign_key="person.id", index=True, max_length=36, ondelete="CASCADE")
    org_id: str = Field(foreign_key="org.id", index=True, max_length=36, ondelete="CASCADE")


class AppMeta(SQLModel, table=True):
    """Small facts about the database itself (e.g. that the derived flag tables have been built)."""

    __tablename__ = "app_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)


class Evidence(SQLModel):
    kind: str = Field(description="person, protection, notice, detention, extradition, incident or challenge")
    id: str


class Flag(SQLModel):
    code: FlagCode
    severity: Severity
    requesting_state: str
    notice_id: str | None
    explanation: str = Field(
        description="A plain sentence naming the facts; evidence, never a legal conclusion."
    )
    evidence: list[Evidence]


class FlagList(SQLModel):
    items: list[Flag]


class StateCounts(SQLModel):
    persons: int
    notices: int
    detentions: int
    released_without_extradition: int
    extraditions_refused: int
    interpol_noncompliant: int


class StateSummary(StateCounts):
    state: str
    patterns: list[FlagCode] = Field(description="The recurrent indicator codes.")
    score: float


class StateList(SQLModel):
    items: list[StateSummary]


class Pattern(SQLModel):
    code: FlagCode
    persons: int = Field(
        description="Distinct persons (all organisations) with this indicator for the state."
    )
    rate: float = Field(description="persons / the state's persons.")
    recurrent: bool
    evidence: list[str] = Field(description="Person ids of your own organisation only.")


class StateDetail(SQLModel):
    state: str
    counts: StateCounts
    patterns: list[Pattern]
    score: float


class HostSummary(SQLModel):
    host_state: str
    detentions: int
    released: int
    surrendered: int
    extraditions_granted: int
    extraditions_refused: int
    median_custody_days: float | None


class HostList(SQLModel):
    state: str
    items: list[HostSummary]
