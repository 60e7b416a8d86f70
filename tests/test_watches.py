"""Watches (issue 17 items 1–3, contract section 15): the API, what changed between a watch's checks, the
shared budget towards INTERPOL, and runners in several processes that alert each change exactly once.

INTERPOL is tests/fake_interpol.py, a real HTTP server: the runners in other processes reach it too."""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

import app as app_package
from app.clients.interpol import InterpolError, open_interpol_http
from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.base import utcnow
from app.models.interpol_check import InterpolCheck
from app.models.watch import ChangeKind, InterpolChange, Watch, WatchRunner
from app.models.webhook import WebhookDelivery
from app.services import watch as watch_service
from tests.conftest import SECRET, OrgTokens, serving
from tests.factories import Headers, make_person
from tests.fake_interpol import FakeInterpol, http_status

ONE_NOTICE_PERSON = {"name": "Farzin Namunazoda", "nationalities": ["TJ"], "birth_date": "1984-02-29"}


@pytest.fixture
def fake() -> Iterator[FakeInterpol]:
    with FakeInterpol() as server:
        yield server


def run_watches(
    database_url: str, keyring: Keyring, fake: FakeInterpol, *, everything: bool = True
) -> watch_service.RunReport:
    """One `article3 watch run` in this process."""
    engine = make_engine(database_url, writer=True, keyring=keyring, pooled=False)
    http = open_interpol_http(fake.base_url, timeout_s=2)
    try:
        pace = watch_service.SharedPace(engine, keyring, max_rps=50)
        return watch_service.run_due(
            engine, keyring, watch_service.paced_client(http, pace), everything=everything
        )
    finally:
        http.close()
        engine.dispose()


def _webhook(client: TestClient, admin: Headers, events: list[str]) -> str:
    response = client.post(
        "/api/v1/webhooks", json={"url": "https://93.184.215.14/hook", "events": events}, headers=admin
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _deliveries(db: sa.Engine, keyring: Keyring) -> list[dict[str, Any]]:
    with unit_of_work(db, keyring) as session:
        rows = session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.created_at))).all()
        return [json.loads(r.body) for r in rows]


def _notice(fake: FakeInterpol, entity_id: str, name: str, forename: str, born: str) -> dict[str, Any]:
    url_id = entity_id.replace("/", "-")
    return {
        "entity_id": entity_id,
        "name": name,
        "forename": forename,
        "date_of_birth": born,
        "nationalities": ["TJ"],
        "_links": {"self": {"href": f"{fake.base_url}/notices/v1/red/{url_id}"}},
    }


def _set_nationalities(fake: FakeInterpol, entity_id: str, nationalities: list[str]) -> None:
    fake.notices = [
        {**n, "nationalities": nationalities} if n["entity_id"] == entity_id else n for n in fake.notices
    ]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- The API --------------------------------------------------------------------------------------


def test_watch_a_person(client: TestClient, org_a: OrgTokens, org_b: OrgTokens) -> None:
    pid = make_person(client, org_a.editor)["id"]
    path = f"/api/v1/persons/{pid}/watch"
    created = client.post(path, headers=org_a.editor)
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {
        "person_id",
        "interval_hours",
        "created_at",
        "last_checked_at",
        "next_check_at",
        "changes",
    }
    assert body["person_id"] == pid
    assert body["interval_hours"] == 24  # ARTICLE3_WATCH_INTERVAL_HOURS' default
    assert body["next_check_at"] == body["created_at"]  # due at once
    assert body["last_checked_at"] is None
    assert body["changes"] == []
    assert created.headers["Location"] == path

    again = client.post(path, json={"interval_hours": 2}, headers=org_a.editor)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    assert client.get(path, headers=org_a.viewer).json() == body
    listed = client.get("/api/v1/watches", headers=org_a.viewer).json()
    assert listed == {"items": [body], "next_cursor": None}
    assert client.get("/api/v1/watches", headers=org_b.viewer).json()["items"] == []
    # Another organisation's person is one that does not exist.
    assert client.get(path, headers=org_b.viewer).status_code == 404
    assert client.post(path, headers=org_b.editor).status_code == 404
    assert client.delete(path, headers=org_b.editor).status_code == 404

    assert client.post(path, headers=org_a.viewer).status_code == 403
    assert client.delete(path, headers=org_a.viewer).status_code == 403
    assert client.get("/api/v1/watches", headers=org_a.analyst).status_code == 403

    assert client.delete(path, headers=org_a.editor).status_code == 204
    assert client.get(path, headers=org_a.viewer).status_code == 404
    assert client.delete(path, headers=org_a.editor).status_code == 404
    assert client.get("/api/v1/watches", headers=org_a.viewer).json()["items"] == []

    actions = [
        e["action"] for e in client.get("/api/v1/audit?limit=200", headers=org_a.admin).json()["items"]
    ]
    assert actions.count("watch.created") == 1
    assert actions.count("watch.deleted") == 1


