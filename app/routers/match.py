"""/match: several names at once, in any spelling or script, against your organisation's persons."""

from fastapi import APIRouter

from app.db import WriteSession
from app.deps import Names, PersonReader
from app.models.match import MatchRequest, MatchResponse
from app.routers.api_route import ApiRoute
from app.services import match as match_service

router = APIRouter(prefix="/match", tags=["match"], route_class=ApiRoute)


@router.post("")
def match_names(
    data: MatchRequest, session: WriteSession, caller: PersonReader, names: Names
) -> MatchResponse:
    """Up to 100 names a call; for each, at most `limit` (≤ 50, default 5) of your persons with
    `score` ≥ `threshold` (default 0.7), best first, each with the reasons in plain English.

    Different romanisations of Cyrillic, Uzbek and Turkmen Latin, Turkish letters, the original script,
    any order of name parts, a missing patronymic, doubled letters and recorded aliases all count as the
    same name. A birth year or nationality that disagrees lowers the score and says so; a missing one
    changes nothing. The call is audited without the names."""
    return MatchResponse(results=match_service.match(session, names=names, data=data, by=caller))
