"""Sessions of the web interface: the token sealed into a cookie, CSRF tokens, signing out.

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
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete
from sqlmodel import Session, col

from app.keyring import Keyring
from app.models.ui_session import SignedOutSession

SESSION_TTL_S = 8 * 3600
LOGIN_TTL_S = 3600
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
_SEALED_WITH = b"article3/ui-session/v1"
_NONCE_BYTES = 12
MAX_COOKIE_CHARS = 1024
MAX_NONCE_CHARS = 64


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True, repr=False)
class UISession:
    """One signed-in browser: a random id, the token, the CSRF value of its forms, and its end."""

    sid: str
    token: str
    csrf: str
    expires_at: int

    def __repr__(self) -> str:  # never print the token, even in a traceback
        return f"UISession(sid={self.sid[:6]}…, expires_at={self.expires_at})"


def new_session(token: str, *, now: float) -> UISession:
    return UISession(
        sid=_b64(secrets.token_bytes(16)),
        token=token,
        csrf=_b64(secrets.token_bytes(24)),
        expires_at=int(now) + SESSION_TTL_S,
    )


def seal(session: UISession, keyring: Keyring) -> str:
    payload = json.dumps(
        {"sid": session.sid, "tok": session.token, "csrf": session.csrf, "exp": session.expires_at},
        separators=(",", ":"),
    ).encode()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(keyring.ui_session_key).encrypt(nonce, payload, _SEALED_WITH)
    return _b64(nonce + sealed)


def unseal(value: str | None, keyring: Keyring, *, now: float) -> UISession | None:
    """The session in a cookie, or None when it is missing, forged, damaged or expired."""
    if not value or len(value) > MAX_COOKIE_CHARS:
        return None
    try:
        raw = _unb64(value)
        payload = AESGCM(keyring.ui_session_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _SEALED_WITH)
        data = json.loads(payload)
        session = UISession(
            sid=str(data["sid"]), token=str(data["tok"]), csrf=str(data["csrf"]), expires_at=int(data["exp"])
        )
    except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error):
        return None
    if session.expires_at <= now:
        return None
    return session


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
