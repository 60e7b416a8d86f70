"""Query parameters of every list route: ids must look like the ids we issue (and only such ids reach the
audit trail), and a cursor we did not issue is a 422, never a 500, however it was crafted. Routes are
read from the OpenAPI document, so a new list route is covered without anyone remembering it."""

import base64
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.main import create_app
from app.models.base import ID_PATTERN, new_id
from app.models.token import Role
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens
from tests.factories import (
    make_challenge,
    make_detention,
    make_document,
    make_extradition,
    make_incident,
    make_notice,
    make_person,
    make_protection,
)
from tests.ui.conftest import plain_token, sign_in

PATHS = create_app(Settings(_env_file=None, secret_key=SECRET)).openapi()["paths"]


def _query(path: str) -> list[dict[str, Any]]:
    return [p for p in PATHS[path].get("get", {}).get("parameters", []) if p["in"] == "query"]


ID_FILTERS = sorted((path, p["name"]) for path in PATHS for p in _query(path) if p["name"].endswith("_id"))
CURSOR_ROUTES = sorted(path for path in PATHS if any(p["name"] == "cursor" for p in _query(path)))
assert ID_FILTERS, "no id filters found: these tests would pass vacuously"
assert CURSOR_ROUTES, "no paged routes found: these tests would pass vacuously"

MALFORMED_IDS = [
    "Farrukh Namunov",
    "x" * 20_000,
    "",
    str(uuid.uuid4()).upper(),
    uuid.uuid4().hex,
    f"{{{uuid.uuid4()}}}",
    f"{uuid.uuid4()}' OR '1'='1",
    f"{uuid.uuid4()}\n",
    "00000000-0000-0000-0000-00000000000g",
]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(*values: Any) -> str:
    return _b64(json.dumps(values).encode())


def _audit_entries(client: TestClient, org: OrgTokens) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit?limit=200", headers=org.admin)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _pattern(path: str, name: str) -> str | None:
    schema = next(p["schema"] for p in _query(path) if p["name"] == name)
    return next((str(o["pattern"]) for o in schema.get("anyOf", [schema]) if "pattern" in o), None)


def test_every_id_in_a_query_string_has_the_shape_of_our_ids() -> None:
    assert {f: _pattern(*f) for f in ID_FILTERS} == dict.fromkeys(ID_FILTERS, ID_PATTERN)
    assert all(re.match(ID_PATTERN, new_id()) for _ in range(100))


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
def test_a_malformed_id_filter_is_a_422_that_leaves_no_trace(
    client: TestClient, org_a: OrgTokens, path: str, name: str
) -> None:
    before = _audit_entries(client, org_a)
    for bad in MALFORMED_IDS:
        response = client.get(path, params={name: bad}, headers=org_a.viewer)
        assert response.status_code == 422, (bad[:50], response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["query", name]
        assert not bad or bad[:20] not in response.text  # the problem does not echo it
    assert _audit_entries(client, org_a) == before


@pytest.mark.parametrize(("path", "name"), ID_FILTERS)
def test_a_valid_id_filter_is_audited_with_that_id(
    client: TestClient, org_a: OrgTokens, path: str, name: str
) -> None:
    person_id = make_person(client, org_a.editor)["id"]
    response = client.get(path, params={name: person_id}, headers=org_a.viewer)
    assert response.status_code == 200, response.text
    newest = _audit_entries(client, org_a)[0]
    assert newest["object"] == {"kind": "person", "id": person_id}


@pytest.fixture
def paged(client: TestClient, org_a: OrgTokens) -> dict[str, str]:
    """Two records behind every paged route, and the path of each with its ids filled in."""
    people = [make_person(client, org_a.editor, name="Sayyod Misolov") for _ in range(2)]
    pid = people[0]["id"]
    for _ in range(2):
        notice = make_notice(client, org_a.editor, pid)
        make_detention(client, org_a.editor, pid)
        make_extradition(client, org_a.editor, pid)
        make_incident(client, org_a.editor, pid)
        make_protection(client, org_a.editor, pid, until="2030")  # a deadline too
        make_challenge(client, org_a.editor, pid, notice_id=notice["id"])
        make_document(client, org_a.editor, pid)
        assert client.post("/api/v1/calendar-feeds", json={}, headers=org_a.admin).status_code == 201
        webhook = client.post(
            "/api/v1/webhooks",
            json={"url": "https://93.184.215.14/hook", "events": ["challenge.decided"]},
            headers=org_a.admin,
        )
        assert webhook.status_code == 201, webhook.text
    for person in people:
        watched = client.post(f"/api/v1/persons/{person['id']}/watch", headers=org_a.editor)
        assert watched.status_code == 201, watched.text
    ids = {"person_id": pid, "webhook_id": webhook.json()["id"]}
    routes = {path: re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path) for path in CURSOR_ROUTES}
    return routes | {
        "/api/v1/persons?q=": "/api/v1/persons?q=Misolov",
        "/ui/": "/ui/",
        "/ui/?q=": "/ui/?q=Misolov",
    }


