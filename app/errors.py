"""Domain errors and the one problem+json renderer (RFC 9457) for every error the API returns.

AppError
├── Unauthorized              401  (one body for missing, malformed, unknown, expired, revoked)
├── Forbidden                 403
├── NotFound                  404  (one body for unknown and another organisation's ids)
├── Conflict                  409
│   └── InvalidTransition     409  (an action the record's current state forbids)
├── PreconditionFailed        412  (stale If-Match)
├── TooLarge                  413  (an uploaded document over its limit)
├── UnsupportedType           415  (an uploaded document of a type not kept, judged by its bytes)
├── Unprocessable             422  (a value wrong in itself or against the record's own dates)
├── PreconditionRequired      428  (If-Match missing)
├── TooManyRequests           429  (rate limit, daily quota; carries Retry-After)
├── UpstreamFailed            502  (INTERPOL failed)
└── UpstreamUnavailable       503  (INTERPOL rate-limits us; carries Retry-After)

Anything else a request raises is a bug: `ErrorBoundary` answers it with a 500 problem and logs one line
naming the exception's type, the route and a request id, never its message, arguments or locals (a
pydantic error quotes its input, a database error its parameters, and either may be a person's name).
"""

import logging
import re
import secrets
import traceback
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.logs import REQUEST_ID, current_scope, route_name

PROBLEM_JSON = "application/problem+json"
_APP_DIR = Path(__file__).resolve().parent
log = logging.getLogger("article3.errors")


class AppError(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})


class Unauthorized(AppError):
    status, title = 401, "Unauthorized"

    def __init__(self) -> None:
        super().__init__(
            "A valid bearer token is required.", headers={"WWW-Authenticate": 'Bearer realm="article3"'}
        )


class Forbidden(AppError):
    status, title = 403, "Forbidden"


class NotFound(AppError):
    status, title = 404, "Not Found"


class Conflict(AppError):
    status, title = 409, "Conflict"


class InvalidTransition(Conflict):
    pass


class NotAcceptable(AppError):
    status, title = 406, "Not Acceptable"


class PreconditionFailed(AppError):
    status, title = 412, "Precondition Failed"


class TooLarge(AppError):
    status, title = 413, "Content Too Large"


class UnsupportedType(AppError):
    status, title = 415, "Unsupported Media Type"


class Unprocessable(AppError):
    """A 422 raised by a service, with the field it concerns so clients can show it next to the input."""

    status, title = 422, "Unprocessable Content"

    def __init__(self, detail: str, *, loc: tuple[str | int, ...] = ("body",)) -> None:
        super().__init__(detail)
        self.loc = loc


class PreconditionRequired(AppError):
    status, title = 428, "Precondition Required"


class TooManyRequests(AppError):
    status, title = 429, "Too Many Requests"


class UpstreamFailed(AppError):
    status, title = 502, "Bad Gateway"


class UpstreamUnavailable(AppError):
    status, title = 503, "Service Unavailable"


def problem(
    status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response. `type` stays about:blank: the status code is the problem type."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON)


def _validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic's errors without `input` and `ctx`: they would echo personal data back into logs and proxies."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    if isinstance(exc, Unprocessable):
        errors = [{"loc": list(exc.loc), "msg": exc.detail, "type": "value_error"}]
        return problem(exc.status, exc.detail, headers=exc.headers, errors=errors)
    return problem(exc.status, exc.detail, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = _validation_errors(exc.errors())
    if any(e["type"] == "json_invalid" for e in errors):
        detail = "The request body is not valid JSON."
    else:
        detail = "The request is not valid: see `errors`."
    return problem(422, detail, errors=errors)


def _allowed_methods(request: Request) -> str | None:
    """Every method the path supports, for the Allow header of a 405 (Starlette names only one route's)."""
    paths = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            return ", ".join(sorted(m.upper() for m in operations))
    return None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    if exc.status_code == 400:  # a body that is not JSON text at all (bytes that are not UTF-8)
        return problem(
            422,
            "The request body is not valid JSON.",
            errors=[{"loc": ["body"], "msg": "not JSON", "type": "json_invalid"}],
        )
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers = {**(exc.headers or {}), "Allow": allowed}
        return problem(405, "Method not allowed on this resource.", headers=headers)
    details = {
        404: "No such resource.",
        405: "Method not allowed on this resource.",
        413: "The request body is too large.",
    }
    detail = details.get(exc.status_code) or (
        exc.detail if isinstance(exc.detail, str) else "Request failed."
    )
    return problem(exc.status_code, detail, headers=exc.headers)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def _kinds(exc: BaseException, seen: set[int] | None = None) -> str:
    """The exception's type and the types of what caused it, innermost last: `StatementError <- OverflowError`.

    `seen` is shared with the members of an exception group: a member's context is often the group
    itself (a task group's error raised inside it), which would otherwise be walked for ever."""
    kinds: list[str] = []
    seen = set() if seen is None else seen
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kinds.append(type(current).__name__)
        if isinstance(current, BaseExceptionGroup):
            kinds[-1] += "[" + ", ".join(_kinds(inner, seen) for inner in current.exceptions) + "]"
        current = current.__cause__ or current.__context__
    return " <- ".join(kinds)


def _where(exc: BaseException) -> str:
    """File, line and function of the innermost frames in our own code: no source line, no locals."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _APP_DIR in Path(f.filename).parents]
    return (
        ", ".join(
            f"{Path(f.filename).relative_to(_APP_DIR.parent)}:{f.lineno} in {f.name}" for f in frames[-3:]
        )
        or "outside app/"
    )


def report_unexpected(exc: BaseException, scope: Mapping[str, Any]) -> str:
    """Log an unexpected exception without any value it carries; return the request id it is logged under."""
    request_id = scope.get(REQUEST_ID) or secrets.token_hex(6)
    log.error(
        "request %s failed: %s in %s %s (%s)",
        request_id,
        _kinds(exc),
        scope.get("method", "-"),
        route_name(scope),
        _where(exc),
    )
    return request_id


class ErrorBoundary:
    """Answers an exception no handler took with a 500 problem, logged by `report_unexpected`. Without it
    the exception would reach uvicorn, which logs it whole: message, chained causes and all."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        current = current_scope.set(scope)  # for the access line (app/logs.py)
        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:  # the last handler there is: every exception, logged by type
            request_id = report_unexpected(exc, scope)
            if not started:  # else the client sees a cut-off answer, and nothing can be sent now
                detail = f"The server could not complete the request (request id {request_id})."
                await problem(500, detail, request_id=request_id)(scope, receive, send)
        finally:
            current_scope.reset(current)
