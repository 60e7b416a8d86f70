"""Extradition proceedings (section 6) and incidents (section 7)."""

from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_detention, make_extradition, make_incident, make_person


def test_extradition_rules(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    detention = make_detention(
        client, org_a.editor, person["id"], requesting_state="RU", host_state="FR", detained_on="2013-07"
    )
    proceeding = make_extradition(
        client,
        org_a.editor,
        person["id"],
        requesting_state="RU",
        requested_state="FR",
        detention_id=detention["id"],
        opened_on="2013-08",
        court="Conseil d'État",
        stage="supreme",
        decision="refused",
        decided_on="2016-12-09",
        grounds=["political_offence"],
    )
    assert proceeding["grounds"] == ["political_offence"]
    assert make_extradition(client, org_a.editor, person["id"])["decision"] == "pending"
    base = {"person_id": person["id"], "requesting_state": "RU", "requested_state": "FR"}
    for bad in (
        {**base, "opened_on": "2014", "decided_on": "2013-12"},
        {**base, "decision": "approved"},
        {**base, "stage": "district"},
        {**base, "grounds": ["politics"]},
        {k: v for k, v in base.items() if k != "requested_state"},
    ):
        assert client.post("/api/v1/extraditions", json=bad, headers=org_a.editor).status_code == 422, bad
    wrong_state = client.post(
        "/api/v1/extraditions",
        json={**base, "requesting_state": "KZ", "detention_id": detention["id"]},
        headers=org_a.editor,
    )
    assert wrong_state.status_code == 422


def test_extradition_patch(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    proceeding = make_extradition(client, org_a.editor, person["id"], opened_on="2017-08")
    url = f"/api/v1/extraditions/{proceeding['id']}"
    assert client.patch(url, json={"decision": "refused"}, headers=org_a.editor).status_code == 428
    assert (
        client.patch(
            url, json={"decided_on": "2017-07"}, headers={**org_a.editor, "If-Match": '"1"'}
        ).status_code
        == 422
    )
    assert (
        client.patch(
            url, json={"person_id": person["id"]}, headers={**org_a.editor, "If-Match": '"1"'}
        ).status_code
        == 422
    )
    decided = client.patch(
        url,
        json={"decision": "refused", "decided_on": "2018", "grounds": ["persecution_risk", "torture_risk"]},
        headers={**org_a.editor, "If-Match": '"1"'},
    )
    assert decided.status_code == 200
    assert decided.json()["version"] == 2
    assert decided.headers["etag"] == '"2"'
    listed = client.get("/api/v1/extraditions?decision=refused", headers=org_a.viewer).json()["items"]
    assert [e["id"] for e in listed] == [proceeding["id"]]


def test_incidents(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    incident = make_incident(
        client,
        org_a.editor,
        person["id"],
        kind="assassination",
        host_state="TR",
        occurred_on="2015-03-05",
        certainty="alleged",
    )
    assert incident["certainty"] == "alleged"
    assert make_incident(client, org_a.editor, person["id"])["certainty"] == "reported"
    for bad in (
        {"person_id": person["id"], "kind": "murder", "perpetrator_state": "TJ"},
        {"person_id": person["id"], "kind": "assault"},
    ):
        assert client.post("/api/v1/incidents", json=bad, headers=org_a.editor).status_code == 422
    url = f"/api/v1/incidents/{incident['id']}"
    patched = client.patch(url, json={"certainty": "reported"}, headers={**org_a.editor, "If-Match": '"1"'})
    assert patched.json()["certainty"] == "reported"
    assert (
        client.get("/api/v1/incidents?kind=assassination", headers=org_a.viewer).json()["items"][0]["id"]
        == incident["id"]
    )
    assert client.delete(url, headers=org_b.editor).status_code == 404
    assert client.delete(url, headers=org_a.viewer).status_code == 403
    assert client.delete(url, headers=org_a.editor).status_code == 204
    assert client.get(url, headers=org_a.viewer).status_code == 404
