"""/incidents: transnational repression beyond the legal channels."""

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
from app.models.incident import IncidentCreate, IncidentKind, IncidentList, IncidentPublic, IncidentUpdate
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import incident as incident_service

router = APIRouter(prefix="/incidents", tags=["incidents"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_incident(
    data: IncidentCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> IncidentPublic:
    """Record an incident. Attribute it to a state only as far as the sources do (`certainty`)."""
    incident = incident_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/incidents/{incident.id}"
    response.headers["ETag"] = etag(incident.version)
    return IncidentPublic.model_validate(incident)


@router.get("")
def list_incidents(
    session: WriteSession,
    caller: PersonReader,
    person_id: PersonFilter = None,
    kind: IncidentKind | None = None,
    perpetrator_state: StateCode | None = None,
    host_state: StateCode | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> IncidentList:
    """Your organisation's incidents, newest first."""
    rows, next_cursor = incident_service.list_page(
        session,
        by=caller,
        person_id=person_id,
        kind=kind,
        perpetrator_state=perpetrator_state,
        host_state=host_state,
        limit=limit,
        cursor=cursor,
    )
    return IncidentList(items=[IncidentPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/{incident_id}")
def read_incident(
    incident_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> IncidentPublic:
    """One incident."""
    incident = incident_service.get(session, incident_id, by=caller)
    response.headers["ETag"] = etag(incident.version)
    return IncidentPublic.model_validate(incident)


@router.patch("/{incident_id}")
def update_incident(
    incident_id: str,
    data: IncidentUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> IncidentPublic:
    """Correct an incident. Needs `If-Match`."""
    incident = incident_service.update(
        session, incident_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(incident.version)
    return IncidentPublic.model_validate(incident)


@router.delete("/{incident_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_incident(
    incident_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove an incident recorded in error. An `If-Match` is optional; a stale one is a 412."""
    incident_service.delete(session, incident_id, by=caller, expected_version=precondition.optional_version())
