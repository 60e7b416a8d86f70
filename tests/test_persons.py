"""Persons and protection statuses over HTTP (contract section 3), with tenancy and versions."""

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_person, make_protection


def test_create_returns_the_person_with_location_and_etag(client: TestClient, org_a: OrgTokens) -> None:
    body = {
        "name": "  Umarali Kuvvatov ",
        "aliases": ["Quvvatov Umarali", "Кувватов Умарали"],
        "birth_date": "1970",
        "sex": "male",
        "nationalities": ["tj"],
        "categories": ["opposition", "businessperson"],
        "affiliations": ["Group 24"],
        "notes": "free text",
    }
    response = client.post("/api/v1/persons", json=body, headers=org_a.editor)
    assert response.status_code == 201
    person = response.json()
    assert response.headers["location"] == f"/api/v1/persons/{person['id']}"
    assert response.headers["etag"] == '"1"'
    assert person["name"] == "Umarali Kuvvatov"
    assert person["nationalities"] == ["TJ"]
    assert person["birth_date"] == "1970"
    assert person["version"] == 1
    assert person["created_at"].endswith("Z")
    uuid.UUID(person["id"])
    again = client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer)
    assert again.status_code == 200
    assert again.json() == person


def test_fuzzy_dates_come_back_exactly_as_given(client: TestClient, org_a: OrgTokens) -> None:
    for given in ("1970", "1970-02", "1970-02-28"):
        assert make_person(client, org_a.editor, birth_date=given)["birth_date"] == given


@pytest.mark.parametrize("given", ["70", "1970-2", "1970-02-30", "22.02.1970", "1970/02", ""])
def test_a_date_that_does_not_parse_says_in_words_which_forms_are_accepted(
    client: TestClient, org_a: OrgTokens, given: str
) -> None:
    response = client.post("/api/v1/persons", json={"name": "A", "birth_date": given}, headers=org_a.editor)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "birth_date"]
    assert "a year (2016), a year and month (2016-02) or a full date (2016-02-22)" in error["msg"]
    assert "^" not in error["msg"]  # never the regular expression
    assert "\\d" not in error["msg"]
    assert given not in error["msg"] or not given  # the value sent is not echoed


def test_bad_input_is_422_with_errors_and_writes_nothing(client: TestClient, org_a: OrgTokens) -> None:
    bad_bodies = [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "A", "unknown_field": 1},
        {"name": "A", "nationalities": ["ZZ"]},
        {"name": "A", "nationalities": ["TJK"]},
        {"name": "A", "birth_date": "2999"},
        {"name": "A", "birth_date": "1970-02-30"},
        {"name": "A", "birth_date": "70"},
        {"name": "A", "sex": "other"},
        {"name": "A", "categories": ["spy"]},
        {"name": "A", "aliases": ["x"] * 51},
        {"name": "A", "aliases": [""]},
        {"name": "A", "notes": "n" * 10_001},
        {"name": 5},
        {"name": "A", "aliases": "not a list"},
        {"name": "A", "related_persons": [{"person_id": str(uuid.uuid4()), "relation": "sibling"}]},
        {"name": "A", "related_persons": [{"person_id": str(uuid.uuid4()), "relation": "cousin"}]},
    ]
    for body in bad_bodies:
        response = client.post("/api/v1/persons", json=body, headers=org_a.editor)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 422
        assert problem["errors"], body
        assert {"loc", "msg", "type"} <= set(problem["errors"][0])
    listed = client.get("/api/v1/persons", headers=org_a.viewer).json()
    assert listed["items"] == []


