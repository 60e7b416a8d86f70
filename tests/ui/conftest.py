"""Fixtures for the web interface: the app with its UI, a browser-like client, the demo data, sign-in."""

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from starlette.routing import NoMatchFound

from app.db import make_engine, unit_of_work
from app.keyring import Keyring
from app.models.audit import AuditEntry
from app.models.person import Person
from app.models.token import Role, TokenCreate
from app.routers import ui
from app.services import demo as demo_service
from app.services import token as token_service
from app.services import user_account as user_service
from tests.conftest import SECRET, OrgTokens, truncate_all

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def with_ui(app: FastAPI) -> FastAPI:
    """The app with the UI router (a no-op once app/main.py includes it)."""
    try:
        app.url_path_for("login_form")
    except NoMatchFound:
        app.include_router(ui.router)
    return app


@pytest.fixture
def ui_client(app: FastAPI) -> Iterator[TestClient]:
    """A client on https://testserver: the session cookie is Secure there, as on any real host."""
    with TestClient(with_ui(app), base_url="https://testserver") as test_client:
        yield test_client


@dataclass
class Demo:
    """The demo organisation, a plain token per role, and its persons' ids by name."""

    org_id: str
    tokens: dict[Role, str] = field(default_factory=dict)
    token_ids: dict[Role, str] = field(default_factory=dict)
    persons: dict[str, str] = field(default_factory=dict)

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def load_demo(database_url: str, keyring: Keyring) -> Demo:
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        _, org = demo_service.load(session)
        demo = Demo(org_id=org.id)
        for role in Role:
            row, plain = token_service.create(session, org_id=org.id, data=TokenCreate(role=role), by=None)
            demo.tokens[role], demo.token_ids[role] = plain, row.id
        demo.persons = {p.name: p.id for p in session.exec(select(Person).where(Person.org_id == org.id))}
    engine.dispose()
    return demo


@pytest.fixture(scope="session")
def demo_template(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Demo] | None:
    """On SQLite, the demo cases loaded once per run into a copy of the migrated template."""
    if not migrated_url.startswith("sqlite"):
        return None
    target = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(Path(migrated_url.removeprefix("sqlite:///")), target)
    return target, load_demo(f"sqlite:///{target}", Keyring(SECRET.encode()))


@pytest.fixture
def database_url(migrated_url: str, tmp_path: Path, demo_template: tuple[Path, Demo] | None) -> str:
    """Each UI test's own database: a copy of the demo template (PostgreSQL: emptied, then loaded)."""
    if demo_template is None:
        truncate_all(migrated_url)
        return migrated_url
    target = tmp_path / "article3.db"
    shutil.copy(demo_template[0], target)
    return f"sqlite:///{target}"


@pytest.fixture
def demo(database_url: str, keyring: Keyring, demo_template: tuple[Path, Demo] | None) -> Demo:
    return demo_template[1] if demo_template is not None else load_demo(database_url, keyring)


def invite(database_url: str, keyring: Keyring, org_id: str, username: str, role: Role) -> str:
    """A new account's invitation path, as `article3 users create` makes it."""
    engine = make_engine(database_url, writer=True, pooled=False)
    with unit_of_work(engine, keyring) as session:
        _, plain = user_service.create(
            session, org_id=org_id, username=username, role=role, hours=72, by=None
        )
    engine.dispose()
    return f"/ui/invitations/{plain}"


def plain_token(org: OrgTokens, role: Role) -> str:
    return org.headers[role]["Authorization"].removeprefix("Bearer ")


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    form = client.get("/ui/login")
    answer = client.post(
        "/ui/login", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/ui/"


def audit_since(db: sa.Engine, seq: int) -> list[AuditEntry]:
    with Session(db) as session:
        return list(
            session.exec(select(AuditEntry).where(AuditEntry.seq > seq).order_by(col(AuditEntry.seq)))
        )


def last_seq(db: sa.Engine) -> int:
    with Session(db) as session:
        return int(session.exec(select(sa.func.coalesce(sa.func.max(AuditEntry.seq), 0))).one())
