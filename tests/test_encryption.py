"""Personal data at rest (issue 8): nothing readable in the database file, its WAL or a backup,
not even the name of a person erased before the backup. Key rotation: tests/test_key_rotation.py."""

import sqlite3
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient

from app import migrate
from app.db import make_engine
from app.keyring import Keyring
from app.main import create_app
from app.services import encryption
from app.settings import Settings
from tests.conftest import OrgTokens
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


def test_migrate_encrypts_older_plaintext_once(
    client: TestClient, org_a: OrgTokens, settings: Settings, database_url: str, keyring: Keyring
) -> None:
    """`article3 migrate` converts a database from before encryption: each value encrypted once, and
    read back as it was written (it used to encrypt each ciphertext again, and fail on birth dates)."""
    person = make_person(
        client,
        org_a.editor,
        name=CANARIES[1],
        aliases=[CANARIES[0], "Alias"],
        birth_date="1977-03",
        notes="Notes\nline two",
        sources=["Source"],
    )
    notice = make_notice(client, org_a.editor, person["id"], charges=[{"text": "Fraud"}], note="Note")
    client.close()
    migrate.downgrade(database_url, "0007", keyring=keyring)  # back to plaintext
    migrate.upgrade(database_url, keyring=keyring)
    with TestClient(create_app(settings)) as fresh:
        read = fresh.get(f"/api/v1/persons/{person['id']}", headers=org_a.viewer).json()
        assert {k: read[k] for k in ("name", "aliases", "birth_date", "notes", "sources")} == {
            k: person[k] for k in ("name", "aliases", "birth_date", "notes", "sources")
        }
        again = fresh.get(f"/api/v1/notices/{notice['id']}", headers=org_a.viewer).json()
        assert (again["charges"][0]["text"], again["note"]) == ("Fraud", "Note")
    engine = make_engine(database_url, writer=False, pooled=False)
    with engine.connect() as conn:
        assert sum(encryption.remaining(conn, 1).values()) == 0
    engine.dispose()
