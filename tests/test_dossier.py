"""The dossier (section 9): JSON with every part, Markdown a lawyer can paste into a filing."""

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import given, settings
from markdown_it.token import Token

from app.keyring import Keyring
from app.models.dossier import Dossier
from app.services.dossier import markdown
from tests.conftest import OrgTokens
from tests.factories import make_extradition, make_notice, make_person
from tests.services.test_markdown import GFM, TEXT, _blocks, _inline, _plain
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
        "documents",
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
        "| 2023-10-30 | Detained in Serbia \\(Belgrade airport\\) at Belarus's request on a red notice |"
        in text
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
    from app.models.dossier import DossierFormat
    from app.routers.negotiation import preferred_format

    assert preferred_format("") is DossierFormat.json
    assert preferred_format("text/markdown") is DossierFormat.markdown
    assert preferred_format("application/json, text/markdown;q=0.5") is DossierFormat.json
    assert preferred_format("application/json;q=0.1, text/markdown") is DossierFormat.markdown


USER_TEXT_KEYS = {
    "name",
    "aliases",
    "affiliations",
    "sources",
    "summary",
    "explanation",
    "court",
    "reference",
    "text",
}


def _with_text(value: Any, text: str, key: str | None = None) -> Any:
    """The dossier's JSON with every user-written value (and the sentences that quote one) set to `text`."""
    if isinstance(value, dict):
        return {k: _with_text(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_text(v, text, key) for v in value]
    return text if key in USER_TEXT_KEYS and isinstance(value, str) else value


def _structure(markdown: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Block structure (headings, lists, tables to the cell) and every inline construct but text."""
    tokens = GFM.parse(markdown)
    return _blocks(tokens), [c.type for c in _inline(tokens) if c.type != "text"]


def test_user_text_in_the_markdown_dossier_is_only_text(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(
        client,
        org_a.editor,
        name="Ivan Petrov\n# Forged heading\n\n| forged | row |",
        aliases=["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"],
        affiliations=["[click](javascript:alert(1))"],
        sources=["javascript:alert(1)", "<javascript:alert(1)>", "https://example.org/ruling"],
    )
    make_notice(client, org_a.editor, person["id"], requested_on="2019-03-01")
    make_extradition(client, org_a.editor, person["id"], court="Court | of *Appeal*\n## Forged")
    path = f"/api/v1/persons/{person['id']}/dossier?format=markdown"
    tokens = GFM.parse(client.get(path, headers=org_a.viewer).text)
    headings = [_rendered(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "Dossier: Ivan Petrov # Forged heading | forged | row |"
    assert not [h for h in headings[1:] if "Forged" in h]
    assert not [t for t in tokens if t.type == "html_block"]
    inline = _inline(tokens)
    assert not [c for c in inline if c.type in ("html_inline", "image")]
    assert [c.attrs["href"] for c in inline if c.type == "link_open"] == ["https://example.org/ruling"]
    court = next(_rendered(t) for t in tokens if t.type == "inline" and "Appeal" in t.content)
    assert court == "Court | of *Appeal* ## Forged"  # one cell, as written
    widths = {len(_cells(tokens, i)) for i, t in enumerate(tokens) if t.type == "tr_open"}
    assert widths == {3, 6}  # the chronology's three columns, the other tables' six: no cell added


def _rendered(inline: Token) -> str:
    return "".join(c.content for c in inline.children or [] if c.type == "text")


def _cells(tokens: list[Token], start: int) -> list[Token]:
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "tr_close")
    return [t for t in tokens[start:end] if t.type in ("td_open", "th_open")]


def test_no_user_text_adds_structure_to_a_real_dossier(
    client: TestClient, db: sa.Engine, keyring: Keyring
) -> None:
    """Every user-written field of a real dossier (the demo's fullest case) set to texts hypothesis
    draws: the Markdown keeps the structure it has with plain words there."""
    _, headers = _load(db, keyring)
    persons = client.get("/api/v1/persons?limit=200", headers=headers).json()["items"]
    pid = next(p["id"] for p in persons if p["name"] == "Andrei Gnyot")
    real = client.get(f"/api/v1/persons/{pid}/dossier", headers=headers).json()
    plain = _structure(markdown(Dossier.model_validate(_with_text(real, "plain words"))))

    @settings(max_examples=150, deadline=None)
    @given(text=TEXT.filter(lambda t: 0 < len(t.strip()) <= 200 and _plain(t)))
    def keeps_structure(text: str) -> None:
        blocks, inline = _structure(markdown(Dossier.model_validate(_with_text(real, text))))
        assert blocks == plain[0]
        assert [c for c in inline if c not in ("link_open", "link_close")] == plain[1]
        if "link_open" in inline:  # only a source that is an http(s) address becomes a link
            assert text.strip().lower().startswith(("http://", "https://"))

    keeps_structure()
