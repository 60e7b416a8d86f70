"""Backup and restore of the SQLite database: online under write load, verified, refused when unsafe."""

import hashlib
import io
import json
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from app import migrate
from app.cli import app as cli
from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.main import create_app
from app.models.person import Person
from app.models.token import Role, TokenCreate
from app.services import audit as audit_service
from app.services import backup as backup_service
from app.services import demo as demo_service
from app.services import org as org_service
from app.services import token as token_service
from app.services import transfer
from app.settings import Settings
from tests.conftest import SECRET, Headers, serving
from tests.factories import make_document, make_notice, make_person

on_sqlite = pytest.mark.skipif(
    bool(os.environ.get("ARTICLE3_TEST_DATABASE_URL")), reason="backup and restore are for SQLite files"
)


def live_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(url: str, table: str) -> int:
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
    finally:
        engine.dispose()


def export_demo(url: str, keyring: Keyring) -> str:
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with unit_of_work(engine, keyring) as session:
            out = io.StringIO()
            transfer.write_export(session, org_id=org_service.by_name(session, "demo").id, out=out)
            return out.getvalue()
    finally:
        engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No rate limit in the way of a writer thread."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET,
        interpol_url="http://127.0.0.1:9",
        rate_limit_per_minute=1_000_000,
        daily_read_quota=1_000_000,
    )


@pytest.fixture
def demo(database_url: str, keyring: Keyring) -> Headers:
    """The demo cases and an admin header for `demo`."""
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        _, org = demo_service.load(session)
        _, plain = token_service.create(session, org_id=org.id, data=TokenCreate(role=Role.admin), by=None)
    engine.dispose()
    return {"Authorization": f"Bearer {plain}"}


def bulk_persons(url: str, keyring: Keyring, persons: int) -> None:
    """Persons of `demo` inserted in bulk (no audit entries: the chain does not cover them)."""
    engine = make_engine(url, writer=True, keyring=keyring, pooled=False)
    with engine.begin() as conn:
        org_id = conn.execute(sa.text("SELECT id FROM org WHERE name = 'demo'")).scalar_one()
        rows = [{"id": str(uuid.uuid4()), "org_id": org_id, "name": f"Bulk {i}"} for i in range(persons)]
        conn.execute(sa.insert(Person), rows)
    engine.dispose()


