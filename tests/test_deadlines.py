"""GET /api/v1/deadlines: every dated obligation of the organisation, soonest first, with its legal basis."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.services import convention
from app.services.challenge import add_months
from tests.conftest import OrgTokens
from tests.factories import Headers, make_challenge, make_extradition, make_person, make_protection

TODAY = date.today()


def _admissible_ccf(
    client: TestClient, headers: Headers, person_id: str, *, kind: str, on: date, reference: str
) -> str:
    c = make_challenge(client, headers, person_id, kind=kind, reference=reference)
    for type_ in ("filed", "admissible"):
        r = client.post(
            f"/api/v1/challenges/{c['id']}/events",
            json={"type": type_, "on": on.isoformat()},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    return str(c["id"])


def _deadlines(client: TestClient, headers: Headers, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/deadlines", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_every_kind_of_deadline_soonest_first(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    pid = person["id"]
    ccf = _admissible_ccf(
        client, org_a.editor, pid, kind="access", on=TODAY - timedelta(days=200), reference="CCF/1"
    )
    protection = make_protection(client, org_a.editor, pid, until=(TODAY + timedelta(days=10)).isoformat())
    decided = TODAY - timedelta(days=20)
    granted = make_extradition(
        client, org_a.editor, pid, requested_state="FR", decision="granted", decided_on=decided.isoformat()
    )
    items = _deadlines(client, org_a.viewer)
    assert [i["kind"] for i in items] == ["ccf_decision", "protection_expiry", "echr_application"]
    first, second, third = items
    assert first["ref"] == {"kind": "challenge", "id": ccf}
    assert first["due_on"] == add_months(TODAY - timedelta(days=200), 4).isoformat()
    assert first["overdue"] is True
    assert "Art. 40" in first["basis"]
    assert "CCF/1" in first["summary"]
    assert second["ref"] == {"kind": "protection", "id": protection["id"]}
    assert second["due_on"] == (TODAY + timedelta(days=10)).isoformat()
    assert second["overdue"] is False
    assert third["ref"] == {"kind": "extradition", "id": granted["id"]}
    assert third["due_on"] == add_months(decided, 4).isoformat()
    assert "Art. 35(1)" in third["basis"]
    assert {i["person_id"] for i in items} == {pid}
    assert all(person["name"] not in i["summary"] for i in items)
    # within_days: overdue ones always, later ones only inside the window
    assert [i["kind"] for i in _deadlines(client, org_a.viewer, within_days=30)] == [
        "ccf_decision",
        "protection_expiry",
    ]
    assert [i["kind"] for i in _deadlines(client, org_a.viewer, within_days=0)] == ["ccf_decision"]


def test_the_echr_window_needs_a_final_grant_by_a_convention_state(
    client: TestClient, org_a: OrgTokens
) -> None:
    def person_with(*proceedings: dict[str, Any]) -> str:
        pid = str(make_person(client, org_a.editor)["id"])
        for p in proceedings:
            make_extradition(client, org_a.editor, pid, **p)
        return pid

    granted = {"decision": "granted", "requested_state": "DE", "decided_on": "2023-03-15"}
    plain = person_with(granted)
    appealed = person_with(granted, {"decision": "pending", "requested_state": "DE", "stage": "appeal"})
    overturned = person_with(
        granted, {"decision": "refused", "requested_state": "DE", "decided_on": "2023-06-01"}
    )
    russia_after = person_with({"decision": "granted", "requested_state": "RU", "decided_on": "2022-09-16"})
    russia_before = person_with({"decision": "granted", "requested_state": "RU", "decided_on": "2022-09-15"})
    belarus = person_with({"decision": "granted", "requested_state": "BY", "decided_on": "2023-01-10"})
    six_months = person_with({"decision": "granted", "requested_state": "PL", "decided_on": "2021-12"})
    filed = person_with(granted)
    echr = make_challenge(client, org_a.editor, filed, forum="echr", kind="interim_measure")
    client.post(
        f"/api/v1/challenges/{echr['id']}/events",
        json={"type": "filed", "on": "2023-04-01"},
        headers=org_a.editor,
    )

    windows = {
        i["person_id"]: i["due_on"]
        for i in _deadlines(client, org_a.viewer)
        if i["kind"] == "echr_application"
    }
    assert windows == {plain: "2023-07-15", russia_before: "2023-01-15", six_months: "2022-06-01"}
    assert not {appealed, overturned, russia_after, belarus, filed} & set(windows)


def test_convention_parties_and_time_limits() -> None:
    assert convention.is_party("RU", date(2022, 9, 15))
    assert not convention.is_party("RU", date(2022, 9, 16))
    assert not convention.is_party("BY", date(2000, 1, 1))
    assert not convention.is_party("XK", date(2024, 1, 1))
    assert not convention.is_party("FR", date(1974, 5, 2))
    assert convention.is_party("FR", date(1974, 5, 3))
    assert convention.application_months(date(2022, 1, 31)) == 6
    assert convention.application_months(date(2022, 2, 1)) == 4


def test_closed_challenges_and_refusals_are_no_deadline(client: TestClient, org_a: OrgTokens) -> None:
    pid = make_person(client, org_a.editor)["id"]
    c = _admissible_ccf(
        client, org_a.editor, pid, kind="deletion", on=TODAY - timedelta(days=5), reference="CCF/2"
    )
    client.post(
        f"/api/v1/challenges/{c}/events",
        json={"type": "decided", "on": TODAY.isoformat(), "outcome": "deleted"},
        headers=org_a.editor,
    )
    make_protection(client, org_a.editor, pid, kind="asylum_rejected", since="2020", until="2030")
    assert _deadlines(client, org_a.viewer) == []


def test_other_organisations_deadlines_are_not_shown(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    theirs = make_person(client, org_b.editor)
    make_protection(client, org_b.editor, theirs["id"], until="2030-01-01")
    assert _deadlines(client, org_a.viewer) == []
    assert len(_deadlines(client, org_b.viewer)) == 1


def test_pages_follow_the_cursor(client: TestClient, org_a: OrgTokens) -> None:
    pid = make_person(client, org_a.editor)["id"]
    for day in range(5):
        make_protection(client, org_a.editor, pid, until=(TODAY + timedelta(days=day)).isoformat())
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/deadlines", params=params, headers=org_a.viewer).json()
        seen += [i["due_on"] for i in body["items"]]
        if (cursor := body["next_cursor"]) is None:
            break
    assert seen == [(TODAY + timedelta(days=d)).isoformat() for d in range(5)]


@pytest.mark.parametrize(
    "params", [{"within_days": -1}, {"within_days": 4000}, {"cursor": "nope"}, {"limit": 0}]
)
def test_bad_parameters_are_422(client: TestClient, org_a: OrgTokens, params: dict[str, Any]) -> None:
    response = client.get("/api/v1/deadlines", params=params, headers=org_a.viewer)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_an_analyst_may_not_list_deadlines(client: TestClient, org_a: OrgTokens) -> None:
    assert client.get("/api/v1/deadlines", headers=org_a.analyst).status_code == 403
