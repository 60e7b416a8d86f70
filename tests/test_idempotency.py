"""Idempotency keys (contract section 1, issue 13 items 2-4): a replay gives the first answer, only to
the token that got it and only past the route's role check; no stored answer holds a secret or
outlives the erasure of a person it mentions; read-only POSTs are never stored."""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine
from app.keyring import Keyring
from app.models.audit import AuditEntry
from app.models.base import utcnow
from app.models.idempotency import IdempotencyKey
from app.models.token import Role
from app.services import quota
from app.services.audit import CLI_ACTOR
from tests.conftest import OrgTokens, serving
from tests.factories import make_person

# The live-server test runs with the other tests that start servers, one after another.
SHOWN_HEADERS = ("content-type", "location", "etag")


@pytest.fixture
def stored(database_url: str, keyring: Keyring) -> Iterator[sa.Engine]:
    """An engine that can decrypt the stored answers."""
    engine = make_engine(database_url, writer=False, keyring=keyring, pooled=False)
    yield engine
    engine.dispose()


def _answers(engine: sa.Engine, keyring: Keyring) -> list[IdempotencyKey]:
    """Every stored answer, decrypted (closing the session detaches them with their values loaded)."""
    with Session(engine, info={"keyring": keyring}) as session:
        return list(session.exec(select(IdempotencyKey).order_by(IdempotencyKey.key)))


