"""Plain functions that create records through the API, returning their JSON."""

from typing import Any

from fastapi.testclient import TestClient

Headers = dict[str, str]


def make_person(client: TestClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Farrukh Namunov", "nationalities": ["TJ"], "categories": ["opposition"]}
    body.update(overrides)
    response = client.post("/api/v1/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_protection(client: TestClient, headers: Headers, person_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "refugee_status",
        "host_state": "DE",
        "against_state": "TJ",
        "since": "2016",
    }
    body.update(overrides)
    response = client.post(f"/api/v1/persons/{person_id}/protections", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_notice(client: TestClient, headers: Headers, person_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"person_id": person_id, "channel": "red_notice", "requesting_state": "TJ"}
    body.update(overrides)
    response = client.post("/api/v1/notices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_detention(client: TestClient, headers: Headers, person_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person_id": person_id,
        "host_state": "TR",
        "requesting_state": "TJ",
        "detained_on": "2014-12-19",
    }
    body.update(overrides)
    response = client.post("/api/v1/detentions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_extradition(
    client: TestClient, headers: Headers, person_id: str, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"person_id": person_id, "requesting_state": "TJ", "requested_state": "TR"}
    body.update(overrides)
    response = client.post("/api/v1/extraditions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_incident(client: TestClient, headers: Headers, person_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"person_id": person_id, "kind": "family_intimidation", "perpetrator_state": "TJ"}
    body.update(overrides)
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_challenge(client: TestClient, headers: Headers, person_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"person_id": person_id, "forum": "ccf", "kind": "deletion"}
    body.update(overrides)
    response = client.post("/api/v1/challenges", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def make_one_of_each(client: TestClient, headers: Headers) -> dict[str, str]:
    """A person and one record of every kind about them, by the name of their path parameter."""
    person = make_person(client, headers)
    notice = make_notice(client, headers, person["id"])
    return {
        "person_id": person["id"],
        "protection_id": make_protection(client, headers, person["id"])["id"],
        "notice_id": notice["id"],
        "detention_id": make_detention(client, headers, person["id"])["id"],
        "extradition_id": make_extradition(client, headers, person["id"])["id"],
        "incident_id": make_incident(client, headers, person["id"])["id"],
        "challenge_id": make_challenge(client, headers, person["id"], notice_id=notice["id"])["id"],
        "document_id": make_document(client, headers, person["id"], records=[notice["id"]])["id"],
    }


def make_document(
    client: TestClient,
    headers: Headers,
    person_id: str,
    *,
    content: bytes = b"%PDF-1.4\n%%EOF\n",
    **fields: Any,
) -> dict[str, Any]:
    """A document (a small PDF by default) uploaded as multipart."""
    data = {"title": "Arrest warrant", "kind": "warrant", **fields}
    response = client.post(
        f"/api/v1/persons/{person_id}/documents",
        data=data,
        files={"file": ("warrant.pdf", content, "application/pdf")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
