"""/ui: the web interface for lawyers and advocates, server-rendered, with every asset in the package.

Pages: `/ui/` (search, `?q=`), `/ui/login`, `/ui/logout`, `/ui/persons/{person_id}` (and its dossier
as `.md` or `.json`), `/ui/documents/{document_id}/content` (a document's bytes), `/ui/states`, `/ui/states/{state}`, `/ui/challenges`. The same roles, tenancy,
audit entries and daily read quota as the API; see `app/ui/` for sessions, languages and charts.

The forms that enter and correct records are routers of their own, included here before the
addresses below can claim theirs: `ui_persons` (`/ui/persons/new`, a person's correction and erasure),
`ui_documents` (the upload with the records it supports), `ui_watches` (a watch at INTERPOL) and `ui_records` (every other kind's forms,
read from app/ui/record_forms.py), on the form machinery of app/ui/forms.py and app/ui/form_pages.py.
"""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Header, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from app.db import ReadSession, WriteSession
from app.deps import READERS, Names
from app.errors import NotFound
from app.language import prose
from app.models.document import DocumentKind
from app.models.dossier import MEDIA_TYPE, SUFFIX, DossierFormat
from app.models.flag import SEVERITY
from app.models.state import parse_state
from app.routers import document as document_router
from app.routers import ui_account as account_pages
from app.routers import ui_documents, ui_persons, ui_records, ui_watches
from app.services import document as document_service
from app.services import dossier as dossier_service
from app.services import pattern as pattern_service
from app.services import person as person_service
from app.ui import charts, views
from app.ui import session as ui_session
from app.ui.auth import (
    Enrolling,
    LandingReader,
    Reader,
    SignedIn,
    accepts,
    current_session,
    keyring,
    secure,
)
from app.ui.form_pages import DONE
from app.ui.pages import (
    CsrfRejected,
    UIRoute,
    delete_login_cookie,
    delete_session_cookie,
    error_page,
    language,
    render,
    set_login_cookie,
    set_session_cookie,
    static_response,
)
from app.ui.record_forms import FORMS

router = APIRouter(prefix="/ui", route_class=UIRoute, include_in_schema=False)
# The forms, before `/persons/{person_id}` and the catch-all below claim their addresses.
for forms_router in (ui_persons.router, ui_documents.router, ui_watches.router, ui_records.router):
    router.include_router(forms_router)

SEARCH_MAX_CHARS = 200
SEARCH_PAGE = 50
DUE_WITHIN_DAYS = 30
FormText = Annotated[str, Form(max_length=500)]
PasswordText = Annotated[str, Form(max_length=1000)]


