"""/tokens: an organisation's admin mints, lists and revokes its API tokens."""

from fastapi import APIRouter, Response, status

from app.db import ReadSession, WriteSession
from app.deps import Admin, Cursor, Limit
from app.models.token import TokenCreate, TokenCreated, TokenList, TokenPublic
from app.routers.api_route import ApiRoute
from app.services import token as token_service

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=ApiRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_token(data: TokenCreate, session: WriteSession, caller: Admin, response: Response) -> TokenCreated:
    """A new token for your organisation. The token is in this answer only: it is never stored or shown
    again, so an `Idempotency-Key` replay of this request answers 409 (revoke the token and mint another)."""
    row, plain = token_service.create(session, org_id=caller.org_id, data=data, by=caller)
    response.headers["Location"] = f"/api/v1/tokens/{row.id}"
    return TokenCreated.model_validate(row, update={"token": plain})


@router.get("")
def list_tokens(session: ReadSession, caller: Admin, limit: Limit = 50, cursor: Cursor = None) -> TokenList:
    """Your organisation's tokens, without their secrets, newest first."""
    rows, next_cursor = token_service.list_tokens(session, by=caller, limit=limit, cursor=cursor)
    return TokenList(items=[TokenPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, session: WriteSession, caller: Admin) -> None:
    """Revoke a token: it fails from the next request on."""
    token_service.revoke(session, token_id, by=caller)
