"""Personal data at rest (issue 8): nothing readable in the database file, its WAL or a backup,
not even the name of a person erased before the backup; keys rotate while the service runs."""

import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.keyring import Keyring
from app.services import encryption
from tests.conftest import SECRET, OrgTokens, serving
from tests.factories import make_detention, make_notice, make_person

# Tests that start real servers and load the database run on one worker, one after another.
pytestmark = pytest.mark.xdist_group("live_server")

CANARIES = [
    "Zqvorathiel Plimbutskaya",
    "Жщюбрантий Кывзоминов",
    "Xylophrantes Dumbledorf",
    "Щёлкозубр Вьюжанский",
]
ERASED = "Gwyndolinex Quarrymore"


def _sqlite_file(database_url: str) -> Path:
    if not database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite files directly")
    return Path(database_url.removeprefix("sqlite:///"))


def _occurrences(path: Path, words: list[str]) -> list[str]:
    if not path.exists():
        return []
    data = path.read_bytes()
    found = []
    for word in words:
        for part in word.split():
            for encoding in ("utf-8", "utf-16-le"):
                if part.encode(encoding) in data:
                    found.append(f"{part} ({encoding}) in {path.name}")
    return found


def test_canaries_never_reach_the_files(
    client: TestClient, org_a: OrgTokens, database_url: str, tmp_path: Path
) -> None:
    db_file = _sqlite_file(database_url)
    latin, cyrillic, note_name, alias = CANARIES
    person = make_person(
        client,
        org_a.editor,
        name=latin,
        aliases=[cyrillic, alias],
        birth_date="1977-03-04",
        notes=f"lives near {note_name}",
        affiliations=["Canary Group Plimbutskaya"],
        sources=[f"interview with {note_name}"],
    )
    notice = make_notice(
        client, org_a.editor, person["id"], charges=[{"text": f"fraud with {note_name}"}], note=cyrillic
    )
    make_detention(client, org_a.editor, person["id"], place=f"{note_name} street", note=cyrillic)
    client.post(
        "/api/v1/persons", json={"name": latin}, headers={**org_a.editor, "Idempotency-Key": "canary"}
    )
    erased = make_person(client, org_a.editor, name=ERASED, notes=ERASED)
    assert client.delete(f"/api/v1/persons/{erased['id']}", headers=org_a.admin).status_code == 204
    found = client.get("/api/v1/persons", params={"q": alias}, headers=org_a.viewer).json()["items"]
    assert found[0]["name"] == latin  # the service itself still reads everything
    assert (
        client.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()["charges"][0]["text"]
        == f"fraud with {note_name}"
    )

    backup = tmp_path / "backup.db"
    source = sqlite3.connect(db_file)
    target = sqlite3.connect(backup)
    source.backup(target)
    target.close()
    source.close()
    words = [*CANARIES, ERASED, "1977-03-04"]
    files = [db_file, db_file.with_name(db_file.name + "-wal"), backup]
    assert [hit for f in files for hit in _occurrences(f, words)] == []


def test_every_free_text_column_is_encrypted() -> None:
    columns = {target.aad for target in encryption.encrypted_columns()}
    for expected in (
        "person.name",
        "person.aliases",
        "person.birth_date",
        "person.notes",
        "person.affiliations",
        "person.sources",
        "charge.text",
        "notice.note",
        "detention.place",
        "incident.description",
        "challenge.summary",
        "challenge.reference",
        "interpol_check.hits",
        "interpol_check.query",
        "idempotency_key.body",
    ):
        assert expected in columns, expected


def test_a_value_moved_to_another_column_does_not_decrypt(keyring: Keyring) -> None:
    stored = keyring.fields.encrypt("Zqvorathiel", aad="person.name")
    assert keyring.fields.decrypt(stored, aad="person.name") == "Zqvorathiel"
    with pytest.raises(InvalidTag):
        keyring.fields.decrypt(stored, aad="person.notes")


def test_keys_rotate_under_load(
    database_url: str, org_a: OrgTokens, monkeypatch: pytest.MonkeyPatch, db: sa.Engine
) -> None:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    with (
        serving(database_url, ARTICLE3_RATE_LIMIT_PER_MINUTE="100000") as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        ids = [
            http.post(
                "/api/v1/persons", json={"name": f"Person {i}", "notes": "n"}, headers=org_a.editor
            ).json()["id"]
            for i in range(30)
        ]
        stop = threading.Event()
        written: list[str] = []

        def keep_writing() -> None:
            while not stop.is_set():
                written.append(
                    http.post(
                        "/api/v1/persons", json={"name": "During Rotation"}, headers=org_a.editor
                    ).json()["id"]
                )

        writer = threading.Thread(target=keep_writing)
        writer.start()
        result = CliRunner().invoke(cli, ["keys", "rotate"])
        stop.set()
        writer.join()
        assert result.exit_code == 0, result.output
        assert "Key 2 is active" in result.stdout
        assert "0 remain under older keys" in result.stdout
        for person_id in [*ids[:5], *written[-3:]]:
            assert http.get(f"/api/v1/persons/{person_id}", headers=org_a.viewer).status_code == 200
    with db.connect() as conn:
        left = encryption.remaining(conn, 2)
    assert sum(left.values()) == 0
    assert written
