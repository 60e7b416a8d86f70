"""Every /api/v1 route needs a token, and every route with an id answers another organisation's id
exactly like an unknown one. Routes are read from the OpenAPI document, so a new route is covered
(or fails here) without anyone remembering to add it."""

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.main import create_app
from app.models.token import Role
from app.routers import ui_documents, ui_persons, ui_records, ui_watches
from app.settings import Settings
from app.ui.record_forms import FORMS
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_one_of_each
from tests.ui.conftest import csrf_of, plain_token, sign_in, with_ui

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


# --- the web interface's forms -----------------------------------------------------------------------
# Not in the OpenAPI document: read from their routers. Each kind's actions and undos are spelled out.
FORM_ROUTES = sorted(
    (method, "/ui" + route.path)
    for module in (ui_persons, ui_records, ui_documents, ui_watches)
    for route in module.router.routes
    if isinstance(route, APIRoute)
    for method in route.methods or ()
)


def _form_urls(ids: dict[str, str]) -> list[tuple[str, str]]:
    """Every form address, each kind, action and undo filled in, with these records' ids."""
    urls = []
    for method, path in FORM_ROUTES:
        for plural in FORMS if "{plural}" in path else [""]:
            spec = FORMS.get(plural)
            names: list[str] = [""]
            if spec is not None and "{action}" in path:
                names = [a.name for a in spec.actions]
            elif spec is not None and "{what}" in path:
                names = [u.name for u in spec.undos]
            for name in names:
                filled = path.replace("{plural}", plural).replace("{action}", name).replace("{what}", name)
                kind = spec.kind if spec is not None else "person"
                filled = filled.replace("{record_id}", ids[f"{kind}_id"]).replace(
                    "{person_id}", ids["person_id"]
                )
                urls.append((method, filled))
    return urls


@pytest.fixture
def ui_https(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(with_ui(app), base_url="https://testserver") as test_client:
        yield test_client


def test_every_form_route_needs_a_session(ui_https: TestClient) -> None:
    ids = {f"{name}_id": str(uuid.uuid4()) for name in ["person", *(f.kind for f in FORMS.values())]}
    urls = _form_urls(ids)
    assert len(urls) > len(FORM_ROUTES), "the forms' addresses were not expanded"
    for method, url in urls:
        answer = ui_https.request(method, url, data={"csrf": "x"}, follow_redirects=False)
        assert answer.status_code == 303, (method, url)
        assert answer.headers["location"] == "/ui/login", (method, url)


def test_every_form_answers_another_organisations_ids_as_unknown_ones(
    ui_https: TestClient, org_a: OrgTokens, their_ids: dict[str, str]
) -> None:
    sign_in(ui_https, plain_token(org_a, Role.admin))  # an admin: the erasure form too
    csrf = csrf_of(ui_https.get("/ui/persons/new").text)
    unknown_ids = {name: str(uuid.uuid4()) for name in their_ids}
    for (method, foreign_url), (_, unknown_url) in zip(
        _form_urls(their_ids), _form_urls(unknown_ids), strict=True
    ):
        if foreign_url == "/ui/persons/new":
            continue
        foreign = ui_https.request(method, foreign_url, data={"csrf": csrf}, follow_redirects=False)
        unknown = ui_https.request(method, unknown_url, data={"csrf": csrf}, follow_redirects=False)
        assert foreign.status_code == unknown.status_code == 404, (method, foreign_url)
        assert foreign.content == unknown.content
