"""The shapes of POST /match: several names at once against the caller's persons."""

from typing import Annotated

from pydantic import Strict, StringConstraints
from sqlmodel import Field, SQLModel

from app.models.base import StrictInput
from app.models.fuzzy_date import FuzzyDate
from app.models.state import StateCode

MAX_QUERIES = 100


class MatchQuery(StrictInput):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    birth_date: FuzzyDate | None = Field(
        default=None, description="A disagreeing birth year lowers the score."
    )
    nationality: StateCode | None = Field(
        default=None, description="A disagreeing nationality lowers the score."
    )


class MatchRequest(StrictInput):
    queries: list[MatchQuery] = Field(min_length=1, max_length=MAX_QUERIES)
    limit: int = Field(default=5, ge=1, le=50, description="Matches per query, at most 50.")
    threshold: Annotated[float, Strict()] = Field(
        default=0.7, ge=0, le=1, description="Lowest score returned."
    )


class MatchHit(SQLModel):
    person_id: str
    name: str
    score: float
    explanation: list[str]


class MatchResult(SQLModel):
    query_index: int
    matches: list[MatchHit]


class MatchResponse(SQLModel):
    results: list[MatchResult]
