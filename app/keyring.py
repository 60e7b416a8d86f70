"""Keyring: the sub-keys derived from the one secret key, each for a single purpose."""

import hashlib
import hmac
from dataclasses import dataclass, field

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

    def blind_index(self, value: str) -> str:
        """A keyed digest for exact lookups: equal inputs meet, and the database never holds the input."""
        return hmac.new(self.blind_index_key, value.encode(), hashlib.sha256).hexdigest()


def keyring_of(session: Session) -> Keyring:
    """The keyring the unit of work was opened with (db.py puts it in `session.info`)."""
    keyring = session.info.get("keyring")
    if not isinstance(keyring, Keyring):
        raise RuntimeError("session opened without a keyring")
    return keyring
