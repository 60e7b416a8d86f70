"""Integrity under load (issue 7): idempotency keys, no lost update, one winner per ETag, rate limits
and the daily quota. Concurrent tests run against the real server in its own process."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.audit import AuditEntry
from app.models.person import Person
from app.services import audit
from app.services.tenancy import get_owned
from tests.conftest import OrgTokens, serving
from tests.factories import make_person

# Tests that start real servers and load the database run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("live_server")


def test_idempotent_post_is_replayed_and_other_bodies_conflict(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    headers = {**org_a.editor, "Idempotency-Key": "create-zarina-1"}
    first = client.post("/api/v1/persons", json={"name": "Zarina Misolova"}, headers=headers)
    again = client.post("/api/v1/persons", json={"name": "Zarina Misolova"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    other = client.post("/api/v1/persons", json={"name": "Someone Else"}, headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    theirs = client.post(
        "/api/v1/persons",
        json={"name": "Zarina Misolova"},
        headers={**org_b.editor, "Idempotency-Key": "create-zarina-1"},
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first.json()["id"]  # keys are per organisation
    assert len(client.get("/api/v1/persons", headers=org_a.viewer).json()["items"]) == 1
    assert (
        client.post(
            "/api/v1/persons", json={"name": "x"}, headers={**org_a.editor, "Idempotency-Key": "k" * 256}
        ).status_code
        == 422
    )


def test_50_concurrent_identical_requests_make_one_record(live_server: str, org_a: OrgTokens) -> None:
    headers = {**org_a.editor, "Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Once Only", "notes": "fifty times sent"}

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{live_server}/api/v1/persons", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(post, range(50)))
    assert {a.status_code for a in answers} <= {201, 409}
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    listed = httpx.get(f"{live_server}/api/v1/persons", headers=org_a.viewer, timeout=10).json()["items"]
    assert [p["id"] for p in listed] == list(created)


def test_50_threads_x_20_read_modify_writes_lose_nothing(
    database_url: str, keyring: Keyring, org_a: OrgTokens, client: TestClient
) -> None:
    person = make_person(client, org_a.editor, notes="0")

    engine = make_engine(database_url, writer=True)

    def increment(_: int) -> None:
        for _ in range(20):
            with unit_of_work(engine, keyring) as session:
                row = get_owned(session, Person, person["id"], org_id=org_a.id, for_update=True)
                row.notes = str(int(row.notes or "0") + 1)
                session.add(row)

    threads = [threading.Thread(target=increment, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).json()["notes"] == "1000"


def test_50_concurrent_patches_with_one_etag_one_wins(live_server: str, org_a: OrgTokens) -> None:
    person = httpx.post(
        f"{live_server}/api/v1/persons", json={"name": "Contested"}, headers=org_a.editor, timeout=10
    ).json()
    url = f"{live_server}/api/v1/persons/{person['id']}"

    def patch(i: int) -> int:
        return httpx.patch(
            url, json={"notes": f"writer {i}"}, headers={**org_a.editor, "If-Match": '"1"'}, timeout=60
        ).status_code

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(patch, range(50)))
    assert statuses.count(200) == 1
    assert statuses.count(412) == 49
    assert httpx.get(url, headers=org_a.viewer, timeout=10).json()["version"] == 2


def test_50_clients_x_20_posts_all_stored_with_the_chain_intact(database_url: str, org_a: OrgTokens) -> None:
    with serving(database_url, ARTICLE3_RATE_LIMIT_PER_MINUTE="100000") as live_server:
        _fifty_clients(live_server, org_a)


def _fifty_clients(live_server: str, org_a: OrgTokens) -> None:
    def client_posts(c: int) -> list[int]:
        with httpx.Client(base_url=live_server, headers=org_a.editor, timeout=60) as http:
            return [
                http.post("/api/v1/persons", json={"name": f"Client {c} person {i}"}).status_code
                for i in range(20)
            ]

    with ThreadPoolExecutor(50) as pool:
        statuses = [s for batch in pool.map(client_posts, range(50)) for s in batch]
    assert statuses == [201] * 1000
    with httpx.Client(base_url=live_server, headers=org_a.admin, timeout=60) as http:
        seen, cursor = 0, None
        while True:
            page: dict[str, Any] = http.get(
                "/api/v1/persons", params={"limit": 200, **({"cursor": cursor} if cursor else {})}
            ).json()
            seen += len(page["items"])
            if not (cursor := page["next_cursor"]):
                break
        assert seen == 1000
        created = [
            e
            for e in http.get("/api/v1/audit", params={"limit": 200}).json()["items"]
            if e["action"] == "person.created"
        ]
        assert created
        assert http.get("/api/v1/audit/verify").json()["ok"] is True


def test_rate_limit_per_token(database_url: str, org_a: OrgTokens, org_b: OrgTokens) -> None:
    with (
        serving(database_url, ARTICLE3_RATE_LIMIT_PER_MINUTE="5") as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        statuses = [http.get("/api/v1/persons", headers=org_a.viewer).status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        refused = http.get("/api/v1/persons", headers=org_a.viewer)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["content-type"] == "application/problem+json"
        assert http.get("/api/v1/persons", headers=org_b.viewer).status_code == 200  # per token


def test_entering_a_unit_of_work_takes_no_write_slot(
    db: sa.Engine, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request's write session is entered before its quota check, which records a refusal in a unit
    of work of its own. Entering must not take SQLite's write slot, nor read the active field key: that
    read happens at the session's first statement."""
    monkeypatch.setattr("app.db.WRITE_WAIT_S", 2)
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO app_meta (key, value) VALUES ('field_key_active', '2')"))
    with unit_of_work(db, keyring) as request_session:
        with unit_of_work(db, keyring) as refusal:
            entry = audit.record(refusal, by=None, action="quota.exceeded")
        assert keyring.fields.active_kid == 2  # read at the refusal's first statement
        assert request_session.get(AuditEntry, entry.seq) is not None


def test_daily_quota_stops_a_scraper_and_is_audited(database_url: str, org_a: OrgTokens) -> None:
    with (
        serving(database_url, ARTICLE3_DAILY_READ_QUOTA="3") as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        person = http.post("/api/v1/persons", json={"name": "Scraped"}, headers=org_a.editor).json()
        reads = [
            http.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).status_code for _ in range(5)
        ]
        assert reads == [200, 200, 200, 429, 429]
        refused = http.get("/api/v1/persons", headers=org_a.viewer)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) <= 86400
        assert (
            http.get("/api/v1/states", headers=org_a.viewer).status_code == 200
        )  # pooled figures are not persons' data
        assert (
            http.get(f"/api/v1/persons/{person['id']}", headers=org_a.editor).status_code == 200
        )  # per token
        actions = [e["action"] for e in http.get("/api/v1/audit", headers=org_a.admin).json()["items"]]
        assert actions.count("quota.exceeded") == 3
