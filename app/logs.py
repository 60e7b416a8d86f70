"""What the server's logs may say about a request: the operation it reached and how it ended, never the
values it carried. A search URL holds a name (`?q=`), and a client can put one in any path.

`install()` puts filters on the two loggers that would otherwise write request data: uvicorn's access
log (when a deployment runs uvicorn with one) and httpx's request lines (a name searched at INTERPOL
rides in the query string). The application's own lines are one JSON line per request
(`request_line`, logger `article3.request`, on standard error) and `app.errors.report_unexpected`'s.
"""

import json
import logging
import re
import secrets
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The ASGI scope of the request being answered (set by app.errors.ErrorBoundary): the router records in
# it the route it picked, which the access line names instead of the path.
current_scope: ContextVar[Mapping[str, Any] | None] = ContextVar("article3_request_scope", default=None)


# The key under which app.middleware.Observed keeps the request's id in its ASGI scope.
REQUEST_ID = "article3.request_id"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
request_log = logging.getLogger("article3.request")


def new_request_id() -> str:
    return secrets.token_hex(6)


_PARAMETER = re.compile(r"\{(\w+)\}")


def route_template(scope: Mapping[str, Any] | None) -> str:
    """The template of the route a request reached (`/api/v1/persons/{person_id}`), never the path it
    sent; `unmatched` when it reached none (an unknown path, or refused before routing).

    A route knows its template only below the prefixes of the routers that include it
    (`/persons/{person_id}`). Those prefixes hold no parameters, so the template is the part of the
    path before what the route's template, filled with the path's parameters, matched, then the template.
    """
    scope = scope or {}
    template = getattr(scope.get("route"), "path_format", None)
    path, parameters = scope.get("path"), scope.get("path_params") or {}
    if not isinstance(template, str) or not template or not isinstance(path, str):
        return UNMATCHED
    filled = _PARAMETER.sub(lambda m: str(parameters.get(m[1], m[0])), template)
    if not path.endswith(filled):  # cannot happen for a path the route matched; never fall back on the path
        return template
    return path[: len(path) - len(filled)] + template


def method_name(scope: Mapping[str, Any]) -> str:
    """The request's method, or `other` for one HTTP does not define: a client chooses it freely."""
    method = scope.get("method")
    return method if method in METHODS else "other"


def request_line(*, request_id: str, method: str, route: str, status: int, duration_s: float) -> None:
    """The one line a request leaves: what was asked of which route, how it ended and how long it took."""
    if request_log.isEnabledFor(logging.INFO):
        request_log.info(
            json.dumps(
                {
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "event": "request",
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration_s * 1000, 2),
                },
                separators=(",", ":"),
            )
        )


def route_name(scope: Mapping[str, Any] | None) -> str:
    """The name of the operation a request reached (`read_person`), or "-" before routing or for none."""
    name = getattr((scope or {}).get("route"), "name", None)
    return name if isinstance(name, str) else "-"


class _AccessLine(logging.Filter):
    """uvicorn's `client - "GET /path?query HTTP/1.1" 200`: the path and query become the route's name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, _path, version, status = record.args
            record.args = (client, method, route_name(current_scope.get()), version, status)
        return True


class _OutboundLine(logging.Filter):
    """httpx's `HTTP Request: GET https://host/path?query "HTTP/1.1 200 OK"`: the query is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 2:
            method, url, *rest = record.args
            record.args = (method, str(url).split("?", 1)[0], *rest)
        return True


class _RequestLines(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes `article3.request`'s lines, the JSON alone, to standard error (where uvicorn logs too):
    whichever stream is standard error when the line is written."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def install() -> None:
    """Put the filters and the request lines' handler on (once per process, however many apps are created)."""
    for name, kind in (("uvicorn.access", _AccessLine), ("httpx", _OutboundLine)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
    if not any(isinstance(h, _RequestLines) for h in request_log.handlers):
        handler = _RequestLines(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