@pytest.mark.parametrize(
    "body", [{"interval_hours": 0}, {"interval_hours": 169}, {"every": 3}, {"interval_hours": "x"}]
)
def test_a_bad_interval_is_refused_and_watches_nothing(
    client: TestClient, org_a: OrgTokens, body: dict[str, Any]
) -> None:
    pid = make_person(client, org_a.editor)["id"]
    response = client.post(f"/api/v1/persons/{pid}/watch", json=body, headers=org_a.editor)
    assert response.status_code == 422
    assert client.get(f"/api/v1/persons/{pid}/watch", headers=org_a.viewer).status_code == 404


def test_an_interval_may_be_chosen(client: TestClient, org_a: OrgTokens) -> None:
    pid = make_person(client, org_a.editor)["id"]
    created = client.post(f"/api/v1/persons/{pid}/watch", json={"interval_hours": 168}, headers=org_a.editor)
    assert created.status_code == 201
    assert created.json()["interval_hours"] == 168


# --- What changed ---------------------------------------------------------------------------------


def test_a_watch_reports_what_appeared_changed_and_is_no_longer_public(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    hook = _webhook(client, org_a.admin, ["interpol.*"])
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    path = f"/api/v1/persons/{pid}/watch"
    assert client.post(path, headers=org_a.editor).status_code == 201

    # The first check is the baseline: the notice it finds did not "appear".
    first = run_watches(database_url, keyring, fake, everything=False)
    assert (first.checked, first.failed, first.changes) == (1, 0, 0)
    watch = client.get(path, headers=org_a.viewer).json()
    assert watch["changes"] == []
    assert watch["last_checked_at"] is not None
    checks = client.get(f"/api/v1/persons/{pid}/interpol-checks", headers=org_a.viewer).json()["items"]
    assert len(checks) == 1
    assert "2017/40211" in {h["entity_id"] for h in checks[0]["hits"]}
    # Not due again before its interval (24 h, spread by a tenth either way).
    after_s = (_parse(watch["next_check_at"]) - _parse(watch["last_checked_at"])).total_seconds()
    assert 0.9 * 24 * 3600 <= after_s <= 1.1 * 24 * 3600
    assert run_watches(database_url, keyring, fake, everything=False).checked == 0

    # A second notice appears, and the first one's nationalities change.
    fake.notices.append(_notice(fake, "2024/10001", "NAMUNAZODA", "FARZIN", "1984/02/29"))
    _set_nationalities(fake, "2017/40211", ["TJ", "RU"])
    second = run_watches(database_url, keyring, fake)
    assert (second.checked, second.changes) == (1, 2)
    # Then the new one leaves the public list.
    fake.notices = [n for n in fake.notices if n["entity_id"] != "2024/10001"]
    third = run_watches(database_url, keyring, fake)
    assert (third.checked, third.changes) == (1, 1)
    # Nothing changes: nothing is reported.
    assert run_watches(database_url, keyring, fake).changes == 0

    watch = client.get(path, headers=org_a.viewer).json()
    checks = client.get(f"/api/v1/persons/{pid}/interpol-checks", headers=org_a.viewer).json()["items"]
    assert len(checks) == 4
    newest_first = [(c["change"], c["entity_id"]) for c in watch["changes"]]
    assert newest_first == [
        ("disappeared", "2024/10001"),
        ("changed", "2017/40211"),
        ("appeared", "2024/10001"),
    ]
    assert watch["changes"][0]["check_id"] == checks[1]["id"]
    assert {c["check_id"] for c in watch["changes"][1:]} == {checks[2]["id"]}

    events = client.get(f"/api/v1/persons/{pid}/history", headers=org_a.viewer).json()["events"]
    interpol = [(e["type"], e["summary"], e["ref"]) for e in events if e["type"].startswith("interpol.")]
    assert interpol == [
        (
            "interpol.appeared",
            "INTERPOL red notice 2024/10001 appeared in INTERPOL's public list",
            {"kind": "interpol_check", "id": checks[2]["id"]},
        ),
        (
            "interpol.changed",
            "INTERPOL red notice 2017/40211 changed in INTERPOL's public list: nationalities",
            {"kind": "interpol_check", "id": checks[2]["id"]},
        ),
        (
            "interpol.disappeared",
            "INTERPOL red notice 2024/10001 no longer public",
            {"kind": "interpol_check", "id": checks[1]["id"]},
        ),
    ]
    assert "deleted" not in json.dumps(events).lower()

    sent = _deliveries(db, keyring)
    assert [(d["event"], d["data"]["entity_id"], d["data"]["fields"]) for d in sent] == [
        ("interpol.notice_appeared", "2024/10001", None),
        ("interpol.notice_changed", "2017/40211", "nationalities"),
        ("interpol.notice_disappeared", "2024/10001", None),
    ]
    assert all(d["data"]["person_id"] == pid for d in sent)
    assert "Namunazoda" not in json.dumps(sent)
    assert "NAMUNAZODA" not in json.dumps(sent)
    with unit_of_work(db, keyring) as session:
        assert {d.webhook_id for d in session.exec(select(WebhookDelivery))} == {hook}


def test_a_new_watch_starts_from_a_new_baseline(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol, database_url: str, keyring: Keyring
) -> None:
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    path = f"/api/v1/persons/{pid}/watch"
    client.post(path, headers=org_a.editor)
    run_watches(database_url, keyring, fake)
    client.delete(path, headers=org_a.editor)
    fake.notices.append(_notice(fake, "2024/10001", "NAMUNAZODA", "FARZIN", "1984/02/29"))
    client.post(path, headers=org_a.editor)
    assert run_watches(database_url, keyring, fake).changes == 0  # the new watch's baseline
    assert client.get(path, headers=org_a.viewer).json()["changes"] == []


def test_compare_reads_requesting_states_only_when_both_checks_know_them() -> None:
    def hit(entity_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "entity_id": entity_id,
            "name": "A",
            "forename": None,
            "birth_date": "1980",
            "nationalities": ["TJ"],
            "requesting_states": ["TJ"],
            **extra,
        }

    assert watch_service.compare([hit("1")], [hit("1", requesting_states=[])]) == []
    assert watch_service.compare([hit("1")], [hit("1", requesting_states=["RU", "TJ"])]) == [
        (ChangeKind.changed, "1", ["requesting_states"])
    ]
    assert watch_service.compare([hit("1")], [hit("1", name="B", birth_date="1981")]) == [
        (ChangeKind.changed, "1", ["name", "birth_date"])
    ]


# --- Failures and the shared budget ---------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_a_failed_check_is_retried_later_and_alerts_no_one(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
    status: int,
) -> None:
    _webhook(client, org_a.admin, ["*"])
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor)
    run_watches(database_url, keyring, fake)  # the baseline
    fake.notices = []  # everything leaves the list; but INTERPOL fails
    fake.misbehave(http_status(status, retry_after="120"))
    before = utcnow()
    report = run_watches(database_url, keyring, fake)
    assert (report.checked, report.failed, report.changes) == (0, 1, 0)
    with unit_of_work(db, keyring) as session:
        watch = session.exec(select(Watch)).one()
        runner = session.exec(select(WatchRunner)).one()
        assert watch.failures == 1
        assert watch.lease_holder is None
        assert watch.next_check_at >= before + timedelta(seconds=120)  # INTERPOL's Retry-After
        assert runner.paused_until is not None
        assert runner.paused_until >= before + timedelta(seconds=119)
        assert len(session.exec(select(InterpolCheck)).all()) == 1  # nothing written
    assert _deliveries(db, keyring) == []
    assert run_watches(database_url, keyring, fake, everything=False).checked == 0  # not due yet

    # Once INTERPOL answers again (and the pause is over), the retry reports what changed.
    with unit_of_work(db, keyring) as session:
        runner = session.exec(select(WatchRunner)).one()
        runner.paused_until = None
        session.add(runner)
    report = run_watches(database_url, keyring, fake)
    assert (report.checked, report.changes) == (1, 1)
    assert [d["event"] for d in _deliveries(db, keyring)] == ["interpol.notice_disappeared"]


