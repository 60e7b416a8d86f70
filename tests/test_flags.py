"""Indicators per person (contract section 10): each code on both sides of its boundary."""

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app import migrate
from app.db import make_engine, reading, unit_of_work
from app.keyring import Keyring
from app.language import prose
from app.models.person import Person
from app.services import flag as flag_service
from app.services.affiliation import affiliation_key
from app.services.flag_rules import COLUMNS_READ
from tests.conftest import OrgTokens
from tests.factories import (
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


def status(client: TestClient, headers: Headers, notice_id: str, **body: Any) -> None:
    response = client.post(f"/api/v1/notices/{notice_id}/status", json=body, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
def person(client: TestClient, org_a: OrgTokens) -> dict[str, Any]:
    return make_person(client, org_a.editor, name="Flag Subject", categories=["journalist"])


def test_refugee_protection_counts_protection_kinds_not_citizenship(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BH")
    make_protection(
        client, org_a.editor, pid, kind="citizenship", host_state="AU", against_state="BH", since="2017"
    )
    make_protection(
        client, org_a.editor, pid, kind="asylum_rejected", host_state="AU", against_state="BH", since="2016"
    )
    assert ("refugee_protection", "BH") not in flags(client, org_a.viewer, pid)
    protection = make_protection(
        client, org_a.editor, pid, kind="refugee_status", host_state="AU", against_state="BH", since="2017"
    )
    flag = flags(client, org_a.viewer, pid)[("refugee_protection", "BH")]
    assert flag["severity"] == "high"
    assert {"kind": "protection", "id": protection["id"]} in flag["evidence"]
    assert "Australia" in flag["explanation"]
    assert "Bahrain" in flag["explanation"]


def test_refugee_protection_needs_the_same_state(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="RU")
    make_protection(client, org_a.editor, pid, host_state="GB", against_state="KZ")
    assert ("refugee_protection", "RU") not in flags(client, org_a.viewer, pid)


@pytest.mark.parametrize(
    ("issued_on", "expected"), [("2017-10-31", False), ("2017-11-01", True), ("2018-11-08", True)]
)
def test_issued_after_protection_boundary(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], issued_on: str, expected: bool
) -> None:
    pid = person["id"]
    make_protection(client, org_a.editor, pid, host_state="AU", against_state="BH", since="2017-11")
    notice = make_notice(
        client, org_a.editor, pid, requesting_state="BH", issued_on=issued_on, status="published"
    )
    found = flags(client, org_a.viewer, pid).get(("issued_after_protection", "BH"))
    assert (found is not None) is expected
    if found:
        assert found["notice_id"] == notice["id"]
        assert issued_on in found["explanation"]


def test_protection_granted_after_the_notice_does_not_count(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="TJ", requested_on="2014-05")
    make_protection(client, org_a.editor, pid, against_state="TJ", since="2016")
    found = flags(client, org_a.viewer, pid)
    assert ("issued_after_protection", "TJ") not in found
    assert ("refugee_protection", "TJ") in found


@pytest.mark.parametrize(
    ("grounds", "expected"),
    [
        (["insufficient_evidence"], False),
        (["dual_criminality", "no_treaty"], False),
        (["torture_risk"], True),
        (["other", "fair_trial"], True),
    ],
)
def test_extradition_refused_political(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], grounds: list[str], expected: bool
) -> None:
    pid = person["id"]
    make_extradition(
        client,
        org_a.editor,
        pid,
        requesting_state="RU",
        requested_state="FR",
        decision="refused",
        decided_on="2016-12-09",
        court="Conseil d'État",
        grounds=grounds,
    )
    make_extradition(
        client,
        org_a.editor,
        pid,
        requesting_state="RU",
        requested_state="ES",
        decision="granted",
        grounds=["torture_risk"],
    )
    found = flags(client, org_a.viewer, pid).get(("extradition_refused_political", "RU"))
    assert (found is not None) is expected
    if found:
        assert "Conseil d'État" in found["explanation"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "deleted", "on": "2018", "actor": "ccf", "reason": "article_3"}, True),
        (
            {"status": "refused", "on": "2018", "actor": "general_secretariat", "reason": "refugee_policy"},
            True,
        ),
        (
            {
                "status": "cancelled",
                "on": "2017-08",
                "actor": "general_secretariat",
                "reason": "purpose_achieved",
            },
            False,
        ),
        ({"status": "withdrawn", "on": "2018", "actor": "requesting_state", "reason": "article_3"}, False),
        ({"status": "deleted", "on": "2018-03-02", "actor": "unknown", "reason": "other"}, False),
        ({"status": "deleted", "on": "2018", "actor": "ccf", "reason": "article_83"}, False),
    ],
)
def test_interpol_found_noncompliant(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], change: dict[str, Any], expected: bool
) -> None:
    notice = make_notice(
        client, org_a.editor, person["id"], requesting_state="TJ", issued_on="2016", status="published"
    )
    status(client, org_a.editor, notice["id"], **change)
    assert (("interpol_found_noncompliant", "TJ") in flags(client, org_a.viewer, person["id"])) is expected


