"""Export and import of an organisation as JSON Lines: lossless, scoped, and all or nothing."""

import io
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.clients.interpol import InterpolClient, open_interpol_http
from app.db import make_engine, unit_of_work
from app.deps import get_interpol
from app.keyring import Keyring
from app.main import create_app
from app.models import SQLModel
from app.models.token import Role, TokenCreate
from app.services import audit as audit_service
from app.services import demo as demo_service
from app.services import org as org_service
from app.services import token as token_service
from app.services import transfer
from app.services import watch as watch_service
from app.settings import Settings
from tests.conftest import SECRET, Headers, OrgTokens, truncate_all
from tests.factories import (
    make_challenge,
    make_detention,
    make_document,
    make_extradition,
    make_incident,
    make_notice,
    make_person,
    make_protection,
)
from tests.fake_interpol import FakeInterpol

OTHER_SECRET = "another-server-secret-key-for-the-import-target-0123"
TRICKY = 'Ли\u2028"Ann"\\ 🕊 O\'Neil'  # a line separator inside a name must not split a line


# --- helpers ------------------------------------------------------------------------------------


def export_text(url: str, keyring: Keyring, org_name: str) -> str:
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            out = io.StringIO()
            transfer.write_export(session, org_id=org_service.by_name(session, org_name).id, out=out)
    finally:
        engine.dispose()
    return out.getvalue()


