"""Screening every person of an organisation against a FollowTheMoney dataset of red notices at once
(issue 18 item 1): clients hidden under other spellings are found, each gets a stored check with
`source: "ftm"`, a file that is not FtM is refused whole."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

import app as app_package
from app import middleware
from app.cli import app as cli
from app.clients.interpol import InterpolClient, open_interpol_http
from app.deps import get_interpol
from app.models.base import utcnow
from app.models.token import Role
from app.services import quota
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_person
from tests.fake_interpol import FakeInterpol

FIXTURE = (
    Path(app_package.__file__).parent.parent / "tests" / "data" / "ftm" / "interpol_red_notices.ftm.json"
)
NAZAROV = "interpol-red-2019-31877"
YUSUPOVA = "interpol-red-2020-10452"
CELIK = "interpol-red-2018-77001"


def post(client: TestClient, org: OrgTokens, content: bytes, *, role: Role = Role.editor) -> httpx.Response:
    response: httpx.Response = client.post(
        "/api/v1/screenings",
        files={"file": ("interpol_red_notices.ftm.json", content, "application/json")},
        headers=org.headers[role],
    )
    return response


def clients(client: TestClient, org: OrgTokens) -> dict[str, str]:
    """The organisation's persons, three of them hidden in the fixture under other spellings."""
    made = {
        "nazarov": make_person(
            client, org.editor, name="Бахтиёр Назаров", birth_date="1975", nationalities=["TJ"]
        ),
        "yusupova": make_person(
            client, org.editor, name="Юсупова Дилноза", birth_date="1982-04", nationalities=["UZ"]
        ),
        "celik": make_person(client, org.editor, name="Mehmet Çelik", nationalities=["TR"]),
        "karimov": make_person(client, org.editor, name="Aziz Karimov", nationalities=["UZ"]),
        "other": make_person(client, org.editor, name="Nodira Rakhimova", nationalities=["TJ"]),
    }
    return {key: str(p["id"]) for key, p in made.items()}


def checks(client: TestClient, org: OrgTokens, person_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/persons/{person_id}/interpol-checks", headers=org.viewer)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def count_rows(db: sa.Engine, table: str) -> int:
    with db.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def test_clients_hidden_under_other_spellings_are_found_and_checks_stored(
    client: TestClient, org_a: OrgTokens
) -> None:
    ids = clients(client, org_a)
    response = post(client, org_a, FIXTURE.read_bytes())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["dataset"] == "interpol_red_notices"
    assert body["dataset_date"] == "2026-12-03"
    assert body["entities"] == 14
    assert body["notices"] == 6
    assert body["persons_screened"] == 5
    found = {h["person_id"]: h for h in body["hits"]}
    assert set(found) == {ids["nazarov"], ids["yusupova"], ids["celik"]}  # not Aziz for Aziza Karimova
    assert found[ids["nazarov"]]["entity_ids"] == [NAZAROV]
    assert found[ids["yusupova"]]["entity_ids"] == [YUSUPOVA]
    assert all(h["score"] >= 0.7 for h in body["hits"])

    [check] = checks(client, org_a, ids["yusupova"])
    assert check["id"] == found[ids["yusupova"]]["check_id"]
    assert check["source"] == "ftm"
    assert check["dataset"] == "interpol_red_notices"
    assert check["dataset_date"] == "2026-12-03"
    assert check["screening_id"] == body["id"]
    assert check["query"] == []
    [hit] = check["hits"]
    assert hit["entity_id"] == YUSUPOVA
    assert (hit["name"], hit["forename"], hit["birth_date"]) == ("IUSUPOVA", "DILNOZA", "1982")
    assert hit["nationalities"] == ["UZ"]
    assert hit["requesting_states"] == ["RU", "UZ"]  # the countries of its two Sanction entities
    assert any("Юсупова" in line for line in hit["explanation"])
    assert checks(client, org_a, ids["karimov"]) == []
    assert checks(client, org_a, ids["other"]) == []


def test_a_notice_gone_from_the_next_dataset_is_no_longer_public(
    client: TestClient, org_a: OrgTokens
) -> None:
    ids = clients(client, org_a)
    assert post(client, org_a, FIXTURE.read_bytes()).status_code == 201
    lines = [line for line in FIXTURE.read_text().splitlines() if YUSUPOVA not in line]
    again = post(client, org_a, "\n".join(lines).encode())
    assert again.status_code == 201, again.text
    assert ids["yusupova"] not in {h["person_id"] for h in again.json()["hits"]}
    latest, first = checks(client, org_a, ids["yusupova"])
    assert latest["hits"] == []
    assert latest["no_longer_public"] == [YUSUPOVA]
    assert first["no_longer_public"] == []
    assert len(checks(client, org_a, ids["nazarov"])) == 2


def test_only_the_callers_persons_are_screened(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    ids = clients(client, org_a)
    response = post(client, org_b, FIXTURE.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["persons_screened"] == 0
    assert response.json()["hits"] == []
    assert checks(client, org_a, ids["nazarov"]) == []


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"name,birth_date\nNazarov,1975\n", "Line 1"),
        (b'{"id": "x", "schema": "Person", "properties": {"name": ["A B"]}}\n[1, 2]\n', "Line 2"),
        (b'{"id": "x", "schema": "NoSuchSchema", "properties": {}}\n', "Line 1"),
        (b'{"id": "c", "schema": "Company", "properties": {"name": ["Demo LLC"]}}\n', "no Person"),
        (b"\xff\xfe\x00garbage", "Line 1"),
        (b"", "no Person"),
    ],
)
def test_a_file_that_is_not_ftm_is_422_and_nothing_is_stored(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, content: bytes, detail: str
) -> None:
    clients(client, org_a)
    before = (count_rows(db, "interpol_check"), count_rows(db, "audit_entry"))
    response = post(client, org_a, content)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert detail in response.json()["detail"]
    assert (count_rows(db, "interpol_check"), count_rows(db, "audit_entry")) == before


