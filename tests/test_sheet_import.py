"""Spreadsheets in: CSV in any common encoding and .xlsx, every row checked, all rows or none,
duplicates of existing persons reported and not created."""

import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import app as cli
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_person

HEADER = "name;aliases;birth_date;nationalities;categories;notice_channel;notice_requesting_state;notice_issued_on;notice_charges"
GOOD = [
    "Шабнам Худойдодова;Shabnam Khudoydodova;1977;TJ;opposition;red_notice;TJ;2015-03;Экстремизм;Призывы",
]


def post(
    client: TestClient,
    org: OrgTokens,
    content: bytes,
    *,
    dry_run: bool = False,
    filename: str = "clients.csv",
) -> httpx.Response:
    response: httpx.Response = client.post(
        f"/api/v1/imports/csv?dry_run={'true' if dry_run else 'false'}",
        files={"file": (filename, content, "application/octet-stream")},
        headers=org.editor,
    )
    return response


def persons(client: TestClient, org: OrgTokens) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/persons?limit=200", headers=org.viewer).json()["items"])


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_a_cp1251_csv_creates_persons_and_their_notices(client: TestClient, org_a: OrgTokens) -> None:
    body = csv_text(
        "Шабнам Худойдодова;Shabnam Khudoydodova;1977;TJ;opposition;red_notice;TJ;2015-03;Экстремизм",
        "Умарали Кувватов;Umarali Kuvvatov;1968;TJ;opposition;;;;",
    ).encode("cp1251")
    response = post(client, org_a, body)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 2,
        "created": {"persons": 2, "notices": 1},
        "duplicates": [],
        "problems": [],
    }
    by_name = {p["name"]: p for p in persons(client, org_a)}
    assert by_name["Шабнам Худойдодова"]["aliases"] == ["Shabnam Khudoydodova"]
    assert by_name["Шабнам Худойдодова"]["birth_date"] == "1977"
    notices = client.get(
        f"/api/v1/notices?person_id={by_name['Шабнам Худойдодова']['id']}", headers=org_a.viewer
    ).json()["items"]
    assert [(n["channel"], n["requesting_state"], n["issued_on"]) for n in notices] == [
        ("red_notice", "TJ", "2015-03")
    ]
    assert [c["text"] for c in notices[0]["charges"]] == ["Экстремизм"]
    actions = [e["action"] for e in client.get("/api/v1/audit?limit=20", headers=org_a.admin).json()["items"]]
    written = actions[actions.index("import.spreadsheet") :]
    assert written[:4] == ["import.spreadsheet", "import.person", "import.notice", "import.person"]


def test_broken_rows_are_all_reported_and_nothing_is_written(client: TestClient, org_a: OrgTokens) -> None:
    body = csv_text(
        "Good Person;;1980;TJ;opposition;;;;",
        "Bad Date;;1980-13-45;TJ;;;;;",
        ";;1970;XX;;red_notice;TJ;;",
        "Bad Notice;;1975;TJ;;telegram;TJ;;",
    ).encode()
    dry = post(client, org_a, body, dry_run=True)
    assert dry.status_code == 200
    problems = {(p["row"], p["column"]) for p in dry.json()["problems"]}
    assert {(3, "birth_date"), (4, "name"), (4, "nationalities"), (5, "notice_channel")} <= problems
    assert 2 not in {row for row, _ in problems}
    assert dry.json()["created"] == {"persons": 1, "notices": 0}
    real = post(client, org_a, body)
    assert real.status_code == 422
    assert real.json()["problems"] == dry.json()["problems"]
    assert real.json()["created"] == {"persons": 0, "notices": 0}
    assert persons(client, org_a) == []  # all or nothing


def test_an_unknown_column_is_a_problem_of_the_header(client: TestClient, org_a: OrgTokens) -> None:
    response = post(client, org_a, b"name,shoe_size\nIvan Petrov,44\n")
    assert response.status_code == 422
    assert response.json()["problems"][0]["row"] == 1
    assert response.json()["problems"][0]["column"] == "shoe_size"


