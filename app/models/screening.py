"""The answer of a screening against a FollowTheMoney dataset (`POST /api/v1/screenings`, `article3 screen`)."""

from sqlmodel import Field, SQLModel

from app.models.fuzzy_date import FuzzyDate


class ScreeningHit(SQLModel):
    person_id: str
    check_id: str = Field(
        description="The check stored for the person (`GET /persons/{id}/interpol-checks`)."
    )
    score: float = Field(description="The person's best score against the dataset's notices.")
    entity_ids: list[str] = Field(description="The FtM ids of the notices hit, best first.")


class ScreeningResult(SQLModel):
    id: str = Field(description="The screening: each check it stored carries it as `screening_id`.")
    dataset: str = Field(
        description="The dataset's name: the one its entities name most in `datasets` "
        "(OpenSanctions: `interpol_red_notices`), else the file's name."
    )
    dataset_date: FuzzyDate | None = Field(
        description="The newest `last_seen` (or `last_change`) of its entities, when they carry one."
    )
    entities: int = Field(description="Entities in the file, of every schema.")
    notices: int = Field(description="`Person` entities with a name: what the persons were matched against.")
    persons_screened: int = Field(
        description="The organisation's persons, each matched against every notice."
    )
    hits: list[ScreeningHit] = Field(description="Each person hit (score 0.7 or more), best first.")
