"""GET /metrics and the request lines: they follow real requests, and say nothing a request carried.

The figures live in the process's registry, which every app of a test process shares, so each test
compares the figures before and after what it does.
"""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app import metrics
from app.clients.interpol import InterpolClient, open_interpol_http
from app.db import make_engine
from app.deps import get_interpol
from app.keyring import Keyring
from app.main import create_app
from app.models.token import Role
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens, serving
from tests.fake_interpol import FakeInterpol, http_status
from tests.test_logs import CYRILLIC, LATIN, _server_side, assert_no_canary
from tests.test_webhooks import WebhookDb, _org_admin, deliver, enqueue, register

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
REQUEST_LINE_KEYS = {"at", "event", "request_id", "method", "route", "status", "duration_ms"}


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: TestClient | httpx.Client, headers: dict[str, str] | None = None) -> Samples:
    answer = client.get("/metrics", headers=headers or {})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return parse(answer.text)


def scrape_here() -> Samples:
    """This process's figures, as /metrics would answer them (for work done outside a request)."""
    return parse(metrics.exposition()[0].decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "article3.request"]


@pytest.fixture
def fake(app: FastAPI) -> Iterator[FakeInterpol]:
    with FakeInterpol() as server:
        http = open_interpol_http(server.base_url, timeout_s=0.5)
        app.dependency_overrides[get_interpol] = lambda: InterpolClient(http, pauses_s=(), deadline_s=3)
        yield server
        http.close()
    app.dependency_overrides.clear()


def test_requests_are_counted_by_route_template_status_and_timed(
    client: TestClient, org_a: OrgTokens
) -> None:
    before = scrape(client, org_a.admin)
    created = client.post("/api/v1/persons", json={"name": "Amir Karimov"}, headers=org_a.editor)
    assert created.status_code == 201, created.text
    person = f"/api/v1/persons/{created.json()['id']}"
    assert client.get(person, headers=org_a.viewer).status_code == 200
    assert client.get(person, headers=org_a.viewer).status_code == 200
    missing = "/api/v1/persons/00000000-0000-4000-8000-000000000000"
    assert client.get(missing, headers=org_a.viewer).status_code == 404
    assert client.get("/no/such/page/Amir", headers=org_a.viewer).status_code == 404
    after = scrape(client, org_a.admin)

    route = "/api/v1/persons/{person_id}"
    requests = "article3_http_requests_total"
    assert grew(before, after, requests, method="GET", route=route, status="200") == 2
    assert grew(before, after, requests, method="GET", route=route, status="404") == 1
    assert grew(before, after, requests, method="POST", route="/api/v1/persons", status="201") == 1
    assert grew(before, after, requests, method="GET", route="unmatched", status="404") == 1
    assert grew(before, after, requests, method="GET", route="/metrics", status="200") == 1
    seconds = "article3_http_request_duration_seconds"
    assert grew(before, after, f"{seconds}_count", method="GET", route=route) == 3
    assert grew(before, after, f"{seconds}_sum", method="GET", route=route) > 0
    assert grew(before, after, f"{seconds}_bucket", method="GET", route=route, le="+Inf") == 3
    appends = "article3_audit_appends_total"
    assert grew(before, after, appends, action="person.created") == 1
    assert grew(before, after, appends, action="person.read") == 2


def test_refusals_by_the_rate_limit_and_the_quota_are_counted(
    settings: Settings, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 4, "daily_read_quota": 1})
    with TestClient(create_app(limited)) as client:
        before = scrape(client, org_b.admin)
        assert client.get("/api/v1/persons", headers=org_a.viewer).status_code == 200
        assert client.get("/api/v1/persons", headers=org_a.viewer).status_code == 429  # the quota
        assert client.get("/api/v1/tokens", headers=org_a.admin).status_code == 200
        assert [client.get("/api/v1/tokens", headers=org_a.admin).status_code for _ in range(4)] == [
            200,
            200,
            200,
            429,
        ]
        after = scrape(client, org_b.admin)
    assert grew(before, after, "article3_limit_refusals_total", limit="quota") == 1
    assert grew(before, after, "article3_limit_refusals_total", limit="rate") == 1


def test_interpol_requests_and_failures_are_counted(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol
) -> None:
    before = scrape(client, org_a.admin)
    assert client.get("/api/v1/interpol/red-notices?name=misol", headers=org_a.viewer).status_code == 200
    fake.misbehave(http_status(403))
    assert client.get("/api/v1/interpol/red-notices?name=other", headers=org_a.viewer).status_code == 502
    after = scrape(client, org_a.admin)
    requests = "article3_interpol_requests_total"
    assert grew(before, after, requests, endpoint="search", outcome="2xx") == 1
    assert grew(before, after, requests, endpoint="search", outcome="4xx") == 1
    assert grew(before, after, "article3_interpol_failures_total", endpoint="search") == 1


