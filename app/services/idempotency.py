"""Idempotency keys: the first answer to a POST that writes, replayed for 24 hours to the token that got
it (contract section 1). A key is unique within its organisation.

A request with a key goes through four steps:
1. The middleware (`app/middleware.py`) fingerprints it: method, path, query and body (`Pending`).
2. After the route's role check (and the daily quota, for answers about persons), `claim` takes the key
   in a short transaction of its own, so of fifty concurrent identical requests exactly one runs. Or it
   answers instead of the route: the stored answer again (`Replay`, audited and counted as a read), or
   a 409: another token's key, another body, a request still running, a secret that was shown once.
   Only the roles that write claim keys: a POST a viewer may call (`/match`) writes nothing, and its
   answer is a read of persons' data that is audited and counted each time, so it is never stored.
3. `store` writes the answer in the route's own transaction (`app/routers/api_route.py`): it commits
   with the write or not at all, and before the client has a byte of it.
4. When nothing was stored (a refusal, an error), the middleware `release`s the key before answering,
   so the client may fix the request and retry. A claim left by a process that died mid-request is
   never replayed or re-run: the client gets the 409 telling it to check.

A stored answer never holds a secret shown once (a new token, a webhook's signing secret): only its
status and headers are kept, and a replay is a 409 saying the secret was shown once. Every person an
answer names, anywhere in its body, is listed in `IdempotencyMention`, so erasing the person drops it.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.db import unit_of_work
from app.errors import Conflict
from app.keyring import Keyring
from app.models.base import utcnow
from app.models.idempotency import IdempotencyKey, IdempotencyMention
from app.models.person import Person
from app.models.token import Principal
from app.services import audit
from app.services.daily_read_count import REPLAYED

TTL = timedelta(hours=24)
STORED_HEADERS = frozenset({"content-type", "location", "etag"})
_RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Pending:
    """A POST with an Idempotency-Key on its way through the application."""

    key: str
    fingerprint: str
    claimed_by: Principal | None = None  # set once its key is claimed
    stored: bool = False  # set once its answer is written in the route's transaction


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


class Replay(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__("replay")
        self.answer = answer


def claim(engine: Engine, keyring: Keyring, *, pending: Pending, by: Principal) -> Answer | None:
    """Claim the key for `by` (None), or the stored answer to replay; a 409 when neither may be."""
    now = utcnow()
    try:
        with unit_of_work(engine, keyring) as session:
            session.exec(delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < now - TTL))
            existing = session.exec(
                select(IdempotencyKey).where(
                    IdempotencyKey.org_id == by.org_id, IdempotencyKey.key == pending.key
                )
            ).first()
            if existing is not None:
                answer = _stored_answer(existing, pending, by)
                kind = "person" if existing.person_id else None
                audit.record(session, by=by, action=REPLAYED, kind=kind, object_id=existing.person_id)
                return answer
            session.add(
                IdempotencyKey(
                    org_id=by.org_id,
                    key=pending.key,
                    token_id=by.token_id,
                    fingerprint=pending.fingerprint,
                    created_at=now,
                )
            )
            session.flush()
    except IntegrityError:  # a concurrent request claimed it first (PostgreSQL)
        raise Conflict(_IN_PROGRESS) from None
    pending.claimed_by = by  # only once the claim is committed: `release` must never free another's
    return None


_IN_PROGRESS = "A request with this Idempotency-Key is still being processed (or did not complete); check before retrying."


def _stored_answer(row: IdempotencyKey, pending: Pending, by: Principal) -> Answer:
    if row.token_id != by.token_id:
        raise Conflict(
            "This Idempotency-Key is in use by another token of your organisation: choose a key of your own."
        )
    if row.fingerprint != pending.fingerprint:
        raise Conflict("This Idempotency-Key was used with a different request.")
    if not row.done or row.status_code is None:
        raise Conflict(_IN_PROGRESS)
    headers = [(name, value) for name, value in row.headers]
    if row.shown_once:
        created = dict(headers).get("location", "the record it created")
        raise Conflict(
            f"This request created {created}. Its secret (the token, or the signing secret) was shown once, "
            f"in the first answer, and is not kept: revoke it (DELETE {created}) and create another."
        )
    return Answer(status_code=row.status_code, headers=headers, body=(row.body or "").encode())


def store(
    session: Session,
    *,
    pending: Pending,
    status_code: int,
    headers: list[tuple[str, str]],
    body: bytes,
    shown_once: bool,
) -> None:
    """Keep the answer to replay, in the route's own transaction (without the body when it shows a secret)."""
    by = pending.claimed_by
    if by is None:
        return
    row = session.exec(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.org_id == by.org_id,
            IdempotencyKey.key == pending.key,
            IdempotencyKey.token_id == by.token_id,
        )
        .with_for_update()
    ).one()
    text = body.decode("utf-8", errors="replace")
    named = [] if shown_once else _persons_named(session, text, org_id=by.org_id)
    row.done, row.status_code, row.shown_once = True, status_code, shown_once
    row.headers = [[name, value] for name, value in headers if name in STORED_HEADERS]
    row.body = None if shown_once else text
    row.person_id = named[0] if named else None
    session.add(row)
    session.add_all(IdempotencyMention(org_id=by.org_id, key=pending.key, person_id=p) for p in named)
    session.flush()
    pending.stored = True


def _persons_named(session: Session, text: str, *, org_id: str) -> list[str]:
    """The ids of the organisation's persons found anywhere in the answer, in the order they appear."""
    ids = list(dict.fromkeys(_RECORD_ID.findall(text)))
    if not ids:
        return []
    persons = set(session.exec(select(Person.id).where(Person.org_id == org_id, col(Person.id).in_(ids))))
    return [i for i in ids if i in persons]


def release(engine: Engine, keyring: Keyring, *, pending: Pending) -> None:
    """Free a claimed key whose request stored no answer, so the client may retry."""
    by = pending.claimed_by
    if by is None:
        return
    with unit_of_work(engine, keyring) as session:
        session.exec(
            delete(IdempotencyKey).where(
                col(IdempotencyKey.org_id) == by.org_id,
                col(IdempotencyKey.key) == pending.key,
                col(IdempotencyKey.token_id) == by.token_id,
                col(IdempotencyKey.done).is_(False),
            )
        )


def forget_person(session: Session, *, org_id: str, person_id: str) -> None:
    """Erasure: every stored answer that names the person goes with them."""
    naming = select(IdempotencyMention.org_id, IdempotencyMention.key).where(
        IdempotencyMention.org_id == org_id, IdempotencyMention.person_id == person_id
    )
    session.exec(delete(IdempotencyKey).where(tuple_(IdempotencyKey.org_id, IdempotencyKey.key).in_(naming)))