def test_noncompliant_initial_status_counts(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    make_notice(
        client, org_a.editor, person["id"], requesting_state="ID", status="deleted", status_reason="article_3"
    )
    assert ("interpol_found_noncompliant", "ID") in flags(client, org_a.viewer, person["id"])


def test_released_without_extradition(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    pid = person["id"]
    held = make_detention(
        client, org_a.editor, pid, requesting_state="CN", host_state="IT", detained_on="2017-07-26"
    )
    assert ("released_without_extradition", "CN") not in flags(client, org_a.viewer, pid)
    client.post(
        f"/api/v1/detentions/{held['id']}/release",
        json={"released_on": "2017-07-26", "reason": "other", "conditions": "house_arrest"},
        headers=org_a.editor,
    )
    flag = flags(client, org_a.viewer, pid)[("released_without_extradition", "CN")]
    assert "house arrest" in flag["explanation"]
    later = make_detention(
        client, org_a.editor, pid, requesting_state="CN", host_state="KZ", detained_on="2019"
    )
    client.post(
        f"/api/v1/detentions/{later['id']}/surrender",
        json={"surrendered_on": "2019-05", "kind": "extradited"},
        headers=org_a.editor,
    )
    assert ("released_without_extradition", "CN") not in flags(client, org_a.viewer, pid)


def test_repeat_after_refusal_and_channel_switch(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    first = make_notice(client, org_a.editor, pid, requesting_state="RU", requested_on="2013")
    status(client, org_a.editor, first["id"], status="deleted", on="2013-10", actor="ccf", reason="article_3")
    same_time = make_notice(
        client, org_a.editor, pid, requesting_state="RU", channel="red_notice", requested_on="2013-10"
    )
    found = flags(client, org_a.viewer, pid)
    assert ("repeat_after_refusal", "RU") not in found  # not after: the same first day
    later = make_notice(
        client, org_a.editor, pid, requesting_state="RU", channel="red_notice", requested_on="2013-10-02"
    )
    found = flags(client, org_a.viewer, pid)
    assert found[("repeat_after_refusal", "RU")]["notice_id"] == later["id"]
    assert ("channel_switch", "RU") not in found
    diffusion = make_notice(
        client, org_a.editor, pid, requesting_state="RU", channel="diffusion", issued_on="2018-05-30"
    )
    found = flags(client, org_a.viewer, pid)
    assert found[("channel_switch", "RU")]["notice_id"] == diffusion["id"]
    assert "diffusion" in found[("channel_switch", "RU")]["explanation"]
    assert same_time["id"] != later["id"]


def test_escalation_needs_an_earlier_notice_or_detention(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_incident(
        client, org_a.editor, pid, kind="assassination", perpetrator_state="TJ", occurred_on="2015-03-05"
    )
    make_notice(client, org_a.editor, pid, requesting_state="TJ", requested_on="2015-04")
    assert ("escalation", "TJ") not in flags(client, org_a.viewer, pid)
    make_detention(client, org_a.editor, pid, requesting_state="TJ", host_state="TR", detained_on="2014-12")
    flag = flags(client, org_a.viewer, pid)[("escalation", "TJ")]
    assert flag["severity"] == "high"
    assert "2015-03-05" in flag["explanation"]
    make_incident(client, org_a.editor, pid, kind="surveillance", perpetrator_state="UZ", occurred_on="2020")
    make_notice(client, org_a.editor, pid, requesting_state="UZ", requested_on="2010")
    assert ("escalation", "UZ") not in flags(client, org_a.viewer, pid)


def test_security_and_economic_charges(client: TestClient, org_a: OrgTokens) -> None:
    dissident = make_person(client, org_a.editor, name="Dissident", categories=["opposition"])
    business = make_person(client, org_a.editor, name="Businessman", categories=["businessperson"])
    for who in (dissident, business):
        make_notice(
            client,
            org_a.editor,
            who["id"],
            requesting_state="KZ",
            charges=[{"text": "embezzlement", "category": "economic"}],
        )
    assert ("economic_charge_dissident", "KZ") in flags(client, org_a.viewer, dissident["id"])
    assert ("economic_charge_dissident", "KZ") not in flags(client, org_a.viewer, business["id"])
    assert ("security_charge", "KZ") not in flags(client, org_a.viewer, business["id"])
    make_notice(
        client, org_a.editor, business["id"], requesting_state="KZ", charges=[{"text": "хулиганство"}]
    )
    assert flags(client, org_a.viewer, business["id"])[("security_charge", "KZ")]["severity"] == "low"


def test_in_absentia_and_mobility_controls(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BH", in_absentia=False)
    found = flags(client, org_a.viewer, pid)
    assert ("in_absentia", "BH") not in found
    assert ("mobility_controls", "BH") not in found
    make_notice(client, org_a.editor, pid, requesting_state="BH", in_absentia=True)
    make_notice(client, org_a.editor, pid, requesting_state="TR", channel="sltd_passport")
    make_incident(client, org_a.editor, pid, kind="passport_cancellation", perpetrator_state="TM")
    found = flags(client, org_a.viewer, pid)
    assert ("in_absentia", "BH") in found
    assert ("mobility_controls", "TR") in found
    assert ("mobility_controls", "TM") in found


@pytest.mark.parametrize(
    ("detained_on", "expected"),
    [("2023-11-20", True), ("2023-11-21", False), ("2023-09-21", True), ("2023-09-20", False)],
)
def test_travel_triggered_60_vs_61_days(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], detained_on: str, expected: bool
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BY", issued_on="2023-09-21", status="published")
    make_detention(client, org_a.editor, pid, requesting_state="BY", host_state="RS", detained_on=detained_on)
    assert (("travel_triggered", "BY") in flags(client, org_a.viewer, pid)) is expected


def test_travel_triggered_needs_days(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BY", issued_on="2023-09", status="published")
    make_detention(
        client, org_a.editor, pid, requesting_state="BY", host_state="RS", detained_on="2023-09-30"
    )
    assert ("travel_triggered", "BY") not in flags(client, org_a.viewer, pid)


def test_relatives_targeted(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    brother = make_person(client, org_a.editor, name="Brother")
    exile = make_person(
        client,
        org_a.editor,
        name="Exile",
        related_persons=[{"person_id": brother["id"], "relation": "sibling"}],
    )
    make_notice(client, org_a.editor, exile["id"], requesting_state="UZ")
    assert ("relatives_targeted", "UZ") not in flags(client, org_a.viewer, exile["id"])
    make_detention(
        client, org_a.editor, brother["id"], requesting_state="UZ", host_state="UZ", detained_on="2001"
    )
    assert ("relatives_targeted", "UZ") in flags(client, org_a.viewer, exile["id"])
    assert ("relatives_targeted", "UZ") in flags(client, org_a.viewer, brother["id"])  # either direction
    pid = person["id"]
    make_incident(
        client, org_a.editor, pid, kind="family_intimidation", perpetrator_state="TJ", occurred_on="2017"
    )
    assert ("relatives_targeted", "TJ") in flags(client, org_a.viewer, pid)


def _member(
    client: TestClient, headers: Headers, name: str, group: str, requested_on: str | None, state: str = "TJ"
) -> str:
    pid = str(make_person(client, headers, name=name, affiliations=[group])["id"])
    if requested_on:
        make_notice(client, headers, pid, requesting_state=state, requested_on=requested_on)
    return pid


@pytest.mark.parametrize(("third", "expected"), [("2016-12-31", True), ("2017-01-01", False)])
def test_group_targeting_within_730_days(
    client: TestClient, org_a: OrgTokens, third: str, expected: bool
) -> None:
    first = _member(client, org_a.editor, "A", "Group 24", "2015-01-01")
    _member(client, org_a.editor, "B", " group  24 ", "2015-06-01")
    assert ("group_targeting", "TJ") not in flags(client, org_a.viewer, first)
    _member(client, org_a.editor, "C", "GROUP 24", third)  # 730 days after 2015-01-01 is 2016-12-31
    assert (("group_targeting", "TJ") in flags(client, org_a.viewer, first)) is expected


def test_group_targeting_pools_organisations_without_naming_them(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    ours = _member(client, org_a.editor, "Ours", "IRPT", "2016-01")
    _member(client, org_b.editor, "Theirs 1", "irpt", "2016-03")
    _member(client, org_b.editor, "Theirs 2", "IRPT", "2016-07")
    _member(client, org_a.editor, "Other state", "IRPT", "2016-05", state="RU")
    flag = flags(client, org_a.viewer, ours)[("group_targeting", "TJ")]
    assert flag["explanation"].endswith("2 more persons recorded elsewhere.")
    assert all(e["kind"] == "notice" for e in flag["evidence"])


@pytest.mark.parametrize(
    ("own", "others", "expected"),
    [
        ("2015-06-01", ["2013-06", "2015-01-10"], True),  # a month whose first day is 730 days before
        ("2015-06-01", ["2013-05", "2015-01-10"], False),  # ... and the month before it
        ("2015-06-01", ["2013-06-01", "2015-01-10"], True),  # a day exactly 730 days before
        ("2014-01-01", ["2016", "2015-06"], True),  # a year whose first day is 730 days after
        ("2013-12-31", ["2016", "2015-06"], False),  # ... and 731 days
        ("2015", ["2013-01-01", "2016-12-31"], False),  # the window is 730 days at most
    ],
)
def test_group_targeting_at_the_edges_of_the_window(
    client: TestClient, org_a: OrgTokens, own: str, others: list[str], expected: bool
) -> None:
    """Fuzzy dates at either end of the 730 days, compared by their first day."""
    pid = _member(client, org_a.editor, "Own", "Edge Group", own)
    for i, on in enumerate(others):
        _member(client, org_a.editor, f"Other {i}", "Edge Group", on)
    assert (("group_targeting", "TJ") in flags(client, org_a.viewer, pid)) is expected


def test_group_targeting_names_every_notice_of_the_windows_last_day(
    client: TestClient, org_a: OrgTokens
) -> None:
    _member(client, org_a.editor, "B", "Tie Group", "2015-01-01")
    _member(client, org_a.editor, "C", "Tie Group", "2015-02-01")
    pid = _member(client, org_a.editor, "A", "Tie Group", "2015-03-01")
    second = make_notice(client, org_a.editor, pid, requesting_state="TJ", requested_on="2015-03-01")["id"]
    flag = flags(client, org_a.viewer, pid)[("group_targeting", "TJ")]
    assert len([e for e in flag["evidence"] if e["kind"] == "notice"]) == 2
    assert second in {e["id"] for e in flag["evidence"]}


def test_group_notices_near_many_dates_stays_one_query(db: sa.Engine, keyring: Keyring) -> None:
    """A refresh of hundreds of persons at once can bring hundreds of date ranges: SQLite refuses an
    expression more than 1000 ORs deep, so past a bound each state gets one range."""
    many = {date(1200, 1, 1) + timedelta(days=1600 * i) for i in range(1200)}
    with unit_of_work(db, keyring) as session:
        found = flag_service.group_notices(session, ["no such group"], near={"TJ": many, "RU": many})
    assert found == {"no such group": {}}


def test_moving_a_notice_out_of_the_window_takes_the_flag_away(client: TestClient, org_a: OrgTokens) -> None:
    first = _member(client, org_a.editor, "Move A", "Move Group", "2015-01-01")
    _member(client, org_a.editor, "Move B", "Move Group", "2015-06-01")
    third = make_person(client, org_a.editor, name="Move C", affiliations=["Move Group"])["id"]
    notice = make_notice(client, org_a.editor, third, requesting_state="TJ", requested_on="2016-01")
    assert ("group_targeting", "TJ") in flags(client, org_a.viewer, first)
    moved = client.patch(
        f"/api/v1/notices/{notice['id']}",
        json={"requested_on": "2019"},
        headers={**org_a.editor, "If-Match": f'"{notice["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    assert ("group_targeting", "TJ") not in flags(client, org_a.viewer, first)
    patterns = client.get("/api/v1/states/TJ", headers=org_a.analyst).json()["patterns"]
    assert all(p["code"] != "group_targeting" for p in patterns)  # the pooled figures follow


def test_the_group_notices_migration_fills_the_table_from_the_records(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, database_url: str, db: sa.Engine
) -> None:
    for name, on, headers in (("M1", "2015", org_a), ("M2", "2015-06", org_b), ("M3", "2016-02-03", org_a)):
        _member(client, headers.editor, name, "Migrated Group", on)
    _member(client, org_a.editor, "Undated", "Migrated Group", None)

    def rows() -> list[tuple[str, ...]]:
        with db.connect() as conn:
            query = "SELECT key, notice_id, requesting_state, first_day, person_id, org_id FROM group_notice"
            return sorted(tuple(r) for r in conn.execute(sa.text(query)))

    kept = rows()
    assert sorted(r[3] for r in kept) == ["2015-01-01", "2015-06-01", "2016-02-03"]
    migrate.downgrade(database_url, "0010")
    migrate.upgrade(database_url)
    assert rows() == kept


def test_a_person_without_records_has_no_flags(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    assert flags(client, org_a.viewer, person["id"]) == {}


def test_flags_of_a_foreign_person_is_404(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    theirs = make_person(client, org_b.editor)
    assert client.get(f"/api/v1/persons/{theirs['id']}/flags", headers=org_a.viewer).status_code == 404


def _ccf_decided(
    client: TestClient, headers: Headers, person_id: str, notice_id: str, **decision: Any
) -> str:
    challenge = client.post(
        "/api/v1/challenges",
        json={"person_id": person_id, "notice_id": notice_id, "forum": "ccf", "kind": "deletion"},
        headers=headers,
    ).json()
    for body in (
        {"type": "filed", "on": "2023-11-03"},
        {"type": "admissible", "on": "2023-12-01"},
        {"type": "decided", "on": "2024-08-05", **decision},
    ):
        response = client.post(f"/api/v1/challenges/{challenge['id']}/events", json=body, headers=headers)
        assert response.status_code == 200, response.text
    return str(challenge["id"])


@pytest.mark.parametrize("reason", [None, "ncb_no_answer", "other"])
def test_a_ccf_deletion_is_a_finding_of_non_compliance_whatever_its_reason(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], reason: str | None
) -> None:
    pid = person["id"]
    notice = make_notice(
        client, org_a.editor, pid, requesting_state="BY", issued_on="2023-09", status="published"
    )
    assert ("interpol_found_noncompliant", "BY") not in flags(client, org_a.viewer, pid)
    challenge_id = _ccf_decided(client, org_a.editor, pid, notice["id"], outcome="deleted", reason=reason)
    flag = flags(client, org_a.viewer, pid)[("interpol_found_noncompliant", "BY")]
    assert flag["notice_id"] == notice["id"]
    assert {"kind": "challenge", "id": challenge_id} in flag["evidence"]
    assert {"kind": "notice", "id": notice["id"]} in flag["evidence"]
    assert "CCF" in flag["explanation"]
    detail = client.get("/api/v1/states/BY", headers=org_a.viewer).json()
    assert detail["counts"]["interpol_noncompliant"] == 1
    pattern = next(p for p in detail["patterns"] if p["code"] == "interpol_found_noncompliant")
    assert (pattern["persons"], pattern["evidence"]) == (1, [pid])
    summary = next(
        s for s in client.get("/api/v1/states", headers=org_a.viewer).json()["items"] if s["state"] == "BY"
    )
    assert summary["interpol_noncompliant"] == 1


def test_a_ccf_challenge_maintained_or_before_another_forum_is_no_finding(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    maintained = make_notice(client, org_a.editor, pid, requesting_state="BY", status="published")
    _ccf_decided(client, org_a.editor, pid, maintained["id"], outcome="maintained")
    court = make_notice(client, org_a.editor, pid, requesting_state="RU", status="published")
    echr = client.post(
        "/api/v1/challenges",
        json={"person_id": pid, "notice_id": court["id"], "forum": "echr", "kind": "deletion"},
        headers=org_a.editor,
    ).json()
    for body in ({"type": "filed", "on": "2020"}, {"type": "decided", "on": "2021", "outcome": "deleted"}):
        client.post(f"/api/v1/challenges/{echr['id']}/events", json=body, headers=org_a.editor)
    found = flags(client, org_a.viewer, pid)
    assert ("interpol_found_noncompliant", "BY") not in found
    assert ("interpol_found_noncompliant", "RU") not in found
    assert (
        client.get("/api/v1/states/BY", headers=org_a.viewer).json()["counts"]["interpol_noncompliant"] == 0
    )


def test_an_asylum_application_rejected_later_is_no_protection(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BY", requested_on="2018-05")
    applied = make_protection(
        client, org_a.editor, pid, kind="asylum_applied", host_state="PL", against_state="BY", since="2016-03"
    )
    found = flags(client, org_a.viewer, pid)
    assert (
        "an asylum application lodged in Poland in March 2016"
        in found[("refugee_protection", "BY")]["explanation"]
    )
    assert ("issued_after_protection", "BY") in found
    make_protection(
        client,
        org_a.editor,
        pid,
        kind="asylum_rejected",
        host_state="PL",
        against_state="BY",
        since="2017-01",
    )
    found = flags(client, org_a.viewer, pid)
    assert ("refugee_protection", "BY") not in found
    assert ("issued_after_protection", "BY") not in found
    granted = make_protection(
        client, org_a.editor, pid, kind="refugee_status", host_state="LT", against_state="BY", since="2017"
    )
    found = flags(client, org_a.viewer, pid)
    flag = found[("refugee_protection", "BY")]
    assert "refugee status granted by Lithuania in 2017" in flag["explanation"]
    assert "Poland" not in flag["explanation"]
    assert flag["evidence"] == [{"kind": "protection", "id": granted["id"]}]
    assert applied["id"] not in str(found[("issued_after_protection", "BY")]["evidence"])
    assert (
        "refugee status granted by Lithuania in 2017"
        in found[("issued_after_protection", "BY")]["explanation"]
    )
    for f in found.values():
        assert "applied granted" not in f["explanation"]


@pytest.mark.parametrize(
    ("rejected", "counts"),
    [
        ({"host_state": "PL", "against_state": "BY", "since": "2016-03"}, False),  # the same month
        ({"host_state": "PL", "against_state": "BY", "since": None}, False),  # undated: taken as later
        ({"host_state": "PL", "against_state": "BY", "since": "2015"}, True),  # before: a new application
        ({"host_state": "DE", "against_state": "BY", "since": "2017"}, True),  # another host state
        ({"host_state": "PL", "against_state": "RU", "since": "2017"}, True),  # against another state
    ],
)
def test_which_rejections_end_an_application(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], rejected: dict[str, Any], counts: bool
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="BY")
    make_protection(
        client, org_a.editor, pid, kind="asylum_applied", host_state="PL", against_state="BY", since="2016-03"
    )
    make_protection(client, org_a.editor, pid, kind="asylum_rejected", **rejected)
    assert (("refugee_protection", "BY") in flags(client, org_a.viewer, pid)) is counts


def test_protection_explanations_name_what_the_person_has(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    pid = person["id"]
    make_notice(client, org_a.editor, pid, requesting_state="TJ", issued_on="2018-11-08", status="published")
    for kind, since in (("subsidiary_protection", "2017-10-02"), ("humanitarian", None)):
        make_protection(
            client, org_a.editor, pid, kind=kind, host_state="DE", against_state="TJ", since=since
        )
    found = flags(client, org_a.viewer, pid)
    assert found[("refugee_protection", "TJ")]["explanation"].startswith(
        "The person has subsidiary protection granted by Germany on 2 October 2017 and humanitarian "
        "protection granted by Germany, against Tajikistan, the requesting state;"
    )
    assert found[("issued_after_protection", "TJ")]["explanation"] == (
        "Tajikistan's red notice was issued on 2018-11-08, on or after subsidiary protection granted by "
        "Germany on 2 October 2017."
    )


def test_a_group_list_finds_the_same_window_as_a_scan_of_it() -> None:
    """A rebuild's group lists (`GroupNotices`) look each member's dates up once instead of scanning the
    whole list for every member: the windows they give are the ones the scan gives."""
    from app.services.flag_rules import GroupNotice, GroupNotices, _group_order, _group_window

    notices = sorted(
        (
            GroupNotice(
                on=date(2020, 1, 1) + timedelta(days=97 * n),
                person_id=f"p{n % 5}",
                org_id="o",
                notice_id=f"n{n}",
            )
            for n in range(40)
        ),
        key=_group_order,
    )
    indexed = GroupNotices(notices)
    for person_id in ("p0", "p1", "p2", "p3", "p4", "nobody"):
        assert _group_window(indexed, person_id) == _group_window(list(notices), person_id)
    assert any(_group_window(indexed, f"p{n}") for n in range(5))


def test_a_window_counted_by_the_database_says_what_a_scan_of_the_group_says(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    """One person's read counts a large group's window in the database (`dense_windows`) instead of reading
    its notices; a rebuild scans every notice of the group. Both must give every member the same flags,
    word for word, in dense and sparse groups, across organisations, states and fuzzy dates."""
    import random

    from app.models.person import Person
    from app.services.affiliation import affiliation_key

    rng = random.Random(19)
    members: list[str] = []
    for n in range(36):
        headers = org_a.editor if n % 3 else org_b.editor
        group = "Dense Group" if n < 24 else "Sparse Group"
        pid = str(make_person(client, headers, name=f"Member {n}", affiliations=[group, "Both"])["id"])
        spread = 900 if n < 24 else 4000  # days: the sparse group's windows rarely hold three persons
        for _ in range(rng.choice((1, 1, 2, 3))):
            on = date(2012, 1, 1) + timedelta(days=rng.randrange(spread))
            requested = rng.choice((on.isoformat(), on.isoformat()[:7], on.isoformat()[:4]))
            state = rng.choice(("TJ", "TJ", "RU"))
            make_notice(client, headers, pid, requesting_state=state, requested_on=requested)
        members.append(pid)

    with unit_of_work(db, keyring) as session:
        key_name = lambda name: affiliation_key(session, name)  # noqa: E731
        scanned = flag_service.load(session, members, key_name=key_name, groups={})
        counted = scanned_too = flagged = 0
        for pid in members:
            person = session.get(Person, pid)
            assert person is not None
            read = flag_service.for_person(session, person)
            assert read == flag_service.compute(scanned[pid])
            flagged += any(f.code == "group_targeting" for f in read)
            records = flag_service.load(session, [pid], key_name=key_name, known=[person])[pid]
            counted += bool(records.windows)
            scanned_too += any(records.groups.values())
    # Both ways were taken, and the flag is there for some members and not for others.
    assert counted
    assert scanned_too
    assert 0 < flagged < len(members)


def test_one_persons_flags_read_as_rows_are_the_ones_read_as_orm_objects(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    """`for_person` reads the records as rows of only the columns the indicators read (`load_one`; a row
    lacking one raises): for a person with records of every kind for which every indicator holds, in both
    languages, its flags are those of the session's objects (`load`, which the derived tables use)."""
    headers = org_a.editor
    brother = make_person(client, headers, name="Brother")
    make_detention(client, headers, brother["id"], requesting_state="RU", host_state="RU", detained_on="2001")
    pid = make_person(
        client,
        headers,
        name="Every Flag",
        categories=["journalist"],
        affiliations=["Group R"],
        related_persons=[{"person_id": brother["id"], "relation": "sibling"}],
    )["id"]
    _member(client, headers, "Member 1", "Group R", "2015-06", state="RU")
    _member(client, headers, "Member 2", "Group R", "2016-01", state="RU")
    make_protection(client, headers, pid, host_state="DE", against_state="RU", since="2014-03")
    make_protection(
        client, headers, pid, kind="asylum_applied", host_state="PL", against_state="RU", since="2013"
    )
    make_protection(
        client, headers, pid, kind="asylum_rejected", host_state="PL", against_state="RU", since="2014"
    )
    refused = make_notice(
        client,
        headers,
        pid,
        requesting_state="RU",
        requested_on="2015-01",
        in_absentia=True,
        charges=[{"text": "terrorism", "category": "terrorism"}, {"text": "fraud", "category": "economic"}],
    )
    status(
        client,
        headers,
        refused["id"],
        status="refused",
        on="2015-06",
        actor="general_secretariat",
        reason="article_3",
    )
    make_notice(
        client,
        headers,
        pid,
        requesting_state="RU",
        channel="diffusion",
        issued_on="2016-03-01",
        status="published",
    )
    sltd = make_notice(client, headers, pid, requesting_state="RU", channel="sltd_passport")
    _ccf_decided(client, headers, pid, sltd["id"], outcome="deleted")
    held = make_detention(
        client, headers, pid, requesting_state="RU", host_state="TR", detained_on="2016-04-01"
    )
    response = client.post(
        f"/api/v1/detentions/{held['id']}/release",
        json={"released_on": "2016-04-20", "reason": "court_order", "conditions": "travel_ban"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    make_detention(
        client,
        headers,
        pid,
        requesting_state="RU",
        host_state="AM",
        detained_on="2018",
        custody="house_arrest",
    )
    make_extradition(
        client,
        headers,
        pid,
        requesting_state="RU",
        requested_state="FR",
        decision="refused",
        decided_on="2016-12-09",
        court="Conseil d'État",
        grounds=["persecution_risk"],
    )
    make_incident(
        client, headers, pid, kind="abduction", perpetrator_state="RU", host_state="TR", occurred_on="2017-02"
    )
    make_incident(
        client, headers, pid, kind="family_intimidation", perpetrator_state="RU", occurred_on="2017"
    )
    make_incident(client, headers, pid, kind="passport_cancellation", perpetrator_state="RU")

    engine = make_engine(database_url, writer=False, pooled=False, keyring=keyring)
    with reading(engine, keyring) as session:
        person = session.get(Person, pid)
        assert person is not None
        key_name = lambda name: affiliation_key(session, name)  # noqa: E731
        rows = flag_service.load_one(session, person, key_name=key_name)
        read_as_rows: list[tuple[str, list[Any]]] = [  # rows, whatever `Records` says of its objects
            ("protection", rows.protections),
            ("notice", [n.notice for n in rows.notices]),
            ("detention", rows.detentions),
            ("extradition", rows.extraditions),
            ("incident", rows.incidents),
        ]
        for kind, loaded in read_as_rows:
            assert loaded, kind
            assert {field for row in loaded for field in row._fields} == {
                "id",
                "person_id",
                *COLUMNS_READ[kind],
            }
        for lang in ("en", "ru"):
            from_objects = flag_service.compute(
                flag_service.load(session, [pid], key_name=key_name, known=[person])[pid], prose(lang)
            )
            from_rows = flag_service.for_person(session, person, prose(lang))
            assert {f.code for f in from_rows} == set(flag_service.INDICATORS)
            assert [f.model_dump() for f in from_rows] == [f.model_dump() for f in from_objects]
    engine.dispose()
