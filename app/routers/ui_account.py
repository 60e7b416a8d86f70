"""People's accounts in the web interface: sign-in with a password and TOTP, invitations, the account
page (TOTP, password) and the administrators' page of their organisation's users.

Pages: `/ui/login/second-factor`, `/ui/invitations/{invitation}`, `/ui/account`, `/ui/account/totp`,
`/ui/users`. Every form carries a CSRF value (before sign-in, the sign-in form's; after, the
session's). A wrong username and a wrong password answer alike, in the same time; failures are
throttled per account and per client address (app/services/sign_in_throttle.py).
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.db import ReadSession, WriteSession
from app.errors import Forbidden, NotFound, Unprocessable
from app.models.base import utcnow
from app.models.token import Principal, Role
from app.models.user_account import UserAccount
from app.services import password as password_service
from app.services import sign_in_throttle as throttle
from app.services import totp as totp_service
from app.services import user_account as user_service
from app.ui import session as ui_session
from app.ui.auth import (
    ENROLMENT_PAGE,
    Enrolling,
    SignedIn,
    UIAdmin,
    keyring,
    live_account,
    secure,
    unencrypted,
)
from app.ui.pages import (
    CsrfRejected,
    UIRoute,
    delete_login_cookie,
    delete_pending_cookie,
    render,
    set_login_cookie,
    set_pending_cookie,
    set_session_cookie,
)

router = APIRouter(route_class=UIRoute, include_in_schema=False)

FormText = Annotated[str, Form(max_length=500)]
PasswordText = Annotated[str, Form(max_length=1000)]
CodeText = Annotated[str, Form(max_length=20)]
ROLES = [role.value for role in Role]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_nonce(request: Request, csrf: str) -> str:
    nonce = request.cookies.get(ui_session.login_cookie_name(secure(request)))
    if nonce is None or not ui_session.login_csrf_matches(nonce, csrf, keyring(request)):
        raise CsrfRejected()
    return nonce


def _session_csrf(request: Request, csrf: str) -> None:
    state = getattr(request.state, "ui_session", None)
    if state is None or not ui_session.csrf_matches(state.csrf, csrf):
        raise CsrfRejected()


def login_page(
    request: Request,
    nonce: str,
    *,
    status_code: int = 200,
    message: str | None = None,
    error: str | None = None,
    username: str = "",
    retry_after: int | None = None,
) -> Response:
    return render(
        request,
        "login.html",
        status_code=status_code,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
        login_csrf=ui_session.login_csrf(nonce, keyring(request)),
        message=message,
        error=error,
        username=username,
        retry_minutes=max(1, -(-(retry_after or 0) // 60)),
        unencrypted=unencrypted(request),
    )


def _open_session(request: Request, session: Session, user: UserAccount, *, to: str = "/ui/") -> Response:
    """Signed in: a new session for the account (an administrator without TOTP goes to enrol first).
    Only now is the account's failure count cleared: a right password alone must not buy fresh guesses
    at the code."""
    throttle.clear_account(session, username=user.username)
    user_service.signed_in(session, user)
    if user.role is Role.admin and not user.has_totp:
        to = ENROLMENT_PAGE
    response = RedirectResponse(to, status_code=303)
    now = ui_session.now_s()
    set_session_cookie(request, response, ui_session.new_user_session(user.id, user.session_epoch, now=now))
    delete_login_cookie(request, response)
    delete_pending_cookie(request, response)
    return response


def password_sign_in(
    request: Request, session: Session, nonce: str, *, username: str, password: str
) -> Response:
    """The sign-in form's username and password: the same answer, in the same time, for a wrong
    username and a wrong password; then a session, or the second-factor page."""
    address, now = _address(request), utcnow()
    wait = throttle.wait_s(session, username=username, address=address, now=now)
    if wait:
        return login_page(
            request, nonce, status_code=429, error="throttled", username=username, retry_after=wait
        )
    user = user_service.check_password(session, username, password)
    if user is None:
        throttle.record_failure(session, username=username, address=address, now=now)
        return login_page(request, nonce, status_code=401, error="credentials", username=username)
    if not user.has_totp:
        return _open_session(request, session, user)
    response = RedirectResponse("/ui/login/second-factor", status_code=303)
    sealed = ui_session.seal_pending(user.id, user.session_epoch, keyring(request), now=ui_session.now_s())
    set_pending_cookie(request, response, sealed)
    return response


def _pending_account(request: Request, session: Session) -> UserAccount | None:
    cookie = request.cookies.get(ui_session.pending_cookie_name(secure(request)))
    pending = ui_session.unseal_pending(cookie, keyring(request), now=ui_session.now_s())
    if pending is None:
        return None
    user = session.get(UserAccount, pending.user_id)
    if (
        user is None
        or user.disabled_at is not None
        or user.session_epoch != pending.epoch
        or not user.has_totp
    ):
        return None
    return user


def _second_factor_page(
    request: Request,
    nonce: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    retry_after: int | None = None,
) -> Response:
    return render(
        request,
        "second_factor.html",
        status_code=status_code,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
        login_csrf=ui_session.login_csrf(nonce, keyring(request)),
        error=error,
        retry_minutes=max(1, -(-(retry_after or 0) // 60)),
    )


def _expired_sign_in(request: Request) -> Response:
    response = RedirectResponse("/ui/login?m=expired", status_code=303)
    delete_pending_cookie(request, response)
    return response


@router.get("/login/second-factor")
def second_factor_form(request: Request, session: ReadSession) -> Response:
    """The TOTP code after a correct password (for 5 minutes)."""
    nonce = request.cookies.get(ui_session.login_cookie_name(secure(request)))
    if nonce is None or _pending_account(request, session) is None:
        return _expired_sign_in(request)
    return _second_factor_page(request, nonce)


@router.post("/login/second-factor")
def second_factor(
    request: Request, session: WriteSession, code: CodeText = "", csrf: FormText = ""
) -> Response:
    """A valid code, not used before, opens the session; a wrong or replayed one counts as a failure."""
    nonce = _login_nonce(request, csrf)
    user = _pending_account(request, session)
    if user is None:
        return _expired_sign_in(request)
    address, now = _address(request), utcnow()
    wait = throttle.wait_s(session, username=user.username, address=address, now=now)
    if wait:
        return _second_factor_page(request, nonce, status_code=429, error="throttled", retry_after=wait)
    if not user_service.accept_code(session, user, code, now=ui_session.now_s()):
        throttle.record_failure(session, username=user.username, address=address, now=now)
        return _second_factor_page(request, nonce, status_code=401, error="code")
    return _open_session(request, session, user)


# --- invitations -------------------------------------------------------------------------------


def _invitation_page(
    request: Request,
    nonce: str,
    user: UserAccount | None,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "invitation.html",
        status_code=status_code if user is not None else 404,
        login_csrf=ui_session.login_csrf(nonce, keyring(request)),
        account=user,
        errors=errors or {},
        min_length=password_service.MIN_LENGTH,
    )


@router.get("/invitations/{invitation}")
def invitation_form(invitation: str, request: Request, session: ReadSession) -> Response:
    """Choose a password (an expired or used invitation says so)."""
    cookie = request.cookies.get(ui_session.login_cookie_name(secure(request)))
    nonce = cookie if cookie and len(cookie) <= ui_session.MAX_NONCE_CHARS else ui_session.new_login_nonce()
    user = user_service.by_invitation(session, invitation, now=utcnow())
    response = _invitation_page(request, nonce, user)
    if nonce != cookie:
        set_login_cookie(request, response, nonce)
    return response


@router.post("/invitations/{invitation}")
def accept_invitation(
    invitation: str,
    request: Request,
    session: WriteSession,
    password: PasswordText = "",
    password_repeat: PasswordText = "",
    csrf: FormText = "",
) -> Response:
    """Set the password: then an administrator enrols TOTP, anyone else is signed in."""
    nonce = _login_nonce(request, csrf)
    user = user_service.by_invitation(session, invitation, now=utcnow())
    if user is None:
        return _invitation_page(request, nonce, None)
    errors = password_service.problems(password, password_repeat, username=user.username)
    if errors:
        return _invitation_page(request, nonce, user, status_code=422, errors=errors)
    user_service.set_password(session, user, password)
    return _open_session(request, session, user)


# --- the account page ------------------------------------------------------------------------------


def _own_account(session: Session, request: Request) -> UserAccount:
    state = request.state.ui_session
    user = live_account(session, state)
    if user is None:
        raise NotFound("Only a person's session has an account page.")
    return user


def _account_page(
    request: Request,
    user: UserAccount,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    return render(
        request,
        "account.html",
        status_code=status_code,
        account=user,
        errors=errors or {},
        message=message,
        min_length=password_service.MIN_LENGTH,
    )


@router.get("/account")
def account_page(
    request: Request,
    session: ReadSession,
    _caller: SignedIn,
    m: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Your account: its TOTP (enrol, or turn off unless you are an administrator) and your password."""
    return _account_page(request, _own_account(session, request), message=m)