def test_the_pace_spaces_every_request_and_a_pause_holds_them_all(db: sa.Engine, keyring: Keyring) -> None:
    pace = watch_service.SharedPace(db, keyring, max_rps=4)
    other = watch_service.SharedPace(db, keyring, max_rps=4)  # another process, as far as the row knows
    start = utcnow()
    for p in (pace, other, pace):
        p.wait(10)
    with Session(db) as session:
        runner = session.exec(select(WatchRunner)).one()
        # Three slots reserved a quarter of a second apart, whoever asked.
        assert runner.next_request_at >= start + timedelta(seconds=0.75)
    pace.pause(3600)
    with pytest.raises(InterpolError):
        other.wait(5)  # the pause is longer than this request may wait: it fails rather than hang


def test_a_check_past_the_budget_fails_without_waiting(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor)
    watch_service.SharedPace(db, keyring, max_rps=1).pause(600)  # another runner was told to back off
    report = run_watches(database_url, keyring, fake)
    assert (report.checked, report.failed) == (0, 1)
    assert fake.requests == []  # INTERPOL was not asked


# --- One runner per watch -------------------------------------------------------------------------


def test_a_watch_leased_by_another_runner_is_left_alone(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor)
    with unit_of_work(db, keyring) as session:
        watch = session.exec(select(Watch)).one()
        watch.lease_holder, watch.lease_until = "another-runner", utcnow() + timedelta(minutes=5)
        session.add(watch)
    assert run_watches(database_url, keyring, fake).checked == 0
    with unit_of_work(db, keyring) as session:
        watch = session.exec(select(Watch)).one()
        watch.lease_until = utcnow() - timedelta(seconds=1)  # that runner died: its lease ended
        session.add(watch)
    assert run_watches(database_url, keyring, fake).checked == 1


