"""Challenges (contract section 8): the event table, CCF deadlines, and decisions carried to the notice."""

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app import migrate
from app.services.challenge import TRANSITIONS, add_months
from tests.conftest import OrgTokens
from tests.factories import make_challenge, make_notice, make_person

Headers = dict[str, str]


def event(client: TestClient, headers: Headers, challenge_id: str, type_: str, on: str, **extra: Any) -> Any:
    return client.post(
        f"/api/v1/challenges/{challenge_id}/events", json={"type": type_, "on": on, **extra}, headers=headers
    )


@pytest.fixture
def person(client: TestClient, org_a: OrgTokens) -> dict[str, Any]:
    return make_person(client, org_a.editor)


def test_ccf_deletion_request_from_filing_to_decision(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    notice = make_notice(
        client, org_a.editor, person["id"], requesting_state="BY", issued_on="2023-09-21", status="published"
    )
    challenge = make_challenge(
        client, org_a.editor, person["id"], notice_id=notice["id"], reference="CCF/2023/1234"
    )
    assert challenge["status"] == "draft"
    assert challenge["deadline_on"] is None
    cid = challenge["id"]
    assert event(client, org_a.editor, cid, "filed", "2023-11-03").json()["status"] == "filed"
    admissible = event(client, org_a.editor, cid, "admissible", "2023-12-01").json()
    assert admissible["deadline_on"] == "2024-09-01"
    blocked = event(client, org_a.editor, cid, "provisional_measure", "2024-02")
    assert blocked.status_code == 200
    assert blocked.json()["status"] == "admissible"
    assert blocked.json()["provisional_measure_on"] == "2024-02"
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status"] == "blocked"
    decided = event(
        client,
        org_a.editor,
        cid,
        "decided",
        "2024-08-05",
        outcome="deleted",
        reason="article_3",
        note="and Article 2",
    )
    body = decided.json()
    assert (body["status"], body["outcome"], body["decided_on"], body["overdue"]) == (
        "closed",
        "deleted",
        "2024-08-05",
        False,
    )
    assert [e["type"] for e in body["events"]] == ["filed", "admissible", "provisional_measure", "decided"]
    history = client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status_history"]
    assert [(h["status"], h["on"], h["actor"], h["reason"]) for h in history[1:]] == [
        ("blocked", "2024-02", "ccf", None),
        ("deleted", "2024-08-05", "ccf", "article_3"),
    ]
    flags = client.get(f"/api/v1/persons/{person['id']}/flags", headers=org_a.viewer).json()["items"]
    assert ("interpol_found_noncompliant", "BY") in {(f["code"], f["requesting_state"]) for f in flags}
    timeline = [
        e["type"]
        for e in client.get(f"/api/v1/persons/{person['id']}/history", headers=org_a.viewer).json()["events"]
    ]
    assert "challenge.decided" in timeline
    assert "notice.status.deleted" in timeline


def test_withdrawn_by_source_and_maintained(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    withdrawn_notice = make_notice(client, org_a.editor, person["id"], requesting_state="TR")
    one = make_challenge(client, org_a.editor, person["id"], notice_id=withdrawn_notice["id"])
    event(client, org_a.editor, one["id"], "filed", "2020")
    event(
        client,
        org_a.editor,
        one["id"],
        "decided",
        "2021",
        outcome="withdrawn_by_source",
        reason="source_withdrew",
    )
    notice = client.get(f"/api/v1/notices/{withdrawn_notice['id']}", headers=org_a.viewer).json()
    assert (notice["status"], notice["status_history"][-1]["actor"]) == ("withdrawn", "ccf")

    maintained_notice = make_notice(client, org_a.editor, person["id"], requesting_state="RU")
    two = make_challenge(client, org_a.editor, person["id"], notice_id=maintained_notice["id"])
    event(client, org_a.editor, two["id"], "filed", "2012-09")
    event(client, org_a.editor, two["id"], "provisional_measure", "2012-10")
    event(client, org_a.editor, two["id"], "decided", "2013-10", outcome="maintained")
    assert (
        client.get(f"/api/v1/notices/{maintained_notice['id']}", headers=org_a.viewer).json()["status"]
        == "reinstated"
    )

    unblocked = make_notice(client, org_a.editor, person["id"], requesting_state="KZ", status="published")
    three = make_challenge(client, org_a.editor, person["id"], notice_id=unblocked["id"])
    event(client, org_a.editor, three["id"], "filed", "2019")
    event(client, org_a.editor, three["id"], "decided", "2020", outcome="maintained")
    assert (
        client.get(f"/api/v1/notices/{unblocked['id']}", headers=org_a.viewer).json()["status"] == "published"
    )


def test_other_forums_never_touch_the_notice_and_have_no_deadline(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any]
) -> None:
    notice = make_notice(client, org_a.editor, person["id"], status="published")
    echr = make_challenge(
        client, org_a.editor, person["id"], notice_id=notice["id"], forum="echr", kind="interim_measure"
    )
    event(client, org_a.editor, echr["id"], "filed", "2020-01-10")
    event(client, org_a.editor, echr["id"], "admissible", "2020-01-11")
    assert (
        event(client, org_a.editor, echr["id"], "decided", "2020-02", outcome="deleted").json()["deadline_on"]
        is None
    )
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status"] == "published"


ALL_STATES = ["draft", "filed", "admissible", "closed"]
PATHS = {
    "draft": [],
    "filed": [("filed", "2020-01")],
    "admissible": [("filed", "2020-01"), ("admissible", "2020-02")],
}


@pytest.mark.parametrize("type_", [t.value for t in TRANSITIONS])
@pytest.mark.parametrize("state", ALL_STATES)
def test_the_transition_table_exactly(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], state: str, type_: str
) -> None:
    challenge = make_challenge(client, org_a.editor, person["id"])
    for step, on in PATHS.get(state, [("filed", "2020-01"), ("withdrawn", "2020-02")]):
        assert event(client, org_a.editor, challenge["id"], step, on).status_code == 200
    extra = {"outcome": "maintained"} if type_ == "decided" else {}
    response = event(client, org_a.editor, challenge["id"], type_, "2020-03", **extra)
    allowed = {s.value for s in TRANSITIONS[next(t for t in TRANSITIONS if t.value == type_)][0]}
    assert response.status_code == (200 if state in allowed else 409), response.text
    if response.status_code == 409:
        assert (
            client.get(f"/api/v1/challenges/{challenge['id']}", headers=org_a.viewer).json()["status"]
            == state
        )


