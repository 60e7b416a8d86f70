"""Pooled figures by requesting state (section 10): counts, patterns, score, travel risk, tenancy."""

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import make_detention, make_extradition, make_notice, make_person


def released(
    client: TestClient,
    headers: dict[str, str],
    person_id: str,
    state: str,
    host: str,
    on: str,
    days: int | None = None,
) -> None:
    d = make_detention(client, headers, person_id, requesting_state=state, host_state=host, detained_on=on)
    released_on = on if days is None else f"{on[:8]}{int(on[8:]) + days:02d}"
    response = client.post(
        f"/api/v1/detentions/{d['id']}/release",
        json={"released_on": released_on, "reason": "court_order"},
        headers=headers,
    )
    assert response.status_code == 200


def test_states_pool_figures_across_organisations(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    ours = []
    for i, org in enumerate((org_a, org_a, org_b)):
        p = make_person(client, org.editor, name=f"Person {i}")
        make_notice(client, org.editor, p["id"], requesting_state="RU", charges=[{"text": "hooliganism"}])
        released(client, org.editor, p["id"], "RU", "ES", "2012-08-21", days=9)
        if org is org_a:
            ours.append(p["id"])
    surrendered = make_person(client, org_b.editor, name="Surrendered")
    d = make_detention(
        client,
        org_b.editor,
        surrendered["id"],
        requesting_state="RU",
        host_state="KZ",
        detained_on="2019-01-01",
    )
    client.post(
        f"/api/v1/detentions/{d['id']}/surrender",
        json={"surrendered_on": "2019-03-01", "kind": "extradited"},
        headers=org_b.editor,
    )
    make_extradition(
        client,
        org_b.editor,
        surrendered["id"],
        requesting_state="RU",
        requested_state="KZ",
        decision="granted",
    )
    make_extradition(
        client,
        org_b.editor,
        surrendered["id"],
        requesting_state="RU",
        requested_state="ES",
        decision="refused",
        grounds=["other"],
    )

    listed = client.get("/api/v1/states", headers=org_a.analyst)
    assert listed.status_code == 200
    (ru,) = [s for s in listed.json()["items"] if s["state"] == "RU"]
    assert ru["persons"] == 4
    assert ru["notices"] == 3
    assert ru["detentions"] == 4
    assert ru["released_without_extradition"] == 3
    assert ru["extraditions_refused"] == 1
    assert ru["patterns"] == ["released_without_extradition", "security_charge"]
    assert 0 < ru["score"] < 1

    detail = client.get("/api/v1/states/ru", headers=org_a.viewer).json()
    assert detail["counts"]["persons"] == 4
    by_code = {p["code"]: p for p in detail["patterns"]}
    assert by_code["released_without_extradition"]["persons"] == 3
    assert by_code["released_without_extradition"]["rate"] == 0.75
    assert by_code["released_without_extradition"]["recurrent"] is True
    assert sorted(by_code["released_without_extradition"]["evidence"]) == sorted(ours)
    assert detail["score"] == ru["score"]

    theirs = {p["code"]: p for p in client.get("/api/v1/states/RU", headers=org_b.viewer).json()["patterns"]}
    their_evidence = theirs["released_without_extradition"]["evidence"]
    assert len(their_evidence) == 1
    assert set(their_evidence).isdisjoint(ours)

    hosts = client.get("/api/v1/states/RU/hosts", headers=org_a.analyst).json()
    assert hosts["state"] == "RU"
    assert [h["host_state"] for h in hosts["items"]] == ["ES", "KZ"]
    es, kz = hosts["items"]
    assert (es["detentions"], es["released"], es["surrendered"], es["extraditions_refused"]) == (3, 3, 0, 1)
    assert es["median_custody_days"] == 9
    assert (kz["detentions"], kz["surrendered"], kz["extraditions_granted"], kz["median_custody_days"]) == (
        1,
        1,
        1,
        59,
    )


def test_empty_and_invalid_states(client: TestClient, org_a: OrgTokens) -> None:
    empty = client.get("/api/v1/states/NO", headers=org_a.analyst)
    assert empty.status_code == 200
    body = empty.json()
    assert body["patterns"] == []
    assert body["score"] == 0
    assert set(body["counts"].values()) == {0}
    assert client.get("/api/v1/states/NO/hosts", headers=org_a.analyst).json() == {"state": "NO", "items": []}
    for bad in ("ZZ", "NOR", "1"):
        assert client.get(f"/api/v1/states/{bad}", headers=org_a.analyst).status_code == 422
    assert client.get("/api/v1/states", headers=org_a.analyst).json() == {"items": []}


def test_analysts_read_only_states(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    assert client.get(f"/api/v1/persons/{person['id']}", headers=org_a.analyst).status_code == 403
    assert client.get("/api/v1/notices", headers=org_a.analyst).status_code == 403
    assert client.get("/api/v1/states", headers=org_a.analyst).status_code == 200


def _state_with(client: TestClient, headers: dict[str, str], state: str, persons: int, flagged: int) -> None:
    for i in range(persons):
        p = make_person(client, headers, name=f"{state} {i}")
        make_notice(client, headers, p["id"], requesting_state=state)
        if i < flagged:
            released(client, headers, p["id"], state, "DE", "2020-01-01")


def test_two_cases_never_outrank_thirty(client: TestClient, org_a: OrgTokens) -> None:
    _state_with(client, org_a.editor, "AZ", persons=2, flagged=2)  # everything on both
    _state_with(client, org_a.editor, "EG", persons=30, flagged=12)  # 40 % released without extradition
    ranking: list[dict[str, Any]] = client.get("/api/v1/states", headers=org_a.analyst).json()["items"]
    assert [s["state"] for s in ranking] == ["EG", "AZ"]
    assert ranking[1]["score"] <= 2 / 12


def test_figures_change_with_the_write_that_changes_them(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor)
    notice = make_notice(
        client, org_a.editor, person["id"], requesting_state="TR", issued_on="2016", status="published"
    )
    assert (
        client.get("/api/v1/states/TR", headers=org_a.analyst).json()["counts"]["interpol_noncompliant"] == 0
    )
    client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "deleted", "on": "2017", "actor": "ccf", "reason": "article_3"},
        headers=org_a.editor,
    )
    detail = client.get("/api/v1/states/TR", headers=org_a.analyst).json()
    assert detail["counts"]["interpol_noncompliant"] == 1
    assert detail["patterns"][0]["code"] == "interpol_found_noncompliant"
    client.delete(f"/api/v1/persons/{person['id']}", headers=org_a.admin)
    assert client.get("/api/v1/states/TR", headers=org_a.analyst).json()["counts"]["persons"] == 0


