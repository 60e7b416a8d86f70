"""/extraditions: extradition proceedings, one per decision stage."""

from fastapi import APIRouter, Response, status

from app.db import WriteSession
from app.deps import (
    Cursor,
    Editor,
    IfMatch,
    Limit,
    OptionalIfMatch,
    PersonFilter,
    PersonReader,
    PersonWriter,
    etag,
)
from app.models.extradition import (
    Decision,
    ExtraditionCreate,
    ExtraditionList,
    ExtraditionPublic,
    ExtraditionUpdate,
)
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import extradition as extradition_service

router = APIRouter(prefix="/extraditions", tags=["extraditions"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_extradition(
    data: ExtraditionCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> ExtraditionPublic:
    """Record a proceeding. Enter one per decision stage (first instance, appeal, supreme, executive)."""
    extradition = extradition_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/extraditions/{extradition.id}"
    response.headers["ETag"] = etag(extradition.version)
    return ExtraditionPublic.model_validate(extradition)


@router.get("")
def list_extraditions(
    session: WriteSession,
    caller: PersonReader,
    person_id: PersonFilter = None,
    requesting_state: StateCode | None = None,
    requested_state: StateCode | None = None,
    decision: Decision | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ExtraditionList:
    """Your organisation's proceedings, newest first."""
    rows, next_cursor = extradition_service.list_page(
        session,
        by=caller,
        person_id=person_id,
        requesting_state=requesting_state,
        requested_state=requested_state,
        decision=decision,
        limit=limit,
        cursor=cursor,
    )
    return ExtraditionList(items=[ExtraditionPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/{extradition_id}")
def read_extradition(
    extradition_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> ExtraditionPublic:
    """One proceeding."""
    extradition = extradition_service.get(session, extradition_id, by=caller)
    response.headers["ETag"] = etag(extradition.version)
    return ExtraditionPublic.model_validate(extradition)


@router.patch("/{extradition_id}")
def update_extradition(
    extradition_id: str,
    data: ExtraditionUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> ExtraditionPublic:
    """Record the decision or correct the proceeding. Needs `If-Match`."""
    extradition = extradition_service.update(
        session, extradition_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(extradition.version)
    return ExtraditionPublic.model_validate(extradition)


@router.delete("/{extradition_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_extradition(
    extradition_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a proceeding entered in error. An `If-Match` is optional; a stale one is a 412."""
    extradition_service.delete(
        session, extradition_id, by=caller, expected_version=precondition.optional_version()
    )
