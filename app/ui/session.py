"""Sessions of the web interface: the token or the user account sealed into a cookie, CSRF tokens,
signing out.

A person signs in with their username and password (then a TOTP code when their account has one): the
cookie names their account and its session epoch, and the account is read again on every request, so
a disabled or demoted user loses access at once. A machine, or an old bookmark, may still paste a token.

Every session ends after `ARTICLE3_SESSION_IDLE_MINUTES` without a page (each page re-seals the cookie
with the moment it was seen), and in any case 8 hours after sign-in. Between a correct password and
the TOTP code, a separate sealed cookie holds the account for at most 5 minutes.

The cookie holds the token encrypted and authenticated with AES-256-GCM under a sub-key of the
app's secret key, with the session's own expiry inside, so:
- every worker process (and every app server sharing the key) can read it, and nothing is stored
  server-side while the session lasts;
- whoever copies the cookie jar gets neither the token nor more than the session's 8 hours, even
  when the token itself lasts for months;
- the token is authenticated again on every request, so revoking or expiring it ends the session at
  once.
Signing out deletes the cookie and records the session id in the database until the session would
have expired, so every process of every instance refuses a copy of the cookie, after a restart too.

CSRF: a signed-in page carries the session's random CSRF value in a hidden field; the sign-in form,
before there is a session, carries an HMAC of a random value held in a short-lived cookie. Both
cookies are HttpOnly and SameSite=Strict.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete
from sqlmodel import Session, col

from app.keyring import Keyring
from app.models.ui_session import SignedOutSession

SESSION_TTL_S = 8 * 3600
IDLE_TTL_S = 30 * 60
PENDING_TTL_S = 5 * 60
LOGIN_TTL_S = 3600
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_SEALED_WITH = b"article3/ui-session/v1"
_PENDING_WITH = b"article3/ui-second-factor/v1"
_NONCE_BYTES = 12
MAX_COOKIE_CHARS = 1024
MAX_NONCE_CHARS = 64


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True, repr=False)
class UISession:
    """One signed-in browser: a random id, the token or the user account (with its session epoch), the
    CSRF value of its forms, its end, and when it was last seen."""

    sid: str
    token: str  # "" for a person's session
    csrf: str
    expires_at: int
    user_id: str | None = None
    epoch: int = 0
    seen_at: int = 0

    def __repr__(self) -> str:  # never print the token, even in a traceback
        return f"UISession(sid={self.sid[:6]}…, expires_at={self.expires_at})"


def new_session(token: str, *, now: float) -> UISession:
    return UISession(
        sid=_b64(secrets.token_bytes(16)),
        token=token,
        csrf=_b64(secrets.token_bytes(24)),
        expires_at=int(now) + SESSION_TTL_S,
        seen_at=int(now),
    )


def new_user_session(user_id: str, epoch: int, *, now: float) -> UISession:
    return replace(new_session("", now=now), user_id=user_id, epoch=epoch)


def touched(session: UISession, *, now: float) -> UISession:
    """The same session, seen now: its idle time starts again."""
    return replace(session, seen_at=int(now))


def _seal(data: dict[str, object], key: bytes, purpose: bytes) -> str:
    payload = json.dumps(data, separators=(",", ":")).encode()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return _b64(nonce + AESGCM(key).encrypt(nonce, payload, purpose))


def _unseal(value: str | None, key: bytes, purpose: bytes) -> dict[str, object] | None:
    if not value or len(value) > MAX_COOKIE_CHARS:
        return None
    try:
        raw = _unb64(value)
        data = json.loads(AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], purpose))
    except (InvalidTag, ValueError, TypeError, binascii.Error):
        return None
    return data if isinstance(data, dict) else None


def seal(session: UISession, keyring: Keyring) -> str:
    data: dict[str, object] = {
        "sid": session.sid,
        "tok": session.token,
        "csrf": session.csrf,
        "exp": session.expires_at,
        "seen": session.seen_at,
    }
    if session.user_id is not None:
        data |= {"uid": session.user_id, "ep": session.epoch}
    return _seal(data, keyring.ui_session_key, _SEALED_WITH)


def unseal(value: str | None, keyring: Keyring, *, now: float, idle_s: int = IDLE_TTL_S) -> UISession | None:
    """The session in a cookie, or None when it is missing, forged, damaged, expired or idle too long."""
    data = _unseal(value, keyring.ui_session_key, _SEALED_WITH)
    if data is None:
        return None
    try:
        uid = data.get("uid")
        session = UISession(
            sid=str(data["sid"]),
            token=str(data["tok"]),
            csrf=str(data["csrf"]),
            expires_at=int(str(data["exp"])),
            user_id=None if uid is None else str(uid),
            epoch=int(str(data.get("ep", 0))),
            seen_at=int(str(data.get("seen", 0))),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if session.expires_at <= now or session.seen_at + idle_s <= now:
        return None
    return session


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """A correct password whose TOTP code is still to come: the account, its epoch, and the deadline."""

    user_id: str
    epoch: int
    expires_at: int


def seal_pending(user_id: str, epoch: int, keyring: Keyring, *, now: float) -> str:
    data: dict[str, object] = {"uid": user_id, "ep": epoch, "exp": int(now) + PENDING_TTL_S}
    return _seal(data, keyring.ui_session_key, _PENDING_WITH)


def unseal_pending(value: str | None, keyring: Keyring, *, now: float) -> PendingSignIn | None:
    data = _unseal(value, keyring.ui_session_key, _PENDING_WITH)
    if data is None:
        return None
    try:
        pending = PendingSignIn(
            user_id=str(data["uid"]), epoch=int(str(data["ep"])), expires_at=int(str(data["exp"]))
        )
    except (ValueError, KeyError, TypeError):
        return None
    return pending if pending.expires_at > now else None


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


def new_login_nonce() -> str:
    return _b64(secrets.token_bytes(24))


def login_csrf(nonce: str, keyring: Keyring) -> str:
    """The sign-in form's CSRF value: only a page that saw the nonce cookie's value can produce it."""
    return hmac.new(keyring.ui_login_csrf_key, nonce.encode(), hashlib.sha256).hexdigest()


def login_csrf_matches(nonce: str | None, given: str | None, keyring: Keyring) -> bool:
    if not nonce or not given or len(nonce) > MAX_NONCE_CHARS:
        return False
    return hmac.compare_digest(login_csrf(nonce, keyring).encode(), given.encode())


def is_secure_host(host: str | None) -> bool:
    """Cookies are Secure everywhere but on the machine itself (plain http://localhost for a demo)."""
    return (host or "").lower() not in LOCAL_HOSTS


def session_cookie_name(secure: bool) -> str:
    # __Host-: the browser refuses it unless Secure, Path=/ and without Domain, so a neighbouring
    # subdomain can neither set nor overwrite it.
    return "__Host-a3_session" if secure else "a3_session"


def login_cookie_name(secure: bool) -> str:
    return "__Host-a3_login" if secure else "a3_login"


def pending_cookie_name(secure: bool) -> str:
    return "__Host-a3_second_factor" if secure else "a3_second_factor"


def sign_out(db: Session, session: UISession, *, now: float) -> None:
    """Refuse the session from now until it would have expired; forget sessions past their expiry."""
    db.exec(delete(SignedOutSession).where(col(SignedOutSession.expires_at) <= _at(now)))
    db.merge(SignedOutSession(sid=session.sid, expires_at=_at(session.expires_at)))
    db.flush()


def is_signed_out(db: Session, session: UISession) -> bool:
    return db.get(SignedOutSession, session.sid) is not None


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def now_s() -> float:
    return time.time()
