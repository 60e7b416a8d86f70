"""The command line: organisations, tokens, audit verification, as an operator runs them."""

import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.main import create_app
from app.settings import Settings
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_person

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


def test_deadlines_lists_due_and_overdue_challenges(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date, timedelta

    from app.main import create_app
    from app.settings import Settings
    from tests.conftest import make_org
    from tests.factories import make_challenge, make_person, make_protection

    monkeypatch.setenv("COLUMNS", "250")
    secret = "cli-test-secret-key-0123456789-abcdefghijklmnop"
    from app.keyring import Keyring

    org = make_org(env, Keyring(secret.encode()), "Deadline Org")
    assert "No CCF challenge" in runner.invoke(cli, ["deadlines"]).stdout
    today = date.today()
    with TestClient(create_app(Settings(_env_file=None, database_url=env, secret_key=secret))) as client:
        person = make_person(client, org.editor)

        def admissible(kind: str, on: date, reference: str) -> str:
            c = make_challenge(client, org.editor, person["id"], kind=kind, reference=reference)
            for type_ in ("filed", "admissible"):
                client.post(
                    f"/api/v1/challenges/{c['id']}/events",
                    json={"type": type_, "on": on.isoformat()},
                    headers=org.editor,
                )
            return str(c["id"])

        admissible("access", today - timedelta(days=200), "CCF/OLD")  # deadline 4 months later: overdue
        admissible("deletion", today - timedelta(days=260), "CCF/SOON")  # 9 months: due within about 30 days
        admissible("deletion", today - timedelta(days=10), "CCF/LATER")
    result = runner.invoke(cli, ["deadlines", "--days", "30"])
    assert result.exit_code == 0
    assert "CCF/OLD" in result.stdout
    assert "OVERDUE" in result.stdout
    assert "CCF/SOON" in result.stdout
    assert "CCF/LATER" not in result.stdout
    assert "CCF/LATER" in runner.invoke(cli, ["deadlines", "--days", "400"]).stdout
    assert runner.invoke(cli, ["reminders", "send"]).stdout.startswith("0 deadline reminders")
    with TestClient(create_app(Settings(_env_file=None, database_url=env, secret_key=secret))) as client:
        make_protection(client, org.editor, person["id"], until=(today + timedelta(days=5)).isoformat())
    assert "protection_expiry" in runner.invoke(cli, ["deadlines", "--days", "30"]).stdout
    # the protection ends within 14 days: one reminder, queued once however often cron runs
    assert runner.invoke(cli, ["reminders", "send"]).stdout.startswith("1 deadline reminders")
    assert runner.invoke(cli, ["reminders", "send"]).stdout.startswith("0 deadline reminders")


def test_interpol_check_prints_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fake_interpol import FakeInterpol, http_status

    with FakeInterpol() as fake:
        monkeypatch.setenv("ARTICLE3_INTERPOL_URL", fake.base_url)
        result = runner.invoke(cli, ["interpol", "check", "Дилшод Намунов", "--nationality", "tj"])
        assert result.exit_code == 0, result.output
        assert "2021/8316" in result.stdout
        assert "RU" in result.stdout
        fake.misbehave(http_status(403))
        failed = runner.invoke(cli, ["interpol", "check", "Farzin Namunazoda"])
        assert failed.exit_code == 1
        assert "403" in failed.output
    assert runner.invoke(cli, ["interpol", "check", "x", "--nationality", "QQ"]).exit_code == 2


def test_backup_restore_export_import_commands(env: str, tmp_path: Path) -> None:
    if not env.startswith("sqlite"):
        assert "pg_dump" in runner.invoke(cli, ["backup", str(tmp_path / "b.db")]).output
        return
    from app.db import make_engine, unit_of_work
    from app.keyring import Keyring
    from app.services import demo as demo_service

    engine = make_engine(env, writer=True, pooled=False)
    with unit_of_work(engine, Keyring(b"cli-test-secret-key-0123456789-abcdefghijklmnop")) as session:
        demo_service.load(session)
    engine.dispose()
    made = runner.invoke(cli, ["backup", str(tmp_path / "b.db")])
    assert made.exit_code == 0, made.output
    assert "audit chain intact" in made.stdout
    exported = runner.invoke(cli, ["export", "--org", "demo", "--out", str(tmp_path / "demo.jsonl")])
    assert exported.exit_code == 0, exported.output
    assert len((tmp_path / "demo.jsonl").read_text().splitlines()) > 12
    runner.invoke(cli, ["orgs", "create", "Copy"])
    again = runner.invoke(cli, ["import", "--org", "Copy", str(tmp_path / "demo.jsonl")])
    assert again.exit_code == 1  # the same ids already exist here: nothing is imported
    assert "line" in again.output
    restored = runner.invoke(cli, ["restore", str(tmp_path / "b.db"), "--force"])
    assert restored.exit_code == 0, restored.output
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0


def test_watch_run_checks_the_due_watches_once(
    client: TestClient, org_a: OrgTokens, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fake_interpol import FakeInterpol

    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    monkeypatch.setenv("ARTICLE3_INTERPOL_MAX_RPS", "50")
    pid = make_person(client, org_a.editor, name="Farzin Namunazoda", nationalities=["TJ"])["id"]
    assert client.post(f"/api/v1/persons/{pid}/watch", headers=org_a.editor).status_code == 201
    with FakeInterpol() as fake:
        monkeypatch.setenv("ARTICLE3_INTERPOL_URL", fake.base_url)
        first = runner.invoke(cli, ["watch", "run"])
        assert first.exit_code == 0, first.output
        assert first.stdout == "1 watches checked, 0 failed (retried later); changes: none.\n"
        assert runner.invoke(cli, ["watch", "run"]).stdout.startswith("0 watches checked")  # not due
        fake.notices = []
        everything = runner.invoke(cli, ["watch", "run", "--all"])
        assert everything.stdout == "1 watches checked, 0 failed (retried later); changes: 1 disappeared.\n"
    changes = client.get(f"/api/v1/persons/{pid}/watch", headers=org_a.viewer).json()["changes"]
    assert [(c["change"], c["entity_id"]) for c in changes] == [("disappeared", "2017/40211")]


def test_users_create_list_invite_and_disable(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE3_PUBLIC_URL", "https://article3.example.org/")
    assert runner.invoke(cli, ["orgs", "create", "Helsinki Lawyers"]).exit_code == 0
    created = runner.invoke(
        cli, ["users", "create", "--org", "Helsinki Lawyers", "--role", "admin", "--username", "Maria.K"]
    )
    assert created.exit_code == 0, created.output
    url = created.stdout.strip().splitlines()[-1]
    assert url.startswith("https://article3.example.org/ui/invitations/")
    assert len(created.stdout.strip().splitlines()) == 1  # the URL alone on standard output
    again = runner.invoke(
        cli, ["users", "create", "--org", "Helsinki Lawyers", "--role", "viewer", "--username", "maria.k"]
    )
    assert again.exit_code == 1  # usernames are unique whatever their case
    assert "taken" in again.stderr
    assert (
        runner.invoke(
            cli, ["users", "create", "--org", "Nobody", "--role", "viewer", "--username", "x1"]
        ).exit_code
        == 1
    )
    bad = runner.invoke(
        cli, ["users", "create", "--org", "Helsinki Lawyers", "--role", "viewer", "--username", "a b"]
    )
    assert bad.exit_code == 1
    listed = runner.invoke(cli, ["users", "list", "--org", "Helsinki Lawyers"])
    assert listed.exit_code == 0
    assert "Maria.K" in listed.stdout
    assert "invited" in listed.stdout
    assert "admin" in listed.stdout

    settings = Settings(
        _env_file=None, database_url=env, secret_key="cli-test-secret-key-0123456789-abcdefghijklmnop"
    )
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        path = url.removeprefix("https://article3.example.org")
        assert client.get(path).status_code == 200
        fresh = runner.invoke(cli, ["users", "invite", "--org", "Helsinki Lawyers", "--username", "MARIA.K"])
        assert fresh.exit_code == 0, fresh.output
        assert client.get(path).status_code == 404  # the new link replaces the old one
        new_path = fresh.stdout.strip().splitlines()[-1].removeprefix("https://article3.example.org")
        assert client.get(new_path).status_code == 200
        disabled = runner.invoke(
            cli, ["users", "disable", "--org", "Helsinki Lawyers", "--username", "maria.k"]
        )
        assert disabled.exit_code == 0
        assert client.get(new_path).status_code == 404  # a disabled account's link no longer works
    assert "disabled" in runner.invoke(cli, ["users", "list", "--org", "Helsinki Lawyers"]).stdout
    assert (
        runner.invoke(
            cli, ["users", "invite", "--org", "Helsinki Lawyers", "--username", "maria.k"]
        ).exit_code
        == 1
    )
    assert runner.invoke(cli, ["audit", "verify"]).exit_code == 0
