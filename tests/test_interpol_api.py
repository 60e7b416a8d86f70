"""INTERPOL's public notices through our API (section 12): a real local fake server and MockTransport."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.clients.interpol import InterpolClient, open_interpol_http
from app.deps import get_interpol
from tests.conftest import OrgTokens
from tests.factories import make_person
from tests.fake_interpol import MALFORMED_JSON, WRONG_SHAPE, FakeInterpol, http_status, slow


@pytest.fixture
def fake(app: FastAPI) -> Iterator[FakeInterpol]:
    with FakeInterpol() as server:
        http = open_interpol_http(server.base_url, timeout_s=0.5)
        app.dependency_overrides[get_interpol] = lambda: InterpolClient(
            http, pauses_s=(0.01, 0.01), deadline_s=3
        )
        yield server
        http.close()
    app.dependency_overrides.clear()


def test_search_red_notices(client: TestClient, org_a: OrgTokens, fake: FakeInterpol) -> None:
    response = client.get("/api/v1/interpol/red-notices?name=misol&nationality=tj", headers=org_a.viewer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["capped"] is False
    by_id = {i["entity_id"]: i for i in body["items"]}
    assert by_id["2009/14402"]["forename"] is None
    assert by_id["2009/14402"]["birth_date"] == "1972"
    assert by_id["2009/14402"]["url"].endswith("/notices/v1/red/2009-14402")
    assert fake.requests[-1].query["resultPerPage"] == "160"
    assert fake.requests[-1].query["nationality"] == "TJ"
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=org_a.admin).json()["items"]]
    assert actions[0] == "interpol.searched"
    assert "MISOL" not in str(client.get("/api/v1/audit", headers=org_a.admin).json())


def test_search_needs_a_filter_and_valid_codes(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol
) -> None:
    assert client.get("/api/v1/interpol/red-notices", headers=org_a.viewer).status_code == 422
    assert client.get("/api/v1/interpol/red-notices?nationality=XX", headers=org_a.viewer).status_code == 422
    assert (
        client.get("/api/v1/interpol/red-notices?name=" + "a" * 101, headers=org_a.viewer).status_code == 422
    )
    assert fake.requests == []


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ([http_status(403)], 502),
        ([http_status(500)], 502),
        ([MALFORMED_JSON], 502),
        ([WRONG_SHAPE], 502),
        ([slow(2.0)], 502),
        ([http_status(429, retry_after="120")], 503),
        ([http_status(502)] * 3, 502),
    ],
)
def test_interpol_failures_are_problems(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol, answers: list[Any], status: int
) -> None:
    fake.misbehave(*answers)
    response = client.get("/api/v1/interpol/red-notices?name=namunov", headers=org_a.viewer)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "INTERPOL" in response.json()["detail"]
    assert "namunov" not in response.text.lower()
    if status == 503:
        assert int(response.headers["retry-after"]) >= 1


def test_check_a_person_scores_hits_and_finds_requesting_states(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol
) -> None:
    person = make_person(
        client,
        org_a.editor,
        name="Dilshod Namunov",
        aliases=["Дилшод Намунов"],
        birth_date="1979",
        nationalities=["TJ"],
    )
    response = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor)
    assert response.status_code == 201, response.text
    check = response.json()
    assert check["status"] == "ok"
    assert check["hits"][0]["entity_id"] == "2021/8316"
    assert check["hits"][0]["score"] >= 0.9
    assert check["hits"][0]["requesting_states"] == ["RU"]
    assert all(h["score"] >= 0.5 for h in check["hits"])
    assert any("NAMUNOV" in q for q in check["query"])
    sent = " ".join(str(r.query) for r in fake.requests)
    assert "DILSHOD" in sent or "NAMUNOV" in sent
    listed = client.get(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.viewer).json()[
        "items"
    ]
    assert [c["id"] for c in listed] == [check["id"]]


def test_a_notice_that_leaves_the_public_list_is_no_longer_public(
    client: TestClient, app: FastAPI, org_a: OrgTokens, fake: FakeInterpol
) -> None:
    person = make_person(client, org_a.editor, name="Farzin Namunazoda", nationalities=["TJ"])
    first = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor).json()
    assert "2017/40211" in {h["entity_id"] for h in first["hits"]}
    fake.notices = [n for n in fake.notices if n["entity_id"] != "2017/40211"]
    fake.details.pop("2017-40211")
    app.dependency_overrides[get_interpol] = _returning(  # a fresh client: the first one cached the answer
        InterpolClient(open_interpol_http(fake.base_url, timeout_s=0.5), pauses_s=(0.01,), deadline_s=3)
    )
    second = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor).json()
    assert second["no_longer_public"] == ["2017/40211"]
    assert "deleted" not in str(second).lower()


def test_a_failed_check_writes_nothing(client: TestClient, org_a: OrgTokens, fake: FakeInterpol) -> None:
    person = make_person(client, org_a.editor, name="Dilshod Namunov", nationalities=["TJ"])
    before = len(client.get("/api/v1/audit?limit=200", headers=org_a.admin).json()["items"])
    fake.misbehave(http_status(403))
    response = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor)
    assert response.status_code == 502
    assert (
        client.get(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.viewer).json()["items"]
        == []
    )
    entries = client.get("/api/v1/audit?limit=200", headers=org_a.admin).json()["items"]
    assert [e["action"] for e in entries if e["action"].startswith("interpol")] == ["interpol.checks_listed"]
    assert len(entries) == before + 1


def _returning(interpol: InterpolClient) -> Callable[[], InterpolClient]:
    return lambda: interpol


def test_mock_transport_timeout_and_malformed(client: TestClient, app: FastAPI, org_a: OrgTokens) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    person = make_person(client, org_a.editor, name="Sinov Sinovov")
    for transport in (
        httpx.MockTransport(timeout),
        httpx.MockTransport(lambda r: httpx.Response(200, content=b"{not json")),
    ):
        interpol = InterpolClient(
            httpx.Client(transport=transport, base_url="https://interpol.test"), pauses_s=()
        )

        app.dependency_overrides[get_interpol] = _returning(interpol)
        response = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor)
        assert response.status_code == 502
    app.dependency_overrides.clear()
    assert (
        client.get(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.viewer).json()["items"]
        == []
    )


def test_checks_are_scoped_and_need_an_editor(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, fake: FakeInterpol
) -> None:
    theirs = make_person(client, org_b.editor, name="Dilshod Namunov")
    assert (
        client.post(f"/api/v1/persons/{theirs['id']}/interpol-checks", headers=org_a.editor).status_code
        == 404
    )
    assert (
        client.post(f"/api/v1/persons/{theirs['id']}/interpol-checks", headers=org_b.viewer).status_code
        == 403
    )
    assert fake.requests == []


def test_non_iso_issuing_countries_pass_through_to_the_check(
    client: TestClient, app: FastAPI, org_a: OrgTokens
) -> None:
    """INTERPOL gives a few warrants under its own codes ("922"): the check keeps them as given."""
    links = {"_links": {"self": {"href": "https://interpol.test/notices/v1/red/2011-1234"}}}
    notice = {"entity_id": "2011/1234", "name": "KORVONOV", "forename": "ISMOIL", **links}
    detail = notice | {
        "arrest_warrants": [
            {"issuing_country_id": "922", "charge": "Illegal crossing of the state border"},
            {"issuing_country_id": "TJ", "charge": "Fraud"},
            {"issuing_country_id": 914, "charge": "Smuggling"},
        ]
    }

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/notices/v1/red/2011-1234":
            return httpx.Response(200, json=detail)
        return httpx.Response(200, json={"total": 1, "_embedded": {"notices": [notice]}})

    http = httpx.Client(transport=httpx.MockTransport(answer), base_url="https://interpol.test")
    app.dependency_overrides[get_interpol] = _returning(InterpolClient(http, pauses_s=()))
    person = make_person(client, org_a.editor, name="Ismoil Korvonov")
    response = client.post(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.editor)
    app.dependency_overrides.clear()
    assert response.status_code == 201, response.text
    assert response.json()["hits"][0]["requesting_states"] == ["914", "922", "TJ"]
    stored = client.get(f"/api/v1/persons/{person['id']}/interpol-checks", headers=org_a.viewer).json()
    assert stored["items"][0]["hits"][0]["requesting_states"] == ["914", "922", "TJ"]
