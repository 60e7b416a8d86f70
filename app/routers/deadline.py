"""/deadlines: every dated obligation of the organisation's records, soonest first."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.db import WriteSession
from app.deps import Cursor, Limit, Viewer
from app.models.deadline import DeadlineList
from app.routers.api_route import ApiRoute
from app.services import deadline as deadline_service

router = APIRouter(prefix="/deadlines", tags=["deadlines"], route_class=ApiRoute)

WithinDays = Annotated[
    int | None,
    Query(ge=0, le=3650, description="Only deadlines due within this many days (overdue ones always)."),
]


@router.get("")
def list_deadlines(
    session: WriteSession,
    caller: Viewer,
    within_days: WithinDays = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DeadlineList:
    """Your organisation's deadlines, soonest first, overdue ones included: CCF decisions (CCF Statute
    Art. 40), the end of a protection (`until`), and the time limit to apply to the European Court of
    Human Rights (Art. 35(1)) after a final domestic decision granting extradition from a Convention
    state. Each names its `kind`, legal `basis`, person and the record it comes from."""
    items, next_cursor = deadline_service.list_page(
        session, by=caller, within_days=within_days, limit=limit, cursor=cursor
    )
    return DeadlineList(items=items, next_cursor=next_cursor)
