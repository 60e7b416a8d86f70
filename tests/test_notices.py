"""Notices (contract section 4): channels, charges and their classification, the status history."""

import uuid

from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_detention, make_notice, make_person


def test_create_with_charges_classified_and_given(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(
        client,
        org_a.editor,
        person["id"],
        interpol_ref="2015/12345",
        requested_on="2015-01",
        issued_on="2015-02-03",
        status="published",
        charges=[
            {"text": "Публичные призывы к осуществлению экстремистской деятельности", "category": None},
            {"text": "Мошенничество в особо крупном размере"},
            {"text": "Calls to overthrow the constitutional order", "category": "speech"},
        ],
    )
    assert [(c["category"], c["category_source"]) for c in notice["charges"]] == [
        ("extremism", "auto"),
        ("economic", "auto"),
        ("speech", "user"),
    ]
    assert notice["status"] == "published"
    assert notice["status_history"][0]["status"] == "published"
    assert notice["status_history"][0]["on"] == "2015-02-03"
    assert notice["version"] == 1


def test_every_channel_is_accepted(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    channels = [
        "red_notice",
        "diffusion",
        "blue_notice",
        "national_warrant",
        "bilateral_request",
        "cis_wanted_list",
        "sltd_passport",
    ]
    for channel in channels:
        assert make_notice(client, org_a.editor, person["id"], channel=channel)["channel"] == channel
    listed = client.get(f"/api/v1/notices?person_id={person['id']}&limit=200", headers=org_a.viewer).json()[
        "items"
    ]
    assert sorted(n["channel"] for n in listed) == sorted(channels)


def test_initial_entry_dated_requested_on_for_requested(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requested_on="2013", issued_on="2013-05")
    assert notice["status_history"] == [
        {
            "status": "requested",
            "on": "2013",
            "actor": None,
            "reason": None,
            "note": None,
            "recorded_at": notice["created_at"],
        }
    ]


def test_status_changes_take_their_place_by_date(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requested_on="2015-01", status="requested")
    url = f"/api/v1/notices/{notice['id']}/status"
    steps = [
        {
            "status": "deleted",
            "on": "2018-03-02",
            "actor": "ccf",
            "reason": "article_3",
            "note": "CCF session 104",
        },
        {"status": "published", "on": "2015-02"},
        {"status": "unknown", "on": None},
        {"status": "blocked", "on": "2017", "actor": "ccf"},
    ]
    for step in steps:
        response = client.post(url, json=step, headers=org_a.editor)
        assert response.status_code == 200, response.text
    notice = response.json()
    assert [(e["status"], e["on"]) for e in notice["status_history"]] == [
        ("requested", "2015-01"),
        ("published", "2015-02"),
        ("blocked", "2017"),
        ("deleted", "2018-03-02"),
        ("unknown", None),
    ]
    assert notice["status"] == "unknown"
    assert notice["version"] == 5
    assert notice["status_history"][3]["reason"] == "article_3"
    only_dated = client.get(
        f"/api/v1/notices?status=unknown&person_id={person['id']}", headers=org_a.viewer
    ).json()
    assert [n["id"] for n in only_dated["items"]] == [notice["id"]]


def test_status_change_before_the_notice_is_422(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requested_on="2015-06")
    url = f"/api/v1/notices/{notice['id']}/status"
    response = client.post(url, json={"status": "deleted", "on": "2015-05-31"}, headers=org_a.editor)
    assert response.status_code == 422
    for bad in (
        {"status": "gone"},
        {"on": "2016"},
        {"status": "deleted", "actor": "police"},
        {"status": "deleted", "x": 1},
    ):
        assert client.post(url, json=bad, headers=org_a.editor).status_code == 422, bad
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["version"] == 1


def test_bad_notices_write_nothing(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    base = {"person_id": person["id"], "channel": "red_notice", "requesting_state": "TJ"}
    for bad in (
        {**base, "channel": "purple_notice"},
        {**base, "requesting_state": "XX"},
        {**base, "interpol_ref": "15/123"},
        {**base, "interpol_ref": "2015/12345678"},
        {**base, "requested_on": "2016", "issued_on": "2015-12"},
        {**base, "charges": [{"text": "fraud"}] * 51},
        {**base, "charges": [{"text": "x" * 2001}]},
        {**base, "charges": [{"text": ""}]},
        {**base, "charges": [{"text": "fraud", "category": "theft"}]},
        {**base, "status": "archived"},
        {k: v for k, v in base.items() if k != "requesting_state"},
    ):
        assert client.post("/api/v1/notices", json=bad, headers=org_a.editor).status_code == 422, bad
    assert (
        client.post(
            "/api/v1/notices", json={**base, "person_id": str(uuid.uuid4())}, headers=org_a.editor
        ).status_code
        == 404
    )
    assert client.get("/api/v1/notices", headers=org_a.viewer).json()["items"] == []


def test_patch_notice(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requested_on="2015", charges=[{"text": "fraud"}])
    url = f"/api/v1/notices/{notice['id']}"
    assert client.patch(url, json={"in_absentia": True}, headers=org_a.editor).status_code == 428
    assert (
        client.patch(url, json={"status": "deleted"}, headers={**org_a.editor, "If-Match": '"1"'}).status_code
        == 422
    )
    assert (
        client.patch(
            url, json={"person_id": person["id"]}, headers={**org_a.editor, "If-Match": '"1"'}
        ).status_code
        == 422
    )
    assert (
        client.patch(url, json={"issued_on": "2014"}, headers={**org_a.editor, "If-Match": '"1"'}).status_code
        == 422
    )
    response = client.patch(
        url,
        json={"in_absentia": True, "charges": [{"text": "terrorism"}, {"text": "x", "category": "drugs"}]},
        headers={**org_a.editor, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["in_absentia"] is True
    assert [c["category"] for c in patched["charges"]] == ["terrorism", "drugs"]
    assert patched["version"] == 2
    assert (
        client.patch(url, json={"note": "x"}, headers={**org_a.editor, "If-Match": '"1"'}).status_code == 412
    )


def test_requesting_state_cannot_contradict_linked_detentions(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"])
    make_detention(client, org_a.editor, person["id"], notice_id=notice["id"], requesting_state=None)
    response = client.patch(
        f"/api/v1/notices/{notice['id']}",
        json={"requesting_state": "RU"},
        headers={**org_a.editor, "If-Match": '"1"'},
    )
    assert response.status_code == 409


def test_notice_filters(client: TestClient, org_a: OrgTokens) -> None:
    one = make_person(client, org_a.editor, name="One")
    two = make_person(client, org_a.editor, name="Two")
    a = make_notice(client, org_a.editor, one["id"], requesting_state="TJ", channel="diffusion")
    b = make_notice(
        client, org_a.editor, two["id"], requesting_state="RU", channel="red_notice", status="published"
    )

    def ids(query: str) -> list[str]:
        response = client.get(f"/api/v1/notices?{query}", headers=org_a.viewer)
        assert response.status_code == 200, response.text
        return [n["id"] for n in response.json()["items"]]

    assert ids("requesting_state=tj") == [a["id"]]
    assert ids("channel=red_notice") == [b["id"]]
    assert ids("status=published") == [b["id"]]
    assert ids(f"person_id={one['id']}") == [a["id"]]
    assert ids("") == [b["id"], a["id"]]
    assert client.get("/api/v1/notices?channel=fax", headers=org_a.viewer).status_code == 422


def test_patched_dates_cannot_leave_a_status_change_before_the_notice(
    client: TestClient, org_a: OrgTokens
) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(client, org_a.editor, person["id"], requested_on="2015-01")
    client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "published", "on": "2015-03"},
        headers=org_a.editor,
    )
    url = f"/api/v1/notices/{notice['id']}"
    assert (
        client.patch(
            url, json={"requested_on": "2016"}, headers={**org_a.editor, "If-Match": '"2"'}
        ).status_code
        == 422
    )
    assert (
        client.patch(
            url, json={"requested_on": "2015-02"}, headers={**org_a.editor, "If-Match": '"2"'}
        ).status_code
        == 200
    )
