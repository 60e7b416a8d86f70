"""No request data in any log line, whatever fails.

Canary names (Latin and Cyrillic) go through every kind of failure a request can meet: a 422 at each
layer, a 401, a 404, a 409, a 413, INTERPOL failing, an import refused, a database that breaks under a
request, and exceptions forced inside a handler whose messages, causes or pydantic errors quote the
canary. Then the logs are searched for the canaries in every form a log could write them: as typed,
lower-case, romanised, percent-encoded, JSON-escaped and inside a cursor. In-process, pytest captures
every logger at DEBUG; the real server (uvicorn in its own process, access log on) is searched through
its own stdout and stderr.
"""

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from app.clients.interpol import InterpolClient
from app.db import make_engine
from app.deps import Names, get_interpol
from app.models.person import PersonCreate
from app.models.token import Role
from tests.conftest import SECRET, OrgTokens, serving
from tests.factories import make_person
from tests.ui.conftest import plain_token, sign_in

LATIN = "Zvonimir Kanarejkin"
CYRILLIC = "Звонимир Канарейкин"
WORDS = [*LATIN.split(), *CYRILLIC.split()]


def _cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


NEEDLES = sorted(
    {w.lower() for w in WORDS}
    | {quote(w).lower() for w in WORDS}  # percent-encoded, as a URL carries it
    | {json.dumps(w)[1:-1].lower() for w in WORDS}  # JSON-escaped
    | {"kanareykin", "kanareikin", "zvanimir"}  # romanised from the Cyrillic
    | {_cursor(LATIN).lower(), _cursor(CYRILLIC).lower()}
)


def assert_no_canary(text: str, where: str) -> None:
    found = [needle for needle in NEEDLES if needle in text.lower()]
    assert not found, f"{where} carries request data {found}:\n{text[-3000:]}"


def _failures(client: httpx.Client | TestClient, org: OrgTokens) -> dict[str, int]:
    """Every kind of failure a client can provoke with a canary in it; the status each gets."""
    person = client.post("/api/v1/persons", json={"name": LATIN, "aliases": [CYRILLIC]}, headers=org.editor)
    assert person.status_code == 201, person.text
    pid = person.json()["id"]
    key = {"Idempotency-Key": f"{LATIN} 1"}
    answers = {
        "body field": client.post(
            "/api/v1/persons", json={"name": CYRILLIC, "birth_date": "2015-02-30"}, headers=org.editor
        ),
        "unknown field": client.post(
            "/api/v1/persons", json={"name": LATIN, CYRILLIC: LATIN}, headers=org.editor
        ),
        "too long": client.post("/api/v1/persons", json={"name": CYRILLIC * 20}, headers=org.editor),
        "bad json": client.post(
            "/api/v1/persons",
            content=f'{{"name": "{CYRILLIC}", '.encode(),
            headers={**org.editor, "Content-Type": "application/json"},
        ),
        "query": client.get("/api/v1/persons", params={"q": CYRILLIC * 20}, headers=org.viewer),
        "id filter": client.get("/api/v1/notices", params={"person_id": LATIN}, headers=org.viewer),
        "cursor": client.get("/api/v1/audit", params={"cursor": _cursor(CYRILLIC)}, headers=org.admin),
        "search cursor": client.get(
            "/api/v1/persons", params={"q": LATIN, "cursor": _cursor(LATIN)}, headers=org.viewer
        ),
        "service rule": client.post(
            "/api/v1/persons",
            json={"name": LATIN, "related_persons": [{"person_id": str(uuid.uuid4()), "relation": "spouse"}]},
            headers=org.editor,
        ),
        "nul character": client.post(
            "/api/v1/tokens", json={"role": "viewer", "label": f"{LATIN}\x00"}, headers=org.admin
        ),
        "path": client.get(f"/api/v1/persons/{quote(CYRILLIC)}", headers=org.viewer),
        "patch missing": client.patch(
            f"/api/v1/persons/{LATIN.replace(' ', '-')}",
            json={"name": CYRILLIC},
            headers={**org.editor, "If-Match": '"1"'},
        ),
        "token": client.get("/api/v1/persons", headers={"Authorization": f"Bearer {LATIN}"}),
        "too large": client.post("/api/v1/persons", content=(CYRILLIC * 40_000).encode(), headers=org.editor),
        "first key": client.post("/api/v1/persons", json={"name": CYRILLIC}, headers={**org.editor, **key}),
        "replayed key": client.post("/api/v1/persons", json={"name": LATIN}, headers={**org.editor, **key}),
        "interpol check": client.post(f"/api/v1/persons/{pid}/interpol-checks", headers=org.editor),
        "interpol search": client.get(
            "/api/v1/interpol/red-notices", params={"name": LATIN}, headers=org.viewer
        ),
        "ui search": client.get("/ui/", params={"q": CYRILLIC}, follow_redirects=False),
    }
    return {what: response.status_code for what, response in answers.items()}


