"""INTERPOL's public red notices: a search, and stored checks of a person (contract section 12)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.db import ReadSession, WriteSession
from app.deps import Cursor, Interpol, Limit, PersonReader, PersonWriter
from app.models.interpol_check import InterpolCheckList, InterpolCheckPublic, RedNoticeList, SearchName
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import audit as audit_service
from app.services import interpol_check as check_service

router = APIRouter(tags=["interpol"], route_class=ApiRoute)
UPSTREAM: dict[int | str, dict[str, Any]] = {
    502: {
        "description": "INTERPOL failed (timeout, refusal, server error, malformed answer); nothing was written."
    },
    503: {"description": "INTERPOL is rate-limiting us; see Retry-After. Nothing was written."},
}


@router.get("/interpol/red-notices", responses=UPSTREAM)
def search_red_notices(
    session: WriteSession,
    caller: PersonReader,
    interpol: Interpol,
    name: SearchName | None = None,
    forename: SearchName | None = None,
    nationality: StateCode | None = None,
    requesting_state: StateCode | None = None,
    page: Annotated[int, Query(ge=1, le=100)] = 1,
) -> RedNoticeList:
    """Search INTERPOL's public red-notice extracts (only a minority of valid red notices are public).

    Pages hold up to 160 notices, and INTERPOL lets no query page past 160: `capped` says when `total`
    is larger; narrow the query. Country codes come as INTERPOL gives them (a few are not ISO). The
    search is recorded in the audit trail without its terms."""
    found = check_service.search(
        interpol,
        name=name,
        forename=forename,
        nationality=nationality,
        requesting_state=requesting_state,
        page_number=page,
    )
    audit_service.record(session, by=caller, action="interpol.searched")
    return found


def _public(check: object) -> InterpolCheckPublic:
    return InterpolCheckPublic.model_validate(check)


@router.post("/persons/{person_id}/interpol-checks", status_code=status.HTTP_201_CREATED, responses=UPSTREAM)
def check_person(
    person_id: str,
    read: ReadSession,
    session: WriteSession,
    caller: PersonWriter,
    interpol: Interpol,
    response: Response,
) -> InterpolCheckPublic:
    """Search the public red notices for every name of the person (and nationality when known), score
    each hit with the name matcher, and store the result. Only name parts and nationality leave the
    service. A notice hit by the previous check and absent now is listed in `no_longer_public`: that
    is never evidence of deletion. Answers within 30 s in every failure mode, and writes nothing when
    INTERPOL fails."""
    person = check_service.person_names(read, person_id, by=caller)
    found = check_service.run(interpol, person)
    check = check_service.store(session, person.id, found, by=caller)
    response.headers["Location"] = f"/api/v1/persons/{person_id}/interpol-checks/{check.id}"
    return _public(check)


@router.get("/persons/{person_id}/interpol-checks")
def list_person_checks(
    person_id: str, session: WriteSession, caller: PersonReader, limit: Limit = 50, cursor: Cursor = None
) -> InterpolCheckList:
    """The person's stored checks, newest first."""
    rows, next_cursor = check_service.list_page(session, person_id, by=caller, limit=limit, cursor=cursor)
    return InterpolCheckList(items=[_public(r) for r in rows], next_cursor=next_cursor)