def test_bad_events(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    challenge = make_challenge(client, org_a.editor, person["id"])
    cid = challenge["id"]
    event(client, org_a.editor, cid, "filed", "2023-11-03")
    backwards = event(client, org_a.editor, cid, "admissible", "2023-11-02")
    assert backwards.status_code == 422
    coarser = event(client, org_a.editor, cid, "admissible", "2023-11")
    assert coarser.status_code == 422  # a fuzzy date stands for its first day: 1 Nov is before 3 Nov
    assert (
        event(client, org_a.editor, cid, "admissible", "2023-11-03").status_code == 200
    )  # the same day is fine
    assert event(client, org_a.editor, cid, "decided", "2024").status_code == 422  # no outcome
    assert event(client, org_a.editor, cid, "withdrawn", "2024", outcome="deleted").status_code == 422
    for bad in (
        {"type": "appealed", "on": "2024"},
        {"type": "withdrawn"},
        {"type": "withdrawn", "on": "soon"},
        {"type": "withdrawn", "on": "2024", "x": 1},
    ):
        assert (
            client.post(f"/api/v1/challenges/{cid}/events", json=bad, headers=org_a.editor).status_code == 422
        )
    assert len(client.get(f"/api/v1/challenges/{cid}", headers=org_a.viewer).json()["events"]) == 2


def test_create_rules(client: TestClient, org_a: OrgTokens, org_b: OrgTokens, person: dict[str, Any]) -> None:
    other = make_person(client, org_a.editor, name="Other")
    their_notice = make_notice(client, org_b.editor, make_person(client, org_b.editor)["id"])
    own_notice_of_other = make_notice(client, org_a.editor, other["id"])
    base = {"person_id": person["id"], "forum": "ccf", "kind": "deletion"}
    assert (
        client.post(
            "/api/v1/challenges", json={**base, "notice_id": their_notice["id"]}, headers=org_a.editor
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/challenges", json={**base, "notice_id": own_notice_of_other["id"]}, headers=org_a.editor
        ).status_code
        == 422
    )
    for bad in (
        {**base, "forum": "icc"},
        {**base, "kind": "complaint"},
        {k: v for k, v in base.items() if k != "kind"},
    ):
        assert client.post("/api/v1/challenges", json=bad, headers=org_a.editor).status_code == 422
    assert client.post("/api/v1/challenges", json=base, headers=org_a.viewer).status_code == 403


@pytest.mark.parametrize(
    ("admissible", "kind", "deadline"),
    [
        ("2023-12-01", "deletion", "2024-09-01"),
        ("2023-05-31", "deletion", "2024-02-29"),
        ("2023-10-31", "access", "2024-02-29"),
        ("2022-10-31", "access", "2023-02-28"),
        ("2023-06-30", "revision", None),  # the Statute sets a revision no decision time limit
        ("2023-06", "correction", "2024-03-01"),
    ],
)
def test_ccf_deadlines(
    client: TestClient,
    org_a: OrgTokens,
    person: dict[str, Any],
    admissible: str,
    kind: str,
    deadline: str | None,
) -> None:
    challenge = make_challenge(client, org_a.editor, person["id"], kind=kind)
    event(client, org_a.editor, challenge["id"], "filed", admissible[:7])
    assert (
        event(client, org_a.editor, challenge["id"], "admissible", admissible).json()["deadline_on"]
        == deadline
    )


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 15), 9) == date(2024, 9, 15)