@router.post("/account/password")
def change_password(
    request: Request,
    session: WriteSession,
    _caller: SignedIn,
    current_password: PasswordText = "",
    password: PasswordText = "",
    password_repeat: PasswordText = "",
    csrf: FormText = "",
) -> Response:
    """A new password: every other session of the account ends, this one goes on."""
    _session_csrf(request, csrf)
    user = _own_account(session, request)
    errors = password_service.problems(password, password_repeat, username=user.username)
    if not errors and not user_service.change_password(session, user, current=current_password, new=password):
        errors = {"current_password": "wrong"}
    if errors:
        return _account_page(request, user, status_code=422, errors=errors)
    response = RedirectResponse("/ui/account?m=password", status_code=303)
    now = ui_session.now_s()
    set_session_cookie(request, response, ui_session.new_user_session(user.id, user.session_epoch, now=now))
    return response


def _totp_page(
    request: Request, user: UserAccount, secret: str, *, status_code: int = 200, error: str | None = None
) -> Response:
    uri = totp_service.provisioning_uri(secret, user.username)
    return render(
        request,
        "totp.html",
        status_code=status_code,
        account=user,
        qr=totp_service.qr_svg(uri),
        secret=totp_service.grouped(secret),
        error=error,
        required=user.role is Role.admin,
    )


