"""Microseconds per bearer-token check: the shape and HMAC alone, and the full database lookup.

Usage: .venv/bin/python bench/token_check.py [--tokens 1000] [--checks 20000]

(a) `well_formed()` + HMAC-SHA256 `digest()`: the work every request does before any query.
(b) `app.services.token.authenticate(session, token)` against a fresh, migrated SQLite database
    holding `--tokens` tokens, with a new `Session(read_engine, info={"keyring": …})` per check as
    app/db.py opens one per request, and again inside one long session (the query alone).
(c) the same for a well-formed token that is not in the database (digest + a query that misses).
The database is bench/out/token_check.db, made afresh each run.
"""

import argparse
import random
import secrets
import time
from collections.abc import Callable

from benchlib import OUT, fresh_sqlite, machine_load
from sqlmodel import Session

from app.db import make_engine, unit_of_work
from app.errors import Unauthorized
from app.keyring import Keyring
from app.models.token import Role, TokenCreate
from app.services import org as org_service
from app.services import token as token_service


def per_call_us(func: Callable[[str], object], tokens: list[str], checks: int) -> float:
    """Best of three timed passes of `checks` calls each, in microseconds per call."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for i in range(checks):
            func(tokens[i % len(tokens)])
        best = min(best, (time.perf_counter() - began) / checks)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--checks", type=int, default=20_000)
    args = parser.parse_args()

    load = machine_load()
    secret = secrets.token_urlsafe(48)
    keyring = Keyring(secret.encode())
    url = fresh_sqlite(OUT / "token_check.db", secret)
    writer = make_engine(url, writer=True, pooled=False)
    plain: list[str] = []
    with unit_of_work(writer, keyring) as session:
        org = org_service.create(session, name="token-check")
        for i in range(args.tokens):
            role = list(Role)[i % len(Role)]
            _, token = token_service.create(session, org_id=org.id, data=TokenCreate(role=role), by=None)
            plain.append(token)
    writer.dispose()
    random.Random(1).shuffle(plain)
    unknown = [token_service.new_token() for _ in range(1000)]
    key = keyring.token_key

    def shape_and_hmac(token: str) -> object:
        return token_service.well_formed(token) and token_service.digest(token, key)

    read_engine = make_engine(url, writer=False)  # pooled, as the app's read engine

    def session_per_check(token: str) -> object:
        with Session(read_engine, info={"keyring": keyring}) as session:
            try:
                return token_service.authenticate(session, token)
            finally:
                session.rollback()

    long_session = Session(read_engine, info={"keyring": keyring})

    def one_session(token: str) -> object:
        return token_service.authenticate(long_session, token)

    def rejected(token: str) -> object:
        try:
            return session_per_check(token)
        except Unauthorized:
            return None

    assert session_per_check(plain[0]).org_id == org.id
    assert rejected(unknown[0]) is None
    results = [
        ("(a) well_formed() + HMAC digest()", per_call_us(shape_and_hmac, plain, args.checks * 10)),
        ("(b) authenticate(), a session per check", per_call_us(session_per_check, plain, args.checks)),
        ("(b) authenticate(), one long session", per_call_us(one_session, plain, args.checks)),
        ("(c) unknown token, a session per check", per_call_us(rejected, unknown, args.checks)),
    ]
    long_session.close()
    read_engine.dispose()

    print(f"database  {url} ({args.tokens} tokens)")
    print(f"machine   {load} before the run")
    for label, us in results:
        print(f"{label:<44}{us:8.1f} µs per check")


if __name__ == "__main__":
    main()