@pytest.fixture
def hooks(database_url: str) -> Iterator[WebhookDb]:
    """An organisation with webhooks, driven through the webhook service alone."""
    keyring = Keyring(SECRET.encode())
    engine = make_engine(database_url, writer=True, keyring=keyring)
    admin = _org_admin(engine, keyring, "Org W")
    yield WebhookDb(url=database_url, engine=engine, keyring=keyring, admin=admin, other_admin=admin)
    engine.dispose()


def test_webhook_deliveries_are_counted_by_outcome(hooks: WebhookDb) -> None:
    register(hooks, "http://127.0.0.1:9/hook")
    enqueue(hooks)
    enqueue(hooks)
    answers = iter([httpx.Response(200), httpx.Response(500)])
    before = scrape_here()
    deliver(hooks, transport=httpx.MockTransport(lambda _request: next(answers)), concurrency=1)
    after = scrape_here()
    assert grew(before, after, "article3_webhook_deliveries_total", outcome="delivered") == 1
    assert grew(before, after, "article3_webhook_deliveries_total", outcome="retrying") == 1


def test_no_name_id_query_or_token_in_the_metrics_or_the_request_lines(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = client.post(
        "/api/v1/persons", json={"name": LATIN, "aliases": [CYRILLIC]}, headers=org_a.editor
    )
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    for path in (
        f"/api/v1/persons?q={LATIN}",
        f"/api/v1/persons?q={CYRILLIC}",
        f"/api/v1/persons/{person_id}",
        f"/api/v1/persons/{person_id}/history",
        f"/api/v1/interpol/red-notices?name={LATIN}",
        f"/ui/?q={LATIN}",
        f"/{LATIN}/{CYRILLIC}",
    ):
        client.get(path, headers=org_a.viewer)
    client.post("/api/v1/match", json={"queries": [{"name": CYRILLIC}]}, headers=org_a.viewer)
    client.request("FETCH" + LATIN.split()[0].upper(), "/api/v1/persons", headers=org_a.viewer)
    text = client.get("/metrics", headers=org_a.admin).text

    assert_no_canary(text, "/metrics")
    tokens = [h["Authorization"].removeprefix("Bearer ") for h in org_a.headers.values()]
    for secret in [person_id, org_a.id, *tokens, *org_a.token_ids.values()]:
        assert secret not in text
    lines = request_lines(caplog)
    assert len(lines) >= 11
    assert all(set(line) == REQUEST_LINE_KEYS for line in lines)
    routes = {line["route"] for line in lines}
    assert {"/api/v1/persons", "/api/v1/persons/{person_id}", "unmatched"} <= routes
    assert not [route for route in routes if "?" in str(route) or person_id in str(route)]
    assert {line["method"] for line in lines} <= {"GET", "POST", "other"}
    assert_no_canary(_server_side(caplog), "the logs")
    assert person_id not in _server_side(caplog)


def test_metrics_need_an_admin_token_off_this_host(client: TestClient, org_a: OrgTokens) -> None:
    # TestClient's requests come from "testclient", not from a loopback address.
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer a3_junk"}).status_code == 401
    for role in (Role.viewer, Role.editor, Role.analyst):
        answer = client.get("/metrics", headers=org_a.headers[role])
        assert answer.status_code == 403, role
        assert answer.headers["content-type"] == "application/problem+json"
        assert "article3_" not in answer.text
    assert client.get("/metrics", headers=org_a.admin).status_code == 200


def test_the_real_server_answers_loopback_scrapers_and_logs_one_json_line_per_request(
    database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    with (
        output.open("wb") as sink,
        serving(database_url, output=sink) as base,
        httpx.Client(base_url=base) as http,
    ):
        health = http.get("/healthz")
        searched = http.get("/api/v1/persons", params={"q": LATIN})  # no token: 401
        samples = scrape(http)  # no token either: from 127.0.0.1
    lines = [json.loads(line) for line in output.read_text().splitlines() if line.startswith("{")]
    by_route = {line["route"]: line for line in lines}

    assert searched.status_code == 401
    assert value(samples, "article3_http_requests_total", method="GET", route="/healthz", status="200") >= 1
    assert (
        value(samples, "article3_http_requests_total", method="GET", route="/api/v1/persons", status="401")
        == 1
    )
    assert health.status_code == 200
    line = by_route["/healthz"]  # the readiness probe of serving() asked /healthz too: the last one
    assert set(line) == REQUEST_LINE_KEYS
    assert (line["event"], line["method"], line["status"]) == ("request", "GET", 200)
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert len({line["request_id"] for line in lines}) == len(lines)
    refused = by_route["/api/v1/persons"]
    assert (refused["method"], refused["status"]) == ("GET", 401)
    assert_no_canary(output.read_text(), "the server's output")
