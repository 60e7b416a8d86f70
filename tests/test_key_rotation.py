"""`article3 keys rotate` (issue 13, item 1): under load every value reads back as it was posted, a
rotation that fails half-way leaves every value readable and says what remains, and values an earlier
version encrypted twice are repaired."""

import io
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from app.cli import app as cli
from app.db import make_engine, unit_of_work
from app.keyring import Keyring, key_id
from app.models.idempotency import IdempotencyKey
from app.models.person import Person
from app.models.token import Role
from app.services import encryption, transfer
from app.services import org as org_service
from app.services import user_account as user_service
from tests.conftest import SECRET, Headers, OrgTokens, serving
from tests.factories import make_challenge, make_detention, make_document, make_notice, make_person
from tests.fake_interpol import FakeInterpol
from tests.test_webhooks import Receiver, receiver_verify

# Tests that start real servers and load the database run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("live_server")

PERSON_FIELDS = ("name", "aliases", "birth_date", "notes", "sources", "affiliations", "nationalities")


def rotate(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    return CliRunner().invoke(cli, ["keys", "rotate"])


def left_under_older_keys(database_url: str, active: int) -> dict[str, int]:
    engine = make_engine(database_url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return {column: n for column, n in encryption.remaining(conn, active).items() if n}
    finally:
        engine.dispose()


def key_ids(database_url: str) -> set[int | None]:
    """The key id of every stored encrypted value."""
    engine = make_engine(database_url, writer=False, pooled=False)
    found: set[int | None] = set()
    try:
        with engine.connect() as conn:
            for target in encryption.encrypted_columns():
                raw = sa.type_coerce(target.table.c[target.column], sa.Text)
                found |= {key_id(v) for (v,) in conn.execute(sa.select(raw).where(raw.is_not(None)))}
    finally:
        engine.dispose()
    return found


def export_text(database_url: str, keyring: Keyring, org: str) -> str:
    """Every value of the organisation's records, decrypted: a whole-database read-back."""
    engine = make_engine(database_url, writer=False, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            out = io.StringIO()
            transfer.write_export(session, org_id=org_service.by_name(session, org).id, out=out)
            return out.getvalue()
    finally:
        engine.dispose()


def stored_answers(database_url: str, keyring: Keyring) -> dict[str, Any]:
    """The stored first answers to idempotent POSTs, by key, as the service reads them."""
    engine = make_engine(database_url, writer=False, keyring=keyring, pooled=False)
    try:
        with Session(engine) as session:
            return {row.key: json.loads(row.body or "null") for row in session.exec(select(IdempotencyKey))}
    finally:
        engine.dispose()


# --- under load -----------------------------------------------------------------------------------


@dataclass
class Posted:
    """What one worker posted and what the service answered, to compare with later reads."""

    persons: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> the fields as they must read
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> note, sources, charge texts
    checks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # person id -> checks made
    answers: dict[str, Any] = field(default_factory=dict)  # Idempotency-Key -> the first answer
    webhook: tuple[str, str] | None = None  # (path, secret)


class Worker(threading.Thread):
    """Writes and reads persons through the live server until stopped: each person with aliases, a
    birth date, notes, sources and a notice with charges; some with an INTERPOL check, some patched
    later. It reads every record back as soon as it is written and an older one each round."""

    def __init__(self, number: int, base: str, org: OrgTokens, hook_url: str) -> None:
        super().__init__(daemon=True)
        self.number, self.org, self.hook_url = number, org, hook_url
        self.http = httpx.Client(base_url=base, timeout=60)
        self.posted = Posted()
        self.stop = threading.Event()
        self.rounds = 0
        self.writes: list[tuple[float, float]] = []  # (sent, answered) of each write request
        self.problems: list[str] = []
        self.rng = random.Random(number)

    def run(self) -> None:
        try:
            self._register_webhook()
            while not self.stop.is_set():
                self._round()
                self.rounds += 1
        except Exception as exc:  # reported by the test, not lost in a thread
            self.problems.append(f"worker {self.number}: {exc!r}")
        finally:
            self.http.close()

    def _register_webhook(self) -> None:
        path = f"/hook/{self.number}"
        body = {"url": self.hook_url + path, "events": ["notice.*"]}
        response = self.http.post("/api/v1/webhooks", json=body, headers=self.org.admin)
        self._expect(response, 201)
        self.posted.webhook = (path, response.json()["secret"])

    def _round(self) -> None:
        tag = f"{self.number}-{self.rounds}"
        body = {
            "name": f"Dilshod Namunov {tag}" if self.rounds % 3 == 0 else f"Зарина Мисолова {tag}",
            "aliases": [f"Alias {tag}", f"Псевдоним {tag}"],
            "birth_date": f"19{60 + self.rounds % 40}-0{1 + self.rounds % 9}",
            "nationalities": ["TJ"],
            "affiliations": [f"Group {self.number}"],
            "notes": f"Notes of {tag}\nsecond line «{tag}»",
            "sources": [f"https://example.org/{tag}", f"Judgment {tag}"],
        }
        key = f"rotation-{tag}"
        response = self._write(
            "POST", "/api/v1/persons", json=body, headers={**self.org.editor, "Idempotency-Key": key}
        )
        self._expect(response, 201)
        person = response.json()
        self.posted.answers[key] = person
        self.posted.persons[person["id"]] = {name: body[name] for name in PERSON_FIELDS}
        self._read_person(person["id"])

        charges = [{"text": f"Extremism, case {tag}"}, {"text": f"Fraud {tag}", "category": "economic"}]
        notice_body = {
            "person_id": person["id"],
            "channel": "red_notice",
            "requesting_state": "TJ",
            "charges": charges,
            "note": f"Notice note {tag}",
            "sources": [f"Extract {tag}"],
        }
        response = self._write("POST", "/api/v1/notices", json=notice_body, headers=self.org.editor)
        self._expect(response, 201)
        notice = response.json()
        self.posted.notices[notice["id"]] = {
            "note": notice_body["note"],
            "sources": notice_body["sources"],
            "charges": [c["text"] for c in charges],
        }
        self._read_notice(notice["id"])

        if self.rounds % 3 == 0:
            response = self._write(
                "POST", f"/api/v1/persons/{person['id']}/interpol-checks", headers=self.org.editor
            )
            self._expect(response, 201)
            self.posted.checks.setdefault(person["id"], []).append(response.json())

        if self.rounds and self.rounds % 2 == 0:  # a change to an older person while values are rewritten
            older = self.rng.choice(list(self.posted.persons))
            current = self.http.get(f"/api/v1/persons/{older}", headers=self.org.viewer)
            self._expect(current, 200)
            notes = f"Patched in round {tag}"
            response = self._write(
                "PATCH",
                f"/api/v1/persons/{older}",
                json={"notes": notes},
                headers={**self.org.editor, "If-Match": current.headers["ETag"]},
            )
            self._expect(response, 200)
            self.posted.persons[older]["notes"] = notes
        self._read_person(self.rng.choice(list(self.posted.persons)))

    def _write(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        sent = time.monotonic()
        response = self.http.request(method, path, **kwargs)
        self.writes.append((sent, time.monotonic()))
        return response

    def _read_person(self, person_id: str) -> None:
        response = self.http.get(f"/api/v1/persons/{person_id}", headers=self.org.viewer)
        self._expect(response, 200)
        got = {name: response.json()[name] for name in PERSON_FIELDS}
        if got != self.posted.persons[person_id]:
            self.problems.append(f"person {person_id} read {got}, expected {self.posted.persons[person_id]}")

    def _read_notice(self, notice_id: str) -> None:
        response = self.http.get(f"/api/v1/notices/{notice_id}", headers=self.org.viewer)
        self._expect(response, 200)
        if notice_fields(response.json()) != self.posted.notices[notice_id]:
            self.problems.append(f"notice {notice_id} read {response.json()}")

    def _expect(self, response: httpx.Response, status: int) -> None:
        if response.status_code != status:
            raise AssertionError(
                f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
            )

    def wait_for(self, rounds: int, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while self.rounds < rounds and not self.problems and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self.problems, self.problems
        assert self.rounds >= rounds, f"worker {self.number} did only {self.rounds} rounds"


def notice_fields(notice: dict[str, Any]) -> dict[str, Any]:
    return {
        "note": notice["note"],
        "sources": notice["sources"],
        "charges": [c["text"] for c in notice["charges"]],
    }


def seed_persons(
    database_url: str, keyring: Keyring, org: OrgTokens, count: int
) -> dict[str, dict[str, Any]]:
    """Persons written straight into the table (through the columns' types, so encrypted); their values."""
    seeded = {
        str(uuid.uuid4()): {
            "name": f"Seeded Person {n}",
            "aliases": [f"Посев {n}"],
            "birth_date": "1970",
            "notes": f"Seeded notes {n}",
        }
        for n in range(count)
    }
    engine = make_engine(database_url, writer=True, keyring=keyring, pooled=False)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Person), [{"id": i, "org_id": org.id, **values} for i, values in seeded.items()]
        )
    engine.dispose()
    return seeded


def writing_through(monkeypatch: pytest.MonkeyPatch, workers: list[Worker], started: float) -> None:
    """Hold the next rotation after its first batch until every worker has finished a write begun after
    `started`: the writes then surely meet a rotation half done, however fast the machine."""
    real = encryption.rotate

    def each_wrote() -> bool:
        return all(any(sent > started for sent, _ in list(w.writes)) for w in workers)

    def rotate_slowly(engine: Any, keyring: Keyring, **options: Any) -> encryption.Rotation:
        progress = options.pop("progress")

        def held(values: int) -> None:
            progress(values)
            deadline = time.monotonic() + 120
            while not each_wrote() and not any(w.problems for w in workers) and time.monotonic() < deadline:
                time.sleep(0.01)

        return real(engine, keyring, **{**options, "batch": 50, "progress": held})

    monkeypatch.setattr(encryption, "rotate", rotate_slowly)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_keys_rotate_under_load(
    database_url: str, org_a: OrgTokens, monkeypatch: pytest.MonkeyPatch, keyring: Keyring, receiver: Receiver
) -> None:
    """Two rotations while four workers write and read; then every value posted reads back the same:
    persons, notices and charges, INTERPOL checks, stored idempotent answers and webhook secrets."""
    with (
        FakeInterpol() as fake,
        serving(
            database_url,
            ARTICLE3_RATE_LIMIT_PER_MINUTE="1000000",
            ARTICLE3_DAILY_READ_QUOTA="1000000",
            ARTICLE3_INTERPOL_URL=fake.base_url,
            ARTICLE3_WEBHOOK_ALLOW_PRIVATE="true",
        ) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        seeded = seed_persons(database_url, keyring, org_a, 400)  # so that each rotation takes a while
        workers = [Worker(n, base, org_a, f"http://127.0.0.1:{receiver.port}") for n in range(4)]
        for worker in workers:
            worker.start()
        try:
            rotations = []
            for expected_key, rounds in ((2, 6), (3, 12)):
                for worker in workers:
                    worker.wait_for(rounds)
                started = time.monotonic()
                writing_through(monkeypatch, workers, started)
                result = rotate(database_url, monkeypatch)
                rotations.append((started, time.monotonic()))
                assert result.exit_code == 0, result.output
                assert f"Key {expected_key} is active" in result.stdout
                assert "; 0 remain under older keys" in result.stdout
            for worker in workers:
                worker.wait_for(worker.rounds + 3)
        finally:
            for worker in workers:
                worker.stop.set()
            for worker in workers:
                worker.join()
        assert [w.problems for w in workers] == [[]] * 4
        for started, ended in rotations:
            during = [
                w for w in workers for sent, answered in w.writes if sent < ended and answered > started
            ]
            assert len({id(w) for w in during}) == 4, "every worker wrote while the key rotated"

        # Every value, read back after both rotations.
        for person_id, expected in seeded.items():
            person = http.get(f"/api/v1/persons/{person_id}", headers=org_a.viewer).json()
            assert {name: person[name] for name in expected} == expected
        for worker in workers:
            for person_id, expected in worker.posted.persons.items():
                person = http.get(f"/api/v1/persons/{person_id}", headers=org_a.viewer).json()
                assert {name: person[name] for name in PERSON_FIELDS} == expected
            for notice_id, expected in worker.posted.notices.items():
                assert (
                    notice_fields(http.get(f"/api/v1/notices/{notice_id}", headers=org_a.viewer).json())
                    == expected
                )
            for person_id, checks in worker.posted.checks.items():
                listed = http.get(f"/api/v1/persons/{person_id}/interpol-checks", headers=org_a.viewer).json()
                assert sorted(listed["items"], key=lambda c: c["id"]) == sorted(checks, key=lambda c: c["id"])
        assert any(c["hits"] for w in workers for checks in w.posted.checks.values() for c in checks)

        # Webhook secrets: a notice status change is delivered to each worker's endpoint, signed with
        # the secret its registration answered with before the rotations.
        notice_id = next(iter(workers[0].posted.notices))
        changed = http.post(
            f"/api/v1/notices/{notice_id}/status",
            json={"status": "deleted", "on": "2021-06", "actor": "ccf", "reason": "article_3"},
            headers=org_a.editor,
        )
        assert changed.status_code == 200, changed.text
        assert receiver.wait_for(4, timeout_s=30)
    verify = receiver_verify()
    secrets = dict(w.posted.webhook for w in workers if w.posted.webhook)
    assert sorted(r.path for r in receiver.requests) == sorted(secrets)
    for request in receiver.requests:
        assert verify(secrets[request.path], request.headers, request.body)

    answers = stored_answers(database_url, keyring)
    for worker in workers:
        for key, answer in worker.posted.answers.items():
            assert answers[key] == answer
    assert left_under_older_keys(database_url, 3) == {}
    assert key_ids(database_url) == {3}


# --- a rotation that fails half-way ---------------------------------------------------------------


@pytest.fixture
def every_kind(client: TestClient, org_a: OrgTokens) -> Headers:
    """Records of the kinds with encrypted values, each with several rows."""
    headers = org_a.editor
    for n in range(6):
        person = make_person(
            client,
            headers,
            name=f"Умаралӣ Қувватов {n}",
            aliases=[f"Quvvatov {n}", f"Kuvvatov {n}"],
            birth_date="1954-11",
            notes=f"Notes {n}",
            sources=[f"Source {n}"],
            affiliations=["Group 24"],
        )
        notice = make_notice(
            client,
            headers,
            person["id"],
            charges=[{"text": f"Charge {n}.{c}"} for c in range(3)],
            note=f"Note {n}",
        )
        make_detention(
            client, headers, person["id"], notice_id=notice["id"], place=f"Place {n}", note=f"Held {n}"
        )
        make_challenge(
            client,
            headers,
            person["id"],
            notice_id=notice["id"],
            reference=f"CCF/{n}",
            summary=f"Summary {n}",
        )
        make_document(  # two chunks: its bytes are rewritten under the new key too
            client,
            headers,
            person["id"],
            content=b"%PDF-1.4\n" + bytes([n]) * (1024 * 1024 + n),
            title=f"Warrant {n}",
            records=[notice["id"]],
        )
        client.post(
            "/api/v1/persons",
            json={"name": f"Idempotent {n}"},
            headers={**headers, "Idempotency-Key": f"failure-{n}"},
        )
    return headers


def refuse_updates_of(database_url: str, table: str, row_id: str) -> None:
    """A trigger that makes the database refuse to update one row: a real failure in the middle of a batch."""
    engine = make_engine(database_url, writer=True, pooled=False)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_update BEFORE UPDATE ON {table} WHEN OLD.id = '{row_id}' "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER refuse_update BEFORE UPDATE ON {table} FOR EACH ROW "
                f"WHEN (OLD.id = '{row_id}') EXECUTE FUNCTION refuse_update()"
            )
    engine.dispose()


def allow_updates_of(database_url: str, table: str) -> None:
    engine = make_engine(database_url, writer=True, pooled=False)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS refuse_update")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS refuse_update ON {table}")
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS refuse_update()")
    engine.dispose()


def test_a_rotation_that_fails_half_way_leaves_every_value_readable_and_says_what_remains(
    database_url: str,
    every_kind: Headers,
    org_a: OrgTokens,
    keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = export_text(database_url, keyring, org_a.name)
    answers = stored_answers(database_url, keyring)
    charges = sorted(r[0] for r in _rows(database_url, "SELECT id FROM charge"))
    refuse_updates_of(database_url, "charge", charges[len(charges) // 2])  # half the batch is rewritten first
    try:
        failed = rotate(database_url, monkeypatch)
    finally:
        allow_updates_of(database_url, "charge")

    assert failed.exit_code == 1
    assert "The rotation stopped: the database refused a batch" in failed.stderr
    assert "injected failure" in failed.stderr
    left = left_under_older_keys(database_url, 2)
    assert left["charge.text"] == len(charges), "the failed batch was rolled back whole"
    order = [t.name for t in encryption.encrypted_tables()]
    done, undone = order[: order.index("charge")], order[order.index("charge") + 1 :]
    assert not {column.split(".")[0] for column in left} & set(done), "the tables before it were done"
    assert {"person.name", "notice.note", "challenge.summary"} <= {
        t.aad for t in encryption.encrypted_columns() if t.table.name in done
    }
    assert "detention" in undone
    assert left["document_chunk.data"] == 12, "documents' chunks come after every column"
    assert {"detention.place", "detention.note"} <= set(left)
    assert f"{sum(left.values())} remain under older keys" in failed.stdout
    assert f"charge.text {len(charges)}" in failed.stdout
    assert key_ids(database_url) == {1, 2}
    assert export_text(database_url, keyring, org_a.name) == before
    assert stored_answers(database_url, keyring) == answers

    finished = rotate(database_url, monkeypatch)
    assert finished.exit_code == 0, finished.output
    assert "Key 3 is active" in finished.stdout
    assert "; 0 remain under older keys" in finished.stdout
    assert key_ids(database_url) == {3}
    chunks = _rows(database_url, "SELECT data FROM document_chunk")
    assert len(chunks) == 12
    assert {int.from_bytes(bytes(data)[:4], "big") for (data,) in chunks} == {3}
    assert export_text(database_url, keyring, org_a.name) == before
    assert stored_answers(database_url, keyring) == answers


def _rows(database_url: str, query: str) -> list[tuple[Any, ...]]:
    engine = make_engine(database_url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def test_a_value_that_does_not_decrypt_is_named_and_nothing_else_is_lost(
    database_url: str,
    every_kind: Headers,
    org_a: OrgTokens,
    keyring: Keyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A value moved from another column stops the rotation at that value, which the report names."""
    person_id, notes = _rows(
        database_url, "SELECT id, notes FROM person WHERE notes IS NOT NULL ORDER BY id"
    )[0]
    engine = make_engine(database_url, writer=True, pooled=False)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE person SET name = :notes WHERE id = :id"), {"notes": notes, "id": person_id}
        )
    engine.dispose()
    result = rotate(database_url, monkeypatch)
    assert result.exit_code == 1
    assert f"person.name of person {person_id} does not decrypt" in result.stderr
    assert "person.name" in left_under_older_keys(database_url, 2)


def test_on_postgresql_the_key_changes_only_when_no_write_is_in_flight(
    database_url: str, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write transaction that read the old key id holds the change off (on SQLite, its write lock
    does); one that outlasts every try leaves the key as it was and the command says so."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite the write lock keeps the change and the writes apart")
    monkeypatch.setattr(encryption, "KEY_CHANGE_WAIT_S", 0.2)
    monkeypatch.setattr(encryption, "KEY_CHANGE_TRIES", 2)
    engine = make_engine(database_url, writer=True, keyring=keyring, pooled=False)
    with unit_of_work(engine, keyring) as session:
        session.connection()  # a write transaction has begun: it read key 1
        held_off = rotate(database_url, monkeypatch)
    engine.dispose()
    assert held_off.exit_code == 1
    assert "Write transactions kept running" in " ".join(held_off.stderr.split())
    assert _rows(database_url, "SELECT value FROM app_meta WHERE key = 'field_key_active'") == []
    done = rotate(database_url, monkeypatch)
    assert done.exit_code == 0, done.output
    assert "Key 2 is active" in done.stdout


# --- values an earlier version encrypted twice ------------------------------------------------------


def test_rotation_repairs_values_encrypted_twice(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before this fix a rotation encrypted each new ciphertext again through the column's type: names
    read as `a3e:2:…` and lists as single characters. Rotating again gives the values back."""
    person = make_person(
        client, org_a.editor, name="Farzin Namunazoda", aliases=["Фарзин", "Farzin N."], notes="N"
    )
    fields = keyring.fields
    stored = {column: sa.type_coerce(sa.column(column), sa.Text) for column in ("name", "aliases", "notes")}
    engine = make_engine(database_url, writer=True, pooled=False)
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(*stored.values()).select_from(sa.table("person")).where(sa.column("id") == person["id"])
        ).one()
        twice = {
            # what the old rotation stored: the new ciphertext, encrypted again as the column's type does
            "name": fields.encrypt(
                fields.encrypt(fields.decrypt(row[0], aad="person.name"), aad="person.name", kid=2),
                aad="person.name",
                kid=2,
            ),
            "aliases": fields.encrypt(
                json.dumps(
                    list(
                        fields.encrypt(
                            fields.decrypt(row[1], aad="person.aliases"), aad="person.aliases", kid=2
                        )
                    ),
                    ensure_ascii=False,
                    separators=(",", ":"),
                ),
                aad="person.aliases",
                kid=2,
            ),
            "notes": row[2],
        }
        conn.execute(
            sa.text("UPDATE person SET name = :name, aliases = :aliases WHERE id = :id"),
            {**twice, "id": person["id"]},
        )
        conn.execute(sa.text("INSERT INTO app_meta (key, value) VALUES ('field_key_active', '2')"))
    engine.dispose()
    damaged = client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).json()
    assert damaged["name"].startswith("a3e:2:")
    assert damaged["aliases"][:4] == ["a", "3", "e", ":"]

    result = rotate(database_url, monkeypatch)
    assert result.exit_code == 0, result.output
    repaired = client.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).json()
    assert (repaired["name"], repaired["aliases"], repaired["notes"]) == (
        "Farzin Namunazoda",
        ["Фарзин", "Farzin N."],
        "N",
    )


def test_a_totp_secret_is_rotated_and_still_verifies(
    app: FastAPI, org_a: OrgTokens, database_url: str, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TOTP secret is a field-encrypted column: `keys rotate` re-encrypts it, and sign-in with a
    password and a code from the same authenticator app still works."""
    password, now = "lantern orchard nineteen", time.time()
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        user, _ = user_service.create(
            session, org_id=org_a.id, username="rotated", role=Role.editor, hours=1, by=None
        )
        user_service.set_password(session, user, password)
        secret = user_service.pending_secret(session, user)
        assert user_service.confirm_totp(session, user, pyotp.TOTP(secret).at(now - 30), now=now)
    engine.dispose()
    stored = _rows(database_url, "SELECT totp_secret FROM user_account")[0][0]
    assert key_id(stored) == 1
    assert secret not in stored

    result = rotate(database_url, monkeypatch)
    assert result.exit_code == 0, result.output
    rotated = _rows(database_url, "SELECT totp_secret FROM user_account")[0][0]
    assert key_id(rotated) == 2
    assert rotated != stored
    assert "user_account.totp_secret" not in left_under_older_keys(database_url, 2)

    with TestClient(app, base_url="https://testserver") as browser:
        form = browser.get("/ui/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        first = browser.post(
            "/ui/login",
            data={"username": "rotated", "password": password, "csrf": csrf},
            follow_redirects=False,
        )
        assert first.headers["location"] == "/ui/login/second-factor"
        second = browser.post(
            "/ui/login/second-factor",
            data={"code": pyotp.TOTP(secret).at(time.time()), "csrf": csrf},
            follow_redirects=False,
        )
        assert (second.status_code, second.headers["location"]) == (303, "/ui/")
