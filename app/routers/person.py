"""/persons: persons, their protection statuses, and what is read about them."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from app.db import WriteSession
from app.deps import Admin, Cursor, Editor, IfMatch, Limit, Names, PersonReader, PersonWriter, etag
from app.models.dossier import Dossier, DossierFormat, preferred_format
from app.models.flag import FlagList
from app.models.person import PersonCreate, PersonList, PersonPublic, PersonUpdate
from app.models.protection import ProtectionCreate, ProtectionList, ProtectionPublic
from app.models.state import StateCode
from app.models.timeline import PersonHistory
from app.routers.api_route import ApiRoute
from app.services import dossier as dossier_service
from app.services import flag as flag_service
from app.services import history as history_service
from app.services import person as person_service
from app.services import protection as protection_service

router = APIRouter(prefix="/persons", tags=["persons"], route_class=ApiRoute)

SearchText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Searches names and aliases across scripts and spellings; results come best match first with `match_score`.",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_person(
    data: PersonCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> PersonPublic:
    """Record a person. `related_persons` must name persons of your own organisation."""
    person = person_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/persons/{person.id}"
    response.headers["ETag"] = etag(person.version)
    return person_service.public(session, person)


@router.get("")
def list_persons(
    session: WriteSession,
    caller: PersonReader,
    names: Names,
    q: SearchText = None,
    nationality: StateCode | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PersonList:
    """Your organisation's persons, newest first; with `q`, the best name matches first."""
    items, next_cursor = person_service.search_page(
        session, names=names, by=caller, q=q, nationality=nationality, limit=limit, cursor=cursor
    )
    return PersonList(items=items, next_cursor=next_cursor)


@router.get("/{person_id}")
def read_person(
    person_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> PersonPublic:
    """One person. Every read is recorded in the audit trail."""
    person = person_service.get(session, person_id, by=caller)
    response.headers["ETag"] = etag(person.version)
    return person_service.public(session, person)


@router.patch("/{person_id}")
def update_person(
    person_id: str,
    data: PersonUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> PersonPublic:
    """Change some fields. Needs `If-Match` with the ETag you read: 428 without it, 412 when someone changed it since."""
    person = person_service.update(
        session, person_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(person.version)
    return person_service.public(session, person)


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_person(person_id: str, session: WriteSession, caller: Admin) -> None:
    """Erase the person and every record about them. The audit trail keeps the ids, never the data."""
    person_service.erase(session, person_id, by=caller)


@router.get("/{person_id}/history")
def read_history(person_id: str, session: WriteSession, caller: PersonReader) -> PersonHistory:
    """Every dated fact about the person, oldest first, one line each.

    Fuzzy dates sort at the first day of their period. Facts on the same first day come in a fixed
    order: protection, notice, detention, extradition, incident, challenge; within a record, its steps
    in order (requested, issued, later status changes; detained, then released or surrendered; opened,
    then decided); then the time recorded. Undated facts are left out: they have no place on a timeline.
    """
    person = person_service.get(session, person_id, by=caller, action="person.history_read")
    return PersonHistory(
        person=person_service.public(session, person), events=history_service.events(session, person)
    )


@router.get("/{person_id}/flags")
def read_flags(person_id: str, session: WriteSession, caller: PersonReader) -> FlagList:
    """The indicators that hold for the person, by requesting state, each with a plain explanation
    naming the facts and the records it rests on. Evidence, never a legal conclusion."""
    person = person_service.get(session, person_id, by=caller, action="person.flags_read")
    return FlagList(items=flag_service.for_person(session, person))


@router.get(
    "/{person_id}/dossier",
    response_model=Dossier,
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def read_dossier(
    person_id: str,
    session: WriteSession,
    caller: PersonReader,
    request: Request,
    format: Annotated[DossierFormat | None, Query(description="Overrides the Accept header.")] = None,
) -> Response:
    """Everything a CCF filing or a court needs: the person, protections, every record, the timeline,
    the indicators and the pooled figures of each requesting state involved. `Accept: text/markdown`
    (or `?format=markdown`) gives Markdown to paste into a filing: headings, a chronology table, the
    indicators with their explanations, the state figures, and the rules they rest on."""
    person = person_service.get(session, person_id, by=caller, action="person.dossier_read")
    dossier = dossier_service.build(session, person, by=caller, min_persons=request.state.pattern_min_persons)
    wanted = format or preferred_format(request.headers.get("accept", ""))
    if wanted is DossierFormat.markdown:
        return Response(dossier_service.markdown(dossier), media_type="text/markdown; charset=utf-8")
    return JSONResponse(dossier.model_dump(mode="json"))


@router.post("/{person_id}/protections", status_code=status.HTTP_201_CREATED)
def create_protection(
    person_id: str, data: ProtectionCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> ProtectionPublic:
    """Record a protection status: `against_state` is the state the person fled."""
    protection = protection_service.create(session, person_id, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/persons/{person_id}/protections/{protection.id}"
    response.headers["ETag"] = etag(protection.version)
    return ProtectionPublic.model_validate(protection)


@router.get("/{person_id}/protections")
def list_protections(
    person_id: str, session: WriteSession, caller: PersonReader, limit: Limit = 50, cursor: Cursor = None
) -> ProtectionList:
    """A person's protection statuses, oldest `since` first (undated last)."""
    rows, next_cursor = protection_service.page_for_person(
        session, person_id, by=caller, limit=limit, cursor=cursor
    )
    return ProtectionList(items=[ProtectionPublic.model_validate(p) for p in rows], next_cursor=next_cursor)


@router.delete("/{person_id}/protections/{protection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_protection(person_id: str, protection_id: str, session: WriteSession, caller: Editor) -> None:
    """Remove a protection status recorded in error."""
    protection_service.delete(session, person_id, protection_id, by=caller)
