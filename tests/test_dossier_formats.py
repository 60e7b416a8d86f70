"""The dossier in the filing formats: PDF and Word rendered in-process, with the facts, the exhibits, the
header and the provenance in the text a reader extracts; Accept negotiation and 406."""

import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest
import sqlalchemy as sa
from docx import Document
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.keyring import Keyring
from app.models.dossier import MEDIA_TYPE, DossierFormat
from app.routers.negotiation import preferred_format
from tests.conftest import OrgTokens
from tests.factories import make_extradition, make_notice, make_person
from tests.test_demo import _load

PDF = MEDIA_TYPE[DossierFormat.pdf]
DOCX = MEDIA_TYPE[DossierFormat.docx]
LETTERS = "Ҳуҷҷатҳо қӣӯғ · Қазақ ә ғ қ ң ө ұ ү һ і · Türkçe ğ ı İ ş · Azərbaycan ə"


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages)


def docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def demo_person(client: TestClient, db: sa.Engine, keyring: Keyring, name: str) -> tuple[str, dict[str, str]]:
    _, headers = _load(db, keyring)
    persons = client.get("/api/v1/persons?limit=200", headers=headers).json()["items"]
    return next(p["id"] for p in persons if p["name"] == name), headers


@pytest.mark.parametrize(("accept", "extract"), [(PDF, pdf_text), (DOCX, docx_text)])
def test_the_filing_formats_say_what_the_records_say(
    client: TestClient, db: sa.Engine, keyring: Keyring, accept: str, extract: Any
) -> None:
    pid, headers = demo_person(client, db, keyring, "Andrei Gnyot")
    dossier = client.get(f"/api/v1/persons/{pid}/dossier", headers=headers).json()
    response = client.get(f"/api/v1/persons/{pid}/dossier", headers={**headers, "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == accept
    assert response.headers["content-disposition"] == (
        f'attachment; filename="article3-dossier-{pid}.{"pdf" if accept == PDF else "docx"}"'
    )
    text = extract(response.content)
    for fact in (
        "Dossier: Andrei Gnyot",
        "Prepared by demo",
        "Privileged and confidential",
        "Chronology",
        "Detained in Serbia (Belgrade airport) at Belarus's request on a red notice",
        "2023-10-30",
        "INTERPOL Constitution, Article 3",
        "Exhibits",
        "E-1",
    ):
        assert fact.replace(" ", "") in text.replace(" ", ""), fact
    # Provenance: the hash is the JSON dossier's; the audit number is the newest change's.
    canonical = json.dumps(dossier, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert response.headers["article3-dossier-sha256"] == hashlib.sha256(canonical).hexdigest()
    assert hashlib.sha256(canonical).hexdigest() in text.replace(" ", "")
    assert f"audit entry No. {response.headers['article3-audit-seq']}" in text
    # Every record is an exhibit and every indicator cites exhibits.
    records = sum(
        len(dossier[k])
        for k in ("protections", "notices", "detentions", "extraditions", "incidents", "challenges")
    )
    assert f"E-{records}" in text
    assert "Evidence: E-" in text


def test_the_score_is_left_out_of_filings_unless_asked(
    client: TestClient, db: sa.Engine, keyring: Keyring
) -> None:
    pid, headers = demo_person(client, db, keyring, "Andrei Gnyot")
    plain = client.get(f"/api/v1/persons/{pid}/dossier?format=markdown", headers=headers).text
    scored = client.get(f"/api/v1/persons/{pid}/dossier?format=markdown&include=score", headers=headers).text
    assert "Score" not in plain
    assert re.search(r"Score \d\\?\.\d\d", scored)  # the dot is escaped in Markdown
    assert re.search(r"\d+ persons? recorded", plain)  # counts with their base
    assert client.get(f"/api/v1/persons/{pid}/dossier?include=everything", headers=headers).status_code == 422


@pytest.mark.parametrize(("accept", "extract"), [(PDF, pdf_text), (DOCX, docx_text)])
def test_letters_of_every_script_survive(
    client: TestClient, org_a: OrgTokens, accept: str, extract: Any
) -> None:
    person = make_person(client, org_a.editor, name=f"Ҷамшед Қодирӣ {LETTERS}", aliases=["Cəmşid Qədiri"])
    response = client.get(
        f"/api/v1/persons/{person['id']}/dossier", headers={**org_a.viewer, "Accept": accept}
    )
    assert response.status_code == 200
    text = extract(response.content)
    assert LETTERS.replace(" ", "") in text.replace(" ", "")
    assert "Cəmşid Qədiri" in text


def test_uyghur_and_chinese_names_have_their_glyphs_in_the_pdf(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, name="Dolkun Isa", aliases=["دولقۇن ئەيسا", "多里坤·艾沙"])
    body = client.get(f"/api/v1/persons/{person['id']}/dossier?format=pdf", headers=org_a.viewer).content
    reader = PdfReader(io.BytesIO(body))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
    }
    assert any(f.startswith("NotoNaskhArabic") for f in fonts), fonts
    assert any(f.startswith("DroidSansFallback") for f in fonts), fonts
    assert "多里坤·艾沙" in pdf_text(body)


def test_the_pdf_embeds_its_fonts_and_has_contents_and_page_numbers(
    client: TestClient, db: sa.Engine, keyring: Keyring
) -> None:
    pid, headers = demo_person(client, db, keyring, "Andrei Gnyot")
    body = client.get(f"/api/v1/persons/{pid}/dossier?format=pdf", headers=headers).content
    reader = PdfReader(io.BytesIO(body))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():  # type: ignore[index]
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
            fonts.add(str(font.get_object()["/BaseFont"]))
    # Noto Serif sets the text; a sign it lacks (an arrow) comes from Typst's own fonts, embedded too.
    assert {"NotoSerif-Regular", "NotoSerif-Bold"} <= {f.split("+")[-1] for f in fonts}, fonts
    pages = len(reader.pages)
    assert pages >= 2
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Contents" in first
    assert f"1 / {pages}" in first
    assert f"{pages} / {pages}" in " ".join(reader.pages[-1].extract_text().split())


def test_the_word_document_embeds_its_fonts(client: TestClient, db: sa.Engine, keyring: Keyring) -> None:
    pid, headers = demo_person(client, db, keyring, "Andrei Gnyot")
    body = client.get(f"/api/v1/persons/{pid}/dossier?format=docx", headers=headers).content
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        names = package.namelist()
        font_table = package.read("word/fontTable.xml").decode()
        settings = package.read("word/settings.xml").decode()
        relations = package.read("word/_rels/fontTable.xml.rels").decode()
        font = package.read("word/fonts/font1.odttf")
    assert {"word/fonts/font1.odttf", "word/fonts/font2.odttf"} <= set(names)
    key = re.search(r'w:embedRegular r:id="(rId\d+)" w:fontKey="\{([0-9A-F-]+)\}"', font_table)
    assert key
    assert 'w:name="Noto Serif"' in font_table
    assert key.group(1) in relations
    assert "<w:embedTrueTypeFonts/>" in settings
    # De-obfuscated with its key, the part is the font we ship.
    digits = key.group(2).replace("-", "")
    mask = bytes.fromhex("".join(digits[i : i + 2] for i in range(30, -2, -2)))
    clear = bytes(b ^ mask[i % 16] for i, b in enumerate(font[:32])) + font[32:]
    from importlib import resources

    assert clear == (resources.files("app") / "fonts" / "NotoSerif-Regular.ttf").read_bytes()
    document = Document(io.BytesIO(body))
    assert [p.style.name if p.style else None for p in document.paragraphs if p.text == "Chronology"] == [
        "Heading 1"
    ]
    assert "TOC" in document.element.xml
    assert "NUMPAGES" in document.sections[0].footer._element.xml


def test_accept_chooses_the_format_and_anything_else_is_406(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, name="Ivan Petrov")
    path = f"/api/v1/persons/{person['id']}/dossier"
    for accept, media in (
        ("", "application/json"),
        ("*/*", "application/json"),
        (PDF, PDF),
        (f"{DOCX}, application/json;q=0.5", DOCX),
        ("text/html, application/pdf;q=0.9", PDF),
    ):
        response = client.get(path, headers={**org_a.viewer, "Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"].split(";")[0] == media, accept
    before = client.get("/api/v1/audit", headers=org_a.admin).json()["items"][0]["seq"]
    refused = client.get(path, headers={**org_a.viewer, "Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    assert "application/pdf" in refused.json()["detail"]
    assert (
        client.get("/api/v1/audit", headers=org_a.admin).json()["items"][0]["seq"] == before
    )  # nothing read, nothing recorded
    assert preferred_format("application/json;q=0") is None
    assert preferred_format("image/png") is None
    # ?format= overrides the header.
    assert (
        client.get(f"{path}?format=pdf", headers={**org_a.viewer, "Accept": "text/html"}).status_code == 200
    )


def test_nothing_is_dropped_and_user_text_stays_text_in_the_pdf(client: TestClient, org_a: OrgTokens) -> None:
    person = make_person(client, org_a.editor, name='Ivan "#emph[x]" Petrov $ \\ *bold*')
    make_notice(
        client, org_a.editor, person["id"], requested_on="2019-03", note="Note with #strong[markup] <b>"
    )
    make_extradition(client, org_a.editor, person["id"], court="Court | of *Appeal*")
    body = client.get(f"/api/v1/persons/{person['id']}/dossier?format=pdf", headers=org_a.viewer).content
    text = pdf_text(body)
    assert 'Ivan "#emph[x]" Petrov $ \\ *bold*' in text
    assert "Note with #strong[markup] <b>" in text
    assert "Court | of *Appeal*" in text
    assert "Date unknown" in text  # the extradition has no date: it has its own part
