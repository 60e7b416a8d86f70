"""Persons and their notices from a spreadsheet, one row each, all or nothing.

Every row is checked with the API's own models before anything is written: a real run writes every
row or, when any row has a problem, none (422 with the same report). A row whose person matches one of
the organisation's persons at 0.9 or more is reported as a duplicate and not created (nor its notice):
the lawyer decides, the import does not merge. Rows are numbered as the spreadsheet shows them: the
header is row 1.
"""

from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.models.notice import NoticeCreate
from app.models.person import PersonCreate
from app.models.sheet_import import Created, Duplicate, Problem, SheetImport
from app.models.token import Principal
from app.services import audit, spreadsheet
from app.services import notice as notice_service
from app.services import person as person_service
from app.services.name_index import LiveNameIndex

PERSON_COLUMNS = (
    "name",
    "aliases",
    "birth_date",
    "sex",
    "nationalities",
    "categories",
    "affiliations",
    "notes",
)
NOTICE_COLUMNS = (
    "notice_channel",
    "notice_requesting_state",
    "notice_interpol_ref",
    "notice_requested_on",
    "notice_issued_on",
    "notice_status",
    "notice_charges",
)
LISTS = {"aliases", "nationalities", "categories", "affiliations", "notice_charges"}  # cells split on ";"
DUPLICATE_SCORE = 0.9
_PLACEHOLDER = (
    "00000000-0000-4000-8000-000000000000"  # a person id for checking a notice before its person exists
)


def run(
    session: Session, content: bytes, *, names: LiveNameIndex, by: Principal, dry_run: bool
) -> SheetImport:
    header, data = spreadsheet.rows(content)
    problems = [
        Problem(row=1, column=column, message="unknown column: " + _known())
        for column in header
        if column.lower() not in (*PERSON_COLUMNS, *NOTICE_COLUMNS)
    ]
    columns = [column.lower() for column in header]
    if "name" not in columns:
        problems.append(Problem(row=1, column="name", message="the column `name` is required"))
    names.catch_up(session)
    planned: list[tuple[PersonCreate, NoticeCreate | None]] = []
    duplicates = []
    for number, cells in enumerate(data, start=2):
        row = {
            c: v
            for c, v in zip(columns, cells, strict=False)
            if v and c in (*PERSON_COLUMNS, *NOTICE_COLUMNS)
        }
        person, notice, found = _checked(number, row)
        problems += found
        if person is None or found:
            continue
        twin = names.index.search(
            by.org_id,
            person.name,
            birth_date=person.birth_date,
            nationality=person.nationalities[0] if person.nationalities else None,
            limit=1,
            threshold=DUPLICATE_SCORE,
        )
        if twin:
            duplicates.append(
                Duplicate(row=number, person_id=twin[0].person_id, score=round(twin[0].score, 3))
            )
            continue
        planned.append((person, notice))
    created = Created(persons=0, notices=0)
    if not dry_run and not problems:
        for person, notice in planned:
            written = person_service.create(session, data=person, by=by, action="import.person")
            created.persons += 1
            if notice is not None:
                notice = notice.model_copy(update={"person_id": written.id})
                notice_service.create(session, data=notice, by=by, action="import.notice")
                created.notices += 1
    elif dry_run:
        created = Created(persons=len(planned), notices=sum(1 for _, n in planned if n is not None))
    # Every call, dry or not, checked the rows against the persons: audited and counted like one /match.
    audit.record(session, by=by, action="import.spreadsheet", kind="org", object_id=by.org_id)
    return SheetImport(
        dry_run=dry_run, rows=len(data), created=created, duplicates=duplicates, problems=problems
    )


def _known() -> str:
    return "the columns are " + ", ".join((*PERSON_COLUMNS, *NOTICE_COLUMNS))


def _checked(
    number: int, row: dict[str, str]
) -> tuple[PersonCreate | None, NoticeCreate | None, list[Problem]]:
    """The row's person and notice as the API would take them, or the row's problems (column named)."""
    problems: list[Problem] = []
    fields: dict[str, Any] = {c: _value(c, v) for c, v in row.items() if c in PERSON_COLUMNS}
    person = None
    try:
        person = PersonCreate.model_validate(fields)
    except ValidationError as exc:
        problems += _problems(number, exc, prefix="")
    given: dict[str, Any] = {
        c.removeprefix("notice_"): _value(c, v) for c, v in row.items() if c in NOTICE_COLUMNS
    }
    notice = None
    if given:
        if "charges" in given:
            given["charges"] = [{"text": text} for text in given["charges"]]
        try:
            notice = NoticeCreate.model_validate({**given, "person_id": _PLACEHOLDER})
        except ValidationError as exc:
            problems += _problems(number, exc, prefix="notice_")
    return person, notice, problems


def _value(column: str, text: str) -> str | list[str]:
    return [part.strip() for part in text.split(";") if part.strip()] if column in LISTS else text


def _problems(number: int, error: ValidationError, *, prefix: str) -> list[Problem]:
    found = []
    for item in error.errors(include_url=False, include_input=False):
        location = item["loc"]
        column = f"{prefix}{location[0]}" if location else None
        detail = str(item["msg"])
        if len(location) > 1 and isinstance(location[1], int):
            detail = f"item {location[1] + 1}: {detail}"
        found.append(Problem(row=number, column=column, message=detail))
    return found
