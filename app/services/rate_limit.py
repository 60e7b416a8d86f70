"""Requests per minute: how many each caller may send in any 60 seconds, then 429 with Retry-After.

A caller is named by a key: `token:<id>` once its credential authenticates (the API and the web
interface share the allowance, however the Authorization header is spelled), `address:<client address>`
for requests without a valid credential, so junk tokens cannot buy fresh allowances.

Where the requests are counted decides what the limit holds for (`for_deployment` picks):
- `RedisWindow` (when `ARTICLE3_REDIS_URL` is set): in Redis, with the `limits` library's moving window:
  every worker of every host that uses the same Redis shares each caller's allowance.
- `DatabaseWindow` (PostgreSQL): in the database every process already shares, one row per caller.
- `SlidingWindow` (embedded SQLite): in this process's memory, since one process serves the file.
"""

import hashlib
import random
import threading
import time
from collections import deque
from typing import Protocol

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Boolean, Connection, Engine, Integer, String, bindparam, func, select

WINDOW_S = 60.0
MAX_IDLE_KEYS = 10_000
PRUNE_CHANCE = 0.01  # a request in a hundred also deletes the rows of callers idle for a whole window
AUTOCOMMIT = "AUTOCOMMIT"


class RateLimiter(Protocol):
    per_minute: int
    uses_database: bool  # counts in the app's database: `wait_s` can use a connection the request holds

    def wait_s(self, key: str, *, connection: Connection | None = None) -> float:
        """Count one request under `key`: 0 when it may proceed, else the seconds until it may.

        `connection`: one the request already holds to the same database, to count on when a window is
        kept there, instead of one of the window's own (a pool's checkout and checkin fewer)."""
        ...


class SlidingWindow:
    """At most `per_minute` requests per key in any 60-second window, counted in this process."""

    uses_database = False

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, key: str, *, connection: Connection | None = None) -> float:  # noqa: ARG002 - in memory
        now = time.monotonic()
        with self._lock:
            window = self._seen.setdefault(key, deque())
            while window and window[0] <= now - WINDOW_S:
                window.popleft()
            if len(window) >= self.per_minute:
                return window[0] + WINDOW_S - now
            window.append(now)
            if len(self._seen) > MAX_IDLE_KEYS:  # forget keys idle for a whole window
                for idle in [k for k, w in self._seen.items() if not w or w[-1] <= now - WINDOW_S]:
                    del self._seen[idle]
            return 0.0


class DatabaseWindow:
    """At most `per_minute` requests per key in any 60 seconds, counted in PostgreSQL: the same for
    every process and host on the database. A key's row is locked while it is counted, so two processes
    never both take the last request of an allowance; moments are the database's clock, so hosts whose
    clocks differ still agree.

    A row holds one count per second (`[moment, requests]`: the requests of that second and the moment
    of its last one; at most 61 pairs), not one moment per request: with a moment per request the row
    grew with the allowance, and rewriting it on every request cost 2.3 ms with one moment in it, 5.3 ms
    with 2,000 and 12.4 ms with 4,000. A second's requests leave the window together, when its last one
    is 60 s old, so the limit never lets more than `per_minute` through in any 60 seconds; at the limit
    a caller may be refused up to a second longer than an exact count would refuse them.

    The counting is the database function `rate_limit_hit` (migration 0027), called as one statement on
    a connection without a transaction: one round trip a request. Counted here, it was three (lock and
    read the row, write it back, commit)."""

    uses_database = True

    def __init__(self, engine: Engine, per_minute: int) -> None:
        self.per_minute = per_minute
        self._engine = engine.execution_options(isolation_level=AUTOCOMMIT)

    def wait_s(self, key: str, *, connection: Connection | None = None) -> float:
        """`connection` is used only when it has no transaction (AUTOCOMMIT, as a request's read session
        on PostgreSQL): the count must commit at once, with no other statement's transaction."""
        parameters = {
            "caller": hashlib.sha256(key.encode()).hexdigest(),
            "per_minute": self.per_minute,
            "prune": random.random() < PRUNE_CHANCE,  # noqa: S311 - a chance, not a secret
        }
        if connection is not None and connection.get_execution_options().get("isolation_level") == AUTOCOMMIT:
            return float(connection.execute(HIT, parameters).scalar_one())
        with self._engine.connect() as own:
            return float(own.execute(HIT, parameters).scalar_one())


HIT = select(
    func.rate_limit_hit(
        bindparam("caller", type_=String),
        bindparam("per_minute", type_=Integer),
        bindparam("prune", type_=Boolean),
    )
)


class RedisWindow:
    """At most `per_minute` requests per key in any 60 seconds, counted in Redis by the `limits` library's
    moving window (a Lua script that checks and records in one step). Keys are digests, as in the database."""

    uses_database = False

    def __init__(self, url: str, per_minute: int) -> None:
        self.per_minute = per_minute
        self._storage = storage_from_string(url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._item = RateLimitItemPerMinute(per_minute)
        self._namespace = "article3"

    def check(self) -> bool:
        """Whether Redis answers (start-up refuses to serve without it)."""
        return bool(self._storage.check())

    def wait_s(self, key: str, *, connection: Connection | None = None) -> float:  # noqa: ARG002 - in Redis
        digest = hashlib.sha256(key.encode()).hexdigest()
        if self._limiter.hit(self._item, self._namespace, digest):
            return 0.0
        reset_at = self._limiter.get_window_stats(self._item, self._namespace, digest).reset_time
        return max(0.001, reset_at - time.time())


class LimiterUnavailable(Exception):
    """The configured Redis does not answer."""


def for_deployment(*, per_minute: int, redis_url: str | None, engine: Engine) -> RateLimiter:
    """Redis when configured, else the database when it is PostgreSQL, else this process's memory."""
    if redis_url:
        window = RedisWindow(redis_url, per_minute)
        if not window.check():
            raise LimiterUnavailable("ARTICLE3_REDIS_URL is set, but Redis does not answer there.")
        return window
    if engine.dialect.name == "postgresql":
        return DatabaseWindow(engine, per_minute)
    return SlidingWindow(per_minute)
