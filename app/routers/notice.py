"""/notices: every request a state makes for a person, its charges and its status history."""

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
from app.models.notice import (
    Channel,
    NoticeCreate,
    NoticeList,
    NoticePublic,
    NoticeStatus,
    NoticeUpdate,
    StatusChangeIn,
)
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import notice as notice_service

router = APIRouter(prefix="/notices", tags=["notices"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_notice(
    data: NoticeCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> NoticePublic:
    """Record a notice, diffusion, warrant, bilateral request, CIS listing or SLTD entry.

    A charge whose `category` is left out or null is classified from its text (English, Russian,
    Turkish, Tajik; `category_source: auto`). That is triage, never a finding: set the category
    yourself (`user`) when you know better.
    """
    notice = notice_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/notices/{notice.id}"
    response.headers["ETag"] = etag(notice.version)
    return notice_service.public(session, notice)


@router.get("")
def list_notices(
    session: WriteSession,
    caller: PersonReader,
    person_id: PersonFilter = None,
    requesting_state: StateCode | None = None,
    channel: Channel | None = None,
    status: NoticeStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> NoticeList:
    """Your organisation's notices, newest first, filtered by person, requesting state, channel or current status."""
    items, next_cursor = notice_service.list_page(
        session,
        by=caller,
        person_id=person_id,
        requesting_state=requesting_state,
        channel=channel,
        status=status,
        limit=limit,
        cursor=cursor,
    )
    return NoticeList(items=items, next_cursor=next_cursor)


@router.get("/{notice_id}")
def read_notice(
    notice_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> NoticePublic:
    """One notice with its charges and status history (oldest first)."""
    notice = notice_service.get(session, notice_id, by=caller)
    response.headers["ETag"] = etag(notice.version)
    return notice_service.public(session, notice)


@router.patch("/{notice_id}")
def update_notice(
    notice_id: str,
    data: NoticeUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> NoticePublic:
    """Correct a notice (not its status: append a status change instead). Needs `If-Match`."""
    notice = notice_service.update(
        session, notice_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(notice.version)
    return notice_service.public(session, notice)


@router.post("/{notice_id}/status")
def change_notice_status(
    notice_id: str, data: StatusChangeIn, session: WriteSession, caller: PersonWriter, response: Response
) -> NoticePublic:
    """Append a status change. Facts learned late take their place by date: the notice's `status` is
    the last entry in date order (undated entries after dated ones, each group in the order recorded).
    A change dated before the notice's own date is a 422."""
    notice = notice_service.change_status(session, notice_id, data=data, by=caller)
    response.headers["ETag"] = etag(notice.version)
    return notice_service.public(session, notice)


@router.delete("/{notice_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_notice(
    notice_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a notice entered in error, with its charges and status history; detentions and challenges
    that named it stay, without the link. An `If-Match` is optional; a stale one is a 412."""
    notice_service.delete(session, notice_id, by=caller, expected_version=precondition.optional_version())


@router.delete("/{notice_id}/status/latest", status_code=status.HTTP_204_NO_CONTENT)
def retract_notice_status(
    notice_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Retract the status entry recorded last (entered in error; not necessarily the last by date). The
    notice's `status` follows, and the retraction is in the audit trail. The initial status is part of
    the notice and is never retracted: a notice with no later entry answers 409. An `If-Match` (the
    notice's ETag) is optional; a stale one is a 412."""
    notice_service.retract_latest(
        session, notice_id, by=caller, expected_version=precondition.optional_version()
    )