@router.get("/static/{name:path}")
def static_file(name: str, if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The stylesheet, icons and favicon shipped in the package."""
    return static_response(name, if_none_match)


@router.get("/login")
def login_form(request: Request, m: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    """The sign-in form (username and password; a token for machines). Its CSRF value is bound to a
    random value in a short-lived cookie."""
    cookie = request.cookies.get(ui_session.login_cookie_name(secure(request)))
    nonce = cookie if cookie and len(cookie) <= ui_session.MAX_NONCE_CHARS else ui_session.new_login_nonce()
    response = account_pages.login_page(request, nonce, message=m)
    if nonce != cookie:
        set_login_cookie(request, response, nonce)
    return response


@router.post("/login")
def sign_in(
    request: Request,
    session: WriteSession,
    token: FormText = "",
    username: FormText = "",
    password: PasswordText = "",
    csrf: FormText = "",
) -> Response:
    """A username and password (then, with TOTP, the second-factor page), or a pasted token; either
    opens a session and leads to the search page."""
    nonce = request.cookies.get(ui_session.login_cookie_name(secure(request)))
    if nonce is None or not ui_session.login_csrf_matches(nonce, csrf, keyring(request)):
        raise CsrfRejected()
    if username.strip() or password:
        return account_pages.password_sign_in(request, session, nonce, username=username, password=password)
    pasted = token.strip()
    if not accepts(request, session, pasted):
        return account_pages.login_page(request, nonce, status_code=401, error="token")
    response = RedirectResponse("/ui/", status_code=303)
    set_session_cookie(request, response, ui_session.new_session(pasted, now=ui_session.now_s()))
    delete_login_cookie(request, response)
    return response


@router.get("/logout")
def logout_form(request: Request, _caller: Enrolling) -> Response:
    """A page with the sign-out button, for those who type the address."""
    return render(request, "logout.html")


@router.post("/logout")
def sign_out(request: Request, session: WriteSession, csrf: FormText = "") -> Response:
    """End this browser's session: the cookie is deleted, and every process refuses its copies until
    the session would have expired (the sign-out is kept in the database)."""
    state = current_session(request, session)
    if state is None:
        response = RedirectResponse("/ui/login", status_code=303)
        delete_session_cookie(request, response)
        return response
    if not ui_session.csrf_matches(state.csrf, csrf):
        request.state.ui_session = state
        raise CsrfRejected()
    ui_session.sign_out(session, state, now=ui_session.now_s())
    response = RedirectResponse("/ui/login?m=signed_out", status_code=303)
    delete_session_cookie(request, response)
    return response


@router.get("")
def ui_root() -> Response:
    """`/ui` is `/ui/`."""
    return RedirectResponse("/ui/", status_code=308)


@router.get("/")
def search_page(
    request: Request,
    session: WriteSession,
    caller: LandingReader,
    names: Names,
    q: Annotated[str | None, Query(max_length=2000)] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Search the organisation's persons by name in any spelling or script; without `q`, the newest."""
    text = (q or "").strip()
    if len(text) > SEARCH_MAX_CHARS:
        return render(
            request,
            "search.html",
            status_code=422,
            q=text[:SEARCH_MAX_CHARS],
            items=[],
            next_cursor=None,
            next_query="",
            error="too_long",
        )
    items, next_cursor = person_service.search_page(
        session, names=names, by=caller, q=text or None, nationality=None, limit=SEARCH_PAGE, cursor=cursor
    )
    keep = {"q": text} if text else {}
    return render(
        request,
        "search.html",
        keep=keep,
        q=text,
        items=items,
        next_cursor=next_cursor,
        next_query=urlencode({**keep, "cursor": next_cursor or ""}),
        error=None,
    )


@router.get("/persons/{person_id}")
def person_page(person_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """A person: facts, indicators with their evidence, timeline, and every record, with dossier downloads."""
    words = prose(language(request))
    done = request.query_params.get("done")
    return render(
        request,
        "person.html",
        view=views.person_page(session, person_id, by=caller, prose=words),
        document_kinds=[kind.value for kind in DocumentKind],
        record_forms=FORMS,
        done=DONE.get(done or ""),
    )


def _download(
    request: Request, session: WriteSession, person_id: str, caller: Reader, wanted: DossierFormat
) -> Response:
    """A dossier download, generated and audited as the API's (`person.dossier_read`). The file is named by
    the record id, never the person's name: download folders get listed and synced."""
    words = prose(language(request))
    dossier, provenance = dossier_service.generate(
        session, person_id, by=caller, min_persons=request.state.pattern_min_persons, prose=words
    )
    headers = {
        "Content-Disposition": f'attachment; filename="article3-dossier-{dossier.person.id}.{SUFFIX[wanted]}"',
        "Content-Language": words.lang,
    }
    if wanted is DossierFormat.json:
        return JSONResponse(dossier.model_dump(mode="json"), headers=headers)
    return Response(
        dossier_service.render(dossier, provenance, wanted, prose=words),
        media_type=MEDIA_TYPE[wanted],
        headers=headers,
    )


@router.get("/documents/{document_id}/content")
def document_content(document_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """A document's bytes, read and audited as the API's (`document.content_read`)."""
    document = document_service.get(session, document_id, by=caller, action="document.content_read")
    return document_router.content_response(request, document)


@router.get("/persons/{person_id}/dossier.md")
def dossier_markdown(person_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """The dossier as Markdown to paste into a filing."""
    return _download(request, session, person_id, caller, DossierFormat.markdown)


@router.get("/persons/{person_id}/dossier.json")
def dossier_json(person_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """The dossier as the API's JSON."""
    return _download(request, session, person_id, caller, DossierFormat.json)


@router.get("/persons/{person_id}/dossier.pdf")
def dossier_pdf(person_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """The dossier as PDF, ready to file."""
    return _download(request, session, person_id, caller, DossierFormat.pdf)


@router.get("/persons/{person_id}/dossier.docx")
def dossier_docx(person_id: str, request: Request, session: WriteSession, caller: Reader) -> Response:
    """The dossier as a Word document, to edit into a filing."""
    return _download(request, session, person_id, caller, DossierFormat.docx)


@router.get("/states")
def states_page(request: Request, session: ReadSession, _caller: SignedIn) -> Response:
    """Every requesting state, ranked by score (pooled figures, open to every role)."""
    min_persons: int = request.state.pattern_min_persons
    items = pattern_service.pooled_states(session, min_persons=min_persons)
    return render(request, "states.html", items=items, min_persons=min_persons)


@router.get("/states/{state}")
def state_page(state: str, request: Request, session: ReadSession, caller: SignedIn) -> Response:
    """A state's figures, its indicators by persons, its notices per year and the travel-risk table."""
    try:
        code = parse_state(state)
    except ValueError:
        raise NotFound("No such state.") from None
    if code != state:
        return RedirectResponse(f"/ui/states/{code}", status_code=308)
    detail = pattern_service.pooled_state(
        session, code, min_persons=request.state.pattern_min_persons, by=caller
    )
    by_year, undated = pattern_service.pooled_notices_by_year(session, code)
    return render(
        request,
        "state.html",
        detail=detail,
        hosts=pattern_service.pooled_hosts(session, code),
        series=charts.year_series(by_year),
        undated=undated,
        severity=SEVERITY,
        can_read_persons=caller.role in READERS,
    )


@router.get("/challenges")
def deadlines_page(request: Request, session: WriteSession, caller: Reader) -> Response:
    """The organisation's challenges due within 30 days or overdue."""
    today = date.today()
    due = views.due_challenges(session, by=caller, within_days=DUE_WITHIN_DAYS, today=today)
    return render(request, "challenges.html", due=due, within_days=DUE_WITHIN_DAYS, today=today.isoformat())


router.include_router(account_pages.router)


@router.get("/{unknown:path}")
def unknown_page(request: Request) -> Response:
    """Any other address under /ui: the one 404 page."""
    return error_page(request, 404)
