"""The person page offers the dossier in every format, each a download named by the record id."""

from fastapi.testclient import TestClient

from app.models.dossier import MEDIA_TYPE, DossierFormat
from app.models.token import Role
from tests.conftest import OrgTokens
from tests.factories import make_person
from tests.ui.conftest import Demo, plain_token, sign_in

PDF = MEDIA_TYPE[DossierFormat.pdf]
DOCX = MEDIA_TYPE[DossierFormat.docx]


def test_the_person_page_offers_every_format(
    ui_client: TestClient, client: TestClient, org_a: OrgTokens
) -> None:
    person = make_person(client, org_a.editor, name="Ivan Petrov")
    sign_in(ui_client, plain_token(org_a, Role.viewer))
    client = ui_client
    page = client.get(f"/ui/persons/{person['id']}").text
    for suffix, media in (
        ("pdf", PDF),
        ("docx", DOCX),
        ("md", "text/markdown"),
        ("json", "application/json"),
    ):
        assert f"/ui/persons/{person['id']}/dossier.{suffix}" in page
        response = client.get(f"/ui/persons/{person['id']}/dossier.{suffix}")
        assert response.status_code == 200, suffix
        assert response.headers["content-type"].startswith(media)


def test_the_person_page_and_its_downloads_speak_the_readers_language(
    ui_client: TestClient, demo: Demo
) -> None:
    """In Russian the page's explanations and timeline, and the dossier downloaded from it, are Russian."""
    sign_in(ui_client, demo.tokens[Role.viewer])
    pid = demo.persons["Umarali Kuvvatov"]
    russian = ui_client.get(f"/ui/persons/{pid}?lang=ru").text
    assert "защита предоставлена от запрашивающего государства — Таджикистан" in russian
    assert "Задержание; страна пребывания — Турция (Istanbul)" in russian
    markdown = ui_client.get(f"/ui/persons/{pid}/dossier.md")
    assert markdown.headers["content-language"] == "ru"
    assert "## Хронология" in markdown.text
    english = ui_client.get(f"/ui/persons/{pid}?lang=en").text
    assert "against Tajikistan, the requesting state" in english
    assert ui_client.get(f"/ui/persons/{pid}/dossier.md").headers["content-language"] == "en"
