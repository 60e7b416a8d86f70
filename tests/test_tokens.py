"""Tokens: one 401 for every bad token, expiry, revocation on the next request, and the token API."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.keyring import Keyring
from app.services import token as token_service
from tests.conftest import OrgTokens


def _unauthorized(client: TestClient, headers: dict[str, str]) -> tuple[int, bytes, str]:
    response = client.get("/api/v1/persons", headers=headers)
    return response.status_code, response.content, response.headers.get("www-authenticate", "")


def test_every_bad_token_gets_the_same_401(client: TestClient, org_a: OrgTokens, db: sa.Engine) -> None:
    good = org_a.viewer["Authorization"].removeprefix("Bearer ")
    body = good[3:35]
    unknown = token_service.new_token()
    revoked_response = client.post("/api/v1/tokens", json={"role": "viewer"}, headers=org_a.admin).json()
    client.delete(f"/api/v1/tokens/{revoked_response['id']}", headers=org_a.admin)
    expired = client.post(
        "/api/v1/tokens", json={"role": "viewer", "expires_days": 1}, headers=org_a.admin
    ).json()
    with db.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_token SET expires_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(seconds=1), "id": expired["id"]},
        )
    cases = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": f"Bearer {good[:-1]}{'y' if good.endswith('x') else 'x'}"},  # checksum fails
        {"Authorization": f"Bearer a3_{body}"},
        {"Authorization": "Bearer a3_not-a-token"},
        {"Authorization": f"Bearer {unknown}"},
        {"Authorization": f"Bearer {revoked_response['token']}"},
        {"Authorization": f"Bearer {expired['token']}"},
    ]
    answers = {_unauthorized(client, headers) for headers in cases}
    assert len(answers) == 1
    status, content, challenge = answers.pop()
    assert status == 401
    assert challenge.startswith("Bearer")
    assert client.get("/api/v1/persons", headers=org_a.viewer).status_code == 200


def test_token_api_creates_lists_and_revokes(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    created = client.post(
        "/api/v1/tokens", json={"role": "editor", "label": "laptop", "expires_days": 30}, headers=org_a.admin
    )
    assert created.status_code == 201
    token = created.json()
    assert token["token"].startswith("a3_")
    assert len(token["token"]) == 41
    assert token_service.well_formed(token["token"])
    expires = datetime.fromisoformat(token["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.post("/api/v1/persons", json={"name": "X"}, headers=headers).status_code == 201
    listed = client.get("/api/v1/tokens", headers=org_a.admin).json()["items"]
    assert token["id"] in {t["id"] for t in listed}
    assert all("token" not in t and "digest" not in t for t in listed)
    assert token["id"] not in {
        t["id"] for t in client.get("/api/v1/tokens", headers=org_b.admin).json()["items"]
    }
    foreign = client.delete(f"/api/v1/tokens/{token['id']}", headers=org_b.admin)
    assert foreign.status_code == 404
    assert client.get("/api/v1/persons", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=org_a.admin).status_code == 204
    assert client.get("/api/v1/persons", headers=headers).status_code == 401


def test_token_expiry_at_and_bad_requests(client: TestClient, org_a: OrgTokens) -> None:
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    created = client.post(
        "/api/v1/tokens", json={"role": "viewer", "expires_at": future}, headers=org_a.admin
    )
    assert created.status_code == 201
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    for body in (
        {"role": "viewer", "expires_at": past},
        {"role": "viewer", "expires_at": "2030-01-01T00:00:00"},  # no offset
        {"role": "viewer", "expires_days": 0},
        {"role": "viewer", "expires_days": 3, "expires_at": future},
        {"role": "root"},
        {"role": "viewer", "secret": "x"},
    ):
        assert client.post("/api/v1/tokens", json=body, headers=org_a.admin).status_code == 422, body
    assert client.post("/api/v1/tokens", json={"role": "viewer"}, headers=org_a.editor).status_code == 403
    assert client.get("/api/v1/tokens", headers=org_a.editor).status_code == 403


def test_only_a_keyed_digest_is_stored(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    created = client.post("/api/v1/tokens", json={"role": "viewer"}, headers=org_a.admin).json()
    with db.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT digest FROM api_token WHERE id = :id"), {"id": created["id"]}
        ).scalar_one()
        everything = " ".join(str(row) for row in conn.execute(sa.text("SELECT * FROM api_token")))
    assert stored == token_service.digest(created["token"], keyring.token_key)
    assert created["token"] not in everything
    assert created["token"][3:35] not in everything


def test_tokens_carry_enough_randomness() -> None:
    tokens = {token_service.new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(token_service.well_formed(t) for t in tokens)
