"""Deadline reminders: `deadline.approaching` at each configured number of days before a deadline and
`deadline.overdue` after it, each queued once through the webhook outbox."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.webhook import WebhookDelivery
from app.services import deadline as deadline_service
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


# --- one round per interval per deployment ------------------------------------------------------------

HOUR = 3600.0


def _try(db: sa.Engine, keyring: Keyring, now: datetime, *, force: bool = False) -> reminder.Round:
    with unit_of_work(db, keyring) as session:
        return reminder.run_round(session, days_before=[14, 3], interval_s=HOUR, now=now, force=force)


def _last_round(db: sa.Engine) -> str | None:
    with db.connect() as connection:
        query = sa.text("SELECT value FROM app_meta WHERE key = :key")
        return connection.execute(query, {"key": reminder.LAST_ROUND}).scalar_one_or_none()


@pytest.fixture
def collects(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    """One item per `deadline.collect` over the whole database: the rounds that ran."""
    calls: list[None] = []
    original = deadline_service.collect

    def counted(session: Session, **kwargs: Any) -> list[deadline_service.Deadline]:
        calls.append(None)
        return original(session, **kwargs)

    monkeypatch.setattr(deadline_service, "collect", counted)
    return calls


def test_one_round_per_interval_whichever_process_tries(
    client: TestClient,
    org_a: OrgTokens,
    database_url: str,
    db: sa.Engine,
    keyring: Keyring,
    collects: list[None],
) -> None:
    person = make_person(client, org_a.editor)
    make_protection(client, org_a.editor, person["id"], until=(date.today() + timedelta(days=3)).isoformat())
    hook = _webhook(client, org_a.admin, ["deadline.*"])
    one, two = (make_engine(database_url, writer=True, pooled=False) for _ in range(2))  # two processes
    try:
        start = datetime.now(UTC)
        assert _try(one, keyring, start) == reminder.Round(queued=1, last=start)
        assert _try(two, keyring, start + timedelta(minutes=1)) == reminder.Round(queued=None, last=start)
        assert _try(one, keyring, start + timedelta(minutes=59)).queued is None
        assert len(collects) == 1
        assert _last_round(two) == start.isoformat()
        # an hour on, whichever comes first runs the next round (nothing new to queue)
        later = start + timedelta(hours=1)
        assert _try(two, keyring, later) == reminder.Round(queued=0, last=later)
        assert _try(one, keyring, later + timedelta(seconds=1)).queued is None
        assert len(collects) == 2
        # the command line runs a round when asked, and it counts as the last one
        asked = later + timedelta(minutes=5)
        assert _try(one, keyring, asked, force=True) == reminder.Round(queued=0, last=asked)
        assert _try(two, keyring, asked + timedelta(minutes=59)).queued is None
        assert len(collects) == 3
        assert _last_round(one) == asked.isoformat()
    finally:
        one.dispose()
        two.dispose()
    assert len(_sent(db, keyring, hook)) == 1


def test_a_failed_round_leaves_no_claim(
    db: sa.Engine, keyring: Keyring, collects: list[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC)
    assert _try(db, keyring, start).queued == 0

    def broken(session: Session, **kwargs: Any) -> list[deadline_service.Deadline]:
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(deadline_service, "collect", broken)
    later = start + timedelta(hours=2)
    with pytest.raises(OperationalError):
        _try(db, keyring, later)
    assert _last_round(db) == start.isoformat()  # the failed round's claim was rolled back
    monkeypatch.undo()
    assert _try(db, keyring, later + timedelta(seconds=1)).queued == 0  # so the next try runs it


def test_a_round_in_flight_makes_other_processes_skip_without_waiting(
    database_url: str, keyring: Keyring, collects: list[None]
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one process: its write lock holds the other rounds")
    one, two = (make_engine(database_url, writer=True, pooled=False) for _ in range(2))
    try:
        # the pool last: its thread ends once this unit of work has (a thread that waited would hang)
        with ThreadPoolExecutor(1) as pool, unit_of_work(one, keyring) as session:
            assert reminder.run_round(session, days_before=[14, 3]).queued == 0  # not committed yet
            skipped = pool.submit(_try, two, keyring, datetime.now(UTC) + timedelta(days=1))
            assert skipped.result(timeout=20) == reminder.Round(queued=None, last=None)
        assert len(collects) == 1
    finally:
        one.dispose()
        two.dispose()


def test_loops_of_several_processes_and_a_restart_run_one_round(
    database_url: str, keyring: Keyring, collects: list[None]
) -> None:
    engines = [make_engine(database_url, writer=True, pooled=False) for _ in range(3)]
    loops = [
        reminder.ReminderLoop(engine, keyring, days_before=[14, 3], first_round_s=0.0, interval_s=HOUR)
        for engine in engines
    ]
    try:
        for loop in loops[:2]:  # two server processes start together
            loop.start()
        _tried(loops[:2])
        loops[0].stop()
        loops[0].start()  # a restart within the hour
        loops[2].start()  # and a process started later
        _tried(loops)
        assert len(collects) == 1
    finally:
        for loop in loops:
            loop.stop()
        for engine in engines:
            engine.dispose()


def test_a_loop_runs_a_round_again_after_its_interval(
    database_url: str, keyring: Keyring, collects: list[None]
) -> None:
    engine = make_engine(database_url, writer=True, pooled=False)
    loop = reminder.ReminderLoop(engine, keyring, days_before=[14, 3], first_round_s=0.0, interval_s=0.2)
    try:
        loop.start()
        _tried([loop], times=3)
    finally:
        loop.stop()
        engine.dispose()
    assert len(collects) >= 2


def _tried(loops: list[reminder.ReminderLoop], *, times: int = 1) -> None:
    """Wait until each loop has tried `times` rounds (each loop counts its own)."""
    began = time.monotonic()
    while any(loop.attempts < times for loop in loops):
        assert time.monotonic() - began < 30, "a reminder loop did not try its round"
        time.sleep(0.01)
