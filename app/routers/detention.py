"""/detentions: detentions and their end by release or surrender."""

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
from app.models.detention import (
    DetentionCreate,
    DetentionList,
    DetentionPublic,
    DetentionStatus,
    DetentionUpdate,
    ReleaseIn,
    SurrenderIn,
)
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import detention as detention_service

router = APIRouter(prefix="/detentions", tags=["detentions"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_detention(
    data: DetentionCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> DetentionPublic:
    """Record a detention. With `notice_id`, the requesting state is the notice's (a different one is a 409)."""
    detention = detention_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/detentions/{detention.id}"
    response.headers["ETag"] = etag(detention.version)
    return detention_service.public(session, detention)


@router.get("")
def list_detentions(
    session: WriteSession,
    caller: PersonReader,
    person_id: PersonFilter = None,
    host_state: StateCode | None = None,
    requesting_state: StateCode | None = None,
    status: DetentionStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DetentionList:
    """Your organisation's detentions, newest first. `status` filters on the recorded status: custody still
    open when its person died is answered as ended (`ended_on` the date of death) but filed under
    `in_custody` until its end is recorded."""
    rows, next_cursor = detention_service.list_page(
        session,
        by=caller,
        person_id=person_id,
        host_state=host_state,
        requesting_state=requesting_state,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return DetentionList(items=detention_service.publics(session, rows), next_cursor=next_cursor)


@router.get("/{detention_id}")
def read_detention(
    detention_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> DetentionPublic:
    """One detention, with `custody_days` when both ends are known to the day."""
    detention = detention_service.get(session, detention_id, by=caller)
    response.headers["ETag"] = etag(detention.version)
    return detention_service.public(session, detention)


@router.post("/{detention_id}/release")
def release_detention(
    detention_id: str, data: ReleaseIn, session: WriteSession, caller: PersonWriter, response: Response
) -> DetentionPublic:
    """End a detention in custody by release (409 if it already ended; 422 if dated before the detention).
    When the custody ended in a way nobody recorded, send `ended_on` (the date by which it had ended)
    instead of `released_on`, with `reason` `unknown`: `custody_days` then stays null."""
    detention = detention_service.release(session, detention_id, data=data, by=caller)
    response.headers["ETag"] = etag(detention.version)
    return detention_service.public(session, detention)


@router.post("/{detention_id}/surrender")
def surrender_detention(
    detention_id: str, data: SurrenderIn, session: WriteSession, caller: PersonWriter, response: Response
) -> DetentionPublic:
    """End a detention in custody by surrender to the requesting state (extradited, deported or rendered)."""
    detention = detention_service.surrender(session, detention_id, data=data, by=caller)
    response.headers["ETag"] = etag(detention.version)
    return detention_service.public(session, detention)


@router.patch("/{detention_id}")
def update_detention(
    detention_id: str,
    data: DetentionUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> DetentionPublic:
    """Correct a detention: any create field but `person_id`; after a release, `released_on`,
    `release_reason`, `release_conditions` and `release_note` (after a surrender, its fields). A release
    field on a detention not released is a 409: end it with its action first. `custody_days`, the flags
    and the figures follow. Needs `If-Match`: 428 without it, 412 when it changed since."""
    detention = detention_service.update(
        session, detention_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(detention.version)
    return detention_service.public(session, detention)


@router.delete("/{detention_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_detention(
    detention_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a detention entered in error (proceedings that named it keep no link). An `If-Match` is
    optional; a stale one is a 412."""
    detention_service.delete(
        session, detention_id, by=caller, expected_version=precondition.optional_version()
    )