def _with_key(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def _same_answer(first: httpx.Response, again: httpx.Response) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    for name in SHOWN_HEADERS:
        assert again.headers.get(name) == first.headers.get(name), name
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers


# --- item 2: the answer is stored before the client has it ------------------------------------------


def test_the_answer_is_stored_before_the_client_sees_it(
    app: FastAPI, org_a: OrgTokens, stored: sa.Engine, keyring: Keyring
) -> None:
    """What the client holds can be replayed at once: the stored answer is committed before the first
    byte of the response leaves (a client that retries the instant it has the answer gets a replay)."""
    seen: list[list[tuple[bool, int | None]]] = []

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def send_after_looking(message: Any) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                seen.append([(a.done, a.status_code) for a in _answers(stored, keyring)])
            await send(message)

        await app(scope, receive, send_after_looking)

    with TestClient(watching) as client:
        created = client.post(
            "/api/v1/persons", json={"name": "Zarina Misolova"}, headers=_with_key(org_a.editor, "k1")
        )
    assert created.status_code == 201
    assert seen == [[(True, 201)]]


@pytest.mark.xdist_group("live_server")
def test_sequential_replays_on_a_live_server_give_the_first_answer(
    database_url: str, org_a: OrgTokens
) -> None:
    with serving(database_url) as base, httpx.Client(base_url=base, timeout=30) as http:
        for i in range(10):
            headers = _with_key(org_a.editor, str(uuid.uuid4()))
            first = http.post("/api/v1/persons", json={"name": f"Person {i}"}, headers=headers)
            assert first.status_code == 201, first.text
            _same_answer(first, http.post("/api/v1/persons", json={"name": f"Person {i}"}, headers=headers))
        listed = http.get("/api/v1/persons", params={"limit": 200}, headers=org_a.viewer).json()["items"]
        assert len(listed) == 10


# --- item 3: scoped to the token, behind the route's role check, never a secret ---------------------


def test_no_other_token_gets_the_admins_new_token(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, stored: sa.Engine, keyring: Keyring
) -> None:
    body = {"role": "admin", "label": "second admin"}
    minted = client.post("/api/v1/tokens", json=body, headers=_with_key(org_a.admin, "mint-1"))
    assert minted.status_code == 201
    token = minted.json()["token"]
    for role in (Role.editor, Role.viewer, Role.analyst):
        answer = client.post("/api/v1/tokens", json=body, headers=_with_key(org_a.headers[role], "mint-1"))
        assert answer.status_code == 403, role
        assert token not in answer.text
        assert "idempotent-replayed" not in answer.headers
    theirs = client.post("/api/v1/tokens", json=body, headers=_with_key(org_b.admin, "mint-1"))
    assert theirs.status_code == 201
    assert theirs.json()["token"] != token
    assert theirs.json()["id"] != minted.json()["id"]

    again = client.post("/api/v1/tokens", json=body, headers=_with_key(org_a.admin, "mint-1"))
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert token not in again.text
    assert "shown once" in again.json()["detail"]
    assert minted.json()["id"] in again.json()["detail"]  # the token to revoke
    listed = client.get("/api/v1/tokens", headers=org_a.admin).json()["items"]
    assert [t["label"] for t in listed].count("second admin") == 1  # minted once

    kept = _answers(stored, keyring)
    assert kept
    assert all(token not in (a.body or "") for a in kept)
    assert all(theirs.json()["token"] not in (a.body or "") for a in kept)


def test_a_webhooks_secret_is_not_kept_for_a_replay(
    client: TestClient, org_a: OrgTokens, stored: sa.Engine, keyring: Keyring
) -> None:
    body = {"url": "https://93.184.215.14/hook", "events": ["challenge.decided"]}
    created = client.post("/api/v1/webhooks", json=body, headers=_with_key(org_a.admin, "hook"))
    assert created.status_code == 201
    secret = created.json()["secret"]
    again = client.post("/api/v1/webhooks", json=body, headers=_with_key(org_a.admin, "hook"))
    assert again.status_code == 409
    assert secret not in again.text
    assert "shown once" in again.json()["detail"]
    assert all(secret not in (a.body or "") for a in _answers(stored, keyring))
    assert len(client.get("/api/v1/webhooks", headers=org_a.admin).json()["items"]) == 1


def test_a_stored_answer_is_replayed_to_its_own_token_only(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    body = {"name": "Dilshod Karimov"}
    first = client.post("/api/v1/persons", json=body, headers=_with_key(org_a.editor, "p-1"))
    _same_answer(first, client.post("/api/v1/persons", json=body, headers=_with_key(org_a.editor, "p-1")))
    # The admin, who may create persons too, sending the editor's key and body gets a 409, neither the
    # editor's answer nor a second person: a key belongs to the token that used it first.
    admins = client.post("/api/v1/persons", json=body, headers=_with_key(org_a.admin, "p-1"))
    assert admins.status_code == 409
    assert "another token" in admins.json()["detail"]
    assert first.json()["id"] not in admins.text
    # A viewer's role cannot create persons: the role check answers, not the stored answer.
    viewers = client.post("/api/v1/persons", json=body, headers=_with_key(org_a.viewer, "p-1"))
    assert viewers.status_code == 403
    assert first.json()["id"] not in viewers.text
    # Another organisation's keys are its own.
    theirs = client.post("/api/v1/persons", json=body, headers=_with_key(org_b.editor, "p-1"))
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]
    listed = client.get("/api/v1/persons", headers=org_a.viewer).json()["items"]
    assert [p["id"] for p in listed] == [first.json()["id"]]


def test_a_replay_is_audited_and_counted_as_a_read(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    headers = _with_key(org_a.editor, "counted")
    first = client.post("/api/v1/persons", json={"name": "Counted Once"}, headers=headers)
    token_id = org_a.token_ids[Role.editor]
    with Session(db) as session:
        before = quota.reads_today(session, token_id=token_id, now=utcnow())
    _same_answer(first, client.post("/api/v1/persons", json={"name": "Counted Once"}, headers=headers))
    with Session(db) as session:
        after = quota.reads_today(session, token_id=token_id, now=utcnow())
        last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()  # type: ignore[attr-defined]
    assert after == before + 1
    assert last is not None
    assert (last.actor, last.action, last.object_kind, last.object_id) == (
        token_id,
        "request.replayed",
        "person",
        first.json()["id"],
    )
    assert last.actor != CLI_ACTOR


def test_a_failed_request_is_not_stored_and_may_be_retried(
    client: TestClient, org_a: OrgTokens, stored: sa.Engine, keyring: Keyring
) -> None:
    headers = _with_key(org_a.editor, "fix-and-retry")
    refused = client.post("/api/v1/persons", json={"name": ""}, headers=headers)
    assert refused.status_code == 422
    assert _answers(stored, keyring) == []
    fixed = client.post("/api/v1/persons", json={"name": "Fixed Name"}, headers=headers)
    assert fixed.status_code == 201
    _same_answer(fixed, client.post("/api/v1/persons", json={"name": "Fixed Name"}, headers=headers))


# --- item 4: read-only POSTs are not stored; erasure removes every answer that mentions the person -----


def test_a_match_is_never_stored(
    client: TestClient, org_a: OrgTokens, stored: sa.Engine, keyring: Keyring, db: sa.Engine
) -> None:
    make_person(client, org_a.editor, name="Umarali Kuvvatov")
    body = {"queries": [{"name": "Umarali Kuvvatov"}]}
    answers = [
        client.post("/api/v1/match", json=body, headers=_with_key(org_a.viewer, "match-1")) for _ in range(2)
    ]
    for answer in answers:
        assert answer.status_code == 200
        assert answer.json()["results"][0]["matches"][0]["name"] == "Umarali Kuvvatov"
        assert "idempotent-replayed" not in answer.headers
    assert _answers(stored, keyring) == []
    with Session(db) as session:
        matched = session.exec(select(AuditEntry).where(AuditEntry.action == "person.matched")).all()
    assert len(matched) == 2  # each answer read names: each is audited


def test_erasure_removes_every_stored_answer_that_mentions_the_person(
    client: TestClient, org_a: OrgTokens, stored: sa.Engine, keyring: Keyring
) -> None:
    erased = client.post(
        "/api/v1/persons", json={"name": "Nodira Erased"}, headers=_with_key(org_a.editor, "erased")
    ).json()
    relative = client.post(
        "/api/v1/persons",
        json={
            "name": "Relative Kept",
            "related_persons": [{"person_id": erased["id"], "relation": "sibling"}],
        },
        headers=_with_key(org_a.editor, "relative"),
    ).json()
    client.post(
        "/api/v1/notices",
        json={"person_id": erased["id"], "channel": "red_notice", "requesting_state": "TJ"},
        headers=_with_key(org_a.editor, "notice"),
    )
    other_body = {"name": "Somebody Else"}
    other = client.post("/api/v1/persons", json=other_body, headers=_with_key(org_a.editor, "other"))
    assert {a.key for a in _answers(stored, keyring)} == {"erased", "relative", "notice", "other"}

    assert client.delete(f"/api/v1/persons/{erased['id']}", headers=org_a.admin).status_code == 204
    kept = _answers(stored, keyring)
    assert [a.key for a in kept] == ["other"]
    assert not [a for a in kept if erased["id"] in (a.body or "") or "Nodira" in (a.body or "")]
    _same_answer(
        other, client.post("/api/v1/persons", json=other_body, headers=_with_key(org_a.editor, "other"))
    )
    assert relative["related_persons"][0]["person_id"] == erased["id"]
