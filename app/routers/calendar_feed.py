"""/calendar-feeds (an admin's feed addresses) and /calendar/{feed_secret}.ics (what calendar apps fetch)."""

import math
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.db import ReadSession, WriteSession, reading
from app.deps import Admin, Cursor, Limit
from app.errors import NotFound, TooManyRequests
from app.models.calendar_feed import (
    CalendarFeedCreate,
    CalendarFeedCreated,
    CalendarFeedList,
    CalendarFeedPublic,
)
from app.routers.api_route import ApiRoute
from app.routers.problems import PROBLEM
from app.services import calendar_feed as feed_service
from app.services.rate_limit import RateLimiter

router = APIRouter(prefix="/calendar-feeds", tags=["calendar feeds"], route_class=ApiRoute)
feed_router = APIRouter(tags=["calendar feeds"])
FEED_PATH = "/calendar/{feed_secret}.ics"


@router.post("", status_code=status.HTTP_201_CREATED)
def create_calendar_feed(
    session: WriteSession,
    caller: Admin,
    request: Request,
    response: Response,
    data: CalendarFeedCreate | None = None,
) -> CalendarFeedCreated:
    """A new calendar feed of your organisation's deadlines. Its `url` holds a secret and is in this
    answer only (an `Idempotency-Key` replay answers 409): subscribe to it from a calendar app, and
    revoke it with `DELETE` if it leaks. Events name persons by their initials; a feed created with
    `"names": "full"` shows full names when its url is fetched with `?names=full`."""
    feed, secret = feed_service.create(session, data=data or CalendarFeedCreate(), by=caller)
    response.headers["Location"] = f"/api/v1/calendar-feeds/{feed.id}"
    url = str(request.url_for("read_calendar_feed", feed_secret=secret))
    return CalendarFeedCreated.model_validate(feed, update={"url": url})


@router.get("")
def list_calendar_feeds(
    session: ReadSession, caller: Admin, limit: Limit = 50, cursor: Cursor = None
) -> CalendarFeedList:
    """Your organisation's calendar feeds, without their addresses, newest first; revoked ones show `revoked_at`."""
    rows, next_cursor = feed_service.list_feeds(session, by=caller, limit=limit, cursor=cursor)
    return CalendarFeedList(
        items=[CalendarFeedPublic.model_validate(f) for f in rows], next_cursor=next_cursor
    )


@router.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_calendar_feed(feed_id: str, session: WriteSession, caller: Admin) -> None:
    """Revoke a calendar feed: its url answers 404 from the next fetch on."""
    feed_service.revoke(session, feed_id, by=caller)


def _live_feed(request: Request, feed_secret: str) -> str:
    """The feed behind the url, counted against its own allowance per minute (an unknown secret counts
    against the client address's, as a bad token does), or the one 404."""
    with reading(request.state.read_engine, request.state.keyring) as session:
        try:
            feed_id: str | None = feed_service.find(session, feed_secret).id
        except NotFound:
            feed_id = None
    limiter: RateLimiter = request.state.rate_limiter
    address = request.client.host if request.client else "unknown"
    wait_s = limiter.wait_s(f"calendar_feed:{feed_id}" if feed_id else f"address:{address}")
    if wait_s > 0:
        raise TooManyRequests(
            f"More than {limiter.per_minute} requests in 60 seconds.",
            headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        )
    if feed_id is None:
        raise NotFound(feed_service.NOT_FOUND)
    return feed_id


LiveFeed = Annotated[str, Depends(_live_feed)]


@feed_router.get(
    FEED_PATH,
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar."},
        404: {
            "description": "No such feed: unknown, revoked or malformed addresses answer alike.",
            **PROBLEM,
        },
        422: {"description": "`names` is neither `initials` nor `full`.", **PROBLEM},
        429: {"description": "Too many fetches of this feed; see Retry-After.", **PROBLEM},
    },
)
def read_calendar_feed(
    feed_id: LiveFeed,
    session: WriteSession,
    names: Annotated[
        Literal["initials", "full"],
        Query(description="`full` shows full names, only on a feed created with `names: full`."),
    ] = "initials",
) -> Response:
    """The organisation's deadlines as a calendar (no bearer token: the url's secret is the credential).
    One all-day event per deadline, its summary naming the kind, the file reference and the person's
    initials. Each fetch is recorded in the audit trail."""
    body = feed_service.render(session, feed_id, full_names=names == "full")
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": 'inline; filename="deadlines.ics"',
        },
    )
