"""The answer of a spreadsheet import (`POST /api/v1/imports/csv`, `article3 import-csv`)."""

from sqlmodel import SQLModel


class Created(SQLModel):
    persons: int
    notices: int


class Duplicate(SQLModel):
    row: int
    person_id: str
    score: float


class Problem(SQLModel):
    row: int
    column: str | None
    message: str


class SheetImport(SQLModel):
    dry_run: bool
    rows: int
    created: Created
    duplicates: list[Duplicate]
    problems: list[Problem]