EXPECTED = {
    "body field": 422,
    "unknown field": 422,
    "too long": 422,
    "bad json": 422,
    "query": 422,
    "id filter": 422,
    "cursor": 422,
    "search cursor": 422,
    "service rule": 422,
    "nul character": 422,
    "path": 404,
    "patch missing": 404,
    "token": 401,
    "too large": 413,
    "first key": 201,
    "replayed key": 409,
    "interpol check": 502,
    "interpol search": 502,
    "ui search": 303,
}


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record of every logger, at every level."""
    caplog.set_level(logging.DEBUG)
    return caplog


def _server_side(caplog: pytest.LogCaptureFixture) -> str:
    """The captured lines, less those of the test's own HTTP client (it is an httpx client too)."""
    lines = [
        caplog.handler.format(r)
        for r in caplog.records
        if not (r.name == "httpx" and "//testserver/" in r.getMessage())
    ]
    return "\n".join(lines)


def _interpol_answering(status: int) -> Callable[[], InterpolClient]:
    """A client whose INTERPOL answers every request with `status` (httpx still logs each request)."""
    http = httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(status)),
        base_url="https://interpol.test",
    )
    client = InterpolClient(http, pauses_s=())
    return lambda: client


def test_failures_log_no_request_data(
    app: FastAPI, client: TestClient, org_a: OrgTokens, logged: pytest.LogCaptureFixture
) -> None:
    app.dependency_overrides[get_interpol] = _interpol_answering(500)
    statuses = _failures(client, org_a)
    app.dependency_overrides.clear()
    assert statuses == EXPECTED
    assert "HTTP Request: GET https://interpol.test/notices/v1/red" in logged.text  # httpx was heard
    assert_no_canary(_server_side(logged), "the log")


def _raising(exc: Exception) -> Callable[[], InterpolClient]:
    def dependency() -> InterpolClient:
        raise exc

    return dependency


def _validation_error() -> Exception:
    try:
        PersonCreate.model_validate({"name": CYRILLIC, "aliases": LATIN})
    except Exception as exc:  # a pydantic ValidationError, which quotes its input
        return exc
    raise AssertionError("the shape was valid")


def _database_error(database_url: str) -> Exception:
    engine = sa.create_engine(database_url)  # SQLAlchemy's default: parameters in the message
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT name FROM no_such_table WHERE name = :name"), {"name": LATIN})
    except sa.exc.DBAPIError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the query worked")


@pytest.mark.parametrize(
    "failure",
    [
        lambda _url: RuntimeError(f"lookup of {LATIN} failed"),
        lambda _url: _validation_error(),
        _database_error,
        lambda _url: KeyError(CYRILLIC),
    ],
    ids=["message", "pydantic", "sqlalchemy", "key"],
)
def test_an_unexpected_error_is_a_500_logged_by_type_and_request_id(
    app: FastAPI,
    client: TestClient,
    org_a: OrgTokens,
    database_url: str,
    logged: pytest.LogCaptureFixture,
    failure: Callable[[str], Exception],
) -> None:
    exc = failure(database_url)
    assert LATIN in str(exc) or CYRILLIC in str(exc)  # the canary is there to leak
    app.dependency_overrides[get_interpol] = _raising(exc)
    for path in (
        f"/api/v1/interpol/red-notices?name={LATIN}",
        f"/api/v1/interpol/red-notices?name={CYRILLIC}",
    ):
        response = client.get(path, headers=org_a.viewer)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        request_id = response.json()["request_id"]
        line = next(r.getMessage() for r in logged.records if request_id in r.getMessage())
        assert f"{type(exc).__name__}" in line
        assert "GET search_red_notices" in line
        assert_no_canary(response.text, "the 500")
    app.dependency_overrides.clear()
    assert_no_canary(_server_side(logged), "the log")


def test_database_errors_never_quote_their_parameters(database_url: str) -> None:
    engine = make_engine(database_url, writer=False, pooled=False)
    with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as conn:
        conn.execute(sa.text("SELECT name FROM no_such_table WHERE name = :name"), {"name": CYRILLIC})
    engine.dispose()
    assert "no_such_table" in str(failed.value)
    assert_no_canary(str(failed.value), "the database error")