def _group_targeting(client: TestClient, headers: dict[str, str]) -> int:
    patterns = client.get("/api/v1/states/TJ", headers=headers).json()["patterns"]
    return next((p["persons"] for p in patterns if p["code"] == "group_targeting"), 0)


def test_leaving_a_group_updates_the_other_members_figures(client: TestClient, org_a: OrgTokens) -> None:
    """The member who leaves no longer has the group among their links when the figures are recomputed:
    the group they left must be recomputed too, or its other members keep a flag they lost."""
    members = []
    for name, on in (("First", "2015-01"), ("Second", "2015-06"), ("Third", "2016-01")):
        person = make_person(client, org_a.editor, name=name, affiliations=["Leavers"])
        make_notice(client, org_a.editor, person["id"], requesting_state="TJ", requested_on=on)
        members.append(person)
    assert _group_targeting(client, org_a.analyst) == 3
    third = members[2]
    response = client.patch(
        f"/api/v1/persons/{third['id']}",
        json={"affiliations": []},
        headers={**org_a.editor, "If-Match": f'"{third["version"]}"'},
    )
    assert response.status_code == 200, response.text
    assert _group_targeting(client, org_a.analyst) == 0


def test_a_member_of_two_groups_keeps_the_flag_one_of_them_gives(
    client: TestClient, org_a: OrgTokens
) -> None:
    """A write in one group recomputes its members; a member flagged through another group keeps it."""
    both = make_person(client, org_a.editor, name="Both", affiliations=["Group H", "Group G"])
    make_notice(client, org_a.editor, both["id"], requesting_state="TJ", requested_on="2015-01")
    for name, on in (("H1", "2015-02"), ("H2", "2015-03")):
        person = make_person(client, org_a.editor, name=name, affiliations=["Group H"])
        make_notice(client, org_a.editor, person["id"], requesting_state="TJ", requested_on=on)
    assert _group_targeting(client, org_a.analyst) == 3
    g1 = make_person(client, org_a.editor, name="G1", affiliations=["Group G"])
    make_notice(client, org_a.editor, g1["id"], requesting_state="TJ", requested_on="2015-04")
    assert _group_targeting(client, org_a.analyst) == 3