class Writer(threading.Thread):
    """Posts persons through the app until stopped, noting each status and when it came back."""

    def __init__(self, client: TestClient, headers: Headers) -> None:
        super().__init__(daemon=True)
        self.client, self.headers = client, headers
        self.stop = threading.Event()
        self.done: list[tuple[float, int]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            response = self.client.post("/api/v1/persons", json={"name": "Load Writer"}, headers=self.headers)
            self.done.append((time.monotonic(), response.status_code))

    def wait_for(self, writes: int) -> None:
        while len(self.done) < writes:
            time.sleep(0.01)

    @property
    def written(self) -> int:
        return sum(1 for _, status in self.done if status == 201)


@on_sqlite
def test_backups_under_write_load_are_verified_private_copies(
    settings: Settings, demo: Headers, database_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    """Backups taken one after another while a thread keeps posting persons through the app: every
    write succeeds, writes land while copies are being made, and every copy verifies on its own."""
    bulk_persons(database_url, keyring, 5_000)  # copies that take long enough for writes to land during them
    folder = tmp_path / "backups"
    folder.mkdir()
    made: list[tuple[Path, backup_service.BackupReport, int, int]] = []  # + writes before and after it
    during = 0
    with TestClient(create_app(settings)) as client:
        writer = Writer(client, demo)
        writer.start()
        try:
            writer.wait_for(10)
            while during < 5 and len(made) < 40:
                path = folder / f"article3-{len(made)}.db"
                started, written_before = time.monotonic(), writer.written
                report = backup_service.backup(database_url, path, keyring=keyring)
                ended = time.monotonic()
                during += sum(1 for at, _ in list(writer.done) if started < at < ended)
                made.append((path, report, written_before, writer.written))
            writer.wait_for(len(writer.done) + 10)
        finally:
            writer.stop.set()
            writer.join()
    assert {status for _, status in writer.done} == {201}, "a write failed during a backup"
    assert during >= 5, "writers waited for the backups"
    expected = sorted(name for p, *_ in made for name in (p.name, f"{p.name}.manifest.json"))
    assert sorted(p.name for p in folder.iterdir()) == expected, "no partial file left"
    for path, report, written_before, written_after in made:
        assert path.stat().st_mode & 0o777 == 0o600
        assert Path(f"{path}.manifest.json").stat().st_mode & 0o777 == 0o600
        # one write may be committed and copied before its answer is back
        assert 5_012 + written_before <= report.persons <= 5_012 + written_after + 1
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",), "one self-contained file"
        conn.close()
        engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
        with Session(engine, info={"keyring": keyring}) as session:
            assert audit_service.verify(session) == (None, report.audit_entries)
        engine.dispose()
        assert count(f"sqlite:///{path}", "person") == report.persons


@on_sqlite
def test_restore_drill(
    settings: Settings, demo: Headers, database_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    """Backup, keep working, restore: the data is the backup's again, and the service runs on it."""
    with TestClient(create_app(settings)) as client:
        kept = make_person(client, demo, name="Before The Backup")
        make_notice(client, demo, kept["id"], charges=[{"text": "Fraud"}])
        exhibit_bytes = b"%PDF-1.4\n" + bytes(range(256)) * 5000  # two chunks
        exhibit = make_document(client, demo, kept["id"], content=exhibit_bytes)
    at_backup = export_demo(database_url, keyring)
    audit_at_backup = count(database_url, "audit_entry")
    backup = tmp_path / "drill.db"
    backup_service.backup(database_url, backup, keyring=keyring)
    with TestClient(create_app(settings)) as client:
        late = make_person(client, demo, name="After The Backup")
        assert client.delete(f"/api/v1/persons/{kept['id']}", headers=demo).status_code == 204
    assert export_demo(database_url, keyring) != at_backup

    report = backup_service.restore(database_url, backup, keyring=keyring)

    assert export_demo(database_url, keyring) == at_backup
    assert report.persons == count(database_url, "person") == 13
    assert report.audit_entries == audit_at_backup + 1 == count(database_url, "audit_entry")
    assert report.elapsed_s > 0
    assert report.unsigned is None, "the backup's own manifest vouches for these bytes"
    assert report.previous is not None
    assert report.previous.parent == live_file(database_url).parent
    assert count(f"sqlite:///{report.previous}", "person") == 13, "the replaced database is kept, whole"
    assert not list(tmp_path.glob(".*.restore*")), "no staged copy left"
    with TestClient(create_app(settings)) as client:
        listed = client.get("/api/v1/persons?limit=200", headers=demo).json()["items"]
        assert {p["name"] for p in listed} >= {"Before The Backup"}
        assert late["id"] not in {p["id"] for p in listed}
        found = client.get("/api/v1/persons", params={"q": "Before The Backup"}, headers=demo).json()["items"]
        assert [p["id"] for p in found][:1] == [kept["id"]]
        restored_bytes = client.get(f"/api/v1/documents/{exhibit['id']}/content", headers=demo)
        assert restored_bytes.content == exhibit_bytes, (
            "the document and its chunks came back with the backup"
        )
        assert (
            client.post("/api/v1/persons", json={"name": "After The Restore"}, headers=demo).status_code
            == 201
        )
    engine = make_engine(database_url, writer=False, pooled=False)
    with unit_of_work(engine, keyring) as session:
        assert audit_service.verify(session)[0] is None
    with engine.connect() as conn:
        restored = conn.execute(
            sa.text("SELECT action, actor FROM audit_entry WHERE seq = :s"), {"s": audit_at_backup + 1}
        )
        assert restored.one() == ("backup.restored", "cli")
    engine.dispose()


@pytest.fixture
def good_backup(demo: Headers, database_url: str, keyring: Keyring, tmp_path: Path) -> Path:
    path = tmp_path / "good.db"
    backup_service.backup(database_url, path, keyring=keyring)
    return path


def _corrupt(path: Path) -> None:
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        f.write(os.urandom(8192))


def _tamper_audit(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("UPDATE audit_entry SET object_id = 'someone-else' WHERE seq = 3")
    conn.commit()
    conn.close()


def _drop_the_last_audit_entry(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_entry_no_delete")
    conn.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    conn.commit()
    conn.close()


def _not_article3(path: Path) -> None:
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()


def _text(path: Path) -> None:
    path.write_text("not a database\n")


@on_sqlite
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_corrupt, "damaged"),
        (_tamper_audit, "audit chain"),
        (_drop_the_last_audit_entry, "audit chain"),
        (_not_article3, "not an article3"),
        (_text, "damaged or not an SQLite database"),
    ],
)
def test_restore_refuses_a_damaged_or_tampered_backup(
    damage: object, message: str, good_backup: Path, database_url: str, keyring: Keyring
) -> None:
    """Refused for its manifest first; with --unsigned, the full check still finds the damage."""
    assert callable(damage)
    damage(good_backup)
    live = live_file(database_url)
    before = digest(live)
    for unsigned, expected in ((False, "not the one its manifest signed"), (True, message)):
        with pytest.raises(backup_service.BackupRefused) as refused:
            backup_service.restore(database_url, good_backup, keyring=keyring, unsigned=unsigned)
        assert expected in refused.value.detail
        assert digest(live) == before
        assert (
            sorted(p.name for p in live.parent.iterdir() if ".restore" in p.name or "pre-restore" in p.name)
            == []
        )


@on_sqlite
@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ("missing", "has no signed manifest"),
        ("edited", "does not verify under this server's key"),
        ("another key", "does not verify under this server's key"),
        ("unsigned", "carries no signature"),
    ],
)
def test_without_a_valid_manifest_a_backup_is_restored_only_with_unsigned(
    manifest: str, reason: str, good_backup: Path, database_url: str, keyring: Keyring
) -> None:
    path = Path(f"{good_backup}.manifest.json")
    if manifest == "missing":
        path.unlink()
    elif manifest == "edited":
        path.write_text(path.read_text().replace('"persons": 12', '"persons": 13'))
    elif manifest == "unsigned":
        fields = json.loads(path.read_text())
        del fields["mac"]
        path.write_text(json.dumps(fields))
    else:
        path.unlink()
        backup_service._write_manifest(
            good_backup, keyring=Keyring(b"another-secret-key-" * 3), counts=backup_service.Verified(12, 1)
        )
    live = live_file(database_url)
    before = digest(live)
    with pytest.raises(backup_service.BackupRefused) as refused:
        backup_service.restore(database_url, good_backup, keyring=keyring)
    assert reason in refused.value.detail
    assert "--unsigned" in refused.value.detail
    assert digest(live) == before
    report = backup_service.restore(database_url, good_backup, keyring=keyring, unsigned=True)
    assert report.unsigned is not None
    assert reason in report.unsigned
    assert report.persons == 12


