"""Who is reading a page: the session cookie's user account (or token), checked again on every
request, and its role.

A person's account is read from the database on every request: disabled, demoted, or with sessions
ended (a new password, a TOTP reset), it takes effect at once. An administrator without TOTP reaches
only the enrolment page until they have enrolled. A token is authenticated again on every request.

The same rules as the API: the caller's rate limit (one allowance for the API and the pages), viewer+
for anything about persons (within the caller's daily read quota), any role for the pooled state
figures, the organisation only from the account or token.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import ReadSession
from app.deps import READERS, check_rate, within_quota
from app.errors import Forbidden, Unauthorized
from app.keyring import Keyring
from app.models.token import Principal, Role
from app.models.user_account import UserAccount
from app.services import token as token_service
from app.services import user_account as user_service
from app.ui import session as ui_session


class UIRedirect(Exception):
    """Answer with a 303 to `location` (and, with `end_session`, delete the session cookie)."""

    def __init__(self, location: str, *, end_session: bool = False) -> None:
        super().__init__(location)
        self.location = location
        self.end_session = end_session


def keyring(request: Request) -> Keyring:
    value: Keyring = request.state.keyring
    return value


def secure(request: Request) -> bool:
    """Secure cookies over https, and for any host but this machine's own (even if a proxy in front
    speaks plain http to us): only a demo on http://localhost goes without."""
    return request.url.scheme == "https" or ui_session.is_secure_host(request.url.hostname)


def unencrypted(request: Request) -> bool:
    """Plain http to another machine: the browser will refuse the Secure session cookie."""
    return request.url.scheme != "https" and ui_session.is_secure_host(request.url.hostname)


ENROLMENT_PAGE = "/ui/account/totp"


def idle_s(request: Request) -> int:
    return int(getattr(request.state, "ui_idle_s", ui_session.IDLE_TTL_S))


def current_session(request: Request, session: Session) -> ui_session.UISession | None:
    """The valid session of this browser, if any (without checking its token or account): sealed by
    this service, not expired, not idle too long, not signed out."""
    cookie = request.cookies.get(ui_session.session_cookie_name(secure(request)))
    state = ui_session.unseal(cookie, keyring(request), now=ui_session.now_s(), idle_s=idle_s(request))
    if state is None or ui_session.is_signed_out(session, state):
        return None
    return state


def live_account(session: Session, state: ui_session.UISession) -> UserAccount | None:
    """The session's account while it may still use it: enabled, with a password, same epoch."""
    user = session.get(UserAccount, state.user_id) if state.user_id is not None else None
    if user is None or user.disabled_at is not None or user.password_hash is None:
        return None
    return user if user.session_epoch == state.epoch else None


def _identify(request: Request, session: Session, *, enrolling: bool) -> Principal:
    state = current_session(request, session)
    if state is None:
        check_rate(request, None)
        has_cookie = ui_session.session_cookie_name(secure(request)) in request.cookies
        raise UIRedirect("/ui/login?m=ended" if has_cookie else "/ui/login", end_session=has_cookie)
    must_enrol = False
    if state.user_id is not None:
        user = live_account(session, state)
        if user is None:  # disabled, or its sessions ended, since sign-in
            check_rate(request, None)
            raise UIRedirect("/ui/login?m=ended", end_session=True)
        principal = user_service.principal(user)
        must_enrol = principal.role is Role.admin and not user.has_totp
    else:
        try:
            principal = token_service.authenticate(session, state.token)
        except Unauthorized:
            # Revoked or expired since sign-in: the session ends with it.
            check_rate(request, None)
            raise UIRedirect("/ui/login?m=ended", end_session=True) from None
    check_rate(request, principal)  # the caller's allowance, shared with the API
    request.state.ui_session = state
    request.state.ui_principal = principal
    request.state.ui_refresh = ui_session.touched(state, now=ui_session.now_s())  # sliding idle expiry
    if must_enrol and not enrolling:
        raise UIRedirect(ENROLMENT_PAGE)
    return principal


def _signed_in(request: Request, session: ReadSession) -> Principal:
    return _identify(request, session, enrolling=False)


def _enrolling(request: Request, session: ReadSession) -> Principal:
    """Signed in, and allowed even while an administrator has still to enrol TOTP."""
    return _identify(request, session, enrolling=True)


SignedIn = Annotated[Principal, Depends(_signed_in)]
Enrolling = Annotated[Principal, Depends(_enrolling)]


def accepts(request: Request, session: Session, token: str) -> bool:
    """Whether a pasted token would authenticate now (the sign-in form's check); a wrong one counts
    against the client address's allowance, like a request with a wrong token."""
    try:
        principal = token_service.authenticate(session, token)
    except Unauthorized:
        check_rate(request, None)
        return False
    check_rate(request, principal)
    return True


def _reader(request: Request, principal: SignedIn) -> Principal:
    if principal.role not in READERS:
        raise Forbidden("This page needs one of the roles: admin, editor, viewer.")
    within_quota(request, principal)  # the API's daily quota, counted from the same audit entries
    return principal


def _landing_reader(request: Request, principal: SignedIn) -> Principal:
    """The search page; an analyst, who may read only the pooled state figures, is sent there instead."""
    if principal.role is Role.analyst and not {"q", "cursor"} & request.query_params.keys():
        raise UIRedirect("/ui/states")
    return _reader(request, principal)


def _ui_admin(principal: SignedIn) -> Principal:
    if principal.role is not Role.admin:
        raise Forbidden("This page needs the role: admin.")
    return principal


Reader = Annotated[Principal, Depends(_reader)]
UIAdmin = Annotated[Principal, Depends(_ui_admin)]
LandingReader = Annotated[Principal, Depends(_landing_reader)]
