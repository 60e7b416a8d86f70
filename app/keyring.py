"""Keyring: the sub-keys derived from the one secret key, each for a single purpose."""

import base64
import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session


def _derive(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"article3/{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Keyring:
    """Separate keys per purpose, so a digest made for one use can never be replayed in another."""

    secret: bytes = field(repr=False)

    @property
    def token_key(self) -> bytes:
        return _derive(self.secret, "token-digest")

    @property
    def audit_key(self) -> bytes:
        return _derive(self.secret, "audit-chain")

    @property
    def blind_index_key(self) -> bytes:
        return _derive(self.secret, "blind-index")

    @property
    def webhook_key(self) -> bytes:
        return _derive(self.secret, "webhook-secret")

    @property
    def backup_manifest_key(self) -> bytes:
        return _derive(self.secret, "backup-manifest")

    @property
    def ui_session_key(self) -> bytes:
        """Seals the web interface's session cookies."""
        return _derive(self.secret, "ui-session")

    @property
    def ui_login_csrf_key(self) -> bytes:
        """Signs the sign-in form's CSRF value."""
        return _derive(self.secret, "ui-login-csrf")

    @cached_property
    def fields(self) -> "FieldKeys":
        """The field-encryption keys (one instance per keyring: engines of one app share its state)."""
        return FieldKeys(self.secret)

    def blind_index(self, value: str) -> str:
        """A keyed digest for exact lookups: equal inputs meet, and the database never holds the input."""
        return hmac.new(self.blind_index_key, value.encode(), hashlib.sha256).hexdigest()


def keyring_of(session: Session) -> Keyring:
    """The keyring the unit of work was opened with (db.py puts it in `session.info`)."""
    keyring = session.info.get("keyring")
    if not isinstance(keyring, Keyring):
        raise RuntimeError("session opened without a keyring")
    return keyring


FIELD_PREFIX = "a3e"


class FieldKeys:
    """AES-256-GCM keys for personal data at rest, derived from the secret key by key id (1, 2, …).

    The active key id lives in the database (`app_meta`); every write transaction reads it as it begins
    (app/db.py), so all processes encrypt under the key `article3 keys rotate` made active. Older keys
    stay derivable to decrypt what they wrote: every stored value names its key.
    """

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._ciphers: dict[int, AESGCM] = {}
        self.active_kid = 1
        self._lock = threading.Lock()

    def cipher(self, kid: int) -> AESGCM:
        cipher = self._ciphers.get(kid)
        if cipher is None:
            with self._lock:
                cipher = self._ciphers.setdefault(kid, AESGCM(_derive(self._secret, f"field-key/{kid}")))
        return cipher

    def set_active(self, kid: int) -> None:
        """Never back: a transaction that read the id just before a rotation must not undo another's news."""
        with self._lock:
            self.active_kid = max(self.active_kid, kid)

    def encrypt(self, plaintext: str, *, aad: str, kid: int | None = None) -> str:
        """`plaintext` sealed under key `kid` (default: the active key), bound to its column by `aad`."""
        kid = self.active_kid if kid is None else kid
        nonce = os.urandom(12)
        sealed = self.cipher(kid).encrypt(nonce, plaintext.encode(), aad.encode())
        return f"{FIELD_PREFIX}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def decrypt(self, stored: str, *, aad: str) -> str:
        """The plaintext of a stored value; raises InvalidTag on a value moved from another column."""
        _, kid, body = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return self.cipher(int(kid)).decrypt(raw[:12], raw[12:], aad.encode()).decode()

    def seal(self, data: bytes, *, aad: bytes, kid: int | None = None) -> bytes:
        """Bytes sealed under key `kid` (default: the active key): the key id (4 bytes, big-endian), the
        nonce (12), then the ciphertext and its tag. For files, chunk by chunk (app/services/document.py)."""
        kid = self.active_kid if kid is None else kid
        nonce = os.urandom(12)
        return kid.to_bytes(4, "big") + nonce + self.cipher(kid).encrypt(nonce, data, aad)

    def open(self, sealed: bytes, *, aad: bytes) -> bytes:
        """The bytes `seal` sealed with this `aad`; raises InvalidTag if anything differs."""
        return self.cipher(sealed_key_id(sealed)).decrypt(sealed[4:16], sealed[16:], aad)


def sealed_key_id(sealed: bytes) -> int:
    return int.from_bytes(sealed[:4], "big")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(FIELD_PREFIX + ":")


def key_id(stored: str) -> int | None:
    return int(stored.split(":", 2)[1]) if is_encrypted(stored) else None
