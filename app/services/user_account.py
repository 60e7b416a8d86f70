"""People's accounts: create and invite, set a password from an invitation, sign in (password, then
TOTP), enrol and reset TOTP, disable. Every change is audited; the actor is the user who acts (or
`cli` for the operator's command line).

An invitation is a random link, kept only as a keyed digest, valid for `ARTICLE3_INVITATION_HOURS`;
a new one replaces the old. Raising `session_epoch` ends every session the account had.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.keyring import keyring_of
from app.models.base import utcnow
from app.models.token import Principal, Role
from app.models.user_account import USERNAME_MAX, UserAccount
from app.services import audit
from app.services import password as password_service
from app.services import totp as totp_service
from app.services.tenancy import get_owned

USERNAME = re.compile(r"^\w[\w.@+-]*$")
INVITATION_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def principal(user: UserAccount) -> Principal:
    return Principal(
        token_id=user.id, org_id=user.org_id, role=Role(user.role), user_id=user.id, username=user.username
    )


def username_key(username: str) -> str:
    return username.strip().casefold()


def check_username(username: str) -> str:
    username = username.strip()
    if not 2 <= len(username) <= USERNAME_MAX or not USERNAME.match(username):
        raise Unprocessable(
            f"A username has 2–{USERNAME_MAX} letters, digits and . @ + - _, beginning with a letter or digit.",
            loc=("body", "username"),
        )
    return username


def _digest(session: Session, invitation: str) -> str:
    return hmac.new(
        keyring_of(session).token_key, f"invitation/{invitation}".encode(), hashlib.sha256
    ).hexdigest()


def _touch(session: Session, user: UserAccount, *, end_sessions: bool = False) -> None:
    user.updated_at = utcnow()
    if end_sessions:
        user.session_epoch += 1
    session.add(user)
    session.flush()


def _new_invitation(session: Session, user: UserAccount, *, hours: int) -> str:
    plain = secrets.token_urlsafe(32)
    user.invitation_digest = _digest(session, plain)
    user.invitation_expires_at = utcnow() + timedelta(hours=hours)
    return plain


def username_taken(session: Session, username: str) -> bool:
    found = session.exec(
        select(UserAccount.id).where(UserAccount.username_key == username_key(username))
    ).first()
    return found is not None


def create(
    session: Session, *, org_id: str, username: str, role: Role, hours: int, by: Principal | None
) -> tuple[UserAccount, str]:
    """A new account without a password, and its invitation (returned this once, stored as a digest)."""
    username = check_username(username)
    if username_taken(session, username):
        raise Conflict(f"The username {username!r} is taken.")
    user = UserAccount(org_id=org_id, username=username, username_key=username_key(username), role=role)
    plain = _new_invitation(session, user, hours=hours)
    session.add(user)
    session.flush()
    audit.record(session, by=by, action="user.created", kind="user", object_id=user.id, org_id=org_id)
    return user, plain


def get(session: Session, user_id: str, *, org_id: str, for_update: bool = False) -> UserAccount:
    return get_owned(session, UserAccount, user_id, org_id=org_id, for_update=for_update)


def by_username(session: Session, username: str, *, org_id: str) -> UserAccount:
    user = session.exec(
        select(UserAccount).where(
            UserAccount.username_key == username_key(username), UserAccount.org_id == org_id
        )
    ).first()
    if user is None:
        raise NotFound(f"No user named {username!r} in this organisation.")
    return user


def invite(session: Session, user: UserAccount, *, hours: int, by: Principal | None) -> str:
    """A fresh invitation (after a lost password or an expired link): the old link stops working, and
    so does the password until a new one is set from the link."""
    if user.disabled_at is not None:
        raise Conflict("This account is disabled.")
    plain = _new_invitation(session, user, hours=hours)
    user.password_hash = None
    _touch(session, user, end_sessions=True)
    audit.record(session, by=by, action="user.invited", kind="user", object_id=user.id, org_id=user.org_id)
    return plain


def list_accounts(session: Session, *, org_id: str) -> list[UserAccount]:
    query = select(UserAccount).where(UserAccount.org_id == org_id).order_by(col(UserAccount.username_key))
    return list(session.exec(query))


def usernames(session: Session, ids: set[str], *, org_id: str) -> dict[str, str]:
    """The usernames of those of `ids` that are user accounts of `org_id` (the audit listing's actors)."""
    if not ids:
        return {}
    query = select(UserAccount.id, UserAccount.username).where(
        col(UserAccount.id).in_(ids), UserAccount.org_id == org_id
    )
    return dict(session.exec(query).all())


def by_invitation(session: Session, invitation: str, *, now: datetime) -> UserAccount | None:
    """The account an invitation link is for, while the link is valid (unused, unexpired, not disabled)."""
    if not INVITATION_SHAPE.match(invitation):
        return None
    user = session.exec(
        select(UserAccount).where(UserAccount.invitation_digest == _digest(session, invitation))
    ).first()
    if user is None or user.disabled_at is not None:
        return None
    if user.invitation_expires_at is None or user.invitation_expires_at <= now:
        return None
    return user


def set_password(session: Session, user: UserAccount, password: str) -> None:
    """The password chosen from an invitation (the rules are checked by the caller's form)."""
    user.password_hash = password_service.hash_password(password)
    user.invitation_digest = None
    user.invitation_expires_at = None
    _touch(session, user, end_sessions=True)
    audit.record(session, by=principal(user), action="user.password_set", kind="user", object_id=user.id)


def change_password(session: Session, user: UserAccount, *, current: str, new: str) -> bool:
    ok, _ = password_service.verify(user.password_hash, current)
    if not ok:
        return False
    user.password_hash = password_service.hash_password(new)
    _touch(session, user, end_sessions=True)
    audit.record(session, by=principal(user), action="user.password_changed", kind="user", object_id=user.id)
    return True


def check_password(session: Session, username: str, password: str) -> UserAccount | None:
    """The enabled account with this username and password, or None, in the same time either way; a
    hash made with older parameters is replaced."""
    user = session.exec(select(UserAccount).where(UserAccount.username_key == username_key(username))).first()
    ok, rehashed = password_service.verify(user.password_hash if user is not None else None, password)
    if user is None or not ok or user.disabled_at is not None:
        return None
    if rehashed is not None:
        user.password_hash = rehashed
        _touch(session, user)
    return user


def signed_in(session: Session, user: UserAccount) -> None:
    user.last_sign_in_at = utcnow()
    session.add(user)
    session.flush()
    audit.record(session, by=principal(user), action="user.signed_in", kind="user", object_id=user.id)


def accept_code(session: Session, user: UserAccount, code: str, *, now: float) -> bool:
    """Whether `code` is the account's TOTP now, and not already used; an accepted step is kept."""
    if user.totp_secret is None:
        return False
    step = totp_service.accepted_step(user.totp_secret, code, now=now, last_step=user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    _touch(session, user)
    return True


def pending_secret(session: Session, user: UserAccount) -> str:
    """The secret the enrolment page shows, made once and kept (encrypted) until it is confirmed."""
    if user.totp_pending is None:
        user.totp_pending = totp_service.new_secret()
        _touch(session, user)
    return user.totp_pending


def confirm_totp(session: Session, user: UserAccount, code: str, *, now: float) -> bool:
    """Enrolment: the pending secret becomes the account's once a valid code made with it is typed."""
    if user.totp_pending is None:
        return False
    step = totp_service.accepted_step(user.totp_pending, code, now=now, last_step=None)
    if step is None:
        return False
    user.totp_secret, user.totp_pending, user.totp_last_step = user.totp_pending, None, step
    _touch(session, user)
    audit.record(session, by=principal(user), action="user.totp_enrolled", kind="user", object_id=user.id)
    return True


def remove_totp(session: Session, user: UserAccount, code: str, *, now: float) -> bool:
    """A non-admin turns their TOTP off, with a valid code (an admin's stays: admins need it)."""
    if user.role is Role.admin:
        raise Forbidden("An administrator's account keeps its second factor.")
    if not accept_code(session, user, code, now=now):
        return False
    user.totp_secret, user.totp_pending, user.totp_last_step = None, None, None
    _touch(session, user)
    audit.record(session, by=principal(user), action="user.totp_disabled", kind="user", object_id=user.id)
    return True


def reset_totp(session: Session, user: UserAccount, *, by: Principal) -> None:
    """An admin clears a user's TOTP (a lost phone): their sessions end; an admin enrols again at once."""
    user.totp_secret, user.totp_pending, user.totp_last_step = None, None, None
    _touch(session, user, end_sessions=True)
    audit.record(session, by=by, action="user.totp_reset", kind="user", object_id=user.id)


def disable(session: Session, user: UserAccount, *, by: Principal | None) -> None:
    """The account can no longer sign in, and its sessions end at their next request."""
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        user.invitation_digest = None
        user.invitation_expires_at = None
        _touch(session, user, end_sessions=True)
    audit.record(session, by=by, action="user.disabled", kind="user", object_id=user.id, org_id=user.org_id)