def test_malformed_json_is_a_problem_not_a_500(client: TestClient, org_a: OrgTokens) -> None:
    headers = {**org_a.editor, "Content-Type": "application/json"}
    response = client.post("/api/v1/persons", content=b'{"name": ', headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_oversize_body_is_413(client: TestClient, org_a: OrgTokens) -> None:
    body = b'{"name": "A", "notes": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {**org_a.editor, "Content-Type": "application/json"}
    response = client.post("/api/v1/persons", content=body, headers=headers)
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert client.get("/api/v1/persons", headers=org_a.viewer).json()["items"] == []


def test_related_persons_must_be_visible_to_the_caller(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    own = make_person(client, org_a.editor, name="Zarina Misolova")
    foreign = make_person(client, org_b.editor, name="Other Org Person")
    linked = make_person(
        client,
        org_a.editor,
        name="Rustam Misolov",
        related_persons=[{"person_id": own["id"], "relation": "sibling"}],
    )
    assert linked["related_persons"] == [{"person_id": own["id"], "relation": "sibling"}]
    response = client.post(
        "/api/v1/persons",
        json={"name": "X", "related_persons": [{"person_id": foreign["id"], "relation": "sibling"}]},
        headers=org_a.editor,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "related_persons", 0, "person_id"]


def test_patch_needs_if_match_and_rejects_stale_versions(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    url = f"/api/v1/persons/{person['id']}"
    assert client.patch(url, json={"notes": "x"}, headers=org_a.editor).status_code == 428
    stale = client.patch(url, json={"notes": "x"}, headers={**org_a.editor, "If-Match": '"7"'})
    assert stale.status_code == 412
    ok = client.patch(
        url, json={"notes": "updated", "aliases": ["F. Namunov"]}, headers={**org_a.editor, "If-Match": '"1"'}
    )
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    assert ok.json()["notes"] == "updated"
    assert ok.json()["name"] == person["name"]
    assert ok.json()["version"] == 2
    again = client.patch(url, json={"notes": "late"}, headers={**org_a.editor, "If-Match": '"1"'})
    assert again.status_code == 412
    assert client.get(url, headers=org_a.viewer).json()["notes"] == "updated"


def test_patch_validates_like_create(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    url = f"/api/v1/persons/{person['id']}"
    headers = {**org_a.editor, "If-Match": '"1"'}
    for body in (
        {"name": None},
        {"nationalities": ["XX"]},
        {"version": 5},
        {"id": "x"},
        {"birth_date": "2999-01"},
    ):
        assert client.patch(url, json=body, headers=headers).status_code == 422, body
    assert client.get(url, headers=org_a.viewer).json()["version"] == 1


def test_list_is_newest_first_and_pages_with_a_cursor(client: TestClient, org_a: OrgTokens) -> None:
    ids = [make_person(client, org_a.editor, name=f"Person {i}")["id"] for i in range(5)]
    first = client.get("/api/v1/persons?limit=2", headers=org_a.viewer).json()
    assert [p["id"] for p in first["items"]] == ids[::-1][:2]
    second = client.get(f"/api/v1/persons?limit=2&cursor={first['next_cursor']}", headers=org_a.viewer).json()
    third = client.get(f"/api/v1/persons?limit=2&cursor={second['next_cursor']}", headers=org_a.viewer).json()
    assert [p["id"] for p in second["items"] + third["items"]] == ids[::-1][2:]
    assert third["next_cursor"] is None
    for limit in ("0", "201", "x"):
        assert client.get(f"/api/v1/persons?limit={limit}", headers=org_a.viewer).status_code == 422
    assert client.get("/api/v1/persons?cursor=garbage!", headers=org_a.viewer).status_code == 422


def test_nationality_filter(client: TestClient, org_a: OrgTokens) -> None:
    tj = make_person(client, org_a.editor, name="A", nationalities=["TJ", "RU"])
    make_person(client, org_a.editor, name="B", nationalities=["UZ"])
    found = client.get("/api/v1/persons?nationality=ru", headers=org_a.viewer).json()["items"]
    assert [p["id"] for p in found] == [tj["id"]]
    assert client.get("/api/v1/persons?nationality=QQ", headers=org_a.viewer).status_code == 422


def test_another_orgs_person_answers_exactly_like_a_missing_one(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    theirs = make_person(client, org_b.editor)
    missing = str(uuid.uuid4())
    for method, suffix, body in (
        ("GET", "", None),
        ("PATCH", "", {"notes": "x"}),
        ("DELETE", "", None),
        ("GET", "/protections", None),
        ("POST", "/protections", {"kind": "refugee_status", "host_state": "DE", "against_state": "TJ"}),
    ):
        headers = {**org_a.admin, "If-Match": '"1"'}
        foreign = client.request(
            method, f"/api/v1/persons/{theirs['id']}{suffix}", json=body, headers=headers
        )
        unknown = client.request(method, f"/api/v1/persons/{missing}{suffix}", json=body, headers=headers)
        assert foreign.status_code == unknown.status_code == 404, (method, suffix)
        assert foreign.content == unknown.content
        assert foreign.headers["content-type"] == unknown.headers["content-type"]
    assert client.get("/api/v1/persons", headers=org_a.viewer).json()["items"] == []
    assert client.get(f"/api/v1/persons/{theirs['id']}", headers=org_b.viewer).json()["version"] == 1


def test_roles(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    body = {"name": "New"}
    assert client.post("/api/v1/persons", json=body, headers=org_a.viewer).status_code == 403
    assert client.post("/api/v1/persons", json=body, headers=org_a.analyst).status_code == 403
    assert client.get(f"/api/v1/persons/{person['id']}", headers=org_a.analyst).status_code == 403
    assert client.delete(f"/api/v1/persons/{person['id']}", headers=org_a.editor).status_code == 403
    assert client.post("/api/v1/persons", json=body, headers=org_a.admin).status_code == 201
    problem = client.post("/api/v1/persons", json=body, headers=org_a.viewer).json()
    assert problem["status"] == 403
    assert problem["title"] == "Forbidden"


def test_protections(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    base = f"/api/v1/persons/{person['id']}/protections"
    later = make_protection(client, org_a.editor, person["id"], since="2018-05")
    earlier = make_protection(
        client, org_a.editor, person["id"], kind="asylum_applied", host_state="tr", since="2016"
    )
    assert earlier["host_state"] == "TR"
    listed = client.get(base, headers=org_a.viewer).json()["items"]
    assert [p["id"] for p in listed] == [earlier["id"], later["id"]]
    for bad in (
        {"kind": "refugee_status", "host_state": "DE"},
        {"kind": "visa", "host_state": "DE", "against_state": "TJ"},
        {
            "kind": "refugee_status",
            "host_state": "DE",
            "against_state": "TJ",
            "since": "2018",
            "until": "2017-12",
        },
        {"kind": "refugee_status", "host_state": "DE", "against_state": "ZZ"},
        {"kind": "refugee_status", "host_state": "DE", "against_state": "TJ", "extra": True},
    ):
        assert client.post(base, json=bad, headers=org_a.editor).status_code == 422, bad
    assert client.delete(f"{base}/{later['id']}", headers=org_a.viewer).status_code == 403
    assert client.delete(f"{base}/{later['id']}", headers=org_a.editor).status_code == 204
    assert client.delete(f"{base}/{later['id']}", headers=org_a.editor).status_code == 404
    assert [p["id"] for p in client.get(base, headers=org_a.viewer).json()["items"]] == [earlier["id"]]


def test_protection_of_another_person_is_404(client: TestClient, org_a: OrgTokens) -> None:
    one = make_person(client, org_a.editor, name="One")
    two = make_person(client, org_a.editor, name="Two")
    protection = make_protection(client, org_a.editor, one["id"])
    response = client.delete(
        f"/api/v1/persons/{two['id']}/protections/{protection['id']}", headers=org_a.editor
    )
    assert response.status_code == 404


def test_erasure_takes_everything_and_keeps_ids_in_the_audit(client: TestClient, org_a: OrgTokens) -> None:
    relative = make_person(client, org_a.editor, name="Relative")
    person = make_person(
        client,
        org_a.editor,
        name="To Be Erased",
        affiliations=["Group 24"],
        related_persons=[{"person_id": relative["id"], "relation": "sibling"}],
    )
    make_protection(client, org_a.editor, person["id"])
    assert client.delete(f"/api/v1/persons/{person['id']}", headers=org_a.admin).status_code == 204
    assert client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).status_code == 404
    assert client.get(f"/api/v1/persons/{person['id']}/protections", headers=org_a.viewer).status_code == 404
    assert client.get(f"/api/v1/persons/{relative['id']}", headers=org_a.viewer).status_code == 200
    entries = client.get("/api/v1/audit?limit=200", headers=org_a.admin).json()["items"]
    erased = [e for e in entries if e["action"] == "person.erased"]
    assert erased[0]["object"] == {"kind": "person", "id": person["id"]}
    assert "To Be Erased" not in str(entries)


def test_optional_fields_may_be_null_and_empty_patches_change_nothing(
    client: TestClient, org_a: OrgTokens
) -> None:
    body = {
        "name": "Nullable",
        "aliases": None,
        "sex": None,
        "nationalities": None,
        "categories": None,
        "notes": None,
    }
    person = client.post("/api/v1/persons", json=body, headers=org_a.editor).json()
    assert (person["aliases"], person["sex"], person["nationalities"]) == ([], "unknown", [])
    url = f"/api/v1/persons/{person['id']}"
    client.patch(url, json={"aliases": ["A"], "sex": "female"}, headers={**org_a.editor, "If-Match": '"1"'})
    reset = client.patch(
        url, json={"aliases": None, "sex": None}, headers={**org_a.editor, "If-Match": '"2"'}
    ).json()
    assert (reset["aliases"], reset["sex"], reset["version"]) == ([], "unknown", 3)
    unchanged = client.patch(url, json={}, headers={**org_a.editor, "If-Match": '"3"'})
    assert unchanged.status_code == 200
    assert unchanged.json()["version"] == 3
    assert (
        client.patch(url, json={"name": None}, headers={**org_a.editor, "If-Match": '"3"'}).status_code == 422
    )
    nested = {
        "name": "X",
        "related_persons": [{"person_id": person["id"], "relation": "sibling", "extra": 1}],
    }
    assert client.post("/api/v1/persons", json=nested, headers=org_a.editor).status_code == 422


def test_protections_page_and_carry_an_etag(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    created = client.post(
        f"/api/v1/persons/{person['id']}/protections",
        json={"kind": "refugee_status", "host_state": "DE", "against_state": "TJ", "since": "2016"},
        headers=org_a.editor,
    )
    assert created.headers["etag"] == '"1"'
    make_protection(client, org_a.editor, person["id"], since="2017")
    first = client.get(f"/api/v1/persons/{person['id']}/protections?limit=1", headers=org_a.viewer).json()
    assert len(first["items"]) == 1
    second = client.get(
        f"/api/v1/persons/{person['id']}/protections?limit=1&cursor={first['next_cursor']}",
        headers=org_a.viewer,
    ).json()
    assert second["items"][0]["since"] == "2017"
    assert second["next_cursor"] is None
    assert (
        client.get(f"/api/v1/persons/{person['id']}/protections?limit=0", headers=org_a.viewer).status_code
        == 422
    )