@router.get("/account/totp")
def enrol_form(request: Request, session: WriteSession, _caller: Enrolling) -> Response:
    """The QR code (and the secret as text) to scan into an authenticator app."""
    user = _own_account(session, request)
    if user.has_totp:
        return RedirectResponse("/ui/account", status_code=303)
    return _totp_page(request, user, user_service.pending_secret(session, user))


@router.post("/account/totp")
def enrol(
    request: Request, session: WriteSession, _caller: Enrolling, code: CodeText = "", csrf: FormText = ""
) -> Response:
    """A valid code made with the secret shown switches TOTP on."""
    _session_csrf(request, csrf)
    user = _own_account(session, request)
    if user.has_totp:
        return RedirectResponse("/ui/account", status_code=303)
    if not user_service.confirm_totp(session, user, code, now=ui_session.now_s()):
        return _totp_page(
            request, user, user_service.pending_secret(session, user), status_code=422, error="code"
        )
    return RedirectResponse("/ui/account?m=totp_on", status_code=303)


@router.post("/account/totp/remove")
def remove_totp(
    request: Request, session: WriteSession, _caller: SignedIn, code: CodeText = "", csrf: FormText = ""
) -> Response:
    """Turn TOTP off (not for administrators), with a current code."""
    _session_csrf(request, csrf)
    user = _own_account(session, request)
    if not user_service.remove_totp(session, user, code, now=ui_session.now_s()):
        return _account_page(request, user, status_code=422, errors={"code": "code"})
    return RedirectResponse("/ui/account?m=totp_off", status_code=303)