def test_a_file_over_the_routes_limit_is_413(
    client: TestClient, org_a: OrgTokens, db: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients(client, org_a)
    monkeypatch.setitem(middleware.LARGER_BODIES, "/api/v1/screenings", 4096)
    response = post(client, org_a, FIXTURE.read_bytes())
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count_rows(db, "interpol_check") == 0


def test_the_route_takes_files_larger_than_the_usual_limit(client: TestClient, org_a: OrgTokens) -> None:
    ids = clients(client, org_a)
    filler = json.dumps({"id": "c", "schema": "Company", "properties": {"name": ["Filler " + "x" * 900]}})
    content = FIXTURE.read_bytes() + ((filler + "\n") * 1300).encode()  # about 1.2 MiB
    assert len(content) > middleware.MAX_BODY_BYTES
    response = post(client, org_a, content)
    assert response.status_code == 201, response.text
    assert ids["nazarov"] in {h["person_id"] for h in response.json()["hits"]}
    too_big = client.post("/api/v1/persons", content=content, headers=org_a.editor)
    assert too_big.status_code == 413  # elsewhere the 1 MiB limit stands


def test_viewers_cannot_screen(client: TestClient, org_a: OrgTokens) -> None:
    assert post(client, org_a, FIXTURE.read_bytes(), role=Role.viewer).status_code == 403


def test_each_call_is_audited_and_counted_once_like_a_match(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    clients(client, org_a)
    token = org_a.token_ids[Role.editor]

    def used() -> int:
        with Session(db) as session:
            return quota.reads_today(session, token_id=token, now=utcnow())

    before = used()
    assert post(client, org_a, FIXTURE.read_bytes()).status_code == 201
    assert used() == before + 1  # three checks stored, one answer
    with db.connect() as connection:
        actions = [
            row[0]
            for row in connection.execute(
                sa.text("SELECT action FROM audit_entry WHERE actor = :t ORDER BY seq"), {"t": token}
            )
        ]
    assert actions[-4:] == ["screening.checked"] * 3 + ["screening.ran"]


def test_the_command_line_screens_the_same_way(
    client: TestClient, org_a: OrgTokens, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = clients(client, org_a)
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    result = CliRunner().invoke(cli, ["screen", "--org", org_a.name, "--ftm", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert f"person {ids['nazarov']}: score 1.00" in result.stdout
    assert (
        "Screened 5 persons of Org A against 6 notices of interpol_red_notices (2026-12-03): 3 persons hit"
        in (result.stdout)
    )
    assert "Назаров" not in result.stdout
    [check] = checks(client, org_a, ids["celik"])
    assert (check["source"], check["hits"][0]["entity_id"]) == ("ftm", CELIK)


def test_the_command_line_refuses_a_file_that_is_not_ftm(
    org_a: OrgTokens, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    broken = tmp_path / "broken.json"
    broken.write_text("not json\n")
    result = CliRunner().invoke(cli, ["screen", "--org", org_a.name, "--ftm", str(broken)])
    assert result.exit_code == 1
    assert "Line 1" in result.output


def test_an_interpol_check_after_a_screening_does_not_call_its_notices_gone(
    client: TestClient, app: FastAPI, org_a: OrgTokens
) -> None:
    ids = clients(client, org_a)
    assert post(client, org_a, FIXTURE.read_bytes()).status_code == 201
    with FakeInterpol() as fake:
        http = open_interpol_http(fake.base_url, timeout_s=0.5)
        app.dependency_overrides[get_interpol] = lambda: InterpolClient(http, pauses_s=(0.01,), deadline_s=3)
        try:
            response = client.post(f"/api/v1/persons/{ids['nazarov']}/interpol-checks", headers=org_a.editor)
        finally:
            app.dependency_overrides.clear()
            http.close()
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "interpol"
    assert response.json()["no_longer_public"] == []  # the screening's hit is an FtM id, not INTERPOL's


def test_the_command_line_needs_an_organisation_that_exists(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    result = CliRunner().invoke(cli, ["screen", "--org", "No Such Org", "--ftm", str(FIXTURE)])
    assert result.exit_code == 1
    assert "Screened" not in result.stdout