def test_on_sqlite_one_runner_runs_at_a_time(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL runners share the work instead (SKIP LOCKED)")
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor)
    assert watch_service._take_runner(db, keyring, "another-runner")
    report = run_watches(database_url, keyring, fake)
    assert report.busy
    assert report.checked == 0
    watch_service._release_runner(db, keyring, "another-runner")
    assert run_watches(database_url, keyring, fake).checked == 1


def _cli(database_url: str, fake: FakeInterpol) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "ARTICLE3_DATABASE_URL": database_url,
        "ARTICLE3_SECRET_KEY": SECRET,
        "ARTICLE3_INTERPOL_URL": fake.base_url,
        "ARTICLE3_INTERPOL_MAX_RPS": "25",
        "ARTICLE3_INTERPOL_TIMEOUT": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import app; app()", "watch", "run", "--all"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


PERSONS = {  # each hits one notice of the fake's list
    "Farzin Namunazoda": "2017/40211",
    "Dilshod Namunov": "2021/8316",
    "Zarina Misolova": "2019/20455",
}


def test_two_processes_alert_every_change_exactly_once(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    """Two `article3 watch run --all` at once, for rounds between which INTERPOL's list changes (and
    INTERPOL fails, and rate-limits): each change is stored and queued for the webhook once."""
    _webhook(client, org_a.admin, ["interpol.*"])
    pids = {}
    for name in PERSONS:
        pid = make_person(client, org_a.editor, name=name, nationalities=["TJ"])["id"]
        assert client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor).status_code == 201
        pids[name] = pid

    def both() -> list[str]:
        runners = [_cli(database_url, fake) for _ in range(2)]
        outputs = [r.communicate(timeout=120)[0] for r in runners]
        assert [r.returncode for r in runners] == [0, 0], outputs
        return outputs

    def until_none_fails() -> None:
        """Both runners again while a check fails: a failed check is retried by a later run."""
        for _ in range(6):
            outputs = both()
            if all(" 0 failed" in o or "nothing done" in o for o in outputs):
                return
        pytest.fail(f"checks still fail: {outputs}")

    until_none_fails()  # round 0: the baselines
    with unit_of_work(db, keyring) as session:
        assert all(w.last_check_id for w in session.exec(select(Watch)))
    expected: Counter[tuple[str, str, str]] = Counter()
    # Round 1: a notice appears for each person, one notice changes, and INTERPOL fails now and then.
    for n, (name, _entity_id) in enumerate(PERSONS.items()):
        surname, forename = name.split()[1].upper(), name.split()[0].upper()
        fake.notices.append(_notice(fake, f"2025/{n + 1}", surname, forename, "1980/01/01"))
        expected[(pids[name], "appeared", f"2025/{n + 1}")] += 1
    _set_nationalities(fake, "2021/8316", ["TJ", "RU"])
    expected[(pids["Dilshod Namunov"], "changed", "2021/8316")] += 1
    fake.misbehave(http_status(503), http_status(429, retry_after="1"))
    assert any(" failed (retried later)" in o and " 0 failed" not in o for o in both())
    until_none_fails()  # the watches whose check failed are checked again
    # Round 2: the new notices leave the public list.
    fake.notices = [n for n in fake.notices if not n["entity_id"].startswith("2025/")]
    for n, name in enumerate(PERSONS):
        expected[(pids[name], "disappeared", f"2025/{n + 1}")] += 1
    fake.misbehave(http_status(429, retry_after="1"))
    until_none_fails()

    with unit_of_work(db, keyring) as session:
        person_of = {w.id: w.person_id for w in session.exec(select(Watch))}
        stored = Counter(
            (person_of[c.watch_id], c.change.value, c.entity_id) for c in session.exec(select(InterpolChange))
        )
        watches = session.exec(select(Watch)).all()
        assert all(w.lease_holder is None and w.failures == 0 for w in watches)
    assert stored == expected
    alerted = Counter(
        (d["data"]["person_id"], d["data"]["change"], d["data"]["entity_id"])
        for d in _deliveries(db, keyring)
    )
    assert alerted == expected
    assert any(r.path == "/notices/v1/red" for r in fake.requests)