def test_duplicates_are_found_by_the_matcher_and_not_created(client: TestClient, org_a: OrgTokens) -> None:
    existing = make_person(
        client, org_a.editor, name="Umarali Kuvvatov", birth_date="1968", nationalities=["TJ"]
    )
    body = csv_text("Умарали Кувватов;;1968;TJ;;red_notice;TJ;2014;").encode("utf-8")
    response = post(client, org_a, body)
    assert response.status_code == 201
    duplicate = response.json()["duplicates"][0]
    assert duplicate["row"] == 2
    assert duplicate["person_id"] == existing["id"]
    assert duplicate["score"] >= 0.9
    assert response.json()["created"] == {"persons": 0, "notices": 0}
    assert len(persons(client, org_a)) == 1


def test_another_organisations_persons_are_not_duplicates(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens
) -> None:
    make_person(client, org_b.editor, name="Umarali Kuvvatov", birth_date="1968", nationalities=["TJ"])
    response = post(client, org_a, csv_text("Umarali Kuvvatov;;1968;TJ;;;;;").encode())
    assert response.status_code == 201
    assert response.json()["duplicates"] == []


def test_an_xlsx_workbook_with_real_dates(client: TestClient, org_a: OrgTokens) -> None:
    from datetime import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Name", "Nationalities", "notice_channel", "notice_requesting_state", "notice_requested_on"]
    )
    sheet.append(["Ərşad Qədirli", "AZ; TR", "diffusion", "AZ", datetime(2019, 5, 17)])
    out = io.BytesIO()
    book.save(out)
    response = post(client, org_a, out.getvalue(), filename="clients.xlsx")
    assert response.status_code == 201, response.text
    person = persons(client, org_a)[0]
    assert person["name"] == "Ərşad Qədirli"
    assert person["nationalities"] == ["AZ", "TR"]
    notice = client.get(f"/api/v1/notices?person_id={person['id']}", headers=org_a.viewer).json()["items"][0]
    assert notice["requested_on"] == "2019-05-17"


@pytest.mark.parametrize("content", [b"\x00\x01\x02\xff\xfe\x00garbage\x00", b"PK\x03\x04not a zip", b""])
def test_unreadable_files_are_422(client: TestClient, org_a: OrgTokens, content: bytes) -> None:
    response = post(client, org_a, content)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_viewer_cannot_import(client: TestClient, org_a: OrgTokens) -> None:
    response = client.post(
        "/api/v1/imports/csv", files={"file": ("a.csv", b"name\nX\n", "text/csv")}, headers=org_a.viewer
    )
    assert response.status_code == 403


def test_the_command_line_imports_the_same_way(
    client: TestClient, org_a: OrgTokens, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)
    sheet = tmp_path / "clients.csv"
    sheet.write_bytes(csv_text("Ivan Petrov;;1970;RU;;red_notice;RU;2013;Hooliganism").encode("koi8-r"))
    dry = CliRunner().invoke(cli, ["import-csv", "--org", org_a.name, "--dry-run", str(sheet)])
    assert dry.exit_code == 0, dry.output
    assert "Would create 1 persons and 1 notices" in dry.stdout
    assert persons(client, org_a) == []
    real = CliRunner().invoke(cli, ["import-csv", "--org", org_a.name, str(sheet)])
    assert real.exit_code == 0, real.output
    assert [p["name"] for p in persons(client, org_a)] == ["Ivan Petrov"]
    sheet.write_text("name;birth_date\nBroken;31-12-1970\n")
    broken = CliRunner().invoke(cli, ["import-csv", "--org", org_a.name, str(sheet)])
    assert broken.exit_code == 1
    assert "row 2, column birth_date" in broken.output


def test_each_call_is_audited_and_counted_once_like_a_match(
    client: TestClient, org_a: OrgTokens, db: sa.Engine
) -> None:
    from sqlmodel import Session

    from app.models.base import utcnow
    from app.models.token import Role
    from app.services import quota

    token = org_a.token_ids[Role.editor]

    def used() -> int:
        with Session(db) as session:
            return quota.reads_today(session, token_id=token, now=utcnow())

    before = used()
    assert (
        post(client, org_a, csv_text("A One;;;;;;;;", "B Two;;;;;;;;").encode(), dry_run=True).status_code
        == 200
    )
    assert used() == before + 1
    assert post(client, org_a, csv_text("A One;;;;;;;;", "B Two;;;;;;;;").encode()).status_code == 201
    assert used() == before + 2  # the persons written are not each a read: the answer shows none of them