def test_overdue_filter(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    today = date.today()
    late = make_challenge(client, org_a.editor, person["id"], kind="access")
    event(client, org_a.editor, late["id"], "filed", "2020-01-01")
    event(client, org_a.editor, late["id"], "admissible", "2020-02-01")
    fresh = make_challenge(client, org_a.editor, person["id"], kind="deletion")
    event(client, org_a.editor, fresh["id"], "filed", (today - timedelta(days=10)).isoformat())
    event(client, org_a.editor, fresh["id"], "admissible", (today - timedelta(days=5)).isoformat())
    closed = make_challenge(client, org_a.editor, person["id"], kind="access")
    event(client, org_a.editor, closed["id"], "filed", "2020-01-01")
    event(client, org_a.editor, closed["id"], "admissible", "2020-02-01")
    event(client, org_a.editor, closed["id"], "withdrawn", "2021-01-01")
    overdue = client.get("/api/v1/challenges?overdue=true", headers=org_a.viewer).json()["items"]
    assert [c["id"] for c in overdue] == [late["id"]]
    assert overdue[0]["overdue"] is True
    not_overdue = {
        c["id"] for c in client.get("/api/v1/challenges?overdue=false", headers=org_a.viewer).json()["items"]
    }
    assert not_overdue == {fresh["id"], closed["id"]}
    by_status = client.get("/api/v1/challenges?status=closed", headers=org_a.viewer).json()["items"]
    assert [c["id"] for c in by_status] == [closed["id"]]


def test_an_access_request_is_answered(client: TestClient, org_a: OrgTokens, person: dict[str, Any]) -> None:
    notice = make_notice(client, org_a.editor, person["id"], status="published")
    access = make_challenge(client, org_a.editor, person["id"], kind="access", notice_id=notice["id"])
    event(client, org_a.editor, access["id"], "filed", "2023-01-10")
    assert (
        event(client, org_a.editor, access["id"], "admissible", "2023-02-01").json()["deadline_on"]
        == "2023-06-01"
    )
    answered = event(client, org_a.editor, access["id"], "decided", "2023-05-20", outcome="answered")
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["status"], body["outcome"], body["overdue"]) == ("closed", "answered", False)
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["status"] == "published"

    deletion = make_challenge(client, org_a.editor, person["id"], kind="deletion")
    event(client, org_a.editor, deletion["id"], "filed", "2023-01-10")
    refused = event(client, org_a.editor, deletion["id"], "decided", "2023-05-20", outcome="answered")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "outcome"]
    assert (
        client.get(f"/api/v1/challenges/{deletion['id']}", headers=org_a.viewer).json()["status"] == "filed"
    )


@pytest.mark.parametrize("kind", ["appeal", "interim_measure"])
def test_the_ccf_takes_no_appeal_and_no_interim_measure(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], kind: str
) -> None:
    body = {"person_id": person["id"], "forum": "ccf", "kind": kind}
    refused = client.post("/api/v1/challenges", json=body, headers=org_a.editor)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["loc"] == ["body", "kind"]
    assert (
        client.get(f"/api/v1/challenges?person_id={person['id']}", headers=org_a.viewer).json()["items"] == []
    )
    for forum in ("echr", "un_cat", "national_court"):
        make_challenge(client, org_a.editor, person["id"], forum=forum, kind=kind)


def test_the_migration_drops_the_deadline_of_stored_revisions(
    client: TestClient, org_a: OrgTokens, person: dict[str, Any], database_url: str, db: sa.Engine
) -> None:
    revision = make_challenge(client, org_a.editor, person["id"], kind="revision")
    deletion = make_challenge(client, org_a.editor, person["id"], kind="deletion")
    for challenge in (revision, deletion):
        event(client, org_a.editor, challenge["id"], "filed", "2023-06-01")
        event(client, org_a.editor, challenge["id"], "admissible", "2023-06-30")
    migrate.downgrade(database_url, "0013")
    with db.begin() as conn:  # as the older code stored it
        conn.execute(
            sa.text("UPDATE challenge SET deadline_on = '2024-03-30' WHERE id = :id"), {"id": revision["id"]}
        )
    migrate.upgrade(database_url)
    with db.connect() as conn:
        stored = {
            str(row.id): row.deadline_on
            for row in conn.execute(sa.text("SELECT id, deadline_on FROM challenge"))
        }
    assert stored == {revision["id"]: None, deletion["id"]: "2024-03-30"}
