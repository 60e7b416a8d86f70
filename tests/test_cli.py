"""The command line: organisations, tokens, audit verification, as an operator runs them."""

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.main import create_app
from app.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", "cli-test-secret-key-0123456789-abcdefghijklmnop")
    return database_url


def test_orgs_tokens_and_audit_verify(env: str) -> None:
    created = runner.invoke(cli, ["orgs", "create", "Helsinki Lawyers"])
    assert created.exit_code == 0, created.output
    org_id = created.stdout.strip().splitlines()[-1]
    assert len(org_id) == 36
    assert runner.invoke(cli, ["orgs", "create", "Helsinki Lawyers"]).exit_code == 1
    token = runner.invoke(
        cli, ["tokens", "create", "--org", "Helsinki Lawyers", "--role", "editor", "--label", "cli"]
    )
    assert token.exit_code == 0, token.output
    plain = token.stdout.strip().splitlines()[-1]
    assert plain.startswith("a3_")
    assert runner.invoke(cli, ["tokens", "create", "--org", "Nobody", "--role", "editor"]).exit_code == 1
    assert (
        runner.invoke(cli, ["tokens", "create", "--org", "Helsinki Lawyers", "--role", "god"]).exit_code == 2
    )
    settings = Settings(
        _env_file=None, database_url=env, secret_key="cli-test-secret-key-0123456789-abcdefghijklmnop"
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/v1/persons", json={"name": "Via CLI token"}, headers={"Authorization": f"Bearer {plain}"}
        )
        assert response.status_code == 201
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0
    assert "intact" in verified.stdout


def test_audit_verify_fails_on_a_tampered_file(env: str) -> None:
    if not env.startswith("sqlite"):
        pytest.skip("edits the SQLite file directly")
    runner.invoke(cli, ["orgs", "create", "One"])
    runner.invoke(cli, ["orgs", "create", "Two"])
    conn = sqlite3.connect(Path(env.removeprefix("sqlite:///")))
    conn.execute("DROP TRIGGER audit_entry_no_update")
    conn.execute("UPDATE audit_entry SET action = 'org.renamed' WHERE seq = 1")
    conn.commit()
    conn.close()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert "seq 1" in result.stdout


def test_migrate_is_idempotent(env: str) -> None:
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["migrate"]).exit_code == 0


def test_patterns_table(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    from app.db import make_engine, unit_of_work
    from app.keyring import Keyring
    from app.services import demo as demo_service

    engine = make_engine(env, writer=True, pooled=False)
    with unit_of_work(engine, Keyring(b"cli-test-secret-key-0123456789-abcdefghijklmnop")) as session:
        demo_service.load(session)
    engine.dispose()
    everything = runner.invoke(cli, ["patterns"])
    assert everything.exit_code == 0, everything.output
    assert "released_without_extradition" in everything.stdout
    assert "RU Russian" in everything.stdout
    one = runner.invoke(cli, ["patterns", "--state", "tj"])
    assert one.exit_code == 0
    assert "security_charge" in one.stdout
    assert runner.invoke(cli, ["patterns", "--state", "XX"]).exit_code == 2
