"""ASGI middleware around every request: body limit, security headers, requests in flight, idempotency
keys, and the count, timing and log line of each request."""

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from app import logs, metrics
from app.errors import TooLarge
from app.models.document import MAX_DOCUMENT_BYTES
from app.services import idempotency, screening

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
# Routes that take a whole file: their own limit (POST only; the method is not checked, other methods
# of these paths have no body to speak of).
LARGER_BODIES = {"/api/v1/screenings": screening.MAX_FILE_BYTES}
# Uploads that the route reads as they arrive, never whole: a document (25 MiB, plus its form fields).
STREAMED_UPLOAD = re.compile(r"^(?:/api/v1|/ui)/persons/[^/]+/documents/?$")  # the API and the web form
MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES + MAX_BODY_BYTES


def streamed_upload(scope: Scope) -> bool:
    return scope.get("method") == "POST" and STREAMED_UPLOAD.match(scope.get("path", "")) is not None


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
API_CSP = b"default-src 'none'; frame-ancestors 'none'"


class BodyLimit:
    """Refuse bodies over 1 MiB (the paths of LARGER_BODIES: their own limit) with 413, by Content-Length
    up front or by counting a streamed body.

    A document upload (`streamed_upload`) may have 25 MiB and its form: it is not read here but passed
    on as it comes, counted, and the route's reading stops with a 413 at the first byte past the limit
    (the route itself stops at the first byte of file past 25 MiB)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = streamed_upload(scope)
        path = scope.get("path", "").rstrip("/")
        limit = MAX_UPLOAD_BYTES if upload else LARGER_BODIES.get(path, self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > limit
                except ValueError:
                    too_large = False
                if too_large:
                    await _too_large(send, limit, upload=upload)
                    return
        if upload:
            await self.app(scope, _counting(receive, limit), send)
            return
        # Read the whole body first (at most 1 MiB plus one chunk), so an oversize streamed body is
        # refused before the application sees any of it, then replay it.
        body = await _read_body(receive, max_bytes=limit)
        if body is None:
            await _too_large(send, limit)
            return
        await self.app(scope, _replaying(body, receive), send)


class SecurityHeaders:
    """Headers every answer carries; API answers are never cached, since they hold personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = scope.get("path", "").startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                if is_api:
                    extra += [(b"cache-control", b"no-store"), (b"content-security-policy", API_CSP)]
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, with_headers)


async def _send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", []) if key == name), None)


class Idempotency:
    """Fingerprints a POST that carries an Idempotency-Key and holds its answer until the key is settled.

    The route's role check claims the key or answers with the stored answer, and the route stores its
    answer in its own transaction (app/services/idempotency.py). Here, when a claimed key got no stored
    answer (a refusal, an error), it is released before the client sees the answer, so the client may
    retry at once; and the client never sees an answer before it can be replayed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_key = (
            _header(scope, b"idempotency-key")
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        # A document upload is never held whole in memory, so its key cannot be fingerprinted: not honoured.
        if raw_key is None or not scope.get("path", "").startswith("/api/") or streamed_upload(scope):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not 1 <= len(key) <= 255:
            await _send_problem(
                send,
                422,
                "Unprocessable Content",
                "Idempotency-Key must have 1 to 255 characters.",
                errors=[
                    {
                        "loc": ["header", "Idempotency-Key"],
                        "msg": "1 to 255 characters",
                        "type": "string_length",
                    }
                ],
            )
            return
        body = await _read_body(receive) or b""  # no limit here: BodyLimit, outside, has applied it
        fingerprint = hashlib.sha256(
            b"\0".join(
                (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body)
            )
        ).hexdigest()
        pending = idempotency.Pending(key=key, fingerprint=fingerprint)
        state = scope.setdefault("state", {})
        state["idempotency"] = pending
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        failed = True
        try:
            await self.app(scope, _replaying(body, receive), hold)
            failed = False
        finally:  # a failed commit raises after `store`: its answer was rolled back with the write
            if pending.claimed_by is not None and (failed or not pending.stored):
                await anyio.to_thread.run_sync(
                    lambda: idempotency.release(state["write_engine"], state["keyring"], pending=pending)
                )
        for message in held:
            await send(message)


async def _too_large(send: Send, max_bytes: int = MAX_BODY_BYTES, *, upload: bool = False) -> None:
    limit = "a document of 25 MiB and its form" if upload else f"{max_bytes // 2**20} MiB"
    await _send_problem(send, 413, "Content Too Large", f"The request body is larger than {limit}.")


def _counting(receive: Receive, max_bytes: int) -> Receive:
    """The body as it comes; the read past `max_bytes` raises TooLarge (a 413) in the route reading it."""
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise TooLarge("The request body is larger than a document of 25 MiB and its form.")
        return message

    return counted


async def _read_body(receive: Receive, *, max_bytes: int | None = None) -> bytes | None:
    """The whole request body; None once it passes `max_bytes` (the rest is left unread)."""
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        received += len(chunk)
        if max_bytes is not None and received > max_bytes:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


THREADS = 64
IN_FLIGHT = 48


class InFlightLimit:
    """At most IN_FLIGHT requests run at once; the rest wait here without holding a thread.

    Sync handlers and their dependencies run on a pool of THREADS threads, and a request that waits for
    the database's write lock (SQLite) or a row lock (PostgreSQL) waits on one of them. The request
    holding the lock needs a free thread to commit and let go. Keeping THREADS − IN_FLIGHT threads
    always free means it always gets one: without this limit, fifty concurrent writers filled the pool
    and the lock holder waited forever.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
            self._slots = anyio.Semaphore(IN_FLIGHT)
        async with self._slots:
            await self.app(scope, receive, send)


class Observed:
    """Times every request and, once answered, counts it (app/metrics.py) and logs one JSON line for it
    (app/logs.py) under a request id, the one a 500's body and error line carry. Both name the route's
    template, never the path or the query the client sent.

    The id is not sent as a header: a foreign id's 404 must be the same, byte for byte, as an unknown one's.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = logs.new_request_id()
        scope[logs.REQUEST_ID] = request_id
        status = 500  # what the client sees when the application ends without answering

        async def observing(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing)
        finally:
            duration_s = time.perf_counter() - started
            route, method = logs.route_template(scope), logs.method_name(scope)
            metrics.REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            metrics.REQUEST_SECONDS.labels(method=method, route=route).observe(duration_s)
            logs.request_line(
                request_id=request_id, method=method, route=route, status=status, duration_s=duration_s
            )