def import_text(url: str, keyring: Keyring, org_name: str, text: str, **kwargs: Any) -> transfer.ImportReport:
    engine = make_engine(url, writer=True, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            return transfer.import_org(
                session, org_id=org_service.by_name(session, org_name).id, lines=io.StringIO(text), **kwargs
            )
    finally:
        engine.dispose()


def create_org(url: str, keyring: Keyring, name: str) -> str:
    engine = make_engine(url, writer=True, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            return org_service.create(session, name=name).id
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as stored (ciphertext included), to show that a refused import changed nothing."""
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return {
                t.name: sorted(tuple(map(str, r)) for r in conn.execute(sa.text(f"SELECT * FROM {t.name}")))  # noqa: S608
                for t in SQLModel.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query), params)]
    finally:
        engine.dispose()


@pytest.fixture
def empty_url(migrated_url: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database (SQLite: a new file; PostgreSQL: the test database, emptied when asked)."""
    if database_url.startswith("postgresql"):
        yield database_url
        return
    target = tmp_path / "target.db"
    shutil.copy(migrated_url.removeprefix("sqlite:///"), target)
    yield f"sqlite:///{target}"


def emptied(url: str) -> str:
    if url.startswith("postgresql"):
        truncate_all(url)
    return url


@pytest.fixture
def demo(app: FastAPI, client: TestClient, db: sa.Engine, keyring: Keyring) -> Headers:
    """The demo cases, plus records of every kind made through the API; an admin header for `demo`."""
    with unit_of_work(db, keyring) as session:
        _, org = demo_service.load(session)
        _, plain = token_service.create(session, org_id=org.id, data=TokenCreate(role=Role.admin), by=None)
    headers = {"Authorization": f"Bearer {plain}"}
    with FakeInterpol() as fake:
        http = open_interpol_http(fake.base_url, timeout_s=2)
        app.dependency_overrides[get_interpol] = lambda: InterpolClient(http, pauses_s=(), deadline_s=5)
        add_every_kind(client, headers)
        http.close()
        # A watch whose second check finds a change (an `interpol_change`, child of that check).
        brother = client.get("/api/v1/persons", params={"q": "Dilshod Namunov"}, headers=headers).json()
        watched = brother["items"][0]["id"]
        assert client.post(f"/api/v1/persons/{watched}/watch", headers=headers).status_code == 201
        pace = watch_service.SharedPace(db, keyring, max_rps=50)
        for changes in (0, 1):  # the baseline, then the notice is no longer public
            watch_http = open_interpol_http(fake.base_url, timeout_s=2)  # a client per run: none cached
            watcher = watch_service.paced_client(watch_http, pace)
            assert watch_service.run_due(db, keyring, watcher, everything=True).changes == changes
            watch_http.close()
            fake.notices = [n for n in fake.notices if n["entity_id"] != "2021/8316"]
    app.dependency_overrides.clear()
    return headers


def add_every_kind(client: TestClient, headers: Headers) -> dict[str, Any]:
    brother = make_person(
        client,
        headers,
        name="Dilshod Namunov",
        birth_date="1979",
        affiliations=["Group 24 (Гурӯҳи 24)"],
        place_of_birth="Kulob",
        deceased_on="2021-03",
    )
    person = make_person(
        client,
        headers,
        name=TRICKY,
        aliases=["Ли Энн", "Li Ann"],
        birth_date="1981-03",
        sex="female",
        nationalities=["TJ", "RU"],
        categories=["journalist", "activist"],
        affiliations=["Group 24", "  group   24 ", "Pamir Daily"],
        related_persons=[{"person_id": brother["id"], "relation": "sibling"}],
        notes="Line one\nline two\ttabbed; «quotes»",
        sources=["https://example.org/a", "Judgment 12/2019"],
    )
    etag = client.get(f"/api/v1/persons/{person['id']}", headers=headers).headers["ETag"]
    patched = client.patch(
        f"/api/v1/persons/{person['id']}",
        json={"notes": "Updated\r\nnotes"},
        headers={**headers, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    make_protection(client, headers, person["id"], until="2024-05-31", note="granted on appeal")
    make_protection(client, headers, brother["id"], kind="unhcr_mandate", host_state="TR", since="2014-12")
    notice = make_notice(
        client,
        headers,
        person["id"],
        interpol_ref="A-1234/6-2019",
        case_number="No. 2-115/2018",
        requested_on="2018-11",
        issued_on="2019-01-15",
        status="published",
        in_absentia=True,
        charges=[{"text": "Calls to extremism"}, {"text": "Fraud", "category": "economic"}],
        sources=["INTERPOL extract"],
    )
    changed = client.post(
        f"/api/v1/notices/{notice['id']}/status",
        json={"status": "deleted", "on": "2021-06", "actor": "ccf", "reason": "article_3", "note": "CCF"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    released = make_detention(
        client,
        headers,
        person["id"],
        notice_id=notice["id"],
        host_state="PL",
        detained_on="2019-07-02",
        court="District Court of Warsaw",
        case_number="VIII Kop 12/19",
        other_bases=["national_warrant"],
    )
    response = client.post(
        f"/api/v1/detentions/{released['id']}/release",
        json={"released_on": "2019-09-30", "reason": "extradition_refused", "conditions": "travel_ban"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    at_home = make_detention(
        client, headers, person["id"], host_state="PL", detained_on="2019-09-30", custody="house_arrest"
    )
    response = client.post(
        f"/api/v1/detentions/{at_home['id']}/release",
        json={"ended_on": "2020-06", "reason": "unknown"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    surrendered = make_detention(client, headers, brother["id"], detained_on="2020")
    response = client.post(
        f"/api/v1/detentions/{surrendered['id']}/surrender",
        json={"surrendered_on": "2021-02-01", "kind": "deported"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    make_extradition(
        client,
        headers,
        person["id"],
        requested_state="PL",
        detention_id=released["id"],
        opened_on="2019-07",
        court="Regional Court",
        stage="appeal",
        decision="refused",
        decided_on="2019-09-30",
        grounds=["persecution_risk", "fair_trial", "discrimination"],
        case_number="II AKz 100/19",
        hearings=[
            {"on": "2019-08-14", "court": "Court of Appeal", "note": "adjourned"},
            {"on": "2019-09-30"},
        ],
    )
    make_incident(client, headers, person["id"], kind="digital_threat", host_state="PL", occurred_on="2022")
    make_incident(client, headers, person["id"], kind="relatives_detained", occurred_on="2021")
    challenge = make_challenge(client, headers, person["id"], notice_id=notice["id"], reference="CCF/1/2020")
    court = make_challenge(client, headers, person["id"], forum="echr", kind="appeal", respondent_state="PL")
    for event in (
        {"type": "filed", "on": "2020-02"},
        {"type": "decided", "on": "2022-01", "outcome": "struck_out"},
    ):
        response = client.post(f"/api/v1/challenges/{court['id']}/events", json=event, headers=headers)
        assert response.status_code == 200, response.text
    for event in (
        {"type": "filed", "on": "2020-01-10"},
        {"type": "admissible", "on": "2020-03"},
        {"type": "decided", "on": "2021-06-01", "outcome": "deleted", "reason": "article_3"},
    ):
        response = client.post(f"/api/v1/challenges/{challenge['id']}/events", json=event, headers=headers)
        assert response.status_code == 200, response.text
    check = client.post(f"/api/v1/persons/{brother['id']}/interpol-checks", headers=headers)
    assert check.status_code == 201, check.text
    # Two chunks: the import seals each again under the target's key, bound to its place.
    text = ("Приговор суда. " * 50_000).encode()[: 1024 * 1024 + 100].decode(errors="ignore").encode()
    make_document(
        client,
        headers,
        person["id"],
        content=text,
        kind="court_decision",
        dated="2019-09",
        records=[released["id"]],
    )
    return person


def lines_of(text: str) -> list[str]:
    """Lines split at "\n" only, as a file is read (str.splitlines would also split at U+2028)."""
    return io.StringIO(text).read().split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def kinds_of(text: str) -> list[str]:
    return [json.loads(line)["kind"] for line in lines_of(text)]


# --- the round trip ------------------------------------------------------------------------------


def test_export_import_export_is_byte_identical(
    demo: Headers, database_url: str, keyring: Keyring, empty_url: str
) -> None:
    first = export_text(database_url, keyring, "demo")
    assert set(kinds_of(first)) == {"format", *transfer.BY_NAME}, "the demo should hold every kind"
    assert kinds_of(first) == sorted(kinds_of(first), key=["format", *transfer.BY_NAME].index)
    assert "\u2028" in first
    assert len(io.StringIO(first).readlines()) == first.count("\n")
    assert export_text(database_url, keyring, "demo") == first, "two exports of the same data differ"
    for written in (  # the facts of issue 16 travel with the rest
        '"place_of_birth":"Kulob"',
        '"deceased_on":"2021-03"',
        '"custody":"house_arrest"',
        '"ended_on":"2020-06"',
        '"court":"District Court of Warsaw"',
        '"other_bases":["national_warrant"]',
        '"interpol_ref":"A-1234/6-2019"',
        '"case_number":"II AKz 100/19"',
        '"hearings":[{"on":"2019-08-14","court":"Court of Appeal","note":"adjourned"}',
        '"respondent_state":"PL"',
        '"outcome":"struck_out"',
        '"kind":"unhcr_mandate"',
        '"kind":"relatives_detained"',
    ):
        assert written in first, written
    source_flags = rows(
        database_url,
        "SELECT f.person_id, f.state, f.code, f.notices FROM person_flag f JOIN org o ON o.id = f.org_id "
        "WHERE o.name = 'demo' ORDER BY 1, 2, 3",
    )
    persons = first.count('"kind":"person"')

    target = emptied(empty_url)
    other = Keyring(OTHER_SECRET.encode())  # another server: affiliation keys and the trail use its key
    target_org = create_org(target, other, "Restored Lawyers")
    engine = make_engine(target, writer=True, pooled=False)
    with unit_of_work(engine, other) as session:
        _, plain = token_service.create(
            session, org_id=target_org, data=TokenCreate(role=Role.admin), by=None
        )
    settings = Settings(
        _env_file=None, database_url=target, secret_key=OTHER_SECRET, interpol_url="http://127.0.0.1:9"
    )
    with TestClient(create_app(settings)) as running:  # its name index must pick the new persons up
        report = import_text(target, other, "Restored Lawyers", first)
        found = running.get(
            "/api/v1/persons", params={"q": "Dilshod Namunov"}, headers={"Authorization": f"Bearer {plain}"}
        )
        assert found.status_code == 200, found.text
        assert "Dilshod Namunov" in [p["name"] for p in found.json()["items"]]
    assert report.counts["person"] == persons
    assert sum(report.counts.values()) == first.count("\n") - 1
    assert export_text(target, other, "Restored Lawyers") == first
    assert rows(target, "SELECT DISTINCT org_id FROM person") == [(target_org,)]
    assert not rows(target, "SELECT id FROM person WHERE name LIKE '%Namunov%'"), (
        "names are encrypted at rest"
    )
    assert (
        rows(
            target,
            "SELECT person_id, state, code, notices FROM person_flag WHERE org_id = :o ORDER BY 1, 2, 3",
            o=target_org,
        )
        == source_flags
    )
    assert source_flags, "the demo has indicators"
    keys = {k for (k,) in rows(target, "SELECT key FROM person_affiliation")}
    assert other.blind_index("affiliation:group 24") in keys
    assert keyring.blind_index("affiliation:group 24") not in keys
    with unit_of_work(engine, other) as session:
        assert audit_service.verify(session)[0] is None
    engine.dispose()
    actions = [a for (a,) in rows(target, "SELECT action FROM audit_entry ORDER BY seq")]
    imports = [a for a in actions if a.startswith("import.")]
    assert imports == ["import.person"] * persons + ["import.completed"]
    assert rows(target, "SELECT count(*) FROM person_change") == [(persons,)]


def test_export_leaves_out_other_organisations(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    ours = add_every_kind_lite(client, org_a.editor, "Ours Person")
    theirs = add_every_kind_lite(client, org_b.editor, "Theirs Person")
    text = export_text(database_url, keyring, "Org A")
    assert "Ours Person" in text
    assert "Theirs Person" not in text
    assert not [i for i in theirs if i in text]
    assert all(i in text for i in ours)
    assert org_b.id not in text
    assert org_a.id not in text, "org_id is not exported"
    assert "a3_" not in text, "no token material"
    assert "digest" not in text, "no token material"


def add_every_kind_lite(client: TestClient, headers: Headers, name: str) -> list[str]:
    person = make_person(client, headers, name=name)
    notice = make_notice(client, headers, person["id"], charges=[{"text": "Fraud"}])
    detention = make_detention(client, headers, person["id"])
    return [
        person["id"],
        notice["id"],
        detention["id"],
        make_protection(client, headers, person["id"])["id"],
        make_incident(client, headers, person["id"])["id"],
        make_extradition(client, headers, person["id"], detention_id=detention["id"])["id"],
        make_challenge(client, headers, person["id"])["id"],
    ]


def test_export_file_is_private_and_never_overwritten(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    make_person(client, org_a.editor)
    path = tmp_path / "org-a.jsonl"
    engine = make_engine(database_url, writer=False, pooled=False)
    with unit_of_work(engine, keyring) as session:
        counts = transfer.export_file(session, org_id=org_a.id, path=path)
        assert counts["person"] == 1
        assert path.stat().st_mode & 0o777 == 0o600
        before = path.read_bytes()
        with pytest.raises(FileExistsError):
            transfer.export_file(session, org_id=org_a.id, path=path)
    engine.dispose()
    assert path.read_bytes() == before == export_text(database_url, keyring, "Org A").encode()


def test_an_export_is_audited(org_a: OrgTokens, database_url: str, keyring: Keyring) -> None:
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        transfer.record_export(session, org_id=org_a.id)
    engine.dispose()
    assert rows(database_url, "SELECT action, object_id FROM audit_entry ORDER BY seq DESC LIMIT 1") == [
        ("org.exported", org_a.id)
    ]


# --- refusals: the line number, and nothing imported ----------------------------------------------


@pytest.fixture
def small_export(client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring) -> list[str]:
    """Org A's records (at least 8 lines) and an empty organisation `Target` in the same database."""
    add_every_kind_lite(client, org_a.editor, "Small Export")
    create_org(database_url, keyring, "Target")
    lines = lines_of(export_text(database_url, keyring, "Org A"))
    assert len(lines) >= 8
    return lines


def fresh_ids(lines: list[str]) -> list[str]:
    """The same records under new ids, so that only the change under test is wrong."""
    text = "\n".join(lines)
    for old in sorted({json.loads(line)["data"].get("id") for line in lines[1:]} - {None}):
        text = text.replace(old, old[:-12] + "0" * 12)
    return text.split("\n")


def set_field(line: str, **changes: Any) -> str:
    item = json.loads(line)
    item["data"].update(changes)
    return json.dumps(item, ensure_ascii=False)


def line_of(lines: list[str], kind: str) -> int:
    return next(i for i, line in enumerate(lines) if json.loads(line)["kind"] == kind)


Change = Callable[[list[str]], list[str]]
BAD_LINES: dict[str, tuple[Change, int | str | None, str]] = {
    "malformed JSON at line 7": (
        lambda ls: ls[:6] + ['{"kind": "notice", "data": {'] + ls[7:],
        7,
        "not valid JSON",
    ),
    "an unknown kind": (
        lambda ls: [*ls, '{"kind": "secret_police", "data": {}}'],
        None,
        "unknown kind 'secret_police'",
    ),
    "a dangling reference": (
        lambda ls: [
            set_field(x, person_id="00000000-0000-4000-8000-000000000000") if '"kind":"notice"' in x else x
            for x in ls
        ],
        "notice",
        "person_id 00000000-0000-4000-8000-000000000000: no person with that id",
    ),
    "a duplicate id": (lambda ls: [*ls, ls[line_of(ls, "incident")]], None, "appears twice (first on line"),
    "a bad enum": (
        lambda ls: [set_field(x, channel="telepathy") if '"kind":"notice"' in x else x for x in ls],
        "notice",
        "channel: expected one of red_notice",
    ),
    "a missing field": (
        lambda ls: [
            x.replace(',"requesting_state":"TJ"', "", 1) if '"kind":"notice"' in x else x for x in ls
        ],
        "notice",
        "requesting_state is missing",
    ),
    "an unknown field": (
        lambda ls: [set_field(x, org_id="x") if '"kind":"person"' in x else x for x in ls],
        "person",
        "unknown field 'org_id'",
    ),
    "a bad state code": (
        lambda ls: [set_field(x, host_state="XX") if '"kind":"detention"' in x else x for x in ls],
        "detention",
        "host_state: expected an ISO 3166-1",
    ),
    "a naive timestamp": (
        lambda ls: [
            set_field(x, created_at="2020-01-01T00:00:00") if '"kind":"incident"' in x else x for x in ls
        ],
        "incident",
        "created_at: expected an ISO 8601 timestamp",
    ),
    "a bad fuzzy date": (
        lambda ls: [set_field(x, detained_on="2019-02-30") if '"kind":"detention"' in x else x for x in ls],
        "detention",
        "detained_on: expected a calendar date as YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    "no format line": (lambda ls: ls[1:], 1, "the first line must be the format line"),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_a_bad_line_is_reported_by_number_and_nothing_is_imported(
    case: str, small_export: list[str], database_url: str, keyring: Keyring
) -> None:
    change, where, message = BAD_LINES[case]
    lines = change(fresh_ids(small_export))
    expected = len(lines) if where is None else where if isinstance(where, int) else line_of(lines, where) + 1
    before = snapshot(database_url)
    with pytest.raises(transfer.ImportRejected) as rejected:
        import_text(database_url, keyring, "Target", "\n".join(lines) + "\n")
    problems = rejected.value.problems
    assert [p.line for p in problems] == [expected], problems
    assert message in problems[0].message, problems
    assert "Small Export" not in str(problems), "no personal data in a problem"
    assert snapshot(database_url) == before


def with_check(lines: list[str], hits: list[dict[str, Any]]) -> list[str]:
    """The lines and an INTERPOL check of the file's person with these hits."""
    person_id = json.loads(lines[line_of(lines, "person")])["data"]["id"]
    check = {
        "id": str(uuid.uuid4()),
        "person_id": person_id,
        "checked_at": "2024-05-01T10:00:00+00:00",
        "query": ["NAMUNOV"],
        "hits": hits,
        "no_longer_public": [],
        "status": "ok",
        "created_at": "2024-05-01T10:00:00+00:00",
    }
    return [*lines, json.dumps({"kind": "interpol_check", "data": check})]


A_HIT = {
    "entity_id": "2021/8316",
    "name": "NAMUNOV",
    "forename": "DILSHOD",
    "birth_date": "1979",
    "nationalities": ["TJ"],
    "score": 0.93,
    "requesting_states": ["TJ", "922"],
    "explanation": [],
}


def on(kind: str, **changes: Any) -> Change:
    return lambda ls: [set_field(x, **changes) if f'"kind":"{kind}"' in x else x for x in ls]


# Lines whose every field has its column's type, but which the API's own models refuse.
API_REFUSALS: dict[str, tuple[Change, str, str]] = {
    "INTERPOL check hits without their fields": (
        lambda ls: with_check(ls, [{"entity_id": "2021/8316"}]),
        "interpol_check",
        "interpol_check: hits.0.name: Field required",
    ),
    "a hit whose score is not a number": (
        lambda ls: with_check(ls, [{**A_HIT, "score": "high"}]),
        "interpol_check",
        "hits.0.score: Input should be a valid number",
    ),
    "a name of blanks": (on("person", name="   "), "person", "person: name: String should have at least 1"),
    "a name over 200 characters": (
        on("person", name="N" * 201),
        "person",
        "name: String should have at most 200",
    ),
    "51 aliases": (
        on("person", aliases=[f"A{i}" for i in range(51)]),
        "person",
        "aliases: List should have at most 50",
    ),
    "a birth date in the future": (
        on("person", birth_date="2999"),
        "person",
        "birth_date: Value error, a birth date cannot",
    ),
    "a notice issued before it was requested": (
        on("notice", requested_on="2019", issued_on="2018-05"),
        "notice",
        "issued_on must not be before requested_on",
    ),
    "a malformed INTERPOL reference": (
        on("notice", interpol_ref="12345"),
        "notice",
        "interpol_ref: not an INTERPOL reference",
    ),
    "a charge text over 2000 characters": (
        on("charge", text="c" * 2001),
        "charge",
        "charge: text: String should have at most 2000",
    ),
    "a release without its reason": (
        on("detention", status="released", released_on="2020-01"),
        "detention",
        "release_reason: Input should be",
    ),
    "a protection that ends before it starts": (
        on("protection", since="2020", until="2019"),
        "protection",
        "until must not be before since",
    ),
    "a person id the API would never issue": (
        lambda ls: [
            x.replace(json.loads(x)["data"]["id"], "Person-1") if '"kind":"person"' in x else x for x in ls
        ],
        "person",
        "person: id: expected a record id as the API issues them",
    ),
    "an extradition decided before it opened": (
        on("extradition", opened_on="2020-05", decided_on="2020-01"),
        "extradition",
        "decided_on must not precede opened_on",
    ),
}


@pytest.mark.parametrize("case", list(API_REFUSALS))
def test_a_line_the_api_would_refuse_is_refused(
    case: str, small_export: list[str], database_url: str, keyring: Keyring
) -> None:
    """Import checks each line with the models the API checks requests and answers with: what it lets
    in, the API can read back."""
    change, kind, message = API_REFUSALS[case]
    lines = change(fresh_ids(small_export))
    before = snapshot(database_url)
    with pytest.raises(transfer.ImportRejected) as rejected:
        import_text(database_url, keyring, "Target", "\n".join(lines) + "\n")
    problems = rejected.value.problems
    assert {p.line for p in problems} == {line_of(lines, kind) + 1}, problems
    assert any(message in p.message for p in problems), problems
    assert f"the first on line {line_of(lines, kind) + 1}" in rejected.value.detail
    assert "Small Export" not in str(problems), "no personal data in a problem"
    assert snapshot(database_url) == before


def test_a_check_with_whole_hits_imports_and_reads_back(
    small_export: list[str], client: TestClient, database_url: str, keyring: Keyring
) -> None:
    """The control for the refusals above."""
    lines = with_check(fresh_ids(small_export), [A_HIT])
    assert import_text(database_url, keyring, "Target", "\n".join(lines) + "\n").counts["interpol_check"] == 1
    check = json.loads(lines[-1])["data"]
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        target = org_service.by_name(session, "Target").id
        _, plain = token_service.create(session, org_id=target, data=TokenCreate(role=Role.viewer), by=None)
    engine.dispose()
    read = client.get(
        f"/api/v1/persons/{check['person_id']}/interpol-checks", headers={"Authorization": f"Bearer {plain}"}
    )
    assert read.status_code == 200, read.text
    assert read.json()["items"][0]["hits"] == [A_HIT]


def test_the_import_command_names_the_first_bad_line(
    small_export: list[str], database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = on("notice", interpol_ref="12345")(on("person", name="   ")(fresh_ids(small_export)))
    lines = with_check(lines, [{"entity_id": "2021/8316"}])
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    before = snapshot(database_url)
    result = CliRunner().invoke(cli, ["import", "--org", "Target", str(path)])
    assert result.exit_code == 1
    said = [line for line in result.stderr.splitlines() if line.strip()]
    first, notice, check = (line_of(lines, k) + 1 for k in ("person", "notice", "interpol_check"))
    assert said[0] == f"line {first}: person: name: String should have at least 1 character"
    assert said[1].startswith(f"line {notice}: notice: interpol_ref: not an INTERPOL reference: write")
    assert f"line {check}: interpol_check: hits.0.name: Field required" in said
    assert f"the first on line {first}; nothing was imported" in " ".join(result.stderr.split())
    assert snapshot(database_url) == before


def test_the_same_lines_with_fresh_ids_import(
    small_export: list[str], database_url: str, keyring: Keyring
) -> None:
    """The control for the refusals above: the file they start from is fine."""
    report = import_text(database_url, keyring, "Target", "\n".join(fresh_ids(small_export)) + "\n")
    assert report.counts["person"] == 1
    assert report.counts["charge"] == 1


def test_ids_already_in_the_database_are_refused(
    small_export: list[str], database_url: str, keyring: Keyring
) -> None:
    before = snapshot(database_url)
    with pytest.raises(transfer.ImportRejected) as rejected:
        import_text(database_url, keyring, "Target", "\n".join(small_export))
    problems = rejected.value.problems
    assert [p.line for p in problems] == list(range(2, len(small_export) + 1))
    assert all("already exists" in p.message for p in problems)
    assert snapshot(database_url) == before


def test_references_to_another_organisation_are_dangling(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    theirs = make_person(client, org_b.editor, name="Org B Person")
    notice = make_notice(client, org_a.editor, make_person(client, org_a.editor)["id"])
    lines = lines_of(export_text(database_url, keyring, "Org A"))
    line = next(x for x in lines if '"kind":"notice"' in x)
    forged = set_field(line.replace(notice["id"], notice["id"][:-12] + "0" * 12), person_id=theirs["id"])
    before = snapshot(database_url)
    with pytest.raises(transfer.ImportRejected) as rejected:
        import_text(database_url, keyring, "Org A", "\n".join([lines[0], forged]))
    assert [
        (p.line, f"person_id {theirs['id']}: no person" in p.message) for p in rejected.value.problems
    ] == [(2, True)]
    assert snapshot(database_url) == before


def test_records_for_persons_already_in_the_organisation(
    client: TestClient, org_a: OrgTokens, database_url: str, keyring: Keyring
) -> None:
    """A file may add records to persons already here: they are audited one by one, and flags follow."""
    person = make_person(client, org_a.editor, categories=["opposition"])
    protection = make_protection(client, org_a.editor, person["id"])
    lines = lines_of(export_text(database_url, keyring, "Org A"))
    deleted = client.delete(
        f"/api/v1/persons/{person['id']}/protections/{protection['id']}", headers=org_a.admin
    )
    assert deleted.status_code == 204, deleted.text
    assert not client.get(f"/api/v1/persons/{person['id']}/flags", headers=org_a.viewer).json()["items"]
    notice = (
        '{"kind":"notice","data":{"id":"11111111-1111-4111-8111-111111111111","version":1,'
        '"created_at":"2020-01-01T00:00:00+00:00","updated_at":"2020-01-01T00:00:00+00:00",'
        f'"person_id":"{person["id"]}","channel":"red_notice","requesting_state":"TJ","interpol_ref":null,'
        '"requested_on":"2018","issued_on":null,"initial_status":"published","status_actor":null,'
        '"status_reason":null,"status":"published","public_extract":false,"in_absentia":false,"note":null,"sources":[]}}'
    )
    protection_line = next(x for x in lines if '"kind":"protection"' in x)
    report = import_text(database_url, keyring, "Org A", "\n".join([lines[0], protection_line, notice]))
    assert report.counts["notice"] == 1
    assert report.persons_refreshed == 1
    actions = rows(database_url, "SELECT action, object_id FROM audit_entry ORDER BY seq DESC LIMIT 3")
    assert actions == [
        ("import.completed", org_a.id),
        ("import.notice", "11111111-1111-4111-8111-111111111111"),
        ("import.protection", protection["id"]),
    ]
    codes = {
        f["code"]
        for f in client.get(f"/api/v1/persons/{person['id']}/flags", headers=org_a.viewer).json()["items"]
    }
    assert "refugee_protection" in codes


def test_progress_is_reported(small_export: list[str], database_url: str, keyring: Keyring) -> None:
    seen: list[tuple[str, int, int]] = []
    import_text(
        database_url,
        keyring,
        "Target",
        "\n".join(fresh_ids(small_export)),
        progress=lambda what, done, total: seen.append((what, done, total)),
    )
    phases = {what: (done, total) for what, done, total in seen}
    assert phases["Checking lines"] == (len(small_export), len(small_export))
    assert phases["Writing records"][0] == phases["Writing records"][1] == len(small_export) - 1
    assert phases["Recomputing indicators"] == (1, 1)


def test_an_empty_file_is_refused(org_a: OrgTokens, database_url: str, keyring: Keyring) -> None:
    with pytest.raises(transfer.ImportRejected) as rejected:
        import_text(database_url, keyring, "Org A", "")
    assert [(p.line, p.message) for p in rejected.value.problems] == [(1, "the file is empty")]


# --- the list of kinds keeps up with the schema ---------------------------------------------------


def test_every_table_is_exported_or_left_out_for_a_reason() -> None:
    tables = set(SQLModel.metadata.tables)
    assert not tables - set(transfer.BY_NAME) - set(transfer.NOT_EXPORTED), "export it, or say why not"
    assert not set(transfer.BY_NAME) & set(transfer.NOT_EXPORTED)
    order = [k.name for k in transfer.KINDS]
    for kind in transfer.KINDS:
        assert "org_id" in kind.table.columns, kind.name
        for target in kind.refs.values():
            assert order.index(target) < order.index(kind.name), f"{kind.name} must come after {target}"
        if kind.owner is not None:
            assert kind.owner in kind.refs
        assert kind.shapes, f"{kind.name}: which of the API's models must its lines satisfy?"
        for shape in kind.shapes:
            columns = {c.name for c in kind.columns}
            assert set(shape.columns.values()) | ({shape.when} - {None}) <= columns, kind.name
            for name, info in shape.model.model_fields.items():
                if info.is_required():  # else the shape would refuse every line
                    assert shape.columns.get(name, name) in columns, (
                        f"{kind.name}: {shape.model.__name__}.{name}"
                    )
