"""Passwords of people's accounts: argon2id hashes, and the rules a new password must meet.

The hash is argon2-cffi's argon2id with its RFC 9106 low-memory parameters; a stored hash made with
other parameters is replaced at the next successful sign-in. A sign-in for a username that does not
exist is checked against a dummy hash, so it takes as long as one with a wrong password.

A new password has at least 12 characters, is not its account's username, and is not a common
password: the 30,000 most common ones of Xato's 10-million-password corpus as the zxcvbn project ships
them (app/data/common_passwords.txt, see README), compared case-insensitively, also when repeated
("dragondragon") or followed by digits or punctuation ("password1234!").
"""

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

NEW_FIELD, REPEAT_FIELD = "password", "password_repeat"  # the form fields problems are shown beside
MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_TAIL = re.compile(r"[\d\W_]+$")
_HASHER = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().casefold() for line in COMMON_FILE.read_text("utf-8").splitlines() if line)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("article3 dummy password, never anyone's")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored: str | None, password: str) -> tuple[bool, str | None]:
    """(whether `password` matches `stored`, a new hash to store when the parameters have changed).
    Without a stored hash the dummy is checked, so the answer takes the same time."""
    try:
        _HASHER.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored is None:
        return False, None
    return True, (_HASHER.hash(password) if _HASHER.check_needs_rehash(stored) else None)


def is_common(password: str) -> bool:
    folded = password.casefold()
    common = common_passwords()
    if folded in common:
        return True
    base = _TAIL.sub("", folded)
    if len(base) >= 6 and base in common:
        return True
    for size in range(1, len(folded) // 2 + 1):
        if len(folded) % size == 0 and folded[:size] * (len(folded) // size) == folded:
            return folded[:size] in common or size <= 3
    return False


def problems(password: str, repeat: str, *, username: str) -> dict[str, str]:
    """What is wrong with a new password, by form field: `password` (`too_short`, `too_long`,
    `username`, `common`), `password_repeat` (`mismatch`). Empty when it may be used."""
    found: dict[str, str] = {}
    problem = None
    if len(password) < MIN_LENGTH:
        problem = "too_short"
    elif len(password) > MAX_LENGTH:
        problem = "too_long"
    elif password.casefold() == username.casefold():
        problem = "username"
    elif is_common(password):
        problem = "common"
    if problem is not None:
        found[NEW_FIELD] = problem
    if repeat != password:
        found[REPEAT_FIELD] = "mismatch"
    return found