# --- the administrators' page ------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    caller: Principal,
    *,
    status_code: int = 200,
    link: str | None = None,
    link_for: str | None = None,
    errors: dict[str, str] | None = None,
    username: str = "",
    message: str | None = None,
) -> Response:
    return render(
        request,
        "users.html",
        status_code=status_code,
        accounts=user_service.list_accounts(session, org_id=caller.org_id),
        roles=ROLES,
        link=link,
        link_for=link_for,
        errors=errors or {},
        username=username,
        message=message,
        me=caller.user_id,
    )


def _link(request: Request, invitation: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/ui/invitations/{invitation}"


@router.get("/users")
def users_page(
    request: Request,
    session: ReadSession,
    caller: UIAdmin,
    m: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The organisation's accounts, and a form to invite a new user (admin)."""
    return _users_page(request, session, caller, message=m)


@router.post("/users")
def invite_user(
    request: Request,
    session: WriteSession,
    caller: UIAdmin,
    username: FormText = "",
    role: FormText = "",
    csrf: FormText = "",
) -> Response:
    """A new account; its invitation link is shown this once."""
    _session_csrf(request, csrf)
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = "role"
    try:
        name = user_service.check_username(username)
    except Unprocessable:  # shown beside the field
        errors["username"] = "shape"
        name = username.strip()
    if not errors and user_service.username_taken(session, name):
        errors["username"] = "taken"
    if errors:
        return _users_page(request, session, caller, status_code=422, errors=errors, username=username[:64])
    user, plain = user_service.create(
        session,
        org_id=caller.org_id,
        username=name,
        role=Role(role),
        hours=request.state.invitation_hours,
        by=caller,
    )
    return _users_page(request, session, caller, link=_link(request, plain), link_for=user.username)


def _member(session: Session, user_id: str, caller: Principal) -> UserAccount:
    """Another account of the caller's organisation (one's own is managed at /ui/account: an admin who
    disabled or re-invited themselves would be locked out)."""
    if user_id == caller.user_id:
        raise Forbidden("Manage your own account at /ui/account.")
    return user_service.get(session, user_id, org_id=caller.org_id, for_update=True)


@router.post("/users/{user_id}/invitation")
def reinvite_user(
    user_id: str, request: Request, session: WriteSession, caller: UIAdmin, csrf: FormText = ""
) -> Response:
    """A fresh invitation link (a lost password, an expired link): the old password stops working."""
    _session_csrf(request, csrf)
    user = _member(session, user_id, caller)
    plain = user_service.invite(session, user, hours=request.state.invitation_hours, by=caller)
    return _users_page(request, session, caller, link=_link(request, plain), link_for=user.username)


@router.post("/users/{user_id}/disable")
def disable_user(
    user_id: str, request: Request, session: WriteSession, caller: UIAdmin, csrf: FormText = ""
) -> Response:
    """The account can no longer sign in; its sessions end at once."""
    _session_csrf(request, csrf)
    user_service.disable(session, _member(session, user_id, caller), by=caller)
    return RedirectResponse("/ui/users?m=disabled", status_code=303)


@router.post("/users/{user_id}/totp-reset")
def reset_user_totp(
    user_id: str, request: Request, session: WriteSession, caller: UIAdmin, csrf: FormText = ""
) -> Response:
    """Clear a user's TOTP (a lost phone): their sessions end, and they enrol again."""
    _session_csrf(request, csrf)
    user_service.reset_totp(session, _member(session, user_id, caller), by=caller)
    return RedirectResponse("/ui/users?m=totp_reset", status_code=303)
