"""Detentions (contract section 5): release and surrender, each once, never before the detention."""

import uuid

from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_detention, make_notice, make_person


def test_detention_takes_the_notices_requesting_state(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requesting_state="BY")
    detention = make_detention(
        client, org_a.editor, person["id"], notice_id=notice["id"], requesting_state=None, basis="red_notice"
    )
    assert detention["requesting_state"] == "BY"
    assert detention["status"] == "in_custody"
    assert detention["custody_days"] is None
    same = make_detention(client, org_a.editor, person["id"], notice_id=notice["id"], requesting_state="by")
    assert same["requesting_state"] == "BY"
    contradicting = client.post(
        "/api/v1/detentions",
        json={
            "person_id": person["id"],
            "notice_id": notice["id"],
            "requesting_state": "RU",
            "host_state": "RS",
            "detained_on": "2023",
        },
        headers=org_a.editor,
    )
    assert contradicting.status_code == 422  # a value wrong against the notice it names
    missing_state = client.post(
        "/api/v1/detentions",
        json={"person_id": person["id"], "host_state": "RS", "detained_on": "2023"},
        headers=org_a.editor,
    )
    assert missing_state.status_code == 422


def test_release_rules_and_custody_days(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    detention = make_detention(client, org_a.editor, person["id"], detained_on="2018-11-27")
    url = f"/api/v1/detentions/{detention['id']}"
    before = client.post(
        f"{url}/release", json={"released_on": "2018-11-26", "reason": "bail"}, headers=org_a.editor
    )
    assert before.status_code == 422
    released = client.post(
        f"{url}/release",
        json={"released_on": "2019-02-12", "reason": "extradition_refused", "conditions": "none"},
        headers=org_a.editor,
    )
    assert released.status_code == 200
    body = released.json()
    assert body["status"] == "released"
    assert body["custody_days"] == 77
    assert body["release_reason"] == "extradition_refused"
    again = client.post(
        f"{url}/release", json={"released_on": "2019-03", "reason": "bail"}, headers=org_a.editor
    )
    assert again.status_code == 409
    surrender = client.post(
        f"{url}/surrender", json={"surrendered_on": "2019-03", "kind": "extradited"}, headers=org_a.editor
    )
    assert surrender.status_code == 409
    assert client.get(url, headers=org_a.viewer).json()["released_on"] == "2019-02-12"


def test_surrender(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    detention = make_detention(client, org_a.editor, person["id"], detained_on="2020-01")
    url = f"/api/v1/detentions/{detention['id']}/surrender"
    assert (
        client.post(
            url, json={"surrendered_on": "2019-12-31", "kind": "deported"}, headers=org_a.editor
        ).status_code
        == 422
    )
    assert (
        client.post(
            url, json={"surrendered_on": "2020-03-01", "kind": "kidnapped"}, headers=org_a.editor
        ).status_code
        == 422
    )
    done = client.post(
        url, json={"surrendered_on": "2020-03-01", "kind": "rendered"}, headers=org_a.editor
    ).json()
    assert done["status"] == "surrendered"
    assert done["custody_days"] is None  # detained_on known only to the month
    release = client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2020-04", "reason": "bail"},
        headers=org_a.editor,
    )
    assert release.status_code == 409


def test_month_dates_compare_by_first_day(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    detention = make_detention(client, org_a.editor, person["id"], detained_on="2012-08")
    response = client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2012-08", "reason": "other"},
        headers=org_a.editor,
    )
    assert response.status_code == 200
    assert response.json()["custody_days"] is None


def test_detention_filters_and_foreign_ids(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    in_tr = make_detention(client, org_a.editor, person["id"], host_state="TR")
    in_ae = make_detention(client, org_a.editor, person["id"], host_state="AE", detained_on="2012")
    client.post(
        f"/api/v1/detentions/{in_ae['id']}/release",
        json={"released_on": "2013-09", "reason": "other"},
        headers=org_a.editor,
    )
    items = client.get("/api/v1/detentions?status=in_custody", headers=org_a.viewer).json()["items"]
    assert [d["id"] for d in items] == [in_tr["id"]]
    assert [
        d["id"] for d in client.get("/api/v1/detentions?host_state=ae", headers=org_a.viewer).json()["items"]
    ] == [in_ae["id"]]
    theirs = make_person(client, org_b.editor)
    foreign_person = client.post(
        "/api/v1/detentions",
        json={"person_id": theirs["id"], "host_state": "TR", "requesting_state": "TJ", "detained_on": "2014"},
        headers=org_a.editor,
    )
    unknown_person = client.post(
        "/api/v1/detentions",
        json={
            "person_id": str(uuid.uuid4()),
            "host_state": "TR",
            "requesting_state": "TJ",
            "detained_on": "2014",
        },
        headers=org_a.editor,
    )
    assert foreign_person.status_code == unknown_person.status_code == 404
    assert foreign_person.content == unknown_person.content
    their_detention = make_detention(client, org_b.editor, theirs["id"])
    for path in (
        f"/api/v1/detentions/{their_detention['id']}/release",
        f"/api/v1/detentions/{uuid.uuid4()}/release",
    ):
        response = client.post(path, json={"released_on": "2015", "reason": "bail"}, headers=org_a.editor)
        assert response.status_code == 404
    assert (
        client.get(f"/api/v1/detentions/{their_detention['id']}", headers=org_b.viewer).json()["status"]
        == "in_custody"
    )


def test_notice_of_another_person_is_refused(client: TestClient, org_a: OrgTokens) -> None:
    one = make_person(client, org_a.editor, name="One")
    two = make_person(client, org_a.editor, name="Two")
    notice = make_notice(client, org_a.editor, one["id"])
    response = client.post(
        "/api/v1/detentions",
        json={"person_id": two["id"], "notice_id": notice["id"], "host_state": "TR", "detained_on": "2014"},
        headers=org_a.editor,
    )
    assert response.status_code == 422
