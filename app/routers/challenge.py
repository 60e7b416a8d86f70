"""/challenges: CCF requests and court filings, their events and deadlines."""

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
from app.models.challenge import (
    ChallengeCreate,
    ChallengeList,
    ChallengePublic,
    ChallengeStatus,
    ChallengeUpdate,
    EventIn,
)
from app.routers.api_route import ApiRoute
from app.services import challenge as challenge_service

router = APIRouter(prefix="/challenges", tags=["challenges"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_challenge(
    data: ChallengeCreate, session: WriteSession, caller: PersonWriter, response: Response
) -> ChallengePublic:
    """Open a challenge in `draft`; events then move it. Before the CCF, `appeal` and `interim_measure`
    are 422: its decisions are final, and a `revision` is the remedy."""
    challenge = challenge_service.create(session, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/challenges/{challenge.id}"
    response.headers["ETag"] = etag(challenge.version)
    return challenge_service.publics(session, [challenge])[0]


@router.get("")
def list_challenges(
    session: WriteSession,
    caller: PersonReader,
    person_id: PersonFilter = None,
    status: ChallengeStatus | None = None,
    overdue: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ChallengeList:
    """Your organisation's challenges, newest first; `overdue=true`: open ones past their CCF deadline."""
    rows, next_cursor = challenge_service.list_page(
        session, by=caller, person_id=person_id, status=status, overdue=overdue, limit=limit, cursor=cursor
    )
    return ChallengeList(items=challenge_service.publics(session, rows), next_cursor=next_cursor)


@router.get("/{challenge_id}")
def read_challenge(
    challenge_id: str, session: WriteSession, caller: PersonReader, response: Response
) -> ChallengePublic:
    """One challenge with its events (oldest first) and deadline."""
    challenge = challenge_service.get(session, challenge_id, by=caller)
    response.headers["ETag"] = etag(challenge.version)
    return challenge_service.publics(session, [challenge])[0]


@router.post("/{challenge_id}/events")
def add_challenge_event(
    challenge_id: str, data: EventIn, session: WriteSession, caller: PersonWriter, response: Response
) -> ChallengePublic:
    """Record what happened: filed (from draft), admissible or inadmissible (from filed), provisional
    measure or decided (from filed or admissible), withdrawn (from any open status). Anything else is a
    409; an event dated before the previous one is a 422. A decision needs its `outcome`; `answered` is
    for an access request only. On a CCF challenge with a notice, the notice's status history gets the
    matching entry in the same transaction. A CCF `admissible` event sets `deadline_on`: 4 months for
    access, 9 for deletion or correction, none for a revision."""
    challenge = challenge_service.apply_event(session, challenge_id, data=data, by=caller)
    response.headers["ETag"] = etag(challenge.version)
    return challenge_service.publics(session, [challenge])[0]


@router.patch("/{challenge_id}")
def update_challenge(
    challenge_id: str,
    data: ChallengeUpdate,
    session: WriteSession,
    caller: PersonWriter,
    precondition: IfMatch,
    response: Response,
) -> ChallengePublic:
    """Correct the `reference` (a CCF file number assigned after filing), `summary`, `counsel`, sources
    or the `notice_id` challenged. Events, not a PATCH, move its status. Needs `If-Match`: 428 without
    it, 412 when it changed since."""
    challenge = challenge_service.update(
        session, challenge_id, data=data, expected_version=precondition.version(), by=caller
    )
    response.headers["ETag"] = etag(challenge.version)
    return challenge_service.publics(session, [challenge])[0]


@router.delete("/{challenge_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_challenge(
    challenge_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove a challenge entered in error, with its events; the entries its CCF events appended to the
    notice's status history go too. An `If-Match` is optional; a stale one is a 412."""
    challenge_service.delete(
        session, challenge_id, by=caller, expected_version=precondition.optional_version()
    )


@router.delete("/{challenge_id}/events/latest", status_code=status.HTTP_204_NO_CONTENT)
def delete_challenge_event(
    challenge_id: str, session: WriteSession, caller: Editor, precondition: OptionalIfMatch
) -> None:
    """Remove the challenge's last event (entered in error): its status, outcome, dates and deadline
    return to what the earlier events give, and a CCF event's entry in the notice's status history goes
    with it. A challenge with no event answers 409. An `If-Match` (the challenge's ETag) is optional; a
    stale one is a 412."""
    challenge_service.delete_last_event(
        session, challenge_id, by=caller, expected_version=precondition.optional_version()
    )
