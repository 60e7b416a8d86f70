"""The app as the benchmarks serve it: `app.main.create_app` plus a bare hello-world route.

Served by uvicorn from the benchmark scripts:
    uvicorn --factory bench_app:create --app-dir bench --workers 1 --no-access-log

`/hello` is an `async def` route with no dependencies inside the same application (same middleware),
so the ratio of the two throughputs is what authentication, the database and the audit entry cost.
Three more routes under /bench/ split that cost for `http_ratio.py --breakdown`: a sync hello, the
token check alone, and the person read without its audit entry and daily-quota count.
`/bench/server-times` returns (and clears) how long the server spent on each request since the last
call, from its first ASGI event to its last body byte, so a script can tell server time from the
time its own client and the loopback add. `/bench/statements` returns (and clears) how many SQL
statements, commits and rollbacks the worker sent since the last call: each one a round trip to
PostgreSQL (a transaction's BEGIN is one more, sent with its first statement's round trip by psycopg).
The database and secret key come from ARTICLE3_DATABASE_URL and ARTICLE3_SECRET_KEY; the per-token
rate limit and daily read quota are lifted, since a benchmark is one token sending thousands of calls.
"""

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.db import ReadSession
from app.deps import Viewer
from app.main import create_app
from app.models.person import PersonPublic
from app.services import person as person_service
from app.settings import Settings

UNLIMITED = 10**9
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ServerTimes:
    """Outermost ASGI middleware: seconds from a request's arrival to its last body byte."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]]) -> None:
        self.app = app
        self.seconds: list[float] = []

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/bench/"):
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.seconds.append(time.perf_counter() - began)

        await self.app(scope, receive, timed)


class Statements:
    """Counts what every engine of the process sends (SQLAlchemy's events on the Engine class)."""

    def __init__(self) -> None:
        self.counts = {"statements": 0, "commits": 0, "rollbacks": 0}
        event.listen(Engine, "before_cursor_execute", lambda *_: self._add("statements"))
        event.listen(Engine, "commit", lambda *_: self._add("commits"))
        event.listen(Engine, "rollback", lambda *_: self._add("rollbacks"))

    def _add(self, what: str) -> None:
        self.counts[what] += 1

    def take(self) -> dict[str, int]:
        taken, self.counts = self.counts, dict.fromkeys(self.counts, 0)
        return taken


def create() -> FastAPI:
    settings = Settings(_env_file=None, rate_limit_per_minute=UNLIMITED, daily_read_quota=UNLIMITED)
    app = create_app(settings)
    times = ServerTimes(app.build_middleware_stack())
    app.middleware_stack = times  # Starlette builds it lazily; built now, with the timer outside it

    @app.get("/bench/server-times", include_in_schema=False)
    def server_times() -> list[float]:
        taken, times.seconds = times.seconds, []
        return taken

    statements = Statements()

    @app.get("/bench/statements", include_in_schema=False)
    async def statements_sent() -> dict[str, int]:
        return statements.take()

    @app.get("/hello", include_in_schema=False)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    # For `http_ratio.py --breakdown`: where the time of an audited read goes, one layer at a time.
    @app.get("/bench/hello-sync", include_in_schema=False)
    def hello_sync() -> dict[str, str]:
        return {"hello": "world"}  # a sync route: FastAPI runs it in a worker thread

    @app.get("/bench/auth", include_in_schema=False)
    def auth_only(caller: Viewer) -> dict[str, str]:
        return {"org": caller.org_id}  # + the read session and the token lookup

    @app.get("/bench/person-unaudited/{person_id}", include_in_schema=False)
    def person_unaudited(person_id: str, session: ReadSession, caller: Viewer) -> PersonPublic:
        person = person_service.get(session, person_id, by=caller, action=None)  # no audit entry
        return person_service.public(session, person)

    return app
