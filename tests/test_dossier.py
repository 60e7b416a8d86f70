"""The dossier (section 9): JSON with every part, Markdown a lawyer can paste into a filing."""

import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.keyring import Keyring
from tests.test_demo import _load


def test_dossier_json_and_markdown(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    _, headers = _load(db, keyring)
    persons = {
        p["name"]: p["id"] for p in client.get("/api/v1/persons?limit=200", headers=headers).json()["items"]
    }
    pid = persons["Andrei Gnyot"]
    response = client.get(f"/api/v1/persons/{pid}/dossier", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    dossier = response.json()
    assert set(dossier) == {
        "person",
        "protections",
        "notices",
        "detentions",
        "extraditions",
        "incidents",
        "challenges",
        "history",
        "flags",
        "states",
    }
    assert dossier["person"]["id"] == pid
    assert [s["state"] for s in dossier["states"]] == ["BY"]
    assert {f["code"] for f in dossier["flags"]} >= {"interpol_found_noncompliant", "travel_triggered"}
    assert dossier["challenges"][0]["outcome"] == "deleted"

    markdown = client.get(f"/api/v1/persons/{pid}/dossier", headers={**headers, "Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    for heading in (
        "# Dossier: Andrei Gnyot",
        "## Chronology",
        "## Indicators",
        "## Requesting states",
        "## The rules these indicators rest on",
    ):
        assert heading in text, heading
    assert (
        "| 2023-10-30 | Detained in Serbia (Belgrade airport) at Belarus's request on a red notice |" in text
    )
    assert "INTERPOL Constitution, Article 3" in text
    assert "Rules on the Processing of Data, Article 83" in text
    assert "refugee policy" in text
    assert "39 days after" in text
    assert client.get(f"/api/v1/persons/{pid}/dossier?format=markdown", headers=headers).text == text


def test_dossier_is_scoped_and_audited(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    _, headers = _load(db, keyring)
    from tests.conftest import make_org

    other = make_org(str(db.url.render_as_string(hide_password=False)), keyring, "Other")
    pid = client.get("/api/v1/persons?limit=1", headers=headers).json()["items"][0]["id"]
    assert client.get(f"/api/v1/persons/{pid}/dossier", headers=other.viewer).status_code == 404
    client.get(f"/api/v1/persons/{pid}/dossier", headers=headers)
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=headers).json()["items"]]
    assert actions[0] == "person.dossier_read"


def test_accept_quality_values_choose_the_format() -> None:
    from app.models.dossier import DossierFormat, preferred_format

    assert preferred_format("") is DossierFormat.json
    assert preferred_format("text/markdown") is DossierFormat.markdown
    assert preferred_format("application/json, text/markdown;q=0.5") is DossierFormat.json
    assert preferred_format("application/json;q=0.1, text/markdown") is DossierFormat.markdown
