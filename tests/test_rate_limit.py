"""The rate limit (issue 13 item 7): one allowance per authenticated token, however its header is
spelled and whether it calls the API or reads pages; requests without a valid token are limited by
their client address."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.models.token import Role
from app.settings import Settings
from tests.conftest import OrgTokens
from tests.ui.conftest import csrf_of, plain_token

PER_MINUTE = 5


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": PER_MINUTE}))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _spellings(token: str) -> list[str]:
    return [
        f"Bearer {token}",
        f"bearer {token}",
        f"BEARER {token}",
        f"  Bearer {token}  ",
        f"bEaReR {token}\t",
    ]


def test_one_allowance_per_token_however_the_header_is_spelled(
    limited: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    token = plain_token(org_a, Role.viewer)
    spellings = _spellings(token) + _spellings(token)[:2]
    answers = [limited.get("/api/v1/states", headers={"Authorization": s}) for s in spellings]
    assert [a.status_code for a in answers] == [200] * PER_MINUTE + [429] * 2
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "with this token" in refused.json()["detail"]
    # Other tokens, of the same organisation or another, have their own allowance.
    assert limited.get("/api/v1/states", headers=org_a.analyst).status_code == 200
    assert limited.get("/api/v1/states", headers=org_b.viewer).status_code == 200


def test_pages_and_the_api_share_the_tokens_allowance(limited: TestClient, org_a: OrgTokens) -> None:
    token = plain_token(org_a, Role.viewer)
    form = limited.get("/ui/login")  # no token yet: the address's allowance
    signed_in = limited.post(
        "/ui/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert signed_in.status_code == 303  # 1 with the token
    assert limited.get("/ui/states").status_code == 200  # 2
    assert limited.get("/api/v1/states", headers=org_a.viewer).status_code == 200  # 3
    assert limited.get("/ui/").status_code == 200  # 4
    assert limited.get("/api/v1/states", headers=org_a.viewer).status_code == 200  # 5
    page = limited.get("/ui/states")
    assert page.status_code == 429
    assert 1 <= int(page.headers["retry-after"]) <= 60
    assert limited.get("/api/v1/states", headers=org_a.viewer).status_code == 429


def test_requests_without_a_valid_token_are_limited_by_address(limited: TestClient, org_a: OrgTokens) -> None:
    junk = ["a3_" + "x" * 38, "nonsense", "", "a3_" + "y" * 38, "Bearer", "a3_0", "a3_1"]
    answers = [limited.get("/api/v1/persons", headers={"Authorization": f"Bearer {j}"}) for j in junk]
    assert [a.status_code for a in answers] == [401] * PER_MINUTE + [429] * 2
    assert "without a valid token" in answers[-1].json()["detail"]
    assert limited.get("/api/v1/persons").status_code == 429  # no header at all: the same address
    # Failed sign-ins to the web interface count against the same allowance.
    form = limited.get("/ui/login")
    refused = limited.post("/ui/login", data={"token": "a3_wrong", "csrf": csrf_of(form.text)})
    assert refused.status_code == 429
    # A valid token from the same address is not held back by its neighbours' junk.
    assert limited.get("/api/v1/persons", headers=org_a.viewer).status_code == 200
