"""Requests per minute: how many each caller may send in any 60 seconds, then 429 with Retry-After.

A caller is named by a key: `token:<id>` once its credential authenticates (the API and the web
interface share the allowance, however the Authorization header is spelled), `address:<client address>`
for requests without a valid credential, so junk tokens cannot buy fresh allowances.

`SlidingWindow` counts in this process's memory: with several worker processes each enforces the limit
on its own share. Counting in PostgreSQL or Redis, for several processes, is another `RateLimiter`.
"""

import threading
import time
from collections import deque
from typing import Protocol

WINDOW_S = 60.0
MAX_IDLE_KEYS = 10_000


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