def test_a_refused_import_logs_and_prints_no_value(
    env: str,
    org_a: OrgTokens,
    org_b: OrgTokens,
    client: TestClient,
    tmp_path: Path,
    logged: pytest.LogCaptureFixture,
) -> None:
    make_person(client, org_a.editor, name=LATIN, aliases=[CYRILLIC], birth_date="1980")
    export = tmp_path / "export.jsonl"
    assert CliRunner().invoke(cli, ["export", "--org", org_a.name, "--out", str(export)]).exit_code == 0
    lines = export.read_text(encoding="utf-8").splitlines()
    broken = []
    for line in lines:
        item = json.loads(line)
        if item["kind"] == "person":
            item["data"]["birth_date"] = CYRILLIC  # not a date
            item["data"]["sex"] = LATIN  # not a sex
        broken.append(json.dumps(item, ensure_ascii=False))
    export.write_text("\n".join(broken) + "\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["import", "--org", org_b.name, str(export)])
    assert refused.exit_code == 1, refused.output
    assert "line" in refused.output
    assert_no_canary(refused.output, "the import's report")
    assert_no_canary(_server_side(logged), "the log")


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    return database_url


@pytest.fixture
def server_output(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The real server in its own process, logging at DEBUG with uvicorn's access log on; yields its base
    URL and the file its stdout and stderr go to. INTERPOL's address (conftest's) is a closed port."""
    output = tmp_path / "server.log"
    with output.open("wb") as sink, serving(database_url, log_level="debug", output=sink) as base:
        yield base, output


def test_the_real_servers_output_carries_no_request_data(
    server_output: tuple[str, Path], org_a: OrgTokens, database_url: str
) -> None:
    base, output = server_output
    # A new connection per request: after a 500 the old server closed the connection.
    with httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0), timeout=30) as client:
        statuses = _failures(client, org_a)
        broken = make_engine(database_url, writer=True, pooled=False)
        with broken.begin() as conn:  # the database breaks under a write that holds a canary
            conn.execute(sa.text("ALTER TABLE webhook RENAME TO webhook_away"))
        try:
            failed = client.post(
                "/api/v1/webhooks",
                json={
                    "url": "https://93.184.215.14/hook",
                    "events": ["challenge.decided"],
                    "description": LATIN,
                },
                headers=org_a.admin,
            )
        finally:
            with broken.begin() as conn:
                conn.execute(sa.text("ALTER TABLE webhook_away RENAME TO webhook"))
            broken.dispose()
    assert statuses == EXPECTED
    assert failed.status_code == 500, failed.text
    time.sleep(0.5)  # the server's last lines reach the file
    text = output.read_text(encoding="utf-8", errors="replace")
    assert '"POST create_person HTTP/1.1" 201' in text  # the access log was on
    assert f"request {failed.json()['request_id']} failed" in text
    assert_no_canary(text, "the server's output")


def test_an_unexpected_error_on_a_page_is_the_500_page(
    app: FastAPI, database_url: str, org_a: OrgTokens, logged: pytest.LogCaptureFixture
) -> None:
    names_dependency = get_args(Names)[1].dependency  # the Depends() inside the alias
    app.dependency_overrides[names_dependency] = _raising(RuntimeError(f"index of {CYRILLIC} is gone"))
    with TestClient(app, base_url="https://testserver") as browser:
        sign_in(browser, plain_token(org_a, Role.viewer))
        page = browser.get("/ui/", params={"q": LATIN})
    app.dependency_overrides.clear()
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    assert "Something went wrong" in page.text
    assert "RuntimeError in GET search_page" in logged.text
    assert_no_canary(page.text, "the page")
    assert_no_canary(_server_side(logged), "the log")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/persons", {"name": f"{CYRILLIC}\x00"}, "name"),
        ("/api/v1/persons", {"name": LATIN, "aliases": [f"{LATIN}\x00"]}, "aliases"),
        ("/api/v1/tokens", {"role": "viewer", "label": f"{LATIN}\x00"}, "label"),
        (
            "/api/v1/webhooks",
            {"url": "https://93.184.215.14/hook", "events": ["challenge.decided"], "description": "\x00"},
            "description",
        ),
    ],
)
def test_a_nul_character_is_a_422_not_a_database_error(
    client: TestClient, org_a: OrgTokens, path: str, body: dict[str, Any], field: str
) -> None:
    """PostgreSQL refuses U+0000 in text: sent on, it was a 500 whose log line quoted the value."""
    response = client.post(path, json=body, headers=org_a.admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", field]
