"""Rendering pages: the templates in the reader's language, the headers every page carries, the
packaged static files, and a route class that answers every failure under /ui with an HTML page.

Every page gets a Content-Security-Policy that allows nothing from another origin and no inline
script or style, `Cache-Control: no-store` (pages hold personal data; the back button after signing
out must not show them), and `X-Robots-Tag: noindex`.
"""

import hashlib
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AppError, Forbidden, report_unexpected
from app.ui import i18n
from app.ui import session as ui_session
from app.ui.auth import UIRedirect, secure

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".js": "text/javascript; charset=utf-8",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
STATIC_CACHE = "public, max-age=86400"
LANG_COOKIE_MAX_AGE_S = 365 * 86400


class CsrfRejected(Forbidden):
    """A form without the CSRF value of this browser's session (forged, stale or missing)."""

    def __init__(self) -> None:
        super().__init__("The form did not carry this session's CSRF token.")


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str


@cache
def static_files() -> Mapping[str, StaticFile]:
    """Every packaged static file by its path under /ui/static/: nothing else can be asked for."""
    found: dict[str, StaticFile] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file() and path.suffix in STATIC_TYPES:
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            found[path.relative_to(STATIC_DIR).as_posix()] = StaticFile(body, STATIC_TYPES[path.suffix], etag)
    return found


@cache
def asset_version() -> str:
    """Changes whenever a static file does, so pages ask for the new stylesheet at once."""
    digest = hashlib.sha256()
    for name, item in sorted(static_files().items()):
        digest.update(name.encode() + item.etag.encode())
    return digest.hexdigest()[:10]


def static_response(name: str, if_none_match: str | None) -> Response:
    item = static_files().get(name)
    if item is None:
        raise StarletteHTTPException(404)
    headers = {"ETag": item.etag, "Cache-Control": STATIC_CACHE}
    if if_none_match is not None and item.etag in if_none_match:
        return Response(status_code=304, headers=headers)
    return Response(item.body, media_type=item.media_type, headers=headers)


def language(request: Request) -> str:
    return i18n.choose(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(i18n.LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def _language_links(lang: str, keep: Mapping[str, str]) -> list[dict[str, Any]]:
    # Relative links (`?lang=ru`) keep the reader on the same address without writing it in the page.
    return [
        {
            "code": code,
            "name": i18n.LANGUAGE_NAMES[code],
            "href": "?" + urlencode({**keep, "lang": code}),
            "current": code == lang,
        }
        for code in i18n.LANGUAGES
    ]


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    keep: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page in the reader's language. `keep`: query parameters the language links must carry."""
    lang = language(request)
    state = getattr(request.state, "ui_session", None)
    html = (
        i18n.environment(lang)
        .get_template(template)
        .render(
            lang=lang,
            languages=_language_links(lang, keep or {}),
            principal=getattr(request.state, "ui_principal", None),
            csrf=state.csrf if state is not None else "",
            path=request.url.path,
            asset=asset_version(),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def error_page(
    request: Request, status_code: int, headers: Mapping[str, str] | None = None, *, reason: str | None = None
) -> HTMLResponse:
    """One page per status: the bytes depend only on the status, the reader's language and session."""
    return render(
        request, "error.html", status_code=status_code, headers=headers, status=status_code, reason=reason
    )


def set_session_cookie(request: Request, response: Response, state: ui_session.UISession) -> None:
    is_secure = secure(request)
    response.set_cookie(
        ui_session.session_cookie_name(is_secure),
        ui_session.seal(state, request.state.keyring),
        max_age=ui_session.SESSION_TTL_S,
        path="/",
        secure=is_secure,
        httponly=True,
        samesite="strict",
    )


def delete_session_cookie(request: Request, response: Response) -> None:
    is_secure = secure(request)
    response.delete_cookie(
        ui_session.session_cookie_name(is_secure),
        path="/",
        secure=is_secure,
        httponly=True,
        samesite="strict",
    )


def set_login_cookie(request: Request, response: Response, nonce: str) -> None:
    is_secure = secure(request)
    response.set_cookie(
        ui_session.login_cookie_name(is_secure),
        nonce,
        max_age=ui_session.LOGIN_TTL_S,
        path="/",
        secure=is_secure,
        httponly=True,
        samesite="strict",
    )


def set_pending_cookie(request: Request, response: Response, sealed: str) -> None:
    """The account whose password was right, for the second-factor page (5 minutes)."""
    is_secure = secure(request)
    response.set_cookie(
        ui_session.pending_cookie_name(is_secure),
        sealed,
        max_age=ui_session.PENDING_TTL_S,
        path="/",
        secure=is_secure,
        httponly=True,
        samesite="strict",
    )


def delete_pending_cookie(request: Request, response: Response) -> None:
    is_secure = secure(request)
    response.delete_cookie(
        ui_session.pending_cookie_name(is_secure),
        path="/",
        secure=is_secure,
        httponly=True,
        samesite="strict",
    )


def delete_login_cookie(request: Request, response: Response) -> None:
    is_secure = secure(request)
    response.delete_cookie(
        ui_session.login_cookie_name(is_secure), path="/", secure=is_secure, httponly=True, samesite="strict"
    )


def _sets_session_cookie(request: Request, response: Response) -> bool:
    prefix = ui_session.session_cookie_name(secure(request)).encode() + b"="
    return any(name == b"set-cookie" and value.startswith(prefix) for name, value in response.raw_headers)


def _finish(request: Request, response: Response) -> None:
    refresh = getattr(request.state, "ui_refresh", None)
    if refresh is not None and not _sets_session_cookie(request, response):
        set_session_cookie(request, response, refresh)  # seen now: the idle time starts again
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    if "cache-control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen and chosen != request.cookies.get(i18n.LANG_COOKIE):
        response.set_cookie(
            i18n.LANG_COOKIE,
            chosen,
            max_age=LANG_COOKIE_MAX_AGE_S,
            path="/ui",
            secure=secure(request),
            httponly=True,
            samesite="strict",
        )


class UIRoute(APIRoute):
    """Answers the failures of a page as pages: sign-in needed → 303 to the sign-in form; 403, 404,
    422, 429 → the same HTML error page for each status (a foreign id's 404 is a missing id's 404); a
    bug → the 500 page, logged the way app.errors.ErrorBoundary logs it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            response: Response
            try:
                response = await handler(request)
            except UIRedirect as redirect:
                response = RedirectResponse(redirect.location, status_code=303)
                if redirect.end_session:
                    delete_session_cookie(request, response)
            except CsrfRejected:
                response = error_page(request, 403, reason="csrf")
            except AppError as error:
                response = error_page(request, error.status, error.headers)
            except RequestValidationError:
                response = error_page(request, 422)
            except StarletteHTTPException as error:
                response = error_page(request, error.status_code, error.headers)
            except Exception as error:  # a bug: logged by type only, and a page, not a JSON problem
                report_unexpected(error, request.scope)
                response = error_page(request, 500)
            _finish(request, response)
            return response

        return page_handler
