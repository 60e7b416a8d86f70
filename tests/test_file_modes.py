"""Files the service creates for its SQLite database are its owner's alone: the database, its -wal and
-shm, the generated key (0600), and the directories it makes for them (0700), whatever the umask."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.keyring import Keyring
from app.main import create_app
from app.settings import Settings, resolve_secret_key
from tests.conftest import make_org


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The usual 022, under which SQLite creates a database and its -wal and -shm readable by everyone."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.mark.usefixtures("usual_umask")
@pytest.mark.parametrize("with_key", [False, True], ids=["generated key", "ARTICLE3_SECRET_KEY"])
def test_a_new_database_its_wal_shm_key_and_directories_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_key: bool
) -> None:
    data = tmp_path / "new" / "data"
    database = data / "article3.db"
    url = f"sqlite:///{database}"
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", url)
    if with_key:
        monkeypatch.setenv("ARTICLE3_SECRET_KEY", "a-secret-key-that-is-long-enough-for-article3")
    else:
        monkeypatch.delenv("ARTICLE3_SECRET_KEY", raising=False)

    migrated = CliRunner().invoke(cli, ["migrate"])
    assert migrated.exit_code == 0, migrated.output
    settings = Settings(_env_file=None)
    org = make_org(url, Keyring(resolve_secret_key(settings)), "Org")
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/v1/persons", json={"name": "Written Once"}, headers=org.editor)
        assert created.status_code == 201, created.text
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.stat().st_size > 0, "the write is in the WAL"
        modes = {p.name: mode(p) for p in (database, wal, shm)}
    assert modes == {"article3.db": 0o600, "article3.db-wal": 0o600, "article3.db-shm": 0o600}
    assert (mode(tmp_path / "new"), mode(data)) == (0o700, 0o700)
    key = Path(f"{database}.key")
    assert key.exists() is not with_key
    if not with_key:
        assert mode(key) == 0o600
    assert sorted(p.name for p in data.iterdir() if mode(p) & 0o077) == []
