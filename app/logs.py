"""What the server's logs may say about a request: the operation it reached and how it ended, never the
values it carried. A search URL holds a name (`?q=`), and a client can put one in any path.

`install()` puts filters on the two loggers that would otherwise write request data: uvicorn's access
log (when a deployment runs uvicorn with one) and httpx's request lines (a name searched at INTERPOL
rides in the query string). The application's own lines come from `app.errors.report_unexpected`.
"""

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

# The ASGI scope of the request being answered (set by app.errors.ErrorBoundary): the router records in
# it the route it picked, which the access line names instead of the path.
current_scope: ContextVar[Mapping[str, Any] | None] = ContextVar("article3_request_scope", default=None)


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


def install() -> None:
    """Put the filters on (once per process, however many apps are created)."""
    for name, kind in (("uvicorn.access", _AccessLine), ("httpx", _OutboundLine)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
