"""Corrections: PATCH of detentions, challenges and protections, DELETE of records entered in error, a
challenge's last event and a notice's newest status entry. Each is audited, versioned (If-Match), scoped
to the caller's organisation, and the flags and pooled figures follow in the same transaction."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import OrgTokens
from tests.factories import (
    make_challenge,
    make_detention,
    make_extradition,
    make_incident,
    make_notice,
    make_person,
    make_protection,
)

Headers = dict[str, str]


def flags(client: TestClient, headers: Headers, person_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    response = client.get(f"/api/v1/persons/{person_id}/flags", headers=headers)
    assert response.status_code == 200, response.text
    return {(f["code"], f["requesting_state"]): f for f in response.json()["items"]}


def matching(headers: Headers, version: int | str) -> Headers:
    return {**headers, "If-Match": f'"{version}"'}


def actions(client: TestClient, org: OrgTokens) -> list[tuple[str, str | None]]:
    items = client.get("/api/v1/audit?limit=200", headers=org.admin).json()["items"]
    return [(e["action"], e["object"]["id"]) for e in items]


def event(client: TestClient, headers: Headers, challenge_id: str, type_: str, on: str, **extra: Any) -> Any:
    response = client.post(
        f"/api/v1/challenges/{challenge_id}/events", json={"type": type_, "on": on, **extra}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def counts(client: TestClient, org: OrgTokens, state: str) -> dict[str, int]:
    return dict(client.get(f"/api/v1/states/{state}", headers=org.analyst).json()["counts"])


@pytest.fixture
def person(client: TestClient, org_a: OrgTokens) -> dict[str, Any]:
    return make_person(client, org_a.editor, name="Correction Subject", categories=["journalist"])


# --- the common rules of a correction, for every PATCH -------------------------------------------------


def _record(client: TestClient, org: OrgTokens, kind: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(path, record, a valid correction) of one kind, in `org`."""
    person = make_person(client, org.editor, name=f"Rules {kind}")
    if kind == "detention":
        record = make_detention(client, org.editor, person["id"])
        return f"/api/v1/detentions/{record['id']}", record, {"place": "Istanbul"}
    if kind == "challenge":
        record = make_challenge(client, org.editor, person["id"])
        return f"/api/v1/challenges/{record['id']}", record, {"reference": "CCF/2024/77"}
    record = make_protection(client, org.editor, person["id"])
    return f"/api/v1/persons/{person['id']}/protections/{record['id']}", record, {"until": "2020"}


@pytest.mark.parametrize("kind", ["detention", "challenge", "protection"])
def test_every_correction_needs_the_current_version_an_editor_and_the_own_organisation(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, kind: str
) -> None:
    path, record, body = _record(client, org_a, kind)
    missing = client.patch(path, json=body, headers=org_a.editor)
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.patch(path, json=body, headers=matching(org_a.editor, 7)).status_code == 412
    assert client.patch(path, json=body, headers=matching(org_a.viewer, 1)).status_code == 403
    assert client.patch(path, json=body, headers=matching(org_b.editor, 1)).status_code == 404
    assert client.patch(path, json={"nonsense": 1}, headers=matching(org_a.editor, 1)).status_code == 422
    assert client.get(path, headers=org_a.viewer).json()["version"] == 1  # nothing changed
    done = client.patch(path, json=body, headers=matching(org_a.editor, 1))
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"2"'
    assert {k: done.json()[k] for k in body} == body
    assert client.get(path, headers=org_a.viewer).json()["version"] == 2
    assert client.patch(path, json=body, headers=matching(org_a.editor, 1)).status_code == 412
    assert (f"{kind}.updated", record["id"]) in actions(client, org_a)


# --- detentions ------------------------------------------------------------------------------------


