"""Idempotency keys: a POST's first answer, replayed for 24 hours; another body or a request still
running under the same key is a 409. Keys are scoped per organisation.

The key is claimed in its own short transaction before the request runs, so of fifty concurrent
identical requests exactly one proceeds; its answer is stored when it completes. A server error
releases the key, so the client can retry. A claim left unfinished (a crash between the write and
the stored answer) is never replayed or re-run: the client gets a 409 telling it to check.
"""

import json
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.base import utcnow
from app.models.idempotency import IdempotencyKey

TTL = timedelta(hours=24)
STORED_HEADERS = frozenset({"content-type", "location", "etag"})


class Claim(StrEnum):
    new = "new"
    replay = "replay"
    other_body = "other_body"
    in_progress = "in_progress"


def claim(
    engine: Engine, keyring: Keyring, *, org_id: str, key: str, fingerprint: str
) -> tuple[Claim, IdempotencyKey | None]:
    """Claim the key for this request, or say why not (with the stored answer to replay)."""
    now = utcnow()
    try:
        with unit_of_work(engine, keyring) as session:
            session.exec(
                delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < now - TTL)
            )  # purge old keys
            existing = session.exec(
                select(IdempotencyKey).where(IdempotencyKey.org_id == org_id, IdempotencyKey.key == key)
            ).first()
            if existing is None:
                session.add(IdempotencyKey(org_id=org_id, key=key, fingerprint=fingerprint, created_at=now))
                session.flush()
                return Claim.new, None
    except IntegrityError:  # a concurrent request claimed it first (PostgreSQL)
        return Claim.in_progress, None
    if existing.fingerprint != fingerprint:
        return Claim.other_body, None
    if not existing.done:
        return Claim.in_progress, None
    return Claim.replay, existing


def finish(
    engine: Engine,
    keyring: Keyring,
    *,
    org_id: str,
    key: str,
    status_code: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    """Store the answer to replay (or, after a server error, release the key for a retry)."""
    with unit_of_work(engine, keyring) as session:
        row = session.exec(
            select(IdempotencyKey).where(IdempotencyKey.org_id == org_id, IdempotencyKey.key == key)
        ).first()
        if row is None:
            return
        if status_code >= 500:
            session.delete(row)
            return
        row.done, row.status_code = True, status_code
        row.headers = [[name, value] for name, value in headers if name in STORED_HEADERS]
        row.body = body.decode("utf-8", errors="replace")
        row.person_id = _person_of(row.body, is_person="/persons/" in dict(headers).get("location", ""))
        session.add(row)


def _person_of(body: str, *, is_person: bool) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    value = data.get("person_id") or (data.get("id") if is_person else None)
    return value if isinstance(value, str) else None


def forget_person(session: Session, *, org_id: str, person_id: str) -> None:
    """Erasure: stored answers about the person go with them."""
    session.exec(
        delete(IdempotencyKey).where(
            col(IdempotencyKey.org_id) == org_id, col(IdempotencyKey.person_id) == person_id
        )
    )
