"""Request dependencies: who is calling (bearer token), what their role allows, If-Match, list paging."""

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlmodel import Session

from app.clients.interpol import InterpolClient
from app.db import reading, unit_of_work
from app.errors import Forbidden, PreconditionFailed, PreconditionRequired, TooManyRequests
from app.models.base import utcnow
from app.models.token import Principal, Role
from app.services import quota
from app.services import token as token_service
from app.services.name_index import LiveNameIndex

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')


# FastAPI runs every plain `def` dependency in a worker thread, and a generator one twice (set-up and
# tear-down): each hop costs a thread hand-off. So the checks that read the database open their own
# short session inside one hop, and those that do no I/O are `async def` and run on the event loop.


def _principal(request: Request) -> Principal:
    token = token_service.bearer(request.headers.get("authorization"))
    with reading(request.state.read_engine, request.state.keyring) as session:
        principal = token_service.authenticate(session, token)
    request.state.principal = principal  # read by the rate limiter and the access log, never logged whole
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_principal)]


def _require(*roles: Role) -> object:
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"This action needs one of the roles: {', '.join(sorted(r.value for r in allowed))}."
            )
        return principal

    return Depends(check)


def _person_reader(
    request: Request, principal: Annotated[Principal, _require(Role.admin, Role.editor, Role.viewer)]
) -> Principal:
    """A viewer+ reading persons' data, within the token's daily quota (a refusal is audited)."""
    now = utcnow()
    limit: int = request.state.daily_read_quota
    with reading(request.state.read_engine, request.state.keyring) as session:
        used = quota.reads_today(session, token_id=principal.token_id, now=now)
    if used < limit:
        return principal
    with unit_of_work(request.state.write_engine, request.state.keyring) as writer:
        quota.record_refusal(writer, by=principal)
    raise TooManyRequests(
        f"This token has reached its daily quota of {limit} reads of persons' data.",
        headers={"Retry-After": str(quota.seconds_to_midnight(now))},
    )


Admin = Annotated[Principal, _require(Role.admin)]
Editor = Annotated[Principal, _require(Role.admin, Role.editor)]
Viewer = Annotated[Principal, _require(Role.admin, Role.editor, Role.viewer)]
AnyRole = Annotated[Principal, _require(Role.admin, Role.editor, Role.viewer, Role.analyst)]
PersonReader = Annotated[Principal, Depends(_person_reader)]


@dataclass(frozen=True)
class Precondition:
    """The If-Match header, checked when the handler asks: after the body is validated, so a request
    wrong in both ways gets its 422 first."""

    header: str | None

    def version(self) -> int:
        if self.header is None or not self.header.strip():
            raise PreconditionRequired(
                'This change needs an If-Match header with the record\'s ETag, e.g. If-Match: "3".'
            )
        match = _ETAG.match(self.header.strip())
        if match is None:
            raise PreconditionFailed("If-Match does not name a version of this record.")
        return int(match.group(1))


async def _if_match(
    if_match: Annotated[
        str | None, Header(description='The record\'s ETag, e.g. "3"; required (428 without it).')
    ] = None,
) -> Precondition:
    return Precondition(if_match)


IfMatch = Annotated[Precondition, Depends(_if_match)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.")]
Cursor = Annotated[str | None, Query(max_length=512, description="Opaque cursor from `next_cursor`.")]


async def _names(request: Request) -> LiveNameIndex:
    index: LiveNameIndex = request.state.names
    return index


Names = Annotated[LiveNameIndex, Depends(_names)]


async def get_interpol(request: Request) -> InterpolClient:
    """The process's one INTERPOL client (tests override this dependency with a fake transport)."""
    client: InterpolClient = request.state.interpol
    return client


Interpol = Annotated[InterpolClient, Depends(get_interpol)]


def etag(version: int) -> str:
    return f'"{version}"'


__all__ = [
    "Admin",
    "AnyRole",
    "CurrentPrincipal",
    "Cursor",
    "Editor",
    "IfMatch",
    "Interpol",
    "Limit",
    "Names",
    "PersonReader",
    "Session",
    "Viewer",
    "etag",
]
