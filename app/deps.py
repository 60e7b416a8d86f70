"""Request dependencies: who is calling (bearer token, within its rate limit), what their role allows
(then a POST's Idempotency-Key), the daily read quota, If-Match, list paging."""

import ipaddress
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, Query, Request
from sqlalchemy import Connection
from sqlmodel import Session

from app import metrics
from app.clients.interpol import InterpolClient
from app.db import reading, unit_of_work
from app.errors import Forbidden, PreconditionFailed, PreconditionRequired, TooManyRequests, Unauthorized
from app.models.base import ID_PATTERN, utcnow
from app.models.token import Principal, Role
from app.services import audit, idempotency, quota
from app.services import token as token_service
from app.services.audit_writer import AuditWriter
from app.services.name_index import LiveNameIndex
from app.services.rate_limit import RateLimiter

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
T = TypeVar("T")
WRITERS = frozenset({Role.admin, Role.editor})
READERS = frozenset({Role.admin, Role.editor, Role.viewer})


# FastAPI runs every plain `def` dependency in a worker thread, and a generator one twice (set-up and
# tear-down): each hop costs a thread hand-off. So the checks that read the database open their own
# short session inside one hop, and those that do no I/O are `async def` and run on the event loop.


def _principal(request: Request) -> Principal:
    with reading(request.state.read_engine, request.state.keyring, autocommit=True) as session:
        return _principal_in(session, request)


def _principal_in(session: Session, request: Request) -> Principal:
    token = token_service.bearer(request.headers.get("authorization"))
    try:
        principal: Principal | None = token_service.authenticate(session, token)
    except Unauthorized:
        principal = None
    # PostgreSQL counts on the session's connection (no transaction); SQLite needs none for a junk token
    check_rate(request, principal, session.connection() if request.state.rate_limiter.uses_database else None)
    if principal is None:
        raise Unauthorized()
    request.state.principal = principal  # read by the access log, never logged whole
    return principal


CurrentPrincipal = Annotated[Principal, Depends(_principal)]


def check_rate(request: Request, caller: Principal | None, connection: Connection | None = None) -> None:
    """Count the request against its caller's allowance per minute, and refuse it (429) beyond: the
    token's, shared by the API and the web interface, or, without a valid credential, the client
    address's (behind a proxy, the one uvicorn takes from X-Forwarded-For)."""
    limiter: RateLimiter = request.state.rate_limiter
    address = request.client.host if request.client else "unknown"
    key = f"token:{audit.actor_of(caller)}" if caller else f"address:{address}"
    wait_s = limiter.wait_s(key, connection=connection)
    if wait_s > 0:
        metrics.LIMIT_REFUSALS.labels(limit="rate").inc()
        sender = "with this token" if caller else "without a valid token from this address"
        raise TooManyRequests(
            f"More than {limiter.per_minute} requests in 60 seconds {sender}.",
            headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        )


def within_quota(request: Request, principal: Principal, session: Session | None = None) -> None:
    """The token's daily quota of answers that show persons' data (a refusal is audited)."""
    now = utcnow()
    limit: int = request.state.daily_read_quota
    if session is None:
        with reading(request.state.read_engine, request.state.keyring, autocommit=True) as own:
            used = quota.reads_today(own, token_id=audit.actor_of(principal), now=now)
    else:
        used = quota.reads_today(session, token_id=audit.actor_of(principal), now=now)
    if used < limit:
        return
    with unit_of_work(request.state.write_engine, request.state.keyring) as writer:
        quota.record_refusal(writer, by=principal)
    raise _over_quota(limit, now)


def _over_quota(limit: int, now: datetime) -> TooManyRequests:
    metrics.LIMIT_REFUSALS.labels(limit="quota").inc()
    return TooManyRequests(
        f"This token has reached its daily quota of {limit} reads of persons' data.",
        headers={"Retry-After": str(quota.seconds_to_midnight(now))},
    )


def _metrics_reader(request: Request) -> None:
    """A scraper on this host (a loopback address; behind a proxy on this host, the address uvicorn
    takes from X-Forwarded-For), or an admin from anywhere."""
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:  # not an address ("testclient", a Unix socket's peer)
        pass
    _allow(_principal(request), frozenset({Role.admin}))


MetricsReader = Annotated[None, Depends(_metrics_reader)]


def _allow(principal: Principal, roles: frozenset[Role]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(r.value for r in roles))}.")


def _claim_key(request: Request, principal: Principal) -> None:
    """Past the route's checks, a POST's Idempotency-Key is claimed, or answered in the route's place
    (the stored answer again, or a 409): a replay never reaches a caller the route would refuse."""
    pending: idempotency.Pending | None = getattr(request.state, "idempotency", None)
    if pending is None:
        return
    answer = idempotency.claim(
        request.state.write_engine, request.state.keyring, pending=pending, by=principal
    )
    if answer is not None:
        raise idempotency.Replay(answer)


