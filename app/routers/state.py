"""/states: pooled figures and recurrent patterns per requesting state (figures only across organisations)."""

from fastapi import APIRouter, Request

from app.db import ReadSession
from app.deps import AnyRole
from app.models.flag import HostList, StateDetail, StateList
from app.models.state import StateCode
from app.routers.api_route import ApiRoute
from app.services import pattern as pattern_service

router = APIRouter(prefix="/states", tags=["states"], route_class=ApiRoute)


def _min_persons(request: Request) -> int:
    value: int = request.state.pattern_min_persons
    return value


@router.get("")
def list_states(session: ReadSession, _caller: AnyRole, request: Request) -> StateList:
    """Every requesting state on record, pooled across organisations, ranked by `score` (highest first).

    `score` = strength × persons / (persons + 10), where strength = 1 − Π(1 − w × share) over the
    indicator codes, w = 0.6 (high), 0.35 (medium), 0.15 (low), and share = persons with the code /
    the state's persons. The factor pulls states with few persons toward 0: two persons never score
    above 2/12. Ties are broken by state code. A pattern is recurrent when at least
    `ARTICLE3_PATTERN_MIN_PERSONS` persons (default 3) share the code.
    """
    return StateList(items=pattern_service.pooled_states(session, min_persons=_min_persons(request)))


@router.get("/{state}")
def read_state(state: StateCode, session: ReadSession, caller: AnyRole, request: Request) -> StateDetail:
    """One state's pooled figures and every indicator held by at least one person; `evidence` lists
    only your own organisation's persons. A valid code without records answers zeros."""
    return pattern_service.pooled_state(session, state, min_persons=_min_persons(request), by=caller)


@router.get("/{state}/hosts")
def read_state_hosts(state: StateCode, session: ReadSession, _caller: AnyRole) -> HostList:
    """Travel risk: host state by host state, where this state's requests led to detentions, releases,
    surrenders and extradition decisions (pooled figures, no identities), most detentions first."""
    return HostList(state=state, items=pattern_service.pooled_hosts(session, state))
