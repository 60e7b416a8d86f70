"""Deadline reminders: `deadline.approaching` at each configured number of days before a deadline and
`deadline.overdue` after it, each queued once through the webhook outbox."""

import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.db import unit_of_work
from app.keyring import Keyring
from app.models.webhook import WebhookDelivery
from app.services import reminder
from tests.conftest import OrgTokens
from tests.factories import Headers, make_person, make_protection

DUE = date.today() + timedelta(days=40)


def _webhook(client: TestClient, admin: Headers, events: list[str]) -> str:
    response = client.post(
        "/api/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": events}, headers=admin
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _round(db: sa.Engine, keyring: Keyring, on: date) -> int:
    with unit_of_work(db, keyring) as session:
        return reminder.send_due(session, days_before=[14, 3], today=on)


def _sent(db: sa.Engine, keyring: Keyring, webhook_id: str) -> list[dict[str, Any]]:
    with unit_of_work(db, keyring) as session:
        rows = session.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(col(WebhookDelivery.created_at))
        ).all()
        return [json.loads(r.body) for r in rows]


def test_each_reminder_is_queued_once(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    person = make_person(client, org_a.editor)
    protection = make_protection(client, org_a.editor, person["id"], until=DUE.isoformat())
    ours = _webhook(client, org_a.admin, ["deadline.*"])
    other_events = _webhook(client, org_a.admin, ["challenge.*"])
    theirs = _webhook(client, org_b.admin, ["*"])

    rounds = [DUE - timedelta(days=d) for d in (20, 14, 14, 10, 2, 1, 0)] + [DUE + timedelta(days=1)] * 2
    assert [_round(db, keyring, on) for on in rounds] == [0, 1, 0, 0, 1, 0, 0, 1, 0]

    sent = _sent(db, keyring, ours)
    assert [(b["event"], b["data"]["days_left"]) for b in sent] == [
        ("deadline.approaching", 14),
        ("deadline.approaching", 2),
        ("deadline.overdue", -1),
    ]
    assert sent[0]["data"] == {
        "kind": "protection_expiry",
        "due_on": DUE.isoformat(),
        "days_left": 14,
        "person_id": person["id"],
        "ref_kind": "protection",
        "ref_id": protection["id"],
    }
    assert "Namunov" not in json.dumps(sent)
    assert _sent(db, keyring, other_events) == []
    assert _sent(db, keyring, theirs) == []


def test_a_deadline_seen_late_gets_the_nearest_reminder_only(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    person = make_person(client, org_a.editor)
    make_protection(client, org_a.editor, person["id"], until=DUE.isoformat())
    hook = _webhook(client, org_a.admin, ["deadline.approaching"])
    assert _round(db, keyring, DUE - timedelta(days=1)) == 1
    assert [b["data"]["days_left"] for b in _sent(db, keyring, hook)] == [1]


def test_long_past_deadlines_send_nothing(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, keyring: Keyring
) -> None:
    person = make_person(client, org_a.editor)
    make_protection(client, org_a.editor, person["id"], until="2019-05-01")
    hook = _webhook(client, org_a.admin, ["*"])
    assert _round(db, keyring, date.today()) == 0
    assert _sent(db, keyring, hook) == []