def _promote_viewers(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE api_token SET role = 'admin' WHERE role = 'viewer'")
    conn.commit()
    conn.close()


@on_sqlite
def test_a_backup_with_a_token_promoted_to_admin_is_refused_unless_unsigned(
    demo: Headers, database_url: str, keyring: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack: a viewer token edited into an admin in the backup file. The audit chain and SQLite's
    checks cannot see it; the signed manifest can. --unsigned restores it, saying loudly what it could
    not check, and the audit trail says it was unsigned."""
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        org_id = org_service.by_name(session, "demo").id
        viewer, _ = token_service.create(session, org_id=org_id, data=TokenCreate(role=Role.viewer), by=None)
    engine.dispose()
    backup = tmp_path / "tampered.db"
    backup_service.backup(database_url, backup, keyring=keyring)
    _promote_viewers(backup)
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    before = digest(live_file(database_url))

    refused = CliRunner().invoke(cli, ["restore", str(backup)])
    assert refused.exit_code == 1
    said = " ".join(refused.stderr.split())
    assert "is not restored: the file is not the one its manifest signed" in said
    assert "--unsigned" in said
    assert digest(live_file(database_url)) == before
    assert rows(database_url, "SELECT role FROM api_token WHERE id = :i", i=viewer.id) == [("viewer",)]

    restored = CliRunner().invoke(cli, ["restore", "--unsigned", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "WITHOUT a valid signature (--unsigned)" in restored.stdout
    warning = " ".join(restored.stderr.split())
    assert (
        "WARNING: restored WITHOUT a valid signature: the file is not the one its manifest signed" in warning
    )
    assert "NOT checked" in warning
    assert "the API tokens and their roles" in warning
    assert "Revoke every API token" in warning
    assert rows(database_url, "SELECT role FROM api_token WHERE id = :i", i=viewer.id) == [("admin",)]
    last = "SELECT action FROM audit_entry ORDER BY seq DESC LIMIT 1"
    assert rows(database_url, last) == [("backup.restored_unsigned",)]


def rows(url: str, query: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(url, writer=False, pooled=False)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query), params)]
    finally:
        engine.dispose()


@on_sqlite
def test_restore_refuses_a_backup_made_under_another_key(good_backup: Path, database_url: str) -> None:
    with pytest.raises(backup_service.BackupRefused) as refused:
        backup_service.restore(database_url, good_backup, keyring=Keyring(b"another-secret-key-" * 3))
    assert "another secret key" in refused.value.detail


@on_sqlite
def test_restore_refuses_a_live_database_or_a_copy_without_its_wal(
    good_backup: Path, database_url: str, keyring: Keyring
) -> None:
    Path(f"{good_backup}-wal").write_bytes(b"")
    with pytest.raises(backup_service.BackupRefused) as refused:
        backup_service.restore(database_url, good_backup, keyring=keyring)
    assert "-wal file beside it" in refused.value.detail


@on_sqlite
def test_restore_refuses_while_a_server_runs_unless_forced(
    good_backup: Path, database_url: str, keyring: Keyring
) -> None:
    live = live_file(database_url)
    with serving(database_url) as base:
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200  # the server has the file open
        before = digest(live)
        with pytest.raises(backup_service.BackupRefused) as refused:
            backup_service.restore(database_url, good_backup, keyring=keyring)
        assert "in use" in refused.value.detail
        assert "--force" in refused.value.detail
        assert digest(live) == before
        forced = backup_service.restore(database_url, good_backup, keyring=keyring, force=True)
        assert forced.previous is not None
    report = backup_service.restore(database_url, good_backup, keyring=keyring)
    assert report.persons == 12


@on_sqlite
def test_restore_brings_an_older_backup_to_the_current_schema(
    database_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    old_url = f"sqlite:///{old}"
    script = ScriptDirectory.from_config(migrate.alembic_config(old_url))
    first = script.get_base()
    assert isinstance(first, str)
    migrate.upgrade(old_url, first)
    engine = make_engine(old_url, writer=True, pooled=False)
    with Session(engine, info={"keyring": keyring}) as session:  # unit_of_work needs today's schema
        org_service.create(session, name="Old Times")
        session.commit()
    engine.dispose()
    backup = tmp_path / "old-backup.db"
    backup_service.backup(old_url, backup, keyring=keyring)
    report = backup_service.restore(database_url, backup, keyring=keyring)
    assert report.audit_entries == 2
    conn = sqlite3.connect(live_file(database_url))
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (script.get_current_head(),)
    ]
    conn.close()


@on_sqlite
def test_a_backup_never_overwrites(good_backup: Path, database_url: str, keyring: Keyring) -> None:
    before = digest(good_backup)
    with pytest.raises(backup_service.BackupRefused) as refused:
        backup_service.backup(database_url, good_backup, keyring=keyring)
    assert "never overwrites" in refused.value.detail
    assert digest(good_backup) == before


@on_sqlite
def test_a_copy_that_fails_verification_is_kept_aside(
    demo: Headers, database_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    _tamper_audit(live_file(database_url))
    target = tmp_path / "tampered.db"
    with pytest.raises(backup_service.BackupRefused) as refused:
        backup_service.backup(database_url, target, keyring=keyring)
    assert "fails at entry 3" in refused.value.detail
    assert not target.exists()
    kept = tmp_path / "tampered.db.unverified"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert "kept at" in refused.value.detail


@pytest.mark.parametrize("url", ["postgresql+psycopg://article3@db.internal/article3"])
def test_postgres_is_pointed_at_pg_dump_and_pg_restore(url: str, tmp_path: Path, keyring: Keyring) -> None:
    for attempt in (
        lambda: backup_service.backup(url, tmp_path / "x.db", keyring=keyring),
        lambda: backup_service.restore(url, tmp_path / "x.db", keyring=keyring),
    ):
        with pytest.raises(backup_service.BackupRefused) as refused:
            attempt()
        assert "pg_dump --format=custom" in refused.value.detail
        assert "pg_restore" in refused.value.detail
    assert not list(tmp_path.iterdir())