def _key(item: dict[str, Any]) -> Any:
    """What names a listed item: its id, an audit entry's seq, a watch's person."""
    return item.get("id", item.get("seq", item.get("person_id")))


NOTHING_TO_PAGE = {"/api/v1/persons/{person_id}/interpol-checks", "/api/v1/webhooks/{webhook_id}/deliveries"}


def test_issued_cursors_still_page_through_everything(
    client: TestClient, org_a: OrgTokens, paged: dict[str, str]
) -> None:
    for template, path in paged.items():
        if template.startswith("/ui/"):
            continue
        seen: list[Any] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
            body = client.get(path, params=params, headers=org_a.admin).json()
            seen += [_key(item) for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        full = client.get(path, params={"limit": 200}, headers=org_a.admin).json()["items"]
        assert seen == [_key(item) for item in full], template
        assert len(seen) >= 2 or template in NOTHING_TO_PAGE, template


CRAFTED = [
    "not-a-cursor",
    "%%%",
    _b64(b"\xff\xfe\x00"),
    _cursor(),
    _cursor("x"),
    _cursor(1e400),
    _cursor(-1),
    _cursor(2**64),
    _cursor(True),
    _cursor({"a": 1}),
    _cursor(None, None),
    _cursor("2026-01-01T00:00:00", str(uuid.uuid4())),  # no offset: not a timestamp we issue
    _cursor("0001-01-01T00:00:00+05:00", str(uuid.uuid4())),  # before year 1 in UTC
    _cursor("9999-12-31T23:00:00-05:00", str(uuid.uuid4())),  # after year 9999 in UTC
    _cursor("2026-01-01T00:00:00+00:00", "\x00"),
    _cursor("2026-01-01T00:00:00+00:00", "Farrukh Namunov"),
    _b64(b"[" * 300),
]


def _assert_refused(response: Any, path: str) -> None:
    assert response.status_code == 422, (path, response.status_code, response.text[:300])
    if path.startswith("/ui/"):
        assert "text/html" in response.headers["content-type"]
        assert "Not a valid address" in response.text
    else:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """On https://testserver, where the web interface's session cookie (Secure) is sent back."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def ui_admin(client: TestClient, org_a: OrgTokens) -> OrgTokens:
    """The client signed in to the web interface as org A's admin (API calls keep sending headers)."""
    sign_in(client, plain_token(org_a, Role.admin))
    return org_a


def test_crafted_cursors_are_422_on_every_paged_route(
    client: TestClient, ui_admin: OrgTokens, paged: dict[str, str]
) -> None:
    for path in paged.values():
        for cursor in CRAFTED:
            response = client.get(path, params={"cursor": cursor}, headers=ui_admin.admin)
            _assert_refused(response, path)


@st.composite
def mutated(draw: st.DrawFn, issued: str) -> str:
    """An issued cursor with characters replaced, inserted or removed, or one value swapped for any JSON."""
    if draw(st.booleans()):
        chars = list(issued)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(chars) - 1))
            char = draw(st.characters(codec="ascii"))
            action = draw(st.sampled_from(["replace", "insert", "delete"]))
            if action == "replace":
                chars[at] = char
            elif action == "insert":
                chars.insert(at, char)
            elif len(chars) > 1:
                del chars[at]
        return "".join(chars)
    values = json.loads(base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4)))
    values[draw(st.integers(0, len(values) - 1))] = draw(JSON)
    return _cursor(*values)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
TIMESTAMPS = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
SHAPED = st.tuples(TIMESTAMPS, st.uuids().map(str) | st.text(max_size=40)).map(lambda t: _cursor(*t))
ANY_CURSOR = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=90).map(_b64),
    JSON.map(lambda value: _b64(json.dumps(value).encode())),
    st.lists(JSON, max_size=3).map(lambda values: _cursor(*values)),
    SHAPED,
)


@pytest.mark.parametrize("route", [*CURSOR_ROUTES, "/api/v1/persons?q=", "/ui/", "/ui/?q="])
def test_no_cursor_makes_a_list_route_fail(
    client: TestClient, ui_admin: OrgTokens, paged: dict[str, str], route: str
) -> None:
    """Hypothesis throws arbitrary and mutated issued cursors at the route: 200 or 422, never a 5xx."""
    path = paged[route]
    issued = [
        _cursor(datetime.now(UTC).isoformat(), str(uuid.uuid4())),
        _cursor(1),
    ]
    if not route.startswith("/ui/"):
        first = client.get(path, params={"limit": 1}, headers=ui_admin.admin).json()
        issued += [first["next_cursor"]] if first["next_cursor"] else []

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def never_fails(data: st.DataObject) -> None:
        base = data.draw(st.sampled_from(issued))
        cursor = data.draw(st.one_of(ANY_CURSOR, st.just(base), mutated(base)))
        response = client.get(path, params={"cursor": cursor, "limit": 1}, headers=ui_admin.admin)
        assert response.status_code in (200, 422), (cursor, response.status_code, response.text[:300])
        if response.status_code == 422 and cursor and len(cursor) <= 512:
            _assert_refused(response, path)

    never_fails()
