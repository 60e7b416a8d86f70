"""Throttling sign-in: at most 5 failures per account and 20 per client address in any 15 minutes.

A failure is a wrong username or password, or a wrong or replayed TOTP code. The account is named by
the username as typed (case-folded), whether or not it exists, so a refusal says nothing about which
usernames are real. The counts live in the database every process shares (the per-minute request
limiters of app/services/rate_limit.py count every request, not failures, and forget after a minute).
A successful sign-in clears its own account's count, never the address's: an attacker with one account
of their own cannot buy fresh guesses at the others.
"""

import hashlib
import hmac
import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.keyring import keyring_of
from app.models.sign_in_failure import SignInFailure

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 20
PRUNE_CHANCE = 0.05


def _key(session: Session, kind: str, value: str) -> str:
    key = keyring_of(session).token_key
    return hmac.new(key, f"sign-in/{kind}/{value}".encode(), hashlib.sha256).hexdigest()


def _keys(session: Session, *, username: str, address: str) -> tuple[str, str]:
    return _key(session, "account", username.strip().casefold()), _key(session, "address", address)


def wait_s(session: Session, *, username: str, address: str, now: datetime) -> int:
    """Seconds until another attempt may be made for this account from this address (0: now)."""
    waits = []
    for key, limit in zip(
        _keys(session, username=username, address=address), (PER_ACCOUNT, PER_ADDRESS), strict=True
    ):
        recent = select(SignInFailure.at).where(
            SignInFailure.key == key, col(SignInFailure.at) > now - WINDOW
        )
        times = sorted(session.exec(recent.order_by(col(SignInFailure.at).desc()).limit(limit)))
        if len(times) >= limit:
            waits.append(math.ceil((times[0] + WINDOW - now).total_seconds()))
    return max(1, max(waits)) if waits else 0


def record_failure(session: Session, *, username: str, address: str, now: datetime) -> None:
    for key in _keys(session, username=username, address=address):
        session.add(SignInFailure(key=key, at=now))
    if random.random() < PRUNE_CHANCE:  # noqa: S311 - a chance, not a secret
        session.exec(delete(SignInFailure).where(col(SignInFailure.at) <= now - WINDOW))
    session.flush()


def clear_account(session: Session, *, username: str) -> None:
    key = _key(session, "account", username.strip().casefold())
    session.exec(delete(SignInFailure).where(col(SignInFailure.key) == key))
    session.flush()