def _require(*roles: Role) -> object:
    allowed = frozenset(roles)
    writes = Role.viewer not in allowed  # a route a viewer may call writes nothing: its key is not stored

    async def check(request: Request, principal: CurrentPrincipal) -> Principal:
        _allow(principal, allowed)
        if writes and getattr(request.state, "idempotency", None) is not None:
            await anyio.to_thread.run_sync(_claim_key, request, principal)
        return principal

    return Depends(check)


def _checked(request: Request, roles: frozenset[Role], *, claim: bool) -> Principal:
    """The caller, its rate limit, its role and its daily quota, in one read session (one thread hop);
    then, for a write, its Idempotency-Key."""
    with reading(request.state.read_engine, request.state.keyring, autocommit=True) as session:
        principal = _principal_in(session, request)
        _allow(principal, roles)
        within_quota(request, principal, session)
    if claim:
        _claim_key(request, principal)
    return principal


async def _person_reader(request: Request) -> Principal:
    """A viewer+ reading persons' data, within the token's daily quota."""
    principal: Principal = await anyio.to_thread.run_sync(lambda: _checked(request, READERS, claim=False))
    return principal


async def _person_writer(request: Request) -> Principal:
    """An editor+ whose answer shows persons' data: that counts in the daily quota like a read, so the
    quota is checked first, then the Idempotency-Key (a replay is a read too)."""
    principal: Principal = await anyio.to_thread.run_sync(lambda: _checked(request, WRITERS, claim=True))
    return principal


Admin = Annotated[Principal, _require(Role.admin)]
Editor = Annotated[Principal, _require(Role.admin, Role.editor)]
Viewer = Annotated[Principal, _require(Role.admin, Role.editor, Role.viewer)]
AnyRole = Annotated[Principal, _require(Role.admin, Role.editor, Role.viewer, Role.analyst)]
PersonReader = Annotated[Principal, Depends(_person_reader)]


class AuditedReads:
    """An audited read in two steps and one thread hand-off: `read` checks the caller (token, rate
    limit, role, daily quota) and runs the read in one read session, in one worker thread; `record`
    hands the audit entry to the process's group committer (app/services/audit_writer.py) and returns
    once it has committed, so the answer never precedes its entry. The quota is decided exactly there:
    a read whose entry would pass it is refused (429) and the refusal recorded in its place."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._caller: Principal | None = None

    @property
    def caller(self) -> Principal:
        if self._caller is None:
            raise RuntimeError("read() first")
        return self._caller

    def _checked(self, read: Callable[[Session, Principal], T]) -> T:
        state = self.request.state
        with reading(state.read_engine, state.keyring, autocommit=True) as session:
            caller = _principal_in(session, self.request)
            _allow(caller, READERS)
            within_quota(self.request, caller, session)
            self._caller = caller
            return read(session, caller)

    async def read(self, read: Callable[[Session, Principal], T]) -> T:
        return await anyio.to_thread.run_sync(self._checked, read)

    async def record(self, action: str, *, kind: str | None = None, object_id: str | None = None) -> None:
        caller = self.caller
        writer: AuditWriter = self.request.state.audit_writer
        limit: int = self.request.state.daily_read_quota
        entry = audit.NewEntry(
            actor=audit.actor_of(caller),
            org_id=caller.org_id,
            action=action,
            object_kind=kind,
            object_id=object_id,
        )
        if not await writer.append(entry, quota=limit):
            raise _over_quota(limit, utcnow())


async def _audited_reads(request: Request) -> AuditedReads:
    return AuditedReads(request)


PersonReads = Annotated[AuditedReads, Depends(_audited_reads)]
PersonWriter = Annotated[Principal, Depends(_person_writer)]


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

    def optional_version(self) -> int | None:
        """For a DELETE: the contract asks no If-Match of it, but one that is sent must be current."""
        if self.header is None or not self.header.strip():
            return None
        return self.version()


async def _if_match(
    if_match: Annotated[
        str | None, Header(description='The record\'s ETag, e.g. "3"; required (428 without it).')
    ] = None,
) -> Precondition:
    return Precondition(if_match)


IfMatch = Annotated[Precondition, Depends(_if_match)]


async def _if_match_optional(
    if_match: Annotated[
        str | None,
        Header(
            description='Optional: the record\'s ETag, e.g. "3"; when sent and stale, 412 and nothing is removed.'
        ),
    ] = None,
) -> Precondition:
    return Precondition(if_match)


OptionalIfMatch = Annotated[Precondition, Depends(_if_match_optional)]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="Opaque cursor from `next_cursor`; any other value is a 422."),
]
PersonFilter = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN,
        description="Only this person's records: a person id as the API returns it (anything else is a 422).",
    ),
]


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
    "OptionalIfMatch",
    "Interpol",
    "Limit",
    "Names",
    "PersonFilter",
    "PersonReader",
    "PersonReads",
    "PersonWriter",
    "Session",
    "Viewer",
    "etag",
]
