"""What one organisation can learn of another's records through pooled indicators.

`group_targeting` pools the members of a group across organisations, by design. What it says must not:
a probe person recorded by org B, in the same group as two persons org A records, must not learn the
dates of A's notices or any of A's ids, in any output that carries a flag, and A learns nothing of B's.
Other organisations contribute counts, nothing else.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.models.token import Role
from tests.conftest import OrgTokens
from tests.factories import make_notice, make_person
from tests.ui.conftest import plain_token, sign_in

GROUP = "Islamic Renaissance Party of Tajikistan"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """On https://testserver, where the web interface's session cookie (Secure) is sent back."""
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


def _member(client: TestClient, org: OrgTokens, name: str, requested_on: str) -> dict[str, Any]:
    person = make_person(client, org.editor, name=name, affiliations=[GROUP])
    notice = make_notice(client, org.editor, person["id"], requesting_state="TJ", requested_on=requested_on)
    return {"person": person["id"], "notice": notice["id"], "on": requested_on}


def _outputs(client: TestClient, org: OrgTokens, person_id: str) -> dict[str, str]:
    """Every output that carries this person's flags, or the pooled figures of their state."""
    api = {
        "flags": f"/api/v1/persons/{person_id}/flags",
        "history": f"/api/v1/persons/{person_id}/history",
        "dossier json": f"/api/v1/persons/{person_id}/dossier",
        "dossier markdown": f"/api/v1/persons/{person_id}/dossier?format=markdown",
        "state": "/api/v1/states/TJ",
        "states": "/api/v1/states",
    }
    found = {}
    for what, path in api.items():
        response = client.get(path, headers=org.viewer)
        assert response.status_code == 200, (what, response.text)
        found[what] = response.text
    sign_in(client, plain_token(org, Role.viewer))
    for what, path in {
        "person page": f"/ui/persons/{person_id}",
        "ui dossier": f"/ui/persons/{person_id}/dossier.md",
        "state page": "/ui/states/TJ",
    }.items():
        response = client.get(path)
        assert response.status_code == 200, (what, response.text)
        found[what] = response.text
    client.cookies.clear()
    return found


def _group_flag(client: TestClient, org: OrgTokens, person_id: str) -> dict[str, Any]:
    flags = client.get(f"/api/v1/persons/{person_id}/flags", headers=org.viewer).json()["items"]
    return next(f for f in flags if f["code"] == "group_targeting")


def test_group_targeting_tells_nobody_the_dates_or_ids_of_another_organisations_records(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    theirs = [
        _member(client, org_a, "Muhiddin Kabiri", "2016-03-17"),
        _member(client, org_a, "Zayd Saidov", "2016-07-04"),
    ]
    probe = _member(client, org_b, "Probe Person", "2016-05-09")

    flag = _group_flag(client, org_b, probe["person"])
    assert flag["explanation"] == (
        f"3 persons sharing the affiliation '{GROUP}', this one included, have notices from Tajikistan "
        "dated within 730 days of each other: the red notice of 2016-05-09 on this person; "
        "2 more persons recorded elsewhere."
    )
    assert flag["evidence"] == [{"kind": "notice", "id": probe["notice"]}]
    for what, text in _outputs(client, org_b, probe["person"]).items():
        for record in theirs:
            assert record["on"] not in text, (what, record["on"])
            assert record["person"] not in text, (what, "a person id of org A")
            assert record["notice"] not in text, (what, "a notice id of org A")

    # Org A sees its own records named, and the probe's only as a count.
    first, second = theirs
    flag = _group_flag(client, org_a, first["person"])
    assert flag["explanation"].endswith(
        "the red notice of 2016-03-17 on this person; 1 more person recorded by this organisation; "
        "1 more person recorded elsewhere."
    )
    assert flag["evidence"] == [
        {"kind": "notice", "id": first["notice"]},
        {"kind": "person", "id": second["person"]},
    ]
    for what, text in _outputs(client, org_a, first["person"]).items():
        assert probe["on"] not in text, (what, probe["on"])
        assert probe["person"] not in text, (what, "a person id of org B")
        assert probe["notice"] not in text, (what, "a notice id of org B")
