"""Health endpoints and the error format of the framework's own answers."""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import migrate
from app.main import create_app
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
READYZ_DB = f"article3_readyz_{os.getpid()}"


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_readiness_fails_when_the_database_goes_away(tmp_path: Path) -> None:
    """A real PostgreSQL database dropped under a running app: /readyz turns 503, /healthz stays 200."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {READYZ_DB} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {READYZ_DB}"))
    except sa.exc.OperationalError:
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{READYZ_DB}"
    migrate.upgrade(url)
    app: FastAPI = create_app(Settings(_env_file=None, database_url=url, secret_key=SECRET))
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {READYZ_DB} WITH (FORCE)"))
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["database"] == "unavailable"
        assert client.get("/healthz").status_code == 200
    admin.dispose()


def test_unknown_paths_and_methods_are_problems(client: TestClient, org_a: OrgTokens) -> None:
    for method, path, status in (
        ("GET", "/nowhere", 404),
        ("PUT", "/api/v1/persons", 405),
        ("GET", "/api/v1/nothing", 404),
    ):
        response = client.request(method, path, headers=org_a.admin)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == status


def test_security_headers(client: TestClient, org_a: OrgTokens) -> None:
    response = client.get("/api/v1/persons", headers=org_a.viewer)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in response.headers
