"""Watches: a person re-checked against INTERPOL's public red notices on a schedule (contract section 15)."""

from fastapi import APIRouter, Request, Response, status

from app.db import ReadSession, WriteSession
from app.deps import Cursor, Editor, Limit, Viewer
from app.models.watch import WatchCreate, WatchList, WatchPublic
from app.routers.api_route import ApiRoute
from app.services import watch as watch_service

router = APIRouter(tags=["watches"], route_class=ApiRoute)
WATCH_PATH = "/persons/{person_id}/watch"


@router.post(
    WATCH_PATH,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The person is watched already."}},
)
def watch_person(
    person_id: str,
    session: WriteSession,
    caller: Editor,
    request: Request,
    response: Response,
    data: WatchCreate | None = None,
) -> WatchPublic:
    """Re-check the person against INTERPOL's public red notices every `interval_hours` (the server's
    `ARTICLE3_WATCH_INTERVAL_HOURS` by default), the first time at once (`next_check_at` is the creation
    time). Each check is stored like `POST /interpol-checks` and compared with the watch's previous one:
    a notice that appeared, disappeared ("no longer public", never evidence of deletion) or changed
    (name, birth date, nationalities, requesting states) is listed in `changes`, is an event of the
    person's history (`interpol.appeared`, `interpol.disappeared`, `interpol.changed`) and is sent to
    the organisation's webhooks (`interpol.notice_appeared`, `interpol.notice_disappeared`,
    `interpol.notice_changed`). The first check is the baseline: what it finds has not "appeared". A
    check INTERPOL fails is tried again later and alerts no one."""
    watch = watch_service.create(
        session,
        person_id,
        data=data or WatchCreate(),
        default_interval_hours=request.state.watch_interval_hours,
        by=caller,
    )
    response.headers["Location"] = f"/api/v1/persons/{watch.person_id}/watch"
    return watch_service.public(session, [watch])[0]


@router.get(WATCH_PATH)
def read_watch(person_id: str, session: ReadSession, caller: Viewer) -> WatchPublic:
    """The person's watch: when it was last checked, when it is due, and what its checks found changed."""
    return watch_service.public(session, [watch_service.get(session, person_id, by=caller)])[0]


@router.delete(WATCH_PATH, status_code=status.HTTP_204_NO_CONTENT)
def unwatch_person(person_id: str, session: WriteSession, caller: Editor) -> None:
    """Stop watching the person. The checks stored and the changes found stay in their history."""
    watch_service.delete(session, person_id, by=caller)


@router.get("/watches")
def list_watches(session: ReadSession, caller: Viewer, limit: Limit = 50, cursor: Cursor = None) -> WatchList:
    """Your organisation's watches, newest first, each with the changes its checks found."""
    rows, next_cursor = watch_service.list_page(session, by=caller, limit=limit, cursor=cursor)
    return WatchList(items=watch_service.public(session, rows), next_cursor=next_cursor)
