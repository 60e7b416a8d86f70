"""Fixtures: a real database per test (a copy of a migrated SQLite file, or PostgreSQL truncated),
the app on it, and two organisations with a token of every role."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import migrate
from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.main import create_app
from app.models import SQLModel
from app.models.token import Role, TokenCreate
from app.services import flag_upkeep
from app.services import org as org_service
from app.services import token as token_service
from app.settings import Settings

SECRET = "test-secret-key-for-article3-tests-only-0123456789"
Headers = dict[str, str]


@pytest.fixture(scope="session", autouse=True)
def _upkeep() -> None:
    """The tests are an entry point: their units of work keep the derived tables, as the app's do."""
    flag_upkeep.install()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run (per xdist worker): a SQLite template file, or a PostgreSQL database."""
    base = os.environ.get("ARTICLE3_TEST_DATABASE_URL")
    if not base:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 't.db'}"
        migrate.upgrade(url, keyring=Keyring(SECRET.encode()))
        yield url
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        migrate.upgrade(base, keyring=Keyring(SECRET.encode()))
        yield base
        return
    # Parallel workers each get their own database next to the one CI created, dropped at the end.
    base_url = sa.make_url(base)
    name = f"{base_url.database}_{worker}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    worker_url = base_url.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(worker_url, keyring=Keyring(SECRET.encode()))
    yield worker_url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every table on PostgreSQL (triggers off for this session: the audit table refuses TRUNCATE)."""
    engine = make_engine(url, writer=True, pooled=False)
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(
            sa.text(
                "INSERT INTO audit_head (id, seq, hash, updated_at) VALUES (1, 0, :g, CURRENT_TIMESTAMP)"
            ),
            {"g": "0" * 64},
        )
    engine.dispose()


@pytest.fixture
def database_url(migrated_url: str, tmp_path: Path) -> str:
    if migrated_url.startswith("postgresql"):
        truncate_all(migrated_url)
        return migrated_url
    template = Path(migrated_url.removeprefix("sqlite:///"))
    target = tmp_path / "article3.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The real INTERPOL is never called from tests: tests that need it use tests/fake_interpol.py.
    return Settings(
        _env_file=None,
        database_url=database_url,
        secret_key=SECRET,
        interpol_url="http://127.0.0.1:9",
        watch_runner=False,  # tests run watches themselves (tests/test_watches.py)
    )


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(SECRET.encode())


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class OrgTokens:
    """An organisation and a bearer header per role."""

    id: str
    name: str
    headers: dict[Role, Headers] = field(default_factory=dict)
    token_ids: dict[Role, str] = field(default_factory=dict)

    @property
    def admin(self) -> Headers:
        return self.headers[Role.admin]

    @property
    def editor(self) -> Headers:
        return self.headers[Role.editor]

    @property
    def viewer(self) -> Headers:
        return self.headers[Role.viewer]

    @property
    def analyst(self) -> Headers:
        return self.headers[Role.analyst]


def make_org(database_url: str, keyring: Keyring, name: str) -> OrgTokens:
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        org = org_service.create(session, name=name)
        result = OrgTokens(id=org.id, name=name)
        for role in Role:
            row, plain = token_service.create(session, org_id=org.id, data=TokenCreate(role=role), by=None)
            result.headers[role] = {"Authorization": f"Bearer {plain}"}
            result.token_ids[role] = row.id
    engine.dispose()
    return result


@pytest.fixture
def org_a(database_url: str, keyring: Keyring) -> OrgTokens:
    return make_org(database_url, keyring, "Org A")


@pytest.fixture
def org_b(database_url: str, keyring: Keyring) -> OrgTokens:
    return make_org(database_url, keyring, "Org B")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    database_url: str, *, log_level: str = "warning", output: IO[bytes] | None = None, **env: str
) -> Iterator[str]:
    """The real server (uvicorn, one worker, its own process) on the test database; yields its base URL.
    `output`: where its stdout and stderr go (the test's own, by default)."""
    port = _free_port()
    environment = {
        **os.environ,
        "ARTICLE3_DATABASE_URL": database_url,
        "ARTICLE3_SECRET_KEY": SECRET,
        "ARTICLE3_INTERPOL_URL": "http://127.0.0.1:9",
        "ARTICLE3_WATCH_RUNNER": "false",
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        log_level,
    ]
    process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        command, env=environment, stdout=output, stderr=subprocess.STDOUT if output else None
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def live_server(database_url: str) -> Iterator[str]:
    with serving(database_url) as base:
        yield base


@pytest.fixture
def db(database_url: str, keyring: Keyring) -> Iterator[sa.Engine]:
    """An engine for tests that look at the database directly."""
    engine = make_engine(database_url, writer=True, pooled=False)
    yield engine
    engine.dispose()