# --- The server runs due watches itself -----------------------------------------------------------


def test_the_server_checks_a_new_watch_by_itself(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol, database_url: str
) -> None:
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    with serving(database_url, ARTICLE3_WATCH_RUNNER="true", ARTICLE3_INTERPOL_URL=fake.base_url) as base:
        path = f"{base}/api/v1/persons/{pid}/watch"
        assert httpx.post(path, headers=org_a.editor).status_code == 201
        for _ in range(150):
            watch = httpx.get(path, headers=org_a.viewer).json()
            if watch["last_checked_at"] is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the server did not check the new watch")
    checks = client.get(f"/api/v1/persons/{pid}/interpol-checks", headers=org_a.viewer).json()["items"]
    assert len(checks) == 1
    assert "2017/40211" in {h["entity_id"] for h in checks[0]["hits"]}
    assert watch["changes"] == []  # the baseline


def test_erasing_a_person_erases_their_watch_and_its_changes(
    client: TestClient,
    org_a: OrgTokens,
    fake: FakeInterpol,
    database_url: str,
    keyring: Keyring,
    db: sa.Engine,
) -> None:
    pid = make_person(client, org_a.editor, **ONE_NOTICE_PERSON)["id"]
    client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor)
    run_watches(database_url, keyring, fake)
    fake.notices = []
    assert run_watches(database_url, keyring, fake).changes == 1
    assert client.delete(f"/api/v1/persons/{pid}", headers=org_a.admin).status_code == 204
    with unit_of_work(db, keyring) as session:
        assert session.exec(select(Watch)).all() == []
        assert session.exec(select(InterpolChange)).all() == []
    assert client.get("/api/v1/watches", headers=org_a.viewer).json()["items"] == []


def test_a_watch_after_a_screening_does_not_call_its_notices_gone(
    client: TestClient, org_a: OrgTokens, fake: FakeInterpol, database_url: str, keyring: Keyring
) -> None:
    """A screening's check holds FtM entity ids: the watch compares with INTERPOL's checks only."""
    screening = (
        Path(app_package.__file__).parent.parent / "tests" / "data" / "ftm" / "interpol_red_notices.ftm.json"
    )
    pid = make_person(client, org_a.editor, name="Бахтиёр Назаров", birth_date="1975", nationalities=["TJ"])[
        "id"
    ]
    screened = client.post(
        "/api/v1/screenings",
        files={"file": ("interpol_red_notices.ftm.json", screening.read_bytes(), "application/json")},
        headers=org_a.editor,
    )
    assert screened.status_code == 201, screened.text
    ftm_hits = {
        h["entity_id"]
        for c in client.get(f"/api/v1/persons/{pid}/interpol-checks", headers=org_a.viewer).json()["items"]
        for h in c["hits"]
    }
    assert ftm_hits  # the screening found the person
    assert client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor).status_code == 201
    assert run_watches(database_url, keyring, fake).checked == 1
    newest = client.get(f"/api/v1/persons/{pid}/interpol-checks", headers=org_a.viewer).json()["items"][0]
    assert newest["source"] == "interpol"
    assert newest["no_longer_public"] == []