def test_a_release_known_to_the_month_is_corrected_to_the_day(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    detention = make_detention(client, org_a.editor, person["id"], detained_on="2016-08-10")
    released = client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2016-09", "reason": "unknown"},
        headers=org_a.editor,
    ).json()
    assert released["custody_days"] is None
    path = f"/api/v1/detentions/{detention['id']}"
    corrected = client.patch(
        path,
        json={
            "released_on": "2016-09-20",
            "release_reason": "court_order",
            "release_conditions": "travel_ban",
        },
        headers=matching(org_a.editor, released["version"]),
    )
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["status"], body["released_on"], body["release_reason"], body["release_conditions"]) == (
        "released",
        "2016-09-20",
        "court_order",
        "travel_ban",
    )
    assert body["custody_days"] == 41
    flag = flags(client, org_a.viewer, person["id"])[("released_without_extradition", "TJ")]
    assert "41 days" in flag["explanation"]
    again = client.patch(
        path, json={"detained_on": "2016-09-01"}, headers=matching(org_a.editor, body["version"])
    )
    assert again.json()["custody_days"] == 19
    hosts = client.get("/api/v1/states/TJ/hosts", headers=org_a.analyst).json()["items"]
    assert hosts[0]["median_custody_days"] == 19


def test_detention_corrections_keep_the_dates_and_the_status_machine(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    detention = make_detention(client, org_a.editor, person["id"], detained_on="2016-08-10")
    path = f"/api/v1/detentions/{detention['id']}"
    early = client.patch(path, json={"released_on": "2016-09-01"}, headers=matching(org_a.editor, 1))
    assert early.status_code == 409  # not released: the release action ends it, not a PATCH
    assert (
        client.patch(path, json={"surrender_kind": "deported"}, headers=matching(org_a.editor, 1)).status_code
        == 409
    )
    client.post(f"{path}/release", json={"released_on": "2016-09-01", "reason": "bail"}, headers=org_a.editor)
    for body, loc in (
        ({"released_on": "2016-08-01"}, "released_on"),
        ({"detained_on": "2016-10"}, "detained_on"),
        ({"release_reason": None}, "release_reason"),
        ({"detained_on": None}, "detained_on"),
        ({"released_on": "2016-9-1"}, "released_on"),
    ):
        refused = client.patch(path, json=body, headers=matching(org_a.editor, 2))
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["loc"][:2] == ["body", loc], refused.text
    assert (
        client.patch(path, json={"surrendered_on": "2017"}, headers=matching(org_a.editor, 2)).status_code
        == 409
    )
    assert client.get(path, headers=org_a.viewer).json()["version"] == 2


def test_linking_a_detention_to_a_notice_takes_the_notices_state(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    detention = make_detention(client, org_a.editor, person["id"], requesting_state="TJ")
    path = f"/api/v1/detentions/{detention['id']}"
    russian = make_notice(client, org_a.editor, person["id"], requesting_state="RU")
    other_person = make_notice(client, org_a.editor, make_person(client, org_a.editor)["id"])
    theirs = make_notice(client, org_b.editor, make_person(client, org_b.editor)["id"])
    refused = client.patch(
        path, json={"notice_id": russian["id"], "requesting_state": "TJ"}, headers=matching(org_a.editor, 1)
    )
    assert refused.status_code == 422
    assert (
        client.patch(
            path, json={"notice_id": other_person["id"]}, headers=matching(org_a.editor, 1)
        ).status_code
        == 422
    )
    assert (
        client.patch(path, json={"notice_id": theirs["id"]}, headers=matching(org_a.editor, 1)).status_code
        == 404
    )
    linked = client.patch(path, json={"notice_id": russian["id"]}, headers=matching(org_a.editor, 1)).json()
    assert (linked["notice_id"], linked["requesting_state"]) == (russian["id"], "RU")
    assert (
        client.patch(path, json={"requesting_state": "TJ"}, headers=matching(org_a.editor, 2)).status_code
        == 422
    )
    assert counts(client, org_a, "RU")["detentions"] == 1
    assert counts(client, org_a, "TJ")["detentions"] == 0


# --- challenges ------------------------------------------------------------------------------------


def test_a_ccf_reference_and_counsel_added_after_filing(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    challenge = make_challenge(client, org_a.editor, person["id"], counsel="Jane Doe, Fair Trials")
    assert challenge["counsel"] == "Jane Doe, Fair Trials"
    event(client, org_a.editor, challenge["id"], "filed", "2023-11-03")
    path = f"/api/v1/challenges/{challenge['id']}"
    body = client.patch(
        path, json={"reference": "CCF/2023/1234", "counsel": None}, headers=matching(org_a.editor, 2)
    ).json()
    assert (body["reference"], body["counsel"], body["status"], body["filed_on"]) == (
        "CCF/2023/1234",
        None,
        "filed",
        "2023-11-03",
    )
    for bad in ({"status": "closed"}, {"forum": "echr"}, {"kind": "access"}, {"outcome": "deleted"}):
        assert client.patch(path, json=bad, headers=matching(org_a.editor, 3)).status_code == 422


def test_linking_a_ccf_deletion_to_its_notice_raises_the_finding(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    notice = make_notice(client, org_a.editor, person["id"], requesting_state="BY", status="published")
    challenge = make_challenge(client, org_a.editor, person["id"])
    event(client, org_a.editor, challenge["id"], "filed", "2023-11-03")
    decided = event(client, org_a.editor, challenge["id"], "decided", "2024-08-05", outcome="deleted")
    assert ("interpol_found_noncompliant", "BY") not in flags(client, org_a.viewer, person["id"])
    path = f"/api/v1/challenges/{challenge['id']}"
    theirs = make_notice(client, org_b.editor, make_person(client, org_b.editor)["id"])
    assert (
        client.patch(path, json={"notice_id": theirs["id"]}, headers=matching(org_a.editor, 3)).status_code
        == 404
    )
    linked = client.patch(
        path, json={"notice_id": notice["id"]}, headers=matching(org_a.editor, decided["version"])
    )
    assert linked.status_code == 200, linked.text
    flag = flags(client, org_a.viewer, person["id"])[("interpol_found_noncompliant", "BY")]
    assert {"kind": "challenge", "id": challenge["id"]} in flag["evidence"]
    assert counts(client, org_a, "BY")["interpol_noncompliant"] == 1
    client.patch(path, json={"notice_id": None}, headers=matching(org_a.editor, linked.json()["version"]))
    assert ("interpol_found_noncompliant", "BY") not in flags(client, org_a.viewer, person["id"])
    assert counts(client, org_a, "BY")["interpol_noncompliant"] == 0


# --- protections -----------------------------------------------------------------------------------


def test_protection_corrections_and_the_flags_that_follow(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BY", requested_on="2018")
    make_protection(
        client, org_a.editor, pid, kind="asylum_applied", host_state="PL", against_state="BY", since="2016-03"
    )
    rejection = make_protection(
        client, org_a.editor, pid, kind="asylum_rejected", host_state="DE", against_state="BY", since="2017"
    )
    assert ("refugee_protection", "BY") in flags(client, org_a.viewer, pid)
    path = f"/api/v1/persons/{pid}/protections/{rejection['id']}"
    moved = client.patch(path, json={"host_state": "pl"}, headers=matching(org_a.editor, 1))
    assert moved.status_code == 200, moved.text
    assert moved.json()["host_state"] == "PL"
    found = flags(client, org_a.viewer, pid)
    assert ("refugee_protection", "BY") not in found
    assert ("issued_after_protection", "BY") not in found
    assert client.patch(path, json={"until": "2016"}, headers=matching(org_a.editor, 2)).status_code == 422
    assert client.patch(path, json={"host_state": None}, headers=matching(org_a.editor, 2)).status_code == 422
    assert (
        client.patch(path, json={"kind": "refugee_status"}, headers=matching(org_a.editor, 2)).status_code
        == 422
    )
    earlier = client.patch(
        path, json={"since": "2015", "until": "2015-06"}, headers=matching(org_a.editor, 2)
    )
    assert (earlier.json()["since"], earlier.json()["until"]) == ("2015", "2015-06")
    assert ("refugee_protection", "BY") in flags(client, org_a.viewer, pid)  # rejected before it was lodged


def test_a_protection_is_reached_through_its_own_person_only(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    protection = make_protection(client, org_a.editor, person["id"])
    other = make_person(client, org_a.editor, name="Someone Else")
    wrong = f"/api/v1/persons/{other['id']}/protections/{protection['id']}"
    assert client.get(wrong, headers=org_a.viewer).status_code == 404
    assert client.patch(wrong, json={"until": "2020"}, headers=matching(org_a.editor, 1)).status_code == 404
    assert client.delete(wrong, headers=org_a.editor).status_code == 404
    right = client.get(f"/api/v1/persons/{person['id']}/protections/{protection['id']}", headers=org_a.viewer)
    assert (right.status_code, right.headers["etag"]) == (200, '"1"')


# --- deleting records entered in error ------------------------------------------------------------


def _delete_rules(client: TestClient, org_a: OrgTokens, org_b: OrgTokens, path: str, version: int) -> None:
    assert client.delete(path, headers=org_a.viewer).status_code == 403
    assert client.delete(path, headers=org_b.editor).status_code == 404
    stale = client.delete(path, headers=matching(org_a.editor, version + 1))
    assert stale.status_code == 412
    assert client.get(path, headers=org_a.viewer).status_code == 200  # still there
    assert client.delete(path, headers=matching(org_a.editor, version)).status_code == 204
    assert client.get(path, headers=org_a.viewer).status_code == 404
    assert client.delete(path, headers=org_a.editor).status_code == 404


def test_deleting_a_notice_takes_its_finding_and_figures_away(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    notice = make_notice(
        client,
        org_a.editor,
        pid,
        requesting_state="TR",
        issued_on="2016",
        status="deleted",
        status_reason="article_3",
    )
    detention = make_detention(
        client, org_a.editor, pid, notice_id=notice["id"], requesting_state="TR", detained_on="2017"
    )
    challenge = make_challenge(client, org_a.editor, pid, notice_id=notice["id"])
    assert ("interpol_found_noncompliant", "TR") in flags(client, org_a.viewer, pid)
    assert counts(client, org_a, "TR")["notices"] == 1
    _delete_rules(client, org_a, org_b, f"/api/v1/notices/{notice['id']}", 1)
    assert ("interpol_found_noncompliant", "TR") not in flags(client, org_a.viewer, pid)
    assert (counts(client, org_a, "TR")["notices"], counts(client, org_a, "TR")["interpol_noncompliant"]) == (
        0,
        0,
    )
    kept = client.get(f"/api/v1/detentions/{detention['id']}", headers=org_a.viewer).json()
    assert (kept["notice_id"], kept["requesting_state"], kept["version"]) == (None, "TR", 2)
    assert (
        client.get(f"/api/v1/challenges/{challenge['id']}", headers=org_a.viewer).json()["notice_id"] is None
    )
    history = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    assert not [e for e in history if e["ref"]["kind"] == "notice"]
    assert ("notice.deleted", notice["id"]) in actions(client, org_a)


def test_deleting_a_detention_or_an_extradition(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    detention = make_detention(client, org_a.editor, pid, detained_on="2015-03-01")
    released = client.post(
        f"/api/v1/detentions/{detention['id']}/release",
        json={"released_on": "2015-03-20", "reason": "court_order"},
        headers=org_a.editor,
    ).json()
    extradition = make_extradition(
        client,
        org_a.editor,
        pid,
        detention_id=detention["id"],
        decision="refused",
        grounds=["political_offence"],
    )
    found = flags(client, org_a.viewer, pid)
    assert ("released_without_extradition", "TJ") in found
    assert ("extradition_refused_political", "TJ") in found
    _delete_rules(client, org_a, org_b, f"/api/v1/detentions/{detention['id']}", released["version"])
    kept = client.get(f"/api/v1/extraditions/{extradition['id']}", headers=org_a.viewer).json()
    assert (kept["detention_id"], kept["version"]) == (None, 2)
    found = flags(client, org_a.viewer, pid)
    assert ("released_without_extradition", "TJ") not in found
    assert counts(client, org_a, "TJ")["released_without_extradition"] == 0
    _delete_rules(client, org_a, org_b, f"/api/v1/extraditions/{extradition['id']}", 2)
    assert ("extradition_refused_political", "TJ") not in flags(client, org_a.viewer, pid)
    assert counts(client, org_a, "TJ")["extraditions_refused"] == 0
    assert counts(client, org_a, "TJ")["persons"] == 0
    assert {("detention.deleted", detention["id"]), ("extradition.deleted", extradition["id"])} <= set(
        actions(client, org_a)
    )


def test_deleting_an_incident_honours_a_stale_if_match(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    incident = make_incident(
        client, org_a.editor, person["id"], kind="assassination", occurred_on="2015-03-05"
    )
    _delete_rules(client, org_a, org_b, f"/api/v1/incidents/{incident['id']}", 1)


def _ccf_to_decision(client: TestClient, org: OrgTokens, person_id: str, notice_id: str) -> dict[str, Any]:
    challenge = make_challenge(client, org.editor, person_id, notice_id=notice_id, kind="deletion")
    event(client, org.editor, challenge["id"], "filed", "2023-11-03")
    event(client, org.editor, challenge["id"], "admissible", "2023-12-01")
    event(client, org.editor, challenge["id"], "provisional_measure", "2024-02")
    return dict(
        event(
            client,
            org.editor,
            challenge["id"],
            "decided",
            "2024-08-05",
            outcome="deleted",
            reason="article_3",
        )
    )


def test_deleting_a_challenges_last_event_steps_it_back(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    notice = make_notice(
        client, org_a.editor, pid, requesting_state="BY", issued_on="2023-09", status="published"
    )
    challenge = _ccf_to_decision(client, org_a, pid, notice["id"])
    notice_path = f"/api/v1/notices/{notice['id']}"
    assert client.get(notice_path, headers=org_a.viewer).json()["status"] == "deleted"
    assert ("interpol_found_noncompliant", "BY") in flags(client, org_a.viewer, pid)
    path = f"/api/v1/challenges/{challenge['id']}/events/latest"
    assert client.delete(path, headers=org_a.viewer).status_code == 403
    assert client.delete(path, headers=org_b.editor).status_code == 404
    assert client.delete(path, headers=matching(org_a.editor, 1)).status_code == 412
    assert client.delete(path, headers=matching(org_a.editor, challenge["version"])).status_code == 204
    back = client.get(f"/api/v1/challenges/{challenge['id']}", headers=org_a.viewer).json()
    assert (back["status"], back["outcome"], back["decided_on"], back["deadline_on"], back["version"]) == (
        "admissible",
        None,
        None,
        "2024-09-01",
        challenge["version"] + 1,
    )
    assert [e["type"] for e in back["events"]] == ["filed", "admissible", "provisional_measure"]
    restored = client.get(notice_path, headers=org_a.viewer).json()
    assert [h["status"] for h in restored["status_history"]] == ["published", "blocked"]
    assert restored["status"] == "blocked"
    assert ("interpol_found_noncompliant", "BY") not in flags(client, org_a.viewer, pid)
    assert counts(client, org_a, "BY")["interpol_noncompliant"] == 0
    for _ in range(3):
        assert client.delete(path, headers=org_a.editor).status_code == 204
    draft = client.get(f"/api/v1/challenges/{challenge['id']}", headers=org_a.viewer).json()
    assert (draft["status"], draft["filed_on"], draft["deadline_on"], draft["events"]) == (
        "draft",
        None,
        None,
        [],
    )
    assert client.get(notice_path, headers=org_a.viewer).json()["status"] == "published"
    nothing = client.delete(path, headers=org_a.editor)
    assert nothing.status_code == 409
    assert nothing.headers["content-type"] == "application/problem+json"
    assert event(client, org_a.editor, challenge["id"], "filed", "2023-11-04")["status"] == "filed"
    assert ("challenge.event_deleted", challenge["id"]) in actions(client, org_a)


def test_deleting_a_challenge_takes_back_what_it_carried_to_its_notice(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    notice = make_notice(
        client, org_a.editor, pid, requesting_state="BY", issued_on="2023-09", status="published"
    )
    client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "blocked", "on": "2024-02", "actor": "general_secretariat"},
        headers=org_a.editor,
    )
    challenge = _ccf_to_decision(client, org_a, pid, notice["id"])
    assert counts(client, org_a, "BY")["interpol_noncompliant"] == 1
    _delete_rules(client, org_a, org_b, f"/api/v1/challenges/{challenge['id']}", challenge["version"])
    history = client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status_history"]
    assert [(h["status"], h["actor"]) for h in history] == [
        ("published", None),
        ("blocked", "general_secretariat"),  # the entry the challenge did not write stays
    ]
    assert ("interpol_found_noncompliant", "BY") not in flags(client, org_a.viewer, pid)
    assert counts(client, org_a, "BY")["interpol_noncompliant"] == 0
    timeline = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    assert not [e for e in timeline if e["type"].startswith("challenge.")]
    assert ("challenge.deleted", challenge["id"]) in actions(client, org_a)


# --- retracting a notice's newest status entry -----------------------------------------------------


def test_the_newest_status_entry_is_retracted(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    notice = make_notice(
        client, org_a.editor, pid, requesting_state="TJ", issued_on="2015-02", status="published"
    )
    path = f"/api/v1/notices/{notice['id']}/status/latest"
    only_initial = client.delete(path, headers=org_a.editor)
    assert only_initial.status_code == 409  # the initial status is part of the notice
    assert only_initial.headers["content-type"] == "application/problem+json"
    for body in (
        {"status": "deleted", "on": "2018-03-02", "actor": "ccf", "reason": "article_3"},
        {"status": "blocked", "on": "2017-10", "actor": "ccf"},  # learned later, dated earlier
    ):
        assert (
            client.post(f"/api/v1/notices/{notice['id']}/status", json=body, headers=org_a.editor).status_code
            == 200
        )
    assert ("interpol_found_noncompliant", "TJ") in flags(client, org_a.viewer, pid)
    assert client.delete(path, headers=org_a.viewer).status_code == 403
    assert client.delete(path, headers=org_b.editor).status_code == 404
    assert client.delete(path, headers=matching(org_a.editor, 1)).status_code == 412
    assert client.delete(path, headers=matching(org_a.editor, 3)).status_code == 204
    after = client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer)
    assert after.headers["etag"] == '"4"'
    assert [h["status"] for h in after.json()["status_history"]] == [
        "published",
        "deleted",
    ]  # the blocked one went
    assert client.delete(path, headers=org_a.editor).status_code == 204
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status"] == "published"
    assert ("interpol_found_noncompliant", "TJ") not in flags(client, org_a.viewer, pid)
    assert counts(client, org_a, "TJ")["interpol_noncompliant"] == 0
    assert client.delete(path, headers=org_a.editor).status_code == 409
    retractions = [a for a in actions(client, org_a) if a == ("notice.status.retracted", notice["id"])]
    assert len(retractions) == 2
    again = client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "cancelled", "on": "2019", "actor": "general_secretariat", "reason": "article_2"},
        headers=org_a.editor,
    )
    assert [h["status"] for h in again.json()["status_history"]] == ["published", "cancelled"]
    assert ("interpol_found_noncompliant", "TJ") in flags(client, org_a.viewer, pid)
