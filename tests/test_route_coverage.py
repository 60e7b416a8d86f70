"""Every /api/v1 route needs a token, and every route with an id answers another organisation's id
exactly like an unknown one. Routes are read from the OpenAPI document, so a new route is covered
(or fails here) without anyone remembering to add it."""

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_one_of_each

PATHS = create_app(Settings(_env_file=None, secret_key=SECRET)).openapi()["paths"]
ROUTES = sorted((m.upper(), p) for p, ops in PATHS.items() if p.startswith("/api/v1") for m in ops)
ID_ROUTES = [r for r in ROUTES if re.search(r"\{\w+_id\}", r[1])]  # {state} is a code, not a record
assert ROUTES, "no routes found: these tests would pass vacuously"

# A valid body for every write route that takes an id, so the 404 comes from tenancy, not validation.
BODIES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/api/v1/persons/{person_id}/interpol-checks"): None,  # takes no body
    ("POST", "/api/v1/persons/{person_id}/watch"): {"interval_hours": 12},
    ("PATCH", "/api/v1/persons/{person_id}"): {"notes": "x"},
    ("POST", "/api/v1/persons/{person_id}/protections"): {
        "kind": "refugee_status",
        "host_state": "DE",
        "against_state": "TJ",
    },
    ("PATCH", "/api/v1/persons/{person_id}/protections/{protection_id}"): {"until": "2030"},
    ("PATCH", "/api/v1/notices/{notice_id}"): {"note": "x"},
    ("PATCH", "/api/v1/detentions/{detention_id}"): {"place": "x"},
    ("PATCH", "/api/v1/challenges/{challenge_id}"): {"summary": "x"},
    ("POST", "/api/v1/notices/{notice_id}/status"): {"status": "deleted", "on": "2020"},
    ("POST", "/api/v1/detentions/{detention_id}/release"): {"released_on": "2020", "reason": "bail"},
    ("POST", "/api/v1/detentions/{detention_id}/surrender"): {"surrendered_on": "2020", "kind": "extradited"},
    ("PATCH", "/api/v1/extraditions/{extradition_id}"): {"court": "x"},
    ("PATCH", "/api/v1/incidents/{incident_id}"): {"certainty": "alleged"},
    ("POST", "/api/v1/challenges/{challenge_id}/events"): {"type": "filed", "on": "2023-11-03"},
    ("POST", "/api/v1/persons/{person_id}/documents"): None,  # multipart: the 404 comes before the body
    ("PATCH", "/api/v1/documents/{document_id}"): {"title": "x"},
}


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_route_requires_a_token(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, re.sub(r"\{\w+\}", str(uuid.uuid4()), path))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_every_id_write_route_has_a_body() -> None:
    writes = {r for r in ID_ROUTES if r[0] in {"POST", "PATCH", "PUT"}}
    assert not writes - set(BODIES), "add a valid body for the cross-organisation test"


@pytest.fixture
def their_ids(client: TestClient, org_b: OrgTokens) -> dict[str, str]:
    """One record of every kind, in organisation B."""
    return {
        **make_one_of_each(client, org_b.editor),
        "token_id": org_b.token_ids[next(iter(org_b.token_ids))],
        "webhook_id": client.post(
            "/api/v1/webhooks",
            json={"url": "https://93.184.215.14/hook", "events": ["challenge.decided"]},
            headers=org_b.admin,
        ).json()["id"],
        "feed_id": client.post("/api/v1/calendar-feeds", json={}, headers=org_b.admin).json()["id"],
    }


@pytest.mark.parametrize(("method", "path"), ID_ROUTES)
def test_foreign_ids_answer_like_unknown_ones(
    client: TestClient, org_a: OrgTokens, their_ids: dict[str, str], method: str, path: str
) -> None:
    unknown_ids = {name: str(uuid.uuid4()) for name in their_ids}
    body = BODIES.get((method, path))
    headers = {**org_a.admin, "If-Match": '"1"'}
    foreign = client.request(method, _fill(path, their_ids), json=body, headers=headers)
    unknown = client.request(method, _fill(path, unknown_ids), json=body, headers=headers)
    assert foreign.status_code == unknown.status_code == 404, (foreign.text, unknown.text)
    assert foreign.content == unknown.content
    assert dict(foreign.headers) == dict(unknown.headers) | {
        "content-length": foreign.headers["content-length"]
    }
