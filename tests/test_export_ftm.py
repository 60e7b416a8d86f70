"""The FollowTheMoney export for Aleph (issue 18 item 2): every line an entity the followthemoney model
reads back, the first saying the file holds personal data, persons and their records in the FtM
schemata for them, another organisation's records never in it."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from followthemoney import model
from followthemoney.proxy import EntityProxy
from typer.testing import CliRunner

from app.cli import app as cli
from tests.conftest import SECRET, OrgTokens
from tests.factories import make_detention, make_extradition, make_incident, make_notice, make_person


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARTICLE3_DATABASE_URL", database_url)
    monkeypatch.setenv("ARTICLE3_SECRET_KEY", SECRET)


def records(client: TestClient, org: OrgTokens) -> dict[str, Any]:
    person = make_person(
        client,
        org.editor,
        name="Шерзод Рахимов",
        aliases=["Sherzod Rakhimov"],
        birth_date="1979-04",
        sex="male",
        nationalities=["TJ", "RU"],
        categories=["opposition"],
        notes="Lives at a secret address",
        sources=["https://example.org/report-2016", "Interview, 2017"],
    )
    notice = make_notice(
        client,
        org.editor,
        person["id"],
        interpol_ref="2016/12345",
        requested_on="2015-11",
        issued_on="2016-02-22",
        status="published",
        charges=[{"text": "Extremism"}, {"text": "Calls to overthrow the constitutional order"}],
        sources=["https://example.org/notice"],
    )
    detention = make_detention(client, org.editor, person["id"], place="Izmir removal centre")
    extradition = make_extradition(client, org.editor, person["id"], opened_on="2015-01", court="Izmir court")
    make_incident(client, org.editor, person["id"])
    return {"person": person, "notice": notice, "detention": detention, "extradition": extradition}


def export(org: OrgTokens, out: Path) -> list[EntityProxy]:
    result = CliRunner().invoke(cli, ["export", "--org", org.name, "--format", "ftm", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "FollowTheMoney entities" in result.output
    return [model.get_proxy(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]


def test_every_line_is_an_ftm_entity_with_the_records_values(
    client: TestClient, org_a: OrgTokens, org_b: OrgTokens, cli_env: None, tmp_path: Path
) -> None:
    made = records(client, org_a)
    make_person(client, org_b.editor, name="Someone Else Entirely")
    entities = export(org_a, tmp_path / "org.ftm.json")

    note = entities[0]
    assert note.schema.name == "Note"
    assert "personal data" in str(note.first("description"))

    by_schema: dict[str, list[EntityProxy]] = {}
    for entity in entities[1:]:
        by_schema.setdefault(entity.schema.name, []).append(entity)
    assert sorted(by_schema) == ["CourtCase", "CourtCaseParty", "Event", "Person", "Sanction"]  # no incident

    [person] = by_schema["Person"]
    assert person.id == f"article3-person-{made['person']['id']}"
    assert person.get("name") == ["Шерзод Рахимов"]
    assert person.get("alias") == ["Sherzod Rakhimov"]
    assert person.get("birthDate") == ["1979-04"]
    assert sorted(person.get("nationality")) == ["ru", "tj"]
    assert person.get("gender") == ["male"]
    assert person.get("sourceUrl") == ["https://example.org/report-2016"]
    assert person.get("notes") == ["Source: Interview, 2017"]  # the person's own notes stay behind

    [sanction] = by_schema["Sanction"]
    assert sanction.get("entity") == [person.id]
    assert sanction.get("program") == ["Red notice"]
    assert sanction.get("authority") == ["INTERPOL"]
    assert sanction.get("authorityId") == ["2016/12345"]
    assert sanction.get("country") == ["tj"]
    assert sorted(sanction.get("reason")) == ["Calls to overthrow the constitutional order", "Extremism"]
    assert (sanction.get("date"), sanction.get("startDate")) == (["2015-11"], ["2016-02-22"])
    assert sanction.get("recordId") == [made["notice"]["id"]]
    assert sanction.get("sourceUrl") == ["https://example.org/notice"]

    [event] = by_schema["Event"]
    assert event.get("involved") == [person.id]
    assert (event.get("country"), event.get("date")) == (["tr"], ["2014-12-19"])
    assert "Izmir removal centre" not in json.dumps(event.to_dict())

    [case] = by_schema["CourtCase"]
    [party] = by_schema["CourtCaseParty"]
    assert case.get("country") == ["tr"]
    assert case.get("fileDate") == ["2015-01"]
    assert case.get("court") == ["Izmir court"]
    assert (party.get("case"), party.get("party")) == ([case.id], [person.id])

    text = (tmp_path / "org.ftm.json").read_text(encoding="utf-8")
    assert "Someone Else" not in text
    assert "secret address" not in text


def test_the_default_export_is_unchanged_and_ftm_is_opt_in(
    client: TestClient, org_a: OrgTokens, cli_env: None, tmp_path: Path
) -> None:
    records(client, org_a)
    result = CliRunner().invoke(cli, ["export", "--org", org_a.name, "--out", str(tmp_path / "plain.jsonl")])
    assert result.exit_code == 0, result.output
    first = json.loads((tmp_path / "plain.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first == {"kind": "format", "data": {"name": "article3.export", "version": 1}}
    refused = CliRunner().invoke(cli, ["export", "--org", org_a.name, "--format", "xml"])
    assert refused.exit_code == 2


def test_the_ftm_export_never_overwrites_a_file(org_a: OrgTokens, cli_env: None, tmp_path: Path) -> None:
    out = tmp_path / "there.json"
    out.write_text("keep me")
    result = CliRunner().invoke(cli, ["export", "--org", org_a.name, "--format", "ftm", "--out", str(out)])
    assert result.exit_code == 1
    assert out.read_text() == "keep me"
    assert (out.stat().st_mode & 0o777) != 0  # untouched


def test_to_standard_output_the_first_line_states_personal_data(
    client: TestClient, org_a: OrgTokens, cli_env: None
) -> None:
    records(client, org_a)
    result = CliRunner().invoke(cli, ["export", "--org", org_a.name, "--format", "ftm"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout.splitlines()[0])
    assert first["schema"] == "Note"
    assert "contains personal data" in first["properties"]["description"][0]
    assert (
        len(result.stdout.splitlines()) == 6
    )  # the note, a person, a notice, a detention, a case, its party
