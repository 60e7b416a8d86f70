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
import math
import random
import threading
import time
from collections import deque
from typing import Any, Protocol

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from app.db import RELAXED_COMMIT, counting
from app.models.rate_limit import RateLimitWindow

WINDOW_S = 60.0
MAX_IDLE_KEYS = 10_000
PRUNE_CHANCE = 0.01  # a request in a hundred also deletes the rows of callers idle for a whole window


class RateLimiter(Protocol):
    per_minute: int

    def wait_s(self, key: str) -> float:
        """Count one request under `key`: 0 when it may proceed, else the seconds until it may."""
        ...


class SlidingWindow:
    """At most `per_minute` requests per key in any 60-second window, counted in this process."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, key: str) -> float:
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
    a caller may be refused up to a second longer than an exact count would refuse them."""

    def __init__(self, engine: Engine, per_minute: int) -> None:
        self.per_minute = per_minute
        self._engine = engine

    def wait_s(self, key: str) -> float:
        digest = hashlib.sha256(key.encode()).hexdigest()
        window: Table = RateLimitWindow.__table__  # type: ignore[attr-defined]
        with counting(self._engine) as connection:
            # One statement creates the row or locks the one there, and answers what it holds and the
            # clock, read once the row is ours (RETURNING is evaluated after the row is locked): the
            # seconds in a row then only ever increase. (The clock was a statement of its own: a round trip;
            # so was the `SET LOCAL synchronous_commit`, which the RETURNING now carries.)
            stored, now, _ = connection.execute(_upsert(window, digest)).one()
            now = float(now)
            seconds = [[at, n] for at, n in _per_second(stored) if at > now - WINDOW_S]
            counted = sum(n for _, n in seconds)
            wait_s = seconds[0][0] + WINDOW_S - now if counted >= self.per_minute else 0.0
            if not wait_s:
                if seconds and math.floor(seconds[-1][0]) == math.floor(now):
                    seconds[-1] = [now, seconds[-1][1] + 1]
                else:
                    seconds.append([now, 1])
            connection.execute(
                update(window)
                .where(window.c.key == digest)
                .values(hits=seconds, expires_at=seconds[-1][0] + WINDOW_S if seconds else now)
            )
            if random.random() < PRUNE_CHANCE:  # noqa: S311 - a chance, not a secret
                # Rows another request is counting are skipped, never waited for: no two prunes deadlock.
                stale = (
                    select(window.c.key)
                    .where(window.c.expires_at < now, window.c.key != digest)
                    .with_for_update(skip_locked=True)
                )
                connection.execute(delete(window).where(window.c.key.in_(stale)))
        return wait_s


def _upsert(window: Table, digest: str) -> Any:
    upsert = insert(window).values(key=digest, hits=[], expires_at=0.0)
    return upsert.on_conflict_do_update(index_elements=["key"], set_={"key": upsert.excluded.key}).returning(
        window.c.hits, _CLOCK, RELAXED_COMMIT
    )


_CLOCK = func.extract("epoch", func.clock_timestamp())


def _per_second(stored: list[Any]) -> list[tuple[float, int]]:
    """A row's `[moment, requests]` pairs; a row written before the counts per second held one moment
    per request, and each of those counts as one request."""
    return [(float(item[0]), int(item[1])) if isinstance(item, list) else (float(item), 1) for item in stored]


class RedisWindow:
    """At most `per_minute` requests per key in any 60 seconds, counted in Redis by the `limits` library's
    moving window (a Lua script that checks and records in one step). Keys are digests, as in the database."""

    def __init__(self, url: str, per_minute: int) -> None:
        self.per_minute = per_minute
        self._storage = storage_from_string(url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._item = RateLimitItemPerMinute(per_minute)
        self._namespace = "article3"

    def check(self) -> bool:
        """Whether Redis answers (start-up refuses to serve without it)."""
        return bool(self._storage.check())

    def wait_s(self, key: str) -> float:
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
