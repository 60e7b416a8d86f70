"""Two processes on one database: a person written through one is found by a search in the other
within a second (each catches up from the change log before it answers)."""

import time
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens

# Tests that start real servers and load the database run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("live_server")


def _found_within(search: Callable[[], list[str]], person_id: str, seconds: float = 1.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if person_id in search():
            return True
        time.sleep(0.05)
    return False


def test_a_write_in_one_process_is_found_in_the_other(
    client: TestClient, org_a: OrgTokens, live_server: str
) -> None:
    def search_other(q: str) -> list[str]:
        response = httpx.get(
            f"{live_server}/api/v1/persons", params={"q": q}, headers=org_a.viewer, timeout=5
        )
        return [p["id"] for p in response.json()["items"]]

    def search_here(q: str) -> list[str]:
        return [
            p["id"]
            for p in client.get("/api/v1/persons", params={"q": q}, headers=org_a.viewer).json()["items"]
        ]

    assert search_other("Zarina Misolova") == []
    here = client.post("/api/v1/persons", json={"name": "Zarina Misolova"}, headers=org_a.editor).json()
    assert _found_within(lambda: search_other("MISOLOVA ZARINA"), here["id"])
    there = httpx.post(
        f"{live_server}/api/v1/persons", json={"name": "Behruz Sinovzoda"}, headers=org_a.editor, timeout=5
    ).json()
    assert _found_within(lambda: search_here("Бехруз Синовзода"), there["id"])
    assert client.delete(f"/api/v1/persons/{here['id']}", headers=org_a.admin).status_code == 204
    assert _found_within(
        lambda: [] if here["id"] in search_other("Zarina Misolova") else [here["id"]], here["id"]
    )
